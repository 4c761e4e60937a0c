//! Findings for tracking tables that store heads (Alembic).

use super::abbreviate;
use crate::{Finding, FindingCode, History, MigrationId, Severity, TrackingState};

pub(super) fn diagnose_heads(history: &History, tracking: &TrackingState, out: &mut Vec<Finding>) {
    let site = history.site.label();
    let fw = history.framework();
    let table = &tracking.location;
    let mut known = Vec::new();
    for e in &tracking.entries {
        if history.get(&e.id).is_some() {
            known.push(e.id.clone());
            continue;
        }
        out.push(
            Finding::new(
                FindingCode::UnknownTracked,
                Severity::Error,
                fw,
                site.clone(),
                format!("Can't locate revision identified by '{}': {table} names a revision no file defines (database ahead of code, a deleted file, or another branch)", e.id),
            )
            .migrations([e.id.clone()])
            .evidence(format!("{table} row {}: version_num = '{}'", e.row + 1, e.id)),
        );
    }
    // A row that is an ancestor of another row is not a valid stamp.
    for a in &known {
        for b in &known {
            if a != b
                && history
                    .ancestors_inclusive(std::slice::from_ref(b))
                    .contains(a)
            {
                out.push(
                    Finding::new(
                        FindingCode::DuplicateRows,
                        Severity::Error,
                        fw,
                        site.clone(),
                        format!("{table} holds {a} and its descendant {b}: not a valid stamp (Alembic stores heads only)"),
                    )
                    .migrations([a.clone(), b.clone()]),
                );
            }
        }
    }
    if known.len() < tracking.entries.len() {
        // Alembic stops at the unknown revision: what is pending cannot be told.
        return;
    }
    let applied = history.ancestors_inclusive(&known);
    let pending: Vec<MigrationId> = history
        .order()
        .into_iter()
        .filter(|id| !applied.contains(id))
        .collect();
    if !pending.is_empty() {
        let list: Vec<&str> = pending.iter().map(MigrationId::as_str).collect();
        out.push(
            Finding::new(
                FindingCode::Pending,
                Severity::Info,
                fw,
                site,
                format!(
                    "{} revision(s) pending: {}",
                    pending.len(),
                    abbreviate(&list, 10)
                ),
            )
            .migrations(pending),
        );
    }
}
