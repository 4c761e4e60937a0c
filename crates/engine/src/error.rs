use migdoctor_db::DbError;
use migdoctor_model::{AdapterError, Choice};
use thiserror::Error;

/// Returns nothing; the point in the apply protocol where a test injects a failure
/// ([`crate::ApplyOptions::fault`]) or, through the hidden `MIGDOCTOR_ABORT_AT=<name>`
/// environment variable, kills the process with `std::process::abort()` (names: see
/// [`FaultPoint::name`]).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultPoint {
    /// After the locks are taken.
    AfterLock,
    /// After the fingerprint check.
    AfterFingerprint,
    /// After the backup's temporary file is written and synced, before it is renamed.
    AfterBackupTemp,
    /// After the backup file is renamed into place.
    AfterBackup,
    /// After the `pending` journal record (the intent) is appended and synced.
    AfterPending,
    /// After the first statement of the steps.
    MidSteps,
    /// The server drops the connection after the first statement.
    SeverMidSteps,
    /// After every statement, before verification.
    AfterSteps,
    /// After verification, before commit.
    AfterVerify,
    /// After commit, before the outcome record.
    AfterCommit,
    /// After the outcome record.
    AfterOutcome,
}

impl FaultPoint {
    /// Every point, in protocol order.
    pub const ALL: [FaultPoint; 11] = [
        FaultPoint::AfterLock,
        FaultPoint::AfterFingerprint,
        FaultPoint::AfterBackupTemp,
        FaultPoint::AfterBackup,
        FaultPoint::AfterPending,
        FaultPoint::MidSteps,
        FaultPoint::SeverMidSteps,
        FaultPoint::AfterSteps,
        FaultPoint::AfterVerify,
        FaultPoint::AfterCommit,
        FaultPoint::AfterOutcome,
    ];

    /// Returns the name `MIGDOCTOR_ABORT_AT` takes, e.g. `after-commit`.
    pub fn name(self) -> &'static str {
        match self {
            FaultPoint::AfterLock => "after-lock",
            FaultPoint::AfterFingerprint => "after-fingerprint",
            FaultPoint::AfterBackupTemp => "after-backup-temp",
            FaultPoint::AfterBackup => "after-backup",
            FaultPoint::AfterPending => "after-pending",
            FaultPoint::MidSteps => "mid-statements",
            FaultPoint::SeverMidSteps => "sever-mid-statements",
            FaultPoint::AfterSteps => "after-statements",
            FaultPoint::AfterVerify => "after-verify",
            FaultPoint::AfterCommit => "after-commit",
            FaultPoint::AfterOutcome => "after-outcome",
        }
    }

    /// Returns the point named `name`.
    pub fn from_name(name: &str) -> Option<FaultPoint> {
        FaultPoint::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// The hidden test hook: the name of a [`FaultPoint`] at which the process aborts.
#[doc(hidden)]
pub const ABORT_ENV: &str = "MIGDOCTOR_ABORT_AT";

/// Aborts the process (no unwinding, no destructors: as close to `kill -9` as a process can do
/// to itself) when `MIGDOCTOR_ABORT_AT` names `at`.
pub(crate) fn abort_if_asked(at: FaultPoint) {
    if std::env::var(ABORT_ENV).is_ok_and(|v| v == at.name()) {
        std::process::abort();
    }
}

/// Returns nothing; why the engine could not do what was asked. Messages name the file, table or
/// URL (redacted) and say what to do next.
#[derive(Debug, Error)]
pub enum EngineError {
    /// The project folder could not be read.
    #[error("cannot read {path}: {reason}")]
    Tree {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// A playbook file is invalid.
    #[error("invalid playbook {file}: {reason}")]
    Playbook {
        /// The file.
        file: String,
        /// Why.
        reason: String,
    },
    /// An adapter could not read or render.
    #[error("{site}: {source}")]
    Adapter {
        /// The site label.
        site: String,
        /// The adapter's error.
        source: AdapterError,
    },
    /// The database could not be used.
    #[error(transparent)]
    Db(#[from] DbError),
    /// No playbook with that id.
    #[error("no playbook {0:?}\nhint: `migdoctor playbooks list` shows them")]
    UnknownPlaybook(String),
    /// The playbook does not fit this state.
    #[error("playbook {playbook} does not apply to {site}: {reason}")]
    NotApplicable {
        /// Playbook id.
        playbook: String,
        /// Site label.
        site: String,
        /// Why.
        reason: String,
    },
    /// A required parameter was not given; the choices say what each value means.
    #[error(
        "playbook {playbook} needs --param {param}=…: {description}{}",
        format_choices(choices)
    )]
    NeedsInput {
        /// Playbook id.
        playbook: String,
        /// Parameter.
        param: String,
        /// What it means.
        description: String,
        /// Explained options.
        choices: Vec<Choice>,
    },
    /// A parameter value is invalid.
    #[error("invalid --param {param}={value}: {reason}")]
    InvalidParam {
        /// Parameter.
        param: String,
        /// Value.
        value: String,
        /// Why.
        reason: String,
    },
    /// The plan file was edited after it was made, or is not a plan.
    #[error("plan {path} cannot be used: {reason}")]
    BadPlan {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The plan was made for another database.
    #[error("the plan was made for {planned}, but this is {actual}; refusing to apply it here")]
    TargetMismatch {
        /// The plan's target.
        planned: String,
        /// This connection.
        actual: String,
    },
    /// The tracking state changed since the plan was made.
    #[error("tracking table {table} changed since the plan was made (fingerprint {expected} → {found}); nothing was written\nhint: run `migdoctor plan` again and review the new plan")]
    StateChanged {
        /// The table.
        table: String,
        /// Plan's fingerprint (short).
        expected: String,
        /// Now (short).
        found: String,
    },
    /// A statement failed; the transaction was rolled back.
    #[error("step {failed} of {total} failed ({completed} completed, then rolled back): {statement}\n  {source}")]
    StepFailed {
        /// Statements that had succeeded.
        completed: usize,
        /// 1-based failing statement.
        failed: usize,
        /// Total statements.
        total: usize,
        /// The statement.
        statement: String,
        /// The database error.
        source: Box<DbError>,
    },
    /// After the steps the table did not hold what the plan expected; rolled back.
    #[error("verification failed on {table}: {detail}; the transaction was rolled back")]
    VerifyFailed {
        /// The table.
        table: String,
        /// What differed.
        detail: String,
    },
    /// A backup or journal file could not be written or read.
    #[error("backup {path}: {reason}")]
    Backup {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// Undo refused because the table changed after the apply.
    #[error("tracking table {table} changed after backup {backup} was taken: {detail}\nhint: pass --force to restore the backup anyway (a new backup of the current rows is written first)")]
    UndoStale {
        /// The table.
        table: String,
        /// Backup id.
        backup: String,
        /// What differs.
        detail: String,
    },
    /// The change was committed but its outcome could not be appended to the journal.
    #[error("the change was COMMITTED (backup {backup}), but its outcome could not be appended to the journal {path}: {reason}; the pending record written before COMMIT stays and the next `migdoctor journal --db URL` records the outcome\nhint: to take the change back: {undo}")]
    Unrecorded {
        /// The journal file.
        path: String,
        /// Why.
        reason: String,
        /// The backup id.
        backup: String,
        /// The undo command.
        undo: String,
    },
    /// A pending record of this database could not be settled; nothing was written.
    #[error("the journal {journal} holds a pending record of backup {backup} made on this database whose outcome cannot be recorded yet: {reason}; nothing was written (a write now would change the rows its outcome is read from)\nhint: once it can be, `migdoctor journal --db URL` records it; then run this again")]
    Unsettled {
        /// The journal file.
        journal: String,
        /// The backup id of the pending record.
        backup: String,
        /// Why it cannot be settled.
        reason: String,
    },
    /// The journal file could not be read or written.
    #[error("journal {path}: {reason}")]
    Journal {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A failure injected by a test.
    #[error("injected failure at {0:?}")]
    Injected(FaultPoint),
}

fn format_choices(choices: &[Choice]) -> String {
    choices
        .iter()
        .map(|c| format!("\n  --param version={}   if {}", c.value, c.when))
        .collect()
}
