//! `journal --verify`: is the audit trail whole? Every operation has an outcome, every backup
//! a committed (or possibly committed) change needs exists, and every backup's bytes still hash
//! to what the journal recorded when it was written.

use crate::journal::{Journal, Status};
use serde::Serialize;
use std::collections::HashSet;
use std::path::Path;

/// Returns nothing; one hole in the audit trail.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Gap {
    /// `pending` (no outcome), `unknown` (the table held neither state), `conflict`
    /// (outcomes disagree), `missing-backup`, `hash-mismatch` or `unreadable-line`.
    pub kind: &'static str,
    /// The backup id of the operation, when it has one.
    pub backup_id: Option<String>,
    /// The journal lines concerned.
    pub lines: Vec<usize>,
    /// What is wrong, naming the file.
    pub detail: String,
}

/// Returns nothing; what `journal --verify` found.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Verification {
    /// Backup files whose hash was checked.
    pub hashes_checked: usize,
    /// Holes in the trail.
    pub gaps: Vec<Gap>,
    /// Things worth knowing that are no hole (older lines without hashes, cut-off lines of
    /// killed writers, backups no record names).
    pub notes: Vec<String>,
}

/// Returns the verification of `journal` against the backups in `backups`.
pub fn verify(journal: &Journal, backups: &Path) -> Verification {
    let mut v = Verification::default();
    for p in &journal.problems {
        if p.torn {
            v.notes.push(format!(
                "{} line {}: {}",
                journal.path.display(),
                p.line,
                p.reason
            ));
        } else {
            v.gaps.push(Gap {
                kind: "unreadable-line",
                backup_id: None,
                lines: vec![p.line],
                detail: format!("{} line {}: {}", journal.path.display(), p.line, p.reason),
            });
        }
    }
    let mut named = HashSet::new();
    for e in journal.entries() {
        let gap = |kind, detail: String| Gap {
            kind,
            backup_id: e.backup_id.clone(),
            lines: e.lines.clone(),
            detail,
        };
        match e.status {
            Status::Pending => v.gaps.push(gap(
                "pending",
                format!(
                    "{} {} has no outcome: run `migdoctor journal --db URL` with the URL of {} to record it",
                    e.operation,
                    e.playbook.as_deref().unwrap_or(""),
                    e.target.as_deref().unwrap_or("its database")
                ),
            )),
            Status::Unknown => v.gaps.push(gap(
                "unknown",
                format!(
                    "{} {}: the table held neither the rows before nor the rows expected: {}",
                    e.operation,
                    e.playbook.as_deref().unwrap_or(""),
                    e.found.as_deref().unwrap_or("(nothing recorded)")
                ),
            )),
            _ => {}
        }
        if !e.conflicting.is_empty() {
            let all: Vec<String> = e
                .conflicting
                .iter()
                .chain([&e.status])
                .map(|s| s.to_string())
                .collect();
            v.gaps.push(gap(
                "conflict",
                format!("outcomes disagree: {}", all.join(" then ")),
            ));
        }
        let Some(id) = &e.backup_id else {
            continue;
        };
        named.insert(id.clone());
        let path = backups.join(format!("{id}.json"));
        let needed = matches!(
            e.status,
            Status::Committed | Status::Pending | Status::Unknown
        );
        match std::fs::read(&path) {
            Err(err) if needed => v.gaps.push(gap(
                "missing-backup",
                format!(
                    "backup {} of a {} {}: {err}",
                    path.display(),
                    e.status,
                    e.operation
                ),
            )),
            Err(_) => v.notes.push(format!(
                "backup {} of a {} {} is gone (not needed: nothing to undo)",
                path.display(),
                e.status,
                e.operation
            )),
            Ok(bytes) => match &e.backup_sha256 {
                Some(want) => {
                    v.hashes_checked += 1;
                    let got = migdoctor_model::sha256_hex(&bytes);
                    if &got != want {
                        v.gaps.push(gap(
                            "hash-mismatch",
                            format!(
                                "backup {} has sha256 {got}, the journal recorded {want} when it was written: it was changed since",
                                path.display()
                            ),
                        ));
                    }
                }
                None => v.notes.push(format!(
                    "backup {}: no hash recorded (journal line written before hashes were)",
                    path.display()
                )),
            },
        }
    }
    if let Ok(dir) = std::fs::read_dir(backups) {
        let mut orphans: Vec<String> = dir
            .filter_map(|d| d.ok())
            .map(|d| d.file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
            .filter(|id| !id.starts_with('.') && !named.contains(id))
            .collect();
        orphans.sort();
        if !orphans.is_empty() {
            v.notes.push(format!(
                "{} backup file(s) in {} that no journal record names (runs that stopped before recording their intent, so before any write): {}",
                orphans.len(),
                backups.display(),
                orphans.join(", ")
            ));
        }
    }
    v
}

#[cfg(test)]
#[path = "audit_tests.rs"]
mod tests;
