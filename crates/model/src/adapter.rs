use crate::{
    Action, Dialect, Finding, Framework, History, Rows, Site, SiteEvidence, SourceTree, Sql,
    TableShape, TrackingLocation, TrackingState,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Returns nothing; facts about the connected database that adapters need to place their table
/// and compute their lock keys. The db crate fills it once per connection.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionFacts {
    /// Dialect.
    pub dialect: Dialect,
    /// Database name (`current_database()`, `DATABASE()`, or the SQLite file path).
    pub database: String,
    /// Default schema (`current_schema()` on PostgreSQL, the database on MySQL, `None` on SQLite).
    pub current_schema: Option<String>,
}

/// Returns nothing; a lock a framework's migrator takes, so a repair waits for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LockKey {
    /// PostgreSQL session advisory lock on a bigint key.
    PgAdvisory {
        /// The key.
        key: i64,
    },
    /// MySQL `GET_LOCK(name, timeout)`.
    MysqlNamed {
        /// The lock name.
        name: String,
    },
    /// SQLite: the write lock of `BEGIN IMMEDIATE`.
    SqliteImmediate,
}

impl LockKey {
    /// Returns the SQL a human would run to take this lock, for plans.
    pub fn describe(&self) -> String {
        match self {
            LockKey::PgAdvisory { key } => format!("SELECT pg_advisory_lock({key})"),
            LockKey::MysqlNamed { name } => format!("SELECT GET_LOCK('{name}', 10)"),
            LockKey::SqliteImmediate => "BEGIN IMMEDIATE".into(),
        }
    }
}

/// Returns nothing; why an adapter could not read or render something. Findings are not errors:
/// an `AdapterError` means migdoctor could not look.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum AdapterError {
    /// A file could not be read or decoded.
    #[error("cannot read migration file {path}: {reason}")]
    UnreadableFile {
        /// The file, relative to the project root.
        path: String,
        /// What went wrong.
        reason: String,
    },
    /// A tracking row holds a value the framework could never have written.
    #[error("tracking table {table}, row {row}: {reason}")]
    InvalidTrackingValue {
        /// The table.
        table: String,
        /// 1-based row.
        row: usize,
        /// What is wrong.
        reason: String,
    },
    /// The action cannot be performed on this framework's table.
    #[error("{framework} cannot {action}: {reason}")]
    Unsupported {
        /// The framework.
        framework: Framework,
        /// The action described.
        action: String,
        /// Why.
        reason: String,
    },
    /// An action names a value the framework cannot store.
    #[error("invalid value for {what}: {reason}")]
    InvalidValue {
        /// What the value is for.
        what: String,
        /// Why it is invalid.
        reason: String,
    },
}

/// Returns nothing; the contract every framework adapter implements.
///
/// Implementer's checklist:
/// - `wants` names the files the adapter may read (by name or folder shape), so the walk of
///   a monorepo keeps only those paths; `detect` and `load_history` read only what they use.
/// - `folders` names the folders a site's configuration points at, outside what `wants` keeps.
/// - `detect` finds every site in the tree, including the table name and database URL the
///   project itself configures; it never fails, it skips what it does not recognise.
/// - `load_history` reports bad files as [`crate::HistoryProblem`]s where the framework would
///   ignore or reject them, and returns `Err` only when a file migdoctor needs cannot be read.
/// - `tracking_query` reads every column (so backups are complete); `decode_tracking` keeps raw
///   values, never repairs them, and reports another tool's table as `Unrecognized`.
/// - `render` is pure and returns exactly the SQL apply will run.
/// - `expected_after` predicts the rows after actions, so apply can verify before commit.
/// - `lock_key` returns the framework's own lock, computed exactly as the framework does.
pub trait Adapter: Send + Sync {
    /// Returns the framework.
    fn framework(&self) -> Framework;

    /// Returns whether a file at `path` (relative, `/`-separated) may matter to this adapter:
    /// a marker or configuration file, or a file named like one of its migrations. The walk
    /// keeps only the paths some adapter wants, and a file is read only when the adapter asks
    /// for it, so this must be cheap and may be generous, never narrow.
    fn wants(&self, path: &str) -> bool;

    /// Returns every site of this framework in the tree.
    fn detect(&self, tree: &SourceTree) -> Vec<Site>;

    /// Returns the folders (project-relative, and whether to include their subfolders) whose
    /// files `site` needs although `wants` did not keep them, because only the site's
    /// configuration says where they are (Alembic's `version_locations`). The engine lists
    /// them before `load_history`.
    fn folders(&self, _site: &Site) -> Vec<(String, bool)> {
        Vec::new()
    }

    /// Returns the declared history of one site.
    fn load_history(&self, tree: &SourceTree, site: &Site) -> Result<History, AdapterError>;

    /// Returns where the tracking table lives for this site on this connection.
    fn tracking_location(&self, site: &Site, facts: &ConnectionFacts) -> TrackingLocation;

    /// Returns the query that reads the whole tracking table.
    fn tracking_query(&self, dialect: Dialect, at: &TrackingLocation) -> Sql;

    /// Returns the tracking state decoded from the table's shape and rows (`shape` is `None`
    /// when the table does not exist).
    fn decode_tracking(
        &self,
        at: &TrackingLocation,
        shape: Option<&TableShape>,
        rows: &Rows,
    ) -> Result<TrackingState, AdapterError>;

    /// Returns the SQL that performs `action` on the tracking table.
    fn render(
        &self,
        dialect: Dialect,
        at: &TrackingLocation,
        action: &Action,
    ) -> Result<Vec<Sql>, AdapterError>;

    /// Returns the rows the tracking table holds after `actions` are applied to `before`.
    fn expected_after(
        &self,
        dialect: Dialect,
        before: &TrackingState,
        actions: &[Action],
    ) -> Result<Rows, AdapterError>;

    /// Returns the framework's own lock for this table, if it has one.
    fn lock_key(&self, facts: &ConnectionFacts, at: &TrackingLocation) -> Option<LockKey>;

    /// Returns nothing; fits the decoded tracking state to the declared history where the
    /// framework's own loader does so before deciding what is applied: Drizzle names rows by
    /// hash and `when`, not by tag; Django counts a squash as applied once every migration it
    /// replaces is recorded. Called once both are known, before any diagnosis. Default: nothing.
    fn settle(&self, _history: &mut History, _tracking: &mut TrackingState) {}

    /// Returns the findings only this framework's rules give (Django's per-app leaf nodes,
    /// Drizzle's skipped entries), added to the common diagnosis. `tracking` is `None` when no
    /// database was read. Default: none.
    fn findings(&self, _history: &History, _tracking: Option<&TrackingState>) -> Vec<Finding> {
        Vec::new()
    }

    /// Returns nothing; rewrites the common findings where the framework's own decision differs
    /// from the common rule, with the schema evidence when it was read (Drizzle's high-water
    /// mark decides what the next run applies, and which untracked entries it skips forever).
    /// Called after [`Adapter::findings`]. Default: nothing.
    fn revise(
        &self,
        _history: &History,
        _tracking: Option<&TrackingState>,
        _evidence: Option<&SiteEvidence>,
        _findings: &mut Vec<Finding>,
    ) {
    }

    /// Returns the SQL that performs `action` on the table `before` describes, where the row
    /// an action writes comes from the files (a Drizzle row holds the file's hash and the
    /// journal's `when`, not the tag). The planner calls this. Default: [`Adapter::render`].
    fn render_in(
        &self,
        dialect: Dialect,
        before: &TrackingState,
        _history: &History,
        action: &Action,
    ) -> Result<Vec<Sql>, AdapterError> {
        self.render(dialect, &before.location, action)
    }

    /// Returns the rows after `actions`, like [`Adapter::expected_after`], with the files at
    /// hand. The planner calls this. Default: [`Adapter::expected_after`].
    fn expected_after_in(
        &self,
        dialect: Dialect,
        before: &TrackingState,
        _history: &History,
        actions: &[Action],
    ) -> Result<Rows, AdapterError> {
        self.expected_after(dialect, before, actions)
    }
}
