//! The migdoctor engine: reads projects, loads playbooks, makes plans and runs the apply
//! protocol (lock, fingerprint, backup, intent, one transaction, verify, outcome) and undo, and
//! keeps the audit journal whole when a run is killed at any instant.
//!
//! ```
//! use migdoctor_engine::Playbooks;
//! let playbooks = Playbooks::embedded().unwrap();
//! assert!(playbooks.get("golang-migrate/undirty").is_some());
//! ```
#![warn(missing_docs)]

mod ancestry;
mod apply;
mod audit;
mod backup;
mod error;
mod git;
mod inspect;
mod intent;
mod journal;
mod planner;
mod playbook;
mod reconcile;
mod registry;
mod tree;
mod undo;

pub use ancestry::unknown_ancestry;
pub use apply::{apply, row_difference, ApplyOptions, ApplyReport};
pub use audit::{verify, Gap, Verification};
pub use backup::{read_backup, sweep_leftovers, write_backup, Backup, Leftover, Written};
pub use error::{EngineError, FaultPoint, ABORT_ENV};
pub use git::{git_hits, git_locate, GitHit};
pub use inspect::{
    drift, drift_findings, findings, load_history, read_tracking, read_tracking_at, report_history,
    report_site, SiteReport, Snapshot, SNAPSHOT_FORMAT_VERSION,
};
pub use journal::{
    append_journal, read_journal, who, Entry, Journal, Line, LineProblem, Record, Status,
    JOURNAL_VERSION,
};
pub use planner::{plan, recommend, state_vars, PlanInput, Recommended};
pub use playbook::{fill, Param, Playbook, Playbooks, StepTemplate, EMBEDDED};
pub use reconcile::{recover, Reconciled, Recovery, Unreconciled};
pub use registry::{adapter_for, adapters};
pub use tree::{add_folders, read_tree, WalkOptions, MAX_FILE_BYTES, SKIPPED_DIRS};
pub use undo::undo;
