//! One apply or undo as the journal sees it: the intent (`pending`) appended and synced before
//! the first write, the outcome after COMMIT, and on failure what the failure left.

use crate::backup::{Backup, Written};
use crate::journal::{append_journal, Record, Status};
use crate::reconcile::{classify, outcome, session_ended};
use crate::EngineError;
use migdoctor_db::{Db, Mode};
use migdoctor_model::Rows;
use std::path::PathBuf;

/// Returns nothing; the journal's view of one operation in progress.
pub(crate) struct Attempt {
    journal: PathBuf,
    /// The fields every record of this operation repeats (operation, playbook, target…).
    base: Record,
    /// The intent, once appended.
    intent: Option<Record>,
    /// The backup written for it.
    backup: Option<Backup>,
    /// COMMIT was sent (its answer may not have come back).
    pub commit_sent: bool,
    /// COMMIT succeeded.
    pub committed: bool,
}

impl Attempt {
    /// Returns an attempt whose records carry `base`'s descriptive fields.
    pub fn new(journal: PathBuf, base: Record) -> Attempt {
        Attempt {
            journal,
            base,
            intent: None,
            backup: None,
            commit_sent: false,
            committed: false,
        }
    }

    fn record(&self, status: Status) -> Record {
        Record {
            status: Some(status),
            time: chrono::Utc::now().to_rfc3339(),
            ..self.base.clone()
        }
    }

    /// Returns nothing; remembers the writer's server session (see [`Record::session`]).
    pub fn in_session(&mut self, session: Option<String>) {
        self.base.session = session;
    }

    /// Returns nothing; remembers the backup (so a failure record names it).
    pub fn backed_up(&mut self, backup: &Backup) {
        self.backup = Some(backup.clone());
        self.base.backup_id = Some(backup.id.clone());
    }

    /// Returns nothing; appends and syncs the intent: the backup (id, file, hash), the rows
    /// expected afterwards and the command that would undo the change.
    pub fn intend(
        &mut self,
        written: &Written,
        before_fingerprint: &str,
        expected_present: bool,
        expected: &Rows,
        undo_command: &str,
    ) -> Result<(), EngineError> {
        let mut intent = self.record(Status::Pending);
        intent.backup_file = Some(written.path.display().to_string());
        intent.backup_sha256 = Some(written.sha256.clone());
        intent.before_fingerprint = Some(before_fingerprint.to_string());
        intent.expected_present = Some(expected_present);
        intent.expected_rows = Some(expected.clone());
        intent.undo_command = Some(undo_command.to_string());
        append_journal(&self.journal, &intent)?;
        self.intent = Some(intent);
        Ok(())
    }

    /// Returns nothing; appends the outcome after COMMIT. A failure to append is reported as
    /// [`EngineError::Unrecorded`]: the change is in, and the intent stays for the next
    /// command to settle.
    pub fn committed(&self, after_fingerprint: &str, statements: usize) -> Result<(), EngineError> {
        let mut r = self.record(Status::Committed);
        r.after_fingerprint = Some(after_fingerprint.to_string());
        r.statements = Some(statements);
        append_journal(&self.journal, &r).map_err(|e| EngineError::Unrecorded {
            path: self.journal.display().to_string(),
            reason: match e {
                EngineError::Journal { reason, .. } => reason,
                other => other.to_string(),
            },
            backup: self.base.backup_id.clone().unwrap_or_default(),
            undo: self
                .intent
                .as_ref()
                .and_then(|i| i.undo_command.clone())
                .unwrap_or_default(),
        })
    }

    /// Returns nothing; records what the failure `error` left (best effort: the error itself
    /// matters more). Before the intent: `failed`. After it and before COMMIT was sent, with
    /// every write inside the transaction: `rolled-back`. When COMMIT was sent without an
    /// answer, or DDL ran outside the transaction (MySQL): the outcome is read from the table
    /// (through `db`, else a new read-only session), and left pending when it cannot be.
    /// After COMMIT nothing is written: the intent stays for the next command to settle (the
    /// process may be going down, as a crash would).
    pub async fn failed(&self, db: &mut Db, error: &EngineError, wrote_outside_tx: bool) {
        if self.committed {
            return;
        }
        let Some(intent) = &self.intent else {
            let mut r = self.record(Status::Failed);
            r.error = Some(error.to_string());
            let _ = append_journal(&self.journal, &r);
            return;
        };
        if !self.commit_sent && !wrote_outside_tx {
            let mut r = self.record(Status::RolledBack);
            r.error = Some(error.to_string());
            let _ = append_journal(&self.journal, &r);
            return;
        }
        let mut decided = classify(db, intent, self.backup.as_ref()).await;
        if decided.is_err() {
            // The connection is gone: read through a new one once the old session has ended
            // on the server (a COMMIT it was sent lands or not before that).
            if let Ok(mut fresh) = Db::connect(db.url(), Mode::ReadOnly).await {
                let wait = std::time::Duration::from_secs(15);
                if let Ok(true) = session_ended(&mut fresh, intent.session.as_deref(), wait).await {
                    decided = classify(&mut fresh, intent, self.backup.as_ref()).await;
                }
                fresh.close().await;
            }
        }
        if let Ok((status, found)) = decided {
            let r = outcome(intent, status, &found, Some(error.to_string()));
            let _ = append_journal(&self.journal, &r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outcome_that_cannot_be_appended_says_the_change_is_committed() {
        let dir = tempfile::tempdir().unwrap();
        // A folder where the journal file should be: every append fails.
        let journal = dir.path().join("journal.jsonl");
        std::fs::create_dir_all(&journal).unwrap();
        let mut a = Attempt::new(journal.clone(), Record::now("apply"));
        a.base.backup_id = Some("b1".into());
        a.committed = true;
        let err = a.committed("fp", 2).unwrap_err();
        assert!(matches!(err, EngineError::Unrecorded { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("COMMITTED (backup b1)") && text.contains(&journal.display().to_string()),
            "{text}"
        );
    }
}
