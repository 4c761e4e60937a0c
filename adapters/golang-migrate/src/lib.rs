//! golang-migrate support for migdoctor.
//!
//! Reads `{version}_{title}.up.{ext}` / `.down.{ext}` folders and golang-migrate's single-row
//! `schema_migrations(version, dirty)` table on PostgreSQL, MySQL/MariaDB and SQLite, renders
//! `force`-style edits to the exact SQL golang-migrate itself runs, and computes its lock keys.
//! Every fact here was read from `golang-migrate/migrate` (snapshot 18966c75, v4.19.1+9); the
//! file is cited beside each one.
//!
//! ```
//! use migdoctor_adapter_golang_migrate::GolangMigrate;
//! use migdoctor_model::{Adapter, SourceTree};
//! let tree = SourceTree::new()
//!     .with_file("db/migrations/1_init.up.sql", "CREATE TABLE t (id int);")
//!     .with_file("db/migrations/1_init.down.sql", "DROP TABLE t;");
//! let sites = GolangMigrate.detect(&tree);
//! let history = GolangMigrate.load_history(&tree, &sites[0]).unwrap();
//! assert_eq!(history.migrations[0].id.as_str(), "1");
//! assert!(history.migrations[0].has_down);
//! ```
#![warn(missing_docs)]

mod detect;
mod history;
mod lock;
mod render;
mod tracking;

pub use detect::configured_paths;
pub use history::{parse_file_name, ParsedName};
pub use lock::advisory_lock_id;

use migdoctor_model::{
    Action, Adapter, AdapterError, ConnectionFacts, Dialect, Framework, History, LockKey, Rows,
    Site, SourceTree, Sql, TableShape, TrackingLocation, TrackingState,
};

/// Returns nothing; golang-migrate's default tracking table (`DefaultMigrationsTable` in every
/// driver).
pub const DEFAULT_TABLE: &str = "schema_migrations";

/// Returns nothing; the golang-migrate adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct GolangMigrate;

impl Adapter for GolangMigrate {
    fn framework(&self) -> Framework {
        Framework::GolangMigrate
    }

    fn wants(&self, path: &str) -> bool {
        let name = path.rsplit('/').next().unwrap_or(path);
        // A migration, or a lookalike the folder check reports (`parse_file_name` is Ok(None)
        // only for names that are clearly not migrations). Most names of a monorepo start
        // with a letter and have no ".up"/".down": they are turned away before parsing.
        let maybe = name.as_bytes().first().is_some_and(u8::is_ascii_digit)
            || name.match_indices('.').any(|(i, _)| {
                let rest = &name.as_bytes()[i + 1..];
                rest.len() >= 2
                    && (rest[..2].eq_ignore_ascii_case(b"up")
                        || (rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(b"down")))
            });
        (maybe && !matches!(parse_file_name(name), Ok(None))) || detect::is_config_file(path)
    }

    fn detect(&self, tree: &SourceTree) -> Vec<Site> {
        detect::detect(tree)
    }

    fn load_history(&self, tree: &SourceTree, site: &Site) -> Result<History, AdapterError> {
        history::load_history(tree, site)
    }

    fn tracking_location(&self, site: &Site, facts: &ConnectionFacts) -> TrackingLocation {
        tracking::location(site, facts)
    }

    fn tracking_query(&self, dialect: Dialect, at: &TrackingLocation) -> Sql {
        migdoctor_sql::select_all(dialect, at)
    }

    fn decode_tracking(
        &self,
        at: &TrackingLocation,
        shape: Option<&TableShape>,
        rows: &Rows,
    ) -> Result<TrackingState, AdapterError> {
        tracking::decode(at, shape, rows)
    }

    fn render(
        &self,
        dialect: Dialect,
        at: &TrackingLocation,
        action: &Action,
    ) -> Result<Vec<Sql>, AdapterError> {
        render::render(dialect, at, action)
    }

    fn expected_after(
        &self,
        dialect: Dialect,
        before: &TrackingState,
        actions: &[Action],
    ) -> Result<Rows, AdapterError> {
        render::expected_after(dialect, before, actions)
    }

    fn lock_key(&self, facts: &ConnectionFacts, at: &TrackingLocation) -> Option<LockKey> {
        lock::lock_key(facts, at)
    }
}
