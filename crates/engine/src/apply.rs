//! The apply protocol: lock, fingerprint, backup, one transaction, verify, audit.

use crate::backup::{new_backup_id, write_backup_at, Backup};
use crate::error::abort_if_asked;
use crate::inspect::read_tracking_at;
use crate::intent::Attempt;
use crate::journal::Record;
use crate::reconcile::{recover, session_id, Recovery};
use crate::{EngineError, FaultPoint};
use migdoctor_db::{Db, Locked};
use migdoctor_model::{Action, Adapter, Dialect, Plan, Rows, Sql, TrackingLocation, TrackingState};
use std::path::PathBuf;
use std::time::Duration;

/// Returns nothing; where apply and undo keep their files, and test hooks.
#[derive(Clone, Debug)]
pub struct ApplyOptions {
    /// `.migdoctor/` of the project: the journal lives here.
    pub state_dir: PathBuf,
    /// Backups folder (default `<state_dir>/backups`).
    pub backup_dir: Option<PathBuf>,
    /// How long to wait for the framework's lock.
    pub lock_timeout: Duration,
    /// Undo only: restore even if the table changed after the apply.
    pub force: bool,
    /// Test hook: fail at this point of the protocol.
    #[doc(hidden)]
    pub fault: Option<FaultPoint>,
}

impl ApplyOptions {
    /// Returns options keeping files under `state_dir`.
    pub fn new(state_dir: impl Into<PathBuf>) -> ApplyOptions {
        ApplyOptions {
            state_dir: state_dir.into(),
            backup_dir: None,
            lock_timeout: Duration::from_secs(15),
            force: false,
            fault: None,
        }
    }

    /// Returns the backups folder.
    pub fn backups(&self) -> PathBuf {
        self.backup_dir
            .clone()
            .unwrap_or_else(|| self.state_dir.join("backups"))
    }

    /// Returns the journal file.
    pub fn journal(&self) -> PathBuf {
        self.state_dir.join("journal.jsonl")
    }

    /// Returns an error when a test injects one at `at`; aborts the process when
    /// `MIGDOCTOR_ABORT_AT` names `at`.
    pub(crate) fn fault(&self, at: FaultPoint) -> Result<(), EngineError> {
        abort_if_asked(at);
        if self.fault == Some(at) {
            Err(EngineError::Injected(at))
        } else {
            Ok(())
        }
    }
}

/// Returns nothing; what an apply or undo did.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ApplyReport {
    /// The backup id (for undo).
    pub backup_id: String,
    /// The backup file.
    pub backup_path: PathBuf,
    /// Statements run.
    pub statements: usize,
    /// The tracking state afterwards, as re-read.
    pub after: TrackingState,
    /// The command that undoes this.
    pub undo_command: String,
    /// What earlier, killed runs left and this run settled first.
    #[serde(skip_serializing_if = "Recovery::is_empty")]
    pub recovered: Recovery,
}

/// Returns "" when both row sets hold the same rows (in any order), else what differs. When
/// `expected` names fewer columns than `actual` (values the database generates, such as
/// Django's `id` and `applied`), only its columns are compared.
pub fn row_difference(expected: &Rows, actual: &Rows) -> String {
    let projected;
    let actual = if !expected.columns.is_empty()
        && !same_columns(&expected.columns, &actual.columns)
        && !actual.rows.is_empty()
    {
        let mut picks = Vec::new();
        for c in &expected.columns {
            match actual
                .columns
                .iter()
                .position(|a| a.eq_ignore_ascii_case(c))
            {
                Some(i) => picks.push(i),
                None => return format!("expected a column {c}, the table has none"),
            }
        }
        projected = Rows {
            columns: expected.columns.clone(),
            rows: actual
                .rows
                .iter()
                .map(|r| picks.iter().map(|&i| r[i].clone()).collect())
                .collect(),
        };
        &projected
    } else {
        actual
    };
    let key = |rows: &Rows| {
        let mut v: Vec<String> = rows
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|x| match x {
                        migdoctor_model::Value::Bool(b) => i64::from(*b).to_string(),
                        other => other.display(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .collect();
        v.sort();
        v
    };
    let (e, a) = (key(expected), key(actual));
    if e == a {
        String::new()
    } else {
        format!("expected rows [{}], found [{}]", e.join("; "), a.join("; "))
    }
}

fn same_columns(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

pub(crate) fn short(fp: &str) -> String {
    fp.chars().take(12).collect()
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

/// Returns the report after running `plan` under the protocol in design.md. On any failure the
/// transaction is rolled back and the table is as it was; the backup (if already written) stays.
pub async fn apply(
    db: &mut Db,
    adapter: &dyn Adapter,
    plan: &Plan,
    opts: &ApplyOptions,
) -> Result<ApplyReport, EngineError> {
    if !plan.is_intact() {
        return Err(EngineError::BadPlan {
            path: "(plan)".into(),
            reason: "its fingerprint does not match its content: it was edited after `migdoctor plan` made it".into(),
        });
    }
    if plan.steps.is_empty() {
        return Err(EngineError::BadPlan {
            path: "(plan)".into(),
            reason: "it is advice with nothing to apply (see its Evidence section)".into(),
        });
    }
    let facts = db.facts().clone();
    if facts.dialect != plan.target.dialect || facts.database != plan.target.database {
        return Err(EngineError::TargetMismatch {
            planned: format!("{} database {}", plan.target.dialect, plan.target.database),
            actual: format!("{} database {}", facts.dialect, facts.database),
        });
    }
    let url = db.url().redacted().to_string();
    let recovered = recover(Some(db), opts).await?;
    recovered.require_settled(&opts.journal())?;
    let key = adapter.lock_key(&facts, &plan.location);
    let mut locked = db.lock(key.as_ref(), opts.lock_timeout).await?;
    let mut attempt = Attempt::new(
        opts.journal(),
        Record {
            playbook: Some(plan.playbook.clone()),
            params: serde_json::to_value(&plan.params).ok(),
            plan_fingerprint: Some(plan.fingerprint.clone()),
            target: Some(url.clone()),
            dialect: Some(facts.dialect),
            database: Some(facts.database.clone()),
            framework: Some(plan.framework),
            table: Some(plan.location.to_string()),
            location: Some(plan.location.clone()),
            ..Record::now("apply")
        },
    );
    let mut created = false;
    let result = apply_locked(
        &mut locked,
        adapter,
        plan,
        opts,
        &url,
        &mut created,
        &mut attempt,
    )
    .await;
    let result = finish(locked, result, created, &plan.location).await;
    let result = match result {
        Err(e) if created && is_lost(&e) => {
            let db_url = db.url().clone();
            Err(compensate_lost_create(&db_url, adapter, plan, opts, e).await)
        }
        other => other,
    };
    match result {
        Ok(mut report) => {
            report.recovered = recovered;
            Ok(report)
        }
        Err(e) => {
            attempt.failed(db, &e, created).await;
            Err(e)
        }
    }
}

fn is_lost(e: &EngineError) -> bool {
    match e {
        EngineError::Db(migdoctor_db::DbError::Lost { .. }) => true,
        EngineError::StepFailed { source, .. } => {
            matches!(**source, migdoctor_db::DbError::Lost { .. })
        }
        _ => false,
    }
}

/// After the connection died on MySQL, the CREATE TABLE that ran outside the transaction is
/// still there. Reconnect, take the locks again, and drop it if it is still empty; otherwise
/// say so in the error.
async fn compensate_lost_create(
    url: &migdoctor_db::DbUrl,
    adapter: &dyn Adapter,
    plan: &Plan,
    opts: &ApplyOptions,
    original: EngineError,
) -> EngineError {
    let attempt = async {
        let mut db = Db::connect(url, migdoctor_db::Mode::ReadWrite).await?;
        let key = adapter.lock_key(db.facts(), &plan.location);
        let mut locked = db.lock(key.as_ref(), opts.lock_timeout).await?;
        let state =
            read_tracking_at(locked.db(), adapter, &plan.location, &plan.site.label()).await;
        let outcome = match state {
            Ok(s) if s.present && s.raw.rows.is_empty() => {
                let drop = migdoctor_sql::drop_table(locked.dialect(), &plan.location);
                locked
                    .execute(
                        "dropping the table created before the connection was lost",
                        &drop,
                    )
                    .await
                    .map(|_| ())
                    .map_err(EngineError::from)
            }
            Ok(s) if !s.present => Ok(()),
            Ok(_) => Err(EngineError::VerifyFailed {
                table: plan.location.to_string(),
                detail:
                    "the table created before the connection was lost now holds rows; left as it is"
                        .into(),
            }),
            Err(e) => Err(e),
        };
        let _ = locked.release().await;
        db.close().await;
        outcome
    };
    match attempt.await {
        Ok(()) => original,
        Err(e) => EngineError::VerifyFailed {
            table: plan.location.to_string(),
            detail: format!("{original}; and the table created before the failure could not be dropped again ({e}): drop it by hand if it is empty"),
        },
    }
}

/// Returns the result after releasing the lock; on failure after a non-transactional CREATE
/// TABLE (MySQL) and before COMMIT (`created_outside_tx` is cleared at COMMIT), drops the table
/// again so nothing is left behind.
pub(crate) async fn finish<T>(
    mut locked: Locked<'_>,
    result: Result<T, EngineError>,
    created_outside_tx: bool,
    at: &TrackingLocation,
) -> Result<T, EngineError> {
    match result {
        Ok(v) => {
            locked.release().await?;
            Ok(v)
        }
        Err(e) => {
            let _ = locked.rollback().await;
            if created_outside_tx
                && !matches!(e, EngineError::Db(migdoctor_db::DbError::Lost { .. }))
            {
                let drop = migdoctor_sql::drop_table(locked.dialect(), at);
                let _ = locked
                    .execute("dropping the table created before the failure", &drop)
                    .await;
            }
            let _ = locked.release().await;
            Err(e)
        }
    }
}

async fn apply_locked(
    locked: &mut Locked<'_>,
    adapter: &dyn Adapter,
    plan: &Plan,
    opts: &ApplyOptions,
    url: &str,
    created: &mut bool,
    attempt: &mut Attempt,
) -> Result<ApplyReport, EngineError> {
    opts.fault(FaultPoint::AfterLock)?;
    attempt.in_session(session_id(locked.db()).await?);
    let label = plan.site.label();
    let current = read_tracking_at(locked.db(), adapter, &plan.location, &label).await?;
    if current.fingerprint() != plan.state_fingerprint {
        return Err(EngineError::StateChanged {
            table: plan.location.to_string(),
            expected: short(&plan.state_fingerprint),
            found: short(&current.fingerprint()),
        });
    }
    opts.fault(FaultPoint::AfterFingerprint)?;

    let now = now();
    let creates = plan
        .steps
        .iter()
        .any(|s| matches!(s.action, Action::CreateTrackingTable));
    let backup = Backup {
        format_version: 1,
        id: new_backup_id(&now, &plan.fingerprint),
        created_at: now.to_rfc3339(),
        operation: "apply".into(),
        playbook: plan.playbook.clone(),
        plan_fingerprint: plan.fingerprint.clone(),
        framework: plan.framework,
        target: plan.target.clone(),
        location: plan.location.clone(),
        table_existed: current.present,
        shape: current.shape.clone(),
        rows: current.raw.clone(),
        expected_after_present: current.present || creates,
        expected_after: plan.expected.clone(),
    };
    let written = write_backup_at(&opts.backups(), &backup, &|| {
        opts.fault(FaultPoint::AfterBackupTemp)
    })?;
    attempt.backed_up(&backup);
    opts.fault(FaultPoint::AfterBackup)?;
    let undo_command = format!("migdoctor undo {} --db '{url}'", backup.id);
    attempt.intend(
        &written,
        &plan.state_fingerprint,
        backup.expected_after_present,
        &plan.expected,
        &undo_command,
    )?;
    opts.fault(FaultPoint::AfterPending)?;

    let dialect = locked.dialect();
    let mut outside = Vec::new();
    let mut inside = Vec::new();
    for step in &plan.steps {
        let ddl = matches!(step.action, Action::CreateTrackingTable);
        for sql in &step.sql {
            if ddl && dialect == Dialect::Mysql {
                outside.push(sql.clone());
            } else {
                inside.push(sql.clone());
            }
        }
    }
    let completed = run_statements(locked, &outside, &inside, opts, created, true).await?;

    let after = read_tracking_at(locked.db(), adapter, &plan.location, &label).await?;
    let diff = row_difference(&plan.expected, &after.raw);
    if !after.present || !diff.is_empty() {
        return Err(EngineError::VerifyFailed {
            table: plan.location.to_string(),
            detail: if after.present {
                diff
            } else {
                "the table does not exist".into()
            },
        });
    }
    opts.fault(FaultPoint::AfterVerify)?;
    commit(locked, attempt).await?;
    *created = false; // committed: nothing to compensate any more
    opts.fault(FaultPoint::AfterCommit)?;
    attempt.committed(&after.fingerprint(), completed)?;
    opts.fault(FaultPoint::AfterOutcome)?;
    Ok(ApplyReport {
        undo_command,
        backup_id: backup.id,
        backup_path: written.path,
        statements: completed,
        after,
        recovered: Recovery::default(),
    })
}

/// Returns nothing; COMMITs, telling `attempt` when COMMIT was sent and when it succeeded.
pub(crate) async fn commit(
    locked: &mut Locked<'_>,
    attempt: &mut Attempt,
) -> Result<(), EngineError> {
    attempt.commit_sent = true;
    locked.commit().await?;
    attempt.committed = true;
    Ok(())
}

/// Returns the number of statements run: first `outside` (DDL MySQL commits implicitly; a
/// table it creates is recorded in `created` when `creates_table`), then `inside` in one
/// transaction, with the test hooks for a failure and a lost connection mid-transaction.
pub(crate) async fn run_statements(
    locked: &mut Locked<'_>,
    outside: &[Sql],
    inside: &[Sql],
    opts: &ApplyOptions,
    created: &mut bool,
    creates_table: bool,
) -> Result<usize, EngineError> {
    let total = outside.len() + inside.len();
    let mut completed = 0;
    for sql in outside {
        run_step(locked, sql, &mut completed, total).await?;
        *created = creates_table;
    }
    locked.begin().await?;
    for (i, sql) in inside.iter().enumerate() {
        run_step(locked, sql, &mut completed, total).await?;
        if i == 0 {
            opts.fault(FaultPoint::MidSteps)?;
            if opts.fault == Some(FaultPoint::SeverMidSteps) {
                locked.sever_connection().await?;
            }
        }
    }
    opts.fault(FaultPoint::AfterSteps)?;
    Ok(completed)
}

async fn run_step(
    locked: &mut Locked<'_>,
    sql: &Sql,
    completed: &mut usize,
    total: usize,
) -> Result<(), EngineError> {
    match locked.execute("running a plan step", sql).await {
        Ok(_) => {
            *completed += 1;
            Ok(())
        }
        Err(source) => Err(EngineError::StepFailed {
            completed: *completed,
            failed: *completed + 1,
            total,
            statement: sql.display(),
            source: Box::new(source),
        }),
    }
}
