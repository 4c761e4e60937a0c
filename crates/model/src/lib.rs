//! The common migration-state model of migdoctor.
//!
//! Pure data and pure logic: no I/O, no async, no database driver. Adapters translate one
//! framework's files and tracking table into these values; the engine plans repairs over them.
//!
//! ```
//! use migdoctor_model::{Framework, History, Migration, MigrationId, Site};
//! let site = Site::new(Framework::GolangMigrate, "db/migrations");
//! let mut history = History::new(site);
//! history.migrations.push(Migration::new("1", "create_users"));
//! history.migrations.push(Migration::new("2", "add_email").with_parents(["1"]));
//! assert_eq!(history.heads(), vec![MigrationId::from("2")]);
//! ```
#![warn(missing_docs)]

mod action;
mod adapter;
mod diagnose;
mod effect;
mod evidence;
mod finding;
mod framework;
mod history;
mod lookup;
mod plan;
mod schema;
mod sqltypes;
mod tracking;
mod tree;
mod urltext;

pub use action::Action;
pub use adapter::{Adapter, AdapterError, ConnectionFacts, LockKey};
pub use diagnose::{diagnose, diagnose_files, diagnose_with_evidence, tracked_applied};
pub use effect::{ConstraintDef, MigrationStatement, QName, SchemaEffect, StatementKind};
pub use evidence::{
    database_drift, infer, infer_in, ApparentState, Confidence, DatabaseDrift, Evidence,
    EvidenceStatus, Explained, ObjectKey, SiteEvidence, StatementEvidence,
};
pub use finding::{Finding, FindingCode, Severity};
pub use framework::Framework;
pub use history::{History, HistoryProblem, Migration, MigrationId};
pub use lookup::SchemaLookup;
pub use plan::{Choice, Plan, PlanStep, PlanTarget, PLAN_FORMAT_VERSION};
pub use schema::{
    is_tracking_table, LiveColumn, LiveConstraint, LiveEnum, LiveIndex, LiveObject, LiveSchema,
    LiveTable, KNOWN_TRACKING_TABLES,
};
pub use sqltypes::{values_equivalent, Column, Dialect, Rows, Sql, TableShape, Value};
pub use tracking::{Recognition, TrackedEntry, TrackingKind, TrackingLocation, TrackingState};
pub use tree::{
    is_skipped, join_path, normalize_path, parent_dir, FileLoader, Site, SourceFile, SourceTree,
    SKIPPED_DIRS,
};
pub use urltext::{percent_decode, redact};

/// Returns `f` applied to every item, spread over the machine's cores, in input order. Parsing
/// thousands of migration files is the one place migdoctor is CPU-bound.
pub fn par_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    if workers == 1 || items.len() < 64 {
        return items.iter().map(&f).collect();
    }
    let chunk = items.len().div_ceil(workers);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<R>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker panicked"))
            .collect()
    })
}

/// Returns the lowercase hex SHA-256 of `bytes`; used for state and plan fingerprints.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}
