//! The audit journal: `.migdoctor/journal.jsonl`, one JSON record per line, appended and
//! synced. An apply or undo appends a `pending` record (its intent: plan fingerprint, backup
//! id and hash, the rows it expects) before it changes anything, and its outcome after; a
//! record a killed run left `pending` is settled by the next command that opens the journal
//! (`reconcile.rs`). Lines written before intents existed (`"outcome"` instead of `"status"`)
//! still read.

use crate::EngineError;
use migdoctor_model::{Dialect, Framework, Rows, TrackingLocation};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The version of the records this build writes (lines without one are older).
pub const JOURNAL_VERSION: u32 = 2;

/// Returns nothing; where an apply or undo stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Intent recorded before any write; the outcome is not (yet) known.
    Pending,
    /// The change is in.
    Committed,
    /// The transaction was rolled back: the table is as it was.
    RolledBack,
    /// Stopped before anything was written (no intent was recorded).
    Failed,
    /// The table holds neither the rows before nor the rows expected: a person must look.
    Unknown,
}

impl Status {
    /// Returns the stable id (`pending`, `committed`, `rolled-back`, `failed`, `unknown`).
    pub fn id(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Committed => "committed",
            Status::RolledBack => "rolled-back",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Returns nothing; one line of the journal. Every field but `time` and `operation` is
/// optional so that older lines (and records of other kinds) read.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// [`JOURNAL_VERSION`] for records with intents; 0 (absent) in older lines.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub journal_version: u32,
    /// RFC 3339.
    pub time: String,
    /// `apply` or `undo`.
    pub operation: String,
    /// Where the operation stands; older lines call it `outcome`, and older undo lines have
    /// none (they were written after COMMIT: committed).
    #[serde(default, alias = "outcome", skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
    /// The outcome was decided afterwards by reading the table (the run that wrote the
    /// intent did not record it).
    #[serde(default, skip_serializing_if = "is_false")]
    pub reconciled: bool,
    /// Playbook id (or `undo <backup>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub playbook: Option<String>,
    /// Playbook parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub params: Option<serde_json::Value>,
    /// Fingerprint of the plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_fingerprint: Option<String>,
    /// The database URL, password redacted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// The database's dialect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialect: Option<Dialect>,
    /// The database (name, or the SQLite file's canonical path).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<String>,
    /// The framework owning the table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<Framework>,
    /// The tracking table, for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The tracking table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<TrackingLocation>,
    /// Fingerprint of the tracking state before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_fingerprint: Option<String>,
    /// Fingerprint of the tracking state after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_fingerprint: Option<String>,
    /// The backup of the rows before (the id `undo` takes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_id: Option<String>,
    /// The backup file as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_file: Option<String>,
    /// sha256 of the backup file's bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backup_sha256: Option<String>,
    /// Whether the table exists after the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_present: Option<bool>,
    /// The rows expected after the change (only the columns they name are compared).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_rows: Option<Rows>,
    /// Undo: the backup it restored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restored_backup: Option<String>,
    /// Undo: restored although the table had changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forced: Option<bool>,
    /// Statements run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statements: Option<usize>,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Reconciliation: what the table held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found: Option<String>,
    /// The command that undoes the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_command: Option<String>,
    /// OS user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// Process id of the writer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid: Option<u32>,
    /// The writer's server session (PostgreSQL backend pid, MySQL connection id): while it is
    /// open, a COMMIT it was sent may still land, so reconciliation waits for it to end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
}

impl Record {
    /// Returns a new record of this process: time now, user, host and pid filled in.
    pub fn now(operation: &str) -> Record {
        let (user, host) = who();
        Record {
            journal_version: JOURNAL_VERSION,
            time: chrono::Utc::now().to_rfc3339(),
            operation: operation.to_string(),
            user: Some(user.to_string()),
            host: Some(host.to_string()),
            pid: Some(std::process::id()),
            ..Record::default()
        }
    }

    /// Returns the status, reading older lines: no status means committed (older undo lines
    /// were written after COMMIT only).
    pub fn effective_status(&self) -> Status {
        self.status.unwrap_or(Status::Committed)
    }
}

/// Returns (OS user, host name) of this process: `$USER`, `$LOGNAME` or `id -un`; the
/// contents of `/etc/hostname` or `hostname`. `?` when none answers.
pub fn who() -> (&'static str, &'static str) {
    static WHO: OnceLock<(String, String)> = OnceLock::new();
    let (u, h) = WHO.get_or_init(|| {
        let run = |cmd: &str, args: &[&str]| {
            std::process::Command::new(cmd)
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let user = ["USER", "LOGNAME"]
            .iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .or_else(|| run("id", &["-un"]))
            .unwrap_or_else(|| "?".into());
        let host = std::fs::read_to_string("/etc/hostname")
            .ok()
            .map(|h| h.trim().to_string())
            .filter(|h| !h.is_empty())
            .or_else(|| run("hostname", &[]))
            .unwrap_or_else(|| "?".into());
        (user, host)
    });
    (u, h)
}

/// Returns true when the record was written by another process of this host that still runs
/// (its pending record is an apply in flight, not a killed one). Linux only (`/proc`);
/// elsewhere every writer counts as gone.
pub(crate) fn writer_running(r: &Record) -> bool {
    let (Some(pid), Some(host)) = (r.pid, r.host.as_deref()) else {
        return false;
    };
    host == who().1 && pid_running(pid)
}

/// Returns true when `pid` is another running migdoctor process of this host (Linux: its
/// `/proc/<pid>/cmdline` names migdoctor; a reused pid of another program does not count).
pub(crate) fn pid_running(pid: u32) -> bool {
    pid != std::process::id()
        && std::fs::read(format!("/proc/{pid}/cmdline"))
            .map(|c| String::from_utf8_lossy(&c).contains("migdoctor"))
            .unwrap_or(false)
}

fn err(path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::Journal {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Returns nothing; syncs a folder so that a file created or renamed in it survives a crash.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Returns nothing; creates `dir` (and its parents) and syncs the parent of every folder it
/// created, so the folder itself survives a crash.
pub(crate) fn create_dir_synced(dir: &Path) -> std::io::Result<()> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at {
        if d.as_os_str().is_empty() || d.is_dir() {
            break;
        }
        missing.push(d);
        at = d.parent();
    }
    std::fs::create_dir_all(dir)?;
    for d in missing.iter().rev() {
        if let Some(parent) = d.parent().filter(|p| !p.as_os_str().is_empty()) {
            sync_dir(parent)?;
        }
    }
    Ok(())
}

/// Returns nothing; appends `record` as one line to the journal at `path` and syncs it (and,
/// when the file is new, its folder). A final line a killed writer left without its newline
/// gets one first, so the new record never fuses with the fragment.
pub fn append_journal(path: &Path, record: &Record) -> Result<(), EngineError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_dir_synced(dir).map_err(|e| err(dir, e))?;
    }
    let existed = path.exists();
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(|e| err(path, e))?;
    let mut line = serde_json::to_string(record).map_err(|e| err(path, e))?;
    line.push('\n');
    let len = f.metadata().map_err(|e| err(path, e))?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1))
            .and_then(|_| f.read_exact(&mut last))
            .map_err(|e| err(path, e))?;
        if last[0] != b'\n' {
            line.insert(0, '\n');
        }
    }
    f.write_all(line.as_bytes()).map_err(|e| err(path, e))?;
    f.sync_all().map_err(|e| err(path, e))?;
    if !existed {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            sync_dir(dir).map_err(|e| err(dir, e))?;
        }
    }
    Ok(())
}

/// Returns nothing; a journal line that could not be read (reported, then skipped).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LineProblem {
    /// 1-based line number.
    pub line: usize,
    /// The line is the beginning of a record whose write was cut off (a killed writer).
    pub torn: bool,
    /// What is wrong.
    pub reason: String,
}

/// Returns nothing; one record and its line.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// 1-based line number.
    pub number: usize,
    /// The record.
    pub record: Record,
}

/// Returns nothing; the journal as read.
#[derive(Clone, Debug, Default)]
pub struct Journal {
    /// The file.
    pub path: PathBuf,
    /// Every readable record, in file order.
    pub lines: Vec<Line>,
    /// Every unreadable line.
    pub problems: Vec<LineProblem>,
}

/// Returns the journal at `path` (empty when the file does not exist). Unreadable lines
/// — a record cut off by a kill, or text that is no record — are reported in `problems` and
/// skipped; they never stop the reading.
pub fn read_journal(path: &Path) -> Result<Journal, EngineError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(err(path, e)),
    };
    let mut journal = Journal {
        path: path.to_path_buf(),
        ..Journal::default()
    };
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<Record>(raw) {
            Ok(record) => journal.lines.push(Line {
                number: i + 1,
                record,
            }),
            Err(e) => {
                let torn = e.is_eof();
                journal.problems.push(LineProblem {
                    line: i + 1,
                    torn,
                    reason: if torn {
                        format!("a record cut off after {} bytes (its writer was killed mid-write); skipped", raw.len())
                    } else {
                        format!("not a journal record ({e}); skipped")
                    },
                });
            }
        }
    }
    Ok(journal)
}

impl Journal {
    /// Returns the records still pending: a `pending` intent with no later outcome for its
    /// backup id.
    pub fn pending(&self) -> Vec<&Record> {
        let mut settled: HashMap<&str, bool> = HashMap::new();
        for l in &self.lines {
            if let Some(id) = l.record.backup_id.as_deref() {
                let done = l.record.effective_status() != Status::Pending;
                let e = settled.entry(id).or_insert(false);
                *e = *e || done;
            }
        }
        self.lines
            .iter()
            .map(|l| &l.record)
            .filter(|r| r.status == Some(Status::Pending))
            .filter(|r| {
                r.backup_id
                    .as_deref()
                    .is_some_and(|id| !settled.get(id).copied().unwrap_or(false))
            })
            .collect()
    }

    /// Returns the records of the audit trail grouped per operation (intent and outcome share
    /// a backup id), in the order they began.
    pub fn entries(&self) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        let mut by_backup: HashMap<String, usize> = HashMap::new();
        for l in &self.lines {
            let r = &l.record;
            let at = r
                .backup_id
                .as_ref()
                .and_then(|id| by_backup.get(id))
                .copied();
            match at {
                Some(i) => out[i].merge(l),
                None => {
                    if let Some(id) = &r.backup_id {
                        by_backup.insert(id.clone(), out.len());
                    }
                    out.push(Entry::from_line(l));
                }
            }
        }
        for e in &mut out {
            e.settle_undo();
        }
        out
    }
}

/// Returns nothing; one operation of the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Entry {
    /// When it began (RFC 3339).
    pub time: String,
    /// `apply` or `undo`.
    pub operation: String,
    /// Where it stands now.
    pub status: Status,
    /// The outcome was decided afterwards from the table.
    pub reconciled: bool,
    /// Outcomes recorded that disagree with the final one (a gap: a person must look).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conflicting: Vec<Status>,
    /// OS user.
    pub user: Option<String>,
    /// Host.
    pub host: Option<String>,
    /// Database URL, redacted.
    pub target: Option<String>,
    /// Tracking table.
    pub table: Option<String>,
    /// Playbook (or `undo <backup>`).
    pub playbook: Option<String>,
    /// Plan fingerprint.
    pub plan_fingerprint: Option<String>,
    /// Backup id.
    pub backup_id: Option<String>,
    /// sha256 of the backup file, when recorded.
    pub backup_sha256: Option<String>,
    /// The command that undoes it (committed changes with a backup).
    pub undo_command: Option<String>,
    /// Why it failed.
    pub error: Option<String>,
    /// What reconciliation found.
    pub found: Option<String>,
    /// The lines of the journal it comes from.
    pub lines: Vec<usize>,
}

impl Entry {
    fn from_line(l: &Line) -> Entry {
        let r = &l.record;
        Entry {
            time: r.time.clone(),
            operation: r.operation.clone(),
            status: r.effective_status(),
            reconciled: r.reconciled,
            conflicting: Vec::new(),
            user: r.user.clone().filter(|u| !u.is_empty()),
            host: r.host.clone(),
            target: r.target.clone(),
            table: r.table.clone(),
            playbook: r.playbook.clone(),
            plan_fingerprint: r.plan_fingerprint.clone(),
            backup_id: r.backup_id.clone(),
            backup_sha256: r.backup_sha256.clone(),
            undo_command: r.undo_command.clone(),
            error: r.error.clone(),
            found: r.found.clone(),
            lines: vec![l.number],
        }
    }

    fn merge(&mut self, l: &Line) {
        let r = &l.record;
        self.lines.push(l.number);
        let status = r.effective_status();
        if status != Status::Pending {
            if self.status != Status::Pending
                && self.status != status
                && !self.conflicting.contains(&self.status)
            {
                self.conflicting.push(self.status);
            }
            self.status = status;
            self.reconciled = r.reconciled;
        }
        macro_rules! fill {
            ($($f:ident),*) => {$(
                if self.$f.is_none() {
                    self.$f.clone_from(&r.$f);
                }
            )*};
        }
        fill!(
            user,
            host,
            target,
            table,
            playbook,
            plan_fingerprint,
            backup_sha256,
            undo_command
        );
        if r.error.is_some() {
            self.error.clone_from(&r.error);
        }
        if r.found.is_some() {
            self.found.clone_from(&r.found);
        }
    }

    /// Keeps the undo command of committed changes only; older committed lines carry none:
    /// it is made from the backup id and target.
    fn settle_undo(&mut self) {
        if self.status != Status::Committed {
            self.undo_command = None;
        } else if self.undo_command.is_none() {
            if let Some(id) = &self.backup_id {
                self.undo_command = Some(match &self.target {
                    Some(t) => format!("migdoctor undo {id} --db '{t}'"),
                    None => format!("migdoctor undo {id}"),
                });
            }
        }
    }
}

#[cfg(test)]
#[path = "journal_tests.rs"]
mod tests;
