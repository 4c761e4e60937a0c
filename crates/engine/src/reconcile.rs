//! Settling what killed runs left: temporary backup files, and `pending` journal records whose
//! outcome was never written. The outcome is read from the tracking table (read-only): the
//! expected rows are there (committed), the backup's rows are there (rolled back), or neither
//! (unknown — recorded with what was found, never guessed).

use crate::apply::{row_difference, ApplyOptions};
use crate::backup::{read_backup, sweep_leftovers, Backup, Leftover};
use crate::inspect::read_tracking_at;
use crate::journal::{append_journal, read_journal, writer_running, LineProblem, Record, Status};
use crate::{adapter_for, EngineError};
use migdoctor_db::Db;
use migdoctor_model::{Dialect, Rows, Sql, TrackingState, Value};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Returns nothing; a pending record whose outcome was just recorded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reconciled {
    /// The backup id of the operation.
    pub backup_id: String,
    /// `apply` or `undo`.
    pub operation: String,
    /// The playbook.
    pub playbook: Option<String>,
    /// The outcome recorded.
    pub status: Status,
    /// What the table held.
    pub found: String,
}

/// Returns nothing; a pending record left as it is, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unreconciled {
    /// The backup id of the operation.
    pub backup_id: String,
    /// The database it was recorded for (redacted).
    pub target: Option<String>,
    /// It was made on the database at hand (so a write there must wait until it is settled).
    pub here: bool,
    /// Why it was not settled now.
    pub reason: String,
}

/// Returns nothing; what opening the journal and the backups folder settled.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Recovery {
    /// Temporary backup files removed, promoted or kept.
    pub leftovers: Vec<Leftover>,
    /// Pending records whose outcome was recorded now.
    pub reconciled: Vec<Reconciled>,
    /// Pending records still without an outcome.
    pub unreconciled: Vec<Unreconciled>,
    /// Journal lines that could not be read (skipped).
    pub problems: Vec<LineProblem>,
}

impl Recovery {
    /// Returns an error when a pending record made on the database at hand is still without
    /// an outcome: a write now would change the rows its outcome is to be read from.
    pub fn require_settled(&self, journal: &std::path::Path) -> Result<(), EngineError> {
        match self.unreconciled.iter().find(|u| u.here) {
            Some(u) => Err(EngineError::Unsettled {
                journal: journal.display().to_string(),
                backup: u.backup_id.clone(),
                reason: u.reason.clone(),
            }),
            None => Ok(()),
        }
    }

    /// Returns true when there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.leftovers.is_empty()
            && self.reconciled.is_empty()
            && self.unreconciled.is_empty()
            && self.problems.is_empty()
    }

    /// Returns one line per event, for stderr.
    pub fn notes(&self, journal: &std::path::Path) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.problems {
            out.push(format!(
                "warning: {} line {}: {}",
                journal.display(),
                p.line,
                p.reason
            ));
        }
        for l in &self.leftovers {
            out.push(format!(
                "{} leftover backup temp file {}: {}",
                l.action,
                l.path.display(),
                l.reason
            ));
        }
        for r in &self.reconciled {
            out.push(format!(
                "reconciled the pending {} {} (backup {}): {} — {}",
                r.operation,
                r.playbook.as_deref().unwrap_or(""),
                r.backup_id,
                r.status,
                r.found
            ));
        }
        for u in &self.unreconciled {
            out.push(format!(
                "warning: pending record of backup {} has no outcome yet: {}",
                u.backup_id, u.reason
            ));
        }
        out
    }
}

/// Returns what was settled: reads the journal, sweeps the backups folder's leftovers, and,
/// with a database, records the outcome of every pending record made on that database (from
/// its tracking table, read only). Records of other databases, of writers still running, or
/// when no database is given, are listed as unreconciled.
pub async fn recover(db: Option<&mut Db>, opts: &ApplyOptions) -> Result<Recovery, EngineError> {
    let journal = read_journal(&opts.journal())?;
    let mut recovery = Recovery {
        leftovers: sweep_leftovers(&opts.backups(), &journal)?,
        problems: journal.problems.clone(),
        ..Recovery::default()
    };
    let mut db = db;
    for record in journal.pending() {
        let id = record.backup_id.clone().unwrap_or_default();
        let here = db.as_deref().is_some_and(|db| {
            record.dialect == Some(db.facts().dialect)
                && record.database.as_deref() == Some(db.facts().database.as_str())
        });
        let unreconciled = |reason: String| Unreconciled {
            backup_id: id.clone(),
            target: record.target.clone(),
            here,
            reason,
        };
        if writer_running(record) {
            recovery.unreconciled.push(unreconciled(format!(
                "process {} is still running it",
                record.pid.unwrap_or(0)
            )));
            continue;
        }
        let Some(db) = db.as_deref_mut() else {
            recovery.unreconciled.push(unreconciled(format!(
                "pass --db with the URL of {} to record its outcome",
                record.target.as_deref().unwrap_or("its database")
            )));
            continue;
        };
        if !here {
            recovery.unreconciled.push(unreconciled(format!(
                "it was made on {}, not on this database",
                record.target.as_deref().unwrap_or("another database")
            )));
            continue;
        }
        match session_ended(db, record.session.as_deref(), opts.lock_timeout).await {
            Ok(true) => {}
            Ok(false) => {
                recovery.unreconciled.push(unreconciled(format!(
                    "its server session {} is still open after {}s (a COMMIT it was sent may still land); run the command again once it has ended",
                    record.session.as_deref().unwrap_or("?"),
                    opts.lock_timeout.as_secs()
                )));
                continue;
            }
            Err(e) => {
                recovery.unreconciled.push(unreconciled(format!(
                    "cannot tell whether its server session ended: {e}"
                )));
                continue;
            }
        }
        let backup = read_backup(&opts.backups(), &id).ok().map(|(b, _)| b);
        match classify(db, record, backup.as_ref()).await {
            Ok((status, found)) => {
                append_journal(&opts.journal(), &outcome(record, status, &found, None))?;
                recovery.reconciled.push(Reconciled {
                    backup_id: id,
                    operation: record.operation.clone(),
                    playbook: record.playbook.clone(),
                    status,
                    found,
                });
            }
            Err(e) => recovery.unreconciled.push(unreconciled(format!(
                "its outcome cannot be read from the tracking table: {e}"
            ))),
        }
    }
    Ok(recovery)
}

/// Returns the id of this session on the server (PostgreSQL backend pid, MySQL connection
/// id); `None` on SQLite, where the writer is the process itself.
pub(crate) async fn session_id(db: &mut Db) -> Result<Option<String>, EngineError> {
    let sql = match db.facts().dialect {
        Dialect::Postgres => "SELECT pg_backend_pid()::text",
        Dialect::Mysql => "SELECT CAST(CONNECTION_ID() AS CHAR)",
        Dialect::Sqlite => return Ok(None),
    };
    let rows = db
        .fetch_rows("reading the session id", &Sql::new(sql))
        .await?;
    Ok(rows.rows.first().and_then(|r| r.first()).map(|v| match v {
        Value::Text(s) => s.clone(),
        other => other.display(),
    }))
}

/// Returns true once the server session `session` (of a killed writer) no longer exists,
/// waiting up to `wait`; true at once when there is none to wait for.
pub(crate) async fn session_ended(
    db: &mut Db,
    session: Option<&str>,
    wait: Duration,
) -> Result<bool, EngineError> {
    let Some(session) = session else {
        return Ok(true);
    };
    let Ok(id) = session.parse::<i64>() else {
        return Ok(true);
    };
    let sql = match db.facts().dialect {
        Dialect::Postgres => Sql::with_params(
            "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE pid = $1",
            vec![Value::Int(id)],
        ),
        Dialect::Mysql => Sql::with_params(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = ?",
            vec![Value::Int(id)],
        ),
        Dialect::Sqlite => return Ok(true),
    };
    let start = Instant::now();
    loop {
        let rows = db
            .fetch_rows("looking for the killed writer's session", &sql)
            .await?;
        let open = rows
            .rows
            .first()
            .and_then(|r| r.first())
            .is_some_and(|v| !matches!(v, Value::Int(0)) && v.display() != "0");
        if !open {
            return Ok(true);
        }
        if start.elapsed() >= wait {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Returns the outcome record of the operation `intent` began, decided from the table.
pub(crate) fn outcome(
    intent: &Record,
    status: Status,
    found: &str,
    error: Option<String>,
) -> Record {
    Record {
        status: Some(status),
        reconciled: true,
        found: Some(found.to_string()),
        error,
        playbook: intent.playbook.clone(),
        plan_fingerprint: intent.plan_fingerprint.clone(),
        target: intent.target.clone(),
        table: intent.table.clone(),
        backup_id: intent.backup_id.clone(),
        ..Record::now(&intent.operation)
    }
}

fn rows_text(rows: &Rows) -> String {
    let mut v: Vec<String> = rows
        .rows
        .iter()
        .map(|r| r.iter().map(|x| x.display()).collect::<Vec<_>>().join(", "))
        .collect();
    v.sort();
    format!("[{}]", v.join("; "))
}

/// Returns whether `state` holds `rows` (only the columns `rows` names are compared) with the
/// table present as `present` says.
fn holds(state: &TrackingState, present: bool, rows: &Rows) -> bool {
    state.present == present && (!present || row_difference(rows, &state.raw).is_empty())
}

/// Returns the outcome of the operation whose intent is `intent`, read from its tracking
/// table: committed when the expected rows are there, rolled back when the rows of the
/// backup (the state before) are, unknown (with what was found) otherwise. When the two
/// states are the same rows, the change left the table as it was and counts as committed.
pub(crate) async fn classify(
    db: &mut Db,
    intent: &Record,
    backup: Option<&Backup>,
) -> Result<(Status, String), EngineError> {
    let id = intent.backup_id.as_deref().unwrap_or("?");
    let missing = |what: &str| EngineError::Journal {
        path: format!("pending record of backup {id}"),
        reason: format!("it names no {what}"),
    };
    let framework = intent.framework.ok_or_else(|| missing("framework"))?;
    let location = intent.location.as_ref().ok_or_else(|| missing("table"))?;
    let expected = intent
        .expected_rows
        .as_ref()
        .ok_or_else(|| missing("expected rows"))?;
    let present = intent.expected_present.unwrap_or(true);
    let adapter = adapter_for(framework).ok_or_else(|| EngineError::Journal {
        path: format!("pending record of backup {id}"),
        reason: format!("this build has no {framework} adapter"),
    })?;
    let state = read_tracking_at(db, adapter, location, &format!("reconcile {id}")).await?;
    let is_in = holds(&state, present, expected);
    let is_out = backup.map(|b| holds(&state, b.table_existed, &b.rows));
    let now = if state.present {
        format!("{location} holds {}", rows_text(&state.raw))
    } else {
        format!("{location} does not exist")
    };
    Ok(match (is_in, is_out) {
        (true, Some(true)) => (
            Status::Committed,
            format!("{now}: the rows expected after, which are also the rows before (the change left the table as it was)"),
        ),
        (true, _) => (Status::Committed, format!("{now}: the rows expected after")),
        (false, Some(true)) => (
            Status::RolledBack,
            format!("{now}: the rows of backup {id}, as before"),
        ),
        (false, Some(false))
            if backup.is_some_and(|b| !b.table_existed)
                && state.present
                && state.raw.rows.is_empty() =>
        {
            (
                Status::Unknown,
                format!("{now} and is empty: the CREATE TABLE ran (MySQL commits DDL at once) but the rows never did; the table was absent before: drop the empty table to return to that state, then plan again"),
            )
        }
        (false, Some(false)) => (
            Status::Unknown,
            format!(
                "{now}: neither the rows expected after ({}{}) nor the rows before ({}{}); a person must look",
                if present { "" } else { "table absent, " },
                rows_text(expected),
                backup.map(|b| if b.table_existed { "" } else { "table absent, " }).unwrap_or(""),
                backup.map(|b| rows_text(&b.rows)).unwrap_or_default(),
            ),
        ),
        (false, None) => (
            Status::Unknown,
            format!(
                "{now}: not the rows expected after ({}), and backup {id} is missing, so the rows before cannot be compared; a person must look",
                rows_text(expected)
            ),
        ),
    })
}
