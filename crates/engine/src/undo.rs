//! Undo: restore the rows a backup holds, under the same protocol as apply.

use crate::apply::{
    commit, finish, now, row_difference, run_statements, ApplyOptions, ApplyReport,
};
use crate::backup::{new_backup_id, read_backup, write_backup_at, Backup};
use crate::inspect::read_tracking_at;
use crate::intent::Attempt;
use crate::journal::Record;
use crate::reconcile::{recover, session_id, Recovery};
use crate::{adapter_for, EngineError, FaultPoint};
use migdoctor_db::{Db, Locked};
use migdoctor_model::{Action, Adapter, Dialect, Sql};
use migdoctor_sql::{delete_all, drop_table, insert_row};

/// Returns the report after restoring backup `id`: the tracking table holds exactly the rows it
/// held before the apply that wrote the backup. A backup of the current rows is written first,
/// so an undo can itself be undone.
pub async fn undo(db: &mut Db, id: &str, opts: &ApplyOptions) -> Result<ApplyReport, EngineError> {
    let recovered = recover(Some(db), opts).await?;
    recovered.require_settled(&opts.journal())?;
    let (backup, _) = read_backup(&opts.backups(), id)?;
    let adapter = adapter_for(backup.framework).ok_or_else(|| EngineError::Backup {
        path: id.to_string(),
        reason: format!("this build has no {} adapter", backup.framework),
    })?;
    let facts = db.facts().clone();
    if facts.dialect != backup.target.dialect || facts.database != backup.target.database {
        return Err(EngineError::TargetMismatch {
            planned: format!(
                "{} database {} ({})",
                backup.target.dialect, backup.target.database, backup.target.url
            ),
            actual: format!("{} database {}", facts.dialect, facts.database),
        });
    }
    let url = db.url().redacted().to_string();
    let key = adapter.lock_key(&facts, &backup.location);
    let mut locked = db.lock(key.as_ref(), opts.lock_timeout).await?;
    let mut attempt = Attempt::new(
        opts.journal(),
        Record {
            playbook: Some(format!("undo {}", backup.id)),
            plan_fingerprint: Some(backup.plan_fingerprint.clone()),
            target: Some(url.clone()),
            dialect: Some(facts.dialect),
            database: Some(facts.database.clone()),
            framework: Some(backup.framework),
            table: Some(backup.location.to_string()),
            location: Some(backup.location.clone()),
            restored_backup: Some(backup.id.clone()),
            forced: Some(opts.force),
            ..Record::now("undo")
        },
    );
    let mut created = false;
    let result = undo_locked(
        &mut locked,
        adapter,
        &backup,
        opts,
        &url,
        &mut created,
        &mut attempt,
    )
    .await;
    let result = finish(locked, result, created, &backup.location).await;
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

async fn undo_locked(
    locked: &mut Locked<'_>,
    adapter: &dyn Adapter,
    backup: &Backup,
    opts: &ApplyOptions,
    url: &str,
    created: &mut bool,
    attempt: &mut Attempt,
) -> Result<ApplyReport, EngineError> {
    opts.fault(FaultPoint::AfterLock)?;
    attempt.in_session(session_id(locked.db()).await?);
    let label = format!("undo {}", backup.id);
    let current = read_tracking_at(locked.db(), adapter, &backup.location, &label).await?;
    if !opts.force {
        let detail = if current.present != backup.expected_after_present {
            format!(
                "the table {} but the apply left it {}",
                if current.present {
                    "exists"
                } else {
                    "does not exist"
                },
                if backup.expected_after_present {
                    "present"
                } else {
                    "absent"
                }
            )
        } else {
            row_difference(&backup.expected_after, &current.raw)
        };
        if !detail.is_empty() {
            return Err(EngineError::UndoStale {
                table: backup.location.to_string(),
                backup: backup.id.clone(),
                detail,
            });
        }
    }
    opts.fault(FaultPoint::AfterFingerprint)?;

    let now = now();
    let mine = Backup {
        format_version: 1,
        id: new_backup_id(&now, &backup.id),
        created_at: now.to_rfc3339(),
        operation: "undo".into(),
        playbook: format!("undo {}", backup.id),
        plan_fingerprint: backup.plan_fingerprint.clone(),
        framework: backup.framework,
        target: backup.target.clone(),
        location: backup.location.clone(),
        table_existed: current.present,
        shape: current.shape.clone(),
        rows: current.raw.clone(),
        expected_after_present: backup.table_existed,
        expected_after: backup.rows.clone(),
    };
    let written = write_backup_at(&opts.backups(), &mine, &|| {
        opts.fault(FaultPoint::AfterBackupTemp)
    })?;
    attempt.backed_up(&mine);
    opts.fault(FaultPoint::AfterBackup)?;
    let undo_command = format!("migdoctor undo {} --db '{url}'", mine.id);
    attempt.intend(
        &written,
        &current.fingerprint(),
        backup.table_existed,
        &backup.rows,
        &undo_command,
    )?;
    opts.fault(FaultPoint::AfterPending)?;

    let dialect = locked.dialect();
    let at = &backup.location;
    let mut ddl: Vec<Sql> = Vec::new();
    let mut dml: Vec<Sql> = Vec::new();
    if backup.table_existed {
        if !current.present {
            ddl.extend(
                adapter
                    .render(dialect, at, &Action::CreateTrackingTable)
                    .map_err(|source| EngineError::Adapter {
                        site: label.clone(),
                        source,
                    })?,
            );
        }
        dml.push(delete_all(dialect, at));
        for row in &backup.rows.rows {
            dml.push(insert_row(dialect, at, &backup.rows.columns, row));
        }
    } else if current.present {
        ddl.push(drop_table(dialect, at));
    }
    let (outside, inside): (Vec<Sql>, Vec<Sql>) = if dialect == Dialect::Mysql {
        (ddl, dml)
    } else {
        (Vec::new(), ddl.into_iter().chain(dml).collect())
    };
    let completed = run_statements(
        locked,
        &outside,
        &inside,
        opts,
        created,
        backup.table_existed,
    )
    .await?;
    let after = read_tracking_at(locked.db(), adapter, at, &label).await?;
    let diff = if after.present != backup.table_existed {
        "the table's presence differs from the backup".to_string()
    } else {
        row_difference(&backup.rows, &after.raw)
    };
    if !diff.is_empty() {
        return Err(EngineError::VerifyFailed {
            table: at.to_string(),
            detail: diff,
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
        backup_id: mine.id,
        backup_path: written.path,
        statements: completed,
        after,
        recovered: Recovery::default(),
    })
}
