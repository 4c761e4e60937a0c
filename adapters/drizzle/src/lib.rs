//! Drizzle support for migdoctor.
//!
//! Finds Drizzle projects (`drizzle.config.*` read as text, `meta/_journal.json` folders of
//! the 0.x line, `<timestamp>_<name>/migration.sql` folders of 1.0), reads each migration and
//! its hash exactly as drizzle-orm's `readMigrationFiles` does, decodes `__drizzle_migrations`
//! on PostgreSQL (schema `drizzle`), MySQL/MariaDB and SQLite in both table generations, maps
//! each row (hash, created_at) back to its journal entry, and models the migrator's
//! high-water-mark decision, so diagnosis says what the next `migrate` will run, where it will
//! fail, and which entries it will skip while still printing success.
//!
//! ```
//! use migdoctor_adapter_drizzle::Drizzle;
//! use migdoctor_model::{Adapter, SourceTree};
//! let tree = SourceTree::new()
//!     .with_file("drizzle/meta/_journal.json", r#"{"version":"7","dialect":"postgresql","entries":[
//!         {"idx":0,"version":"7","when":1700000000000,"tag":"0000_init","breakpoints":true}]}"#)
//!     .with_file("drizzle/0000_init.sql", "CREATE TABLE t (id int);\n");
//! let site = &Drizzle.detect(&tree)[0];
//! let history = Drizzle.load_history(&tree, site).unwrap();
//! assert_eq!(history.migrations[0].id.as_str(), "0000_init");
//! assert_eq!(history.migrations[0].timestamp, Some(1700000000000));
//! ```
#![warn(missing_docs)]

mod config;
mod decide;
mod detect;
mod findings;
mod history;
mod render;
mod tracking;

pub use config::{parse_config, DrizzleConfig, Setting};
pub use decide::{js_number, predict, Prediction};
pub use history::{drizzle_hash, folder_millis, BREAKPOINT};

use migdoctor_model::{
    Action, Adapter, AdapterError, ConnectionFacts, Dialect, Finding, Framework, History, LockKey,
    Rows, Site, SiteEvidence, SourceTree, Sql, TableShape, TrackingLocation, TrackingState,
};

/// Returns nothing; the migrator's default table (`migrationsTable` in every dialect).
pub const DEFAULT_TABLE: &str = "__drizzle_migrations";

/// Returns nothing; the Drizzle adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Drizzle;

impl Adapter for Drizzle {
    fn framework(&self) -> Framework {
        Framework::Drizzle
    }

    fn wants(&self, path: &str) -> bool {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = dir.rsplit('/').next().unwrap_or(dir);
        detect::is_config_name(name)
            || name == ".env"
            || name == ".env.local"
            // the journal and snapshots
            || ((parent == "meta") && (name == "_journal.json" || name.ends_with("_snapshot.json")))
            // 0.x files: tags start with a prefix of digits, or `_` with prefix "none"
            || (name.ends_with(".sql") && name.as_bytes().first().is_some_and(|c| c.is_ascii_digit() || *c == b'_'))
            // 1.0 folders
            || ((name == "migration.sql" || name == "snapshot.json") && detect::is_v1_folder(parent))
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
        Ok(tracking::decode(at, shape, rows))
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
        _dialect: Dialect,
        before: &TrackingState,
        actions: &[Action],
    ) -> Result<Rows, AdapterError> {
        let history = History::new(Site::new(Framework::Drizzle, ""));
        render::expected_after_in(before, &history, actions)
    }

    // Drizzle takes no lock (tracking-formats.md §5.6); on SQLite migdoctor holds the write lock.
    fn lock_key(&self, facts: &ConnectionFacts, _at: &TrackingLocation) -> Option<LockKey> {
        (facts.dialect == Dialect::Sqlite).then_some(LockKey::SqliteImmediate)
    }

    fn settle(&self, history: &mut History, tracking: &mut TrackingState) {
        tracking::settle(history, tracking);
    }

    fn findings(&self, history: &History, tracking: Option<&TrackingState>) -> Vec<Finding> {
        findings::findings(history, tracking)
    }

    fn revise(
        &self,
        history: &History,
        tracking: Option<&TrackingState>,
        evidence: Option<&SiteEvidence>,
        findings: &mut Vec<Finding>,
    ) {
        findings::revise(history, tracking, evidence, findings);
    }

    fn render_in(
        &self,
        dialect: Dialect,
        before: &TrackingState,
        history: &History,
        action: &Action,
    ) -> Result<Vec<Sql>, AdapterError> {
        render::render_in(dialect, before, history, action)
    }

    fn expected_after_in(
        &self,
        _dialect: Dialect,
        before: &TrackingState,
        history: &History,
        actions: &[Action],
    ) -> Result<Rows, AdapterError> {
        render::expected_after_in(before, history, actions)
    }
}
