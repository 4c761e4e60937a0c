//! Alembic support for migdoctor.
//!
//! Finds Alembic projects (`alembic.ini` sections, `pyproject.toml` `[tool.alembic]`, env.py
//! settings for the version table), reads revision files with a real Python parser
//! (rustpython-parser) into a revision graph with schema effects from `upgrade()`, decodes
//! `alembic_version` (one row per head) and renders `stamp` exactly as Alembic leaves it.
//!
//! ```
//! use migdoctor_adapter_alembic::Alembic;
//! use migdoctor_model::{Adapter, SourceTree};
//! let tree = SourceTree::new()
//!     .with_file("alembic.ini", "[alembic]\nscript_location = %(here)s/alembic\n")
//!     .with_file("alembic/versions/a1_init.py", "revision = 'a1'\ndown_revision = None\n")
//!     .with_file("alembic/versions/b2_next.py", "revision = 'b2'\ndown_revision = 'a1'\n");
//! let site = &Alembic.detect(&tree)[0];
//! let history = Alembic.load_history(&tree, site).unwrap();
//! assert_eq!(history.heads()[0].as_str(), "b2");
//! ```
#![warn(missing_docs)]

mod detect;
mod history;
mod identifiers;
mod ini;
mod merge;
mod ops;
mod render;
mod tracking;

pub use detect::{env_settings, sqlalchemy_url};
pub use history::{revision_facts, RevisionFile};
pub use ini::Ini;
pub use merge::merge_revision_text;
pub use tracking::DEFAULT_TABLE;

use migdoctor_model::{
    Action, Adapter, AdapterError, ConnectionFacts, Dialect, Framework, History, LockKey, Rows,
    Site, SourceTree, Sql, TableShape, TrackingLocation, TrackingState,
};

/// Returns nothing; the Alembic adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Alembic;

impl Adapter for Alembic {
    fn framework(&self) -> Framework {
        Framework::Alembic
    }

    fn wants(&self, path: &str) -> bool {
        // alembic.ini (or any .ini naming a script_location), pyproject.toml, env.py and the
        // revision files of the default layout (`<script_location>/versions/`); revisions in
        // other version locations are listed through `folders` once the config is read.
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let in_versions = dir == "versions" || dir.ends_with("/versions");
        name.ends_with(".ini")
            || name == "pyproject.toml"
            || name == "env.py"
            || (in_versions && [".py", ".pyc", ".pyo"].iter().any(|s| name.ends_with(s)))
    }

    fn folders(&self, site: &Site) -> Vec<(String, bool)> {
        let recursive = site
            .config
            .get("recursive_version_locations")
            .is_some_and(|v| v == "true");
        history::locations(site)
            .into_iter()
            .map(|l| (l, recursive))
            .collect()
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
        _dialect: Dialect,
        before: &TrackingState,
        actions: &[Action],
    ) -> Result<Rows, AdapterError> {
        render::expected_after(before, actions)
    }

    // Alembic takes no lock of its own; on SQLite migdoctor still holds the write lock.
    fn lock_key(&self, facts: &ConnectionFacts, _at: &TrackingLocation) -> Option<LockKey> {
        (facts.dialect == Dialect::Sqlite).then_some(LockKey::SqliteImmediate)
    }
}
