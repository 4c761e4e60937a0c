//! Findings for single-version tracking tables (golang-migrate).

use super::{compare_versions, pending};
use crate::{Finding, FindingCode, History, MigrationId, Severity, TrackingState};

pub(super) fn diagnose_version(
    history: &History,
    tracking: &TrackingState,
    version: Option<&MigrationId>,
    dirty: bool,
    out: &mut Vec<Finding>,
) {
    let site = history.site.label();
    let fw = history.framework();
    let table = &tracking.location;
    if tracking.raw.rows.len() > 1 {
        let mut f = Finding::new(
            FindingCode::DuplicateRows,
            Severity::Error,
            fw,
            site.clone(),
            format!(
                "{table} holds {} rows; {fw} keeps exactly one and reads an arbitrary one (LIMIT 1)",
                tracking.raw.rows.len()
            ),
        )
        .migrations(tracking.entries.iter().map(|e| e.id.clone()));
        for e in &tracking.entries {
            f = f.evidence(format!(
                "row {}: version {}, dirty {}",
                e.row + 1,
                e.id,
                e.dirty
            ));
        }
        out.push(f);
    }

    let Some(v) = version else {
        if dirty {
            out.push(
                Finding::new(
                    FindingCode::Dirty,
                    Severity::Error,
                    fw,
                    site.clone(),
                    "Dirty database with no version: the down migration of the first version failed part-way",
                )
                .evidence(format!("{table}: version -1, dirty true")),
            );
        }
        if !history.migrations.is_empty() {
            out.push(pending(history, &site, 0));
        }
        return;
    };

    let position = history.migrations.iter().position(|m| &m.id == v);
    if dirty {
        let mut f = Finding::new(
            FindingCode::Dirty,
            Severity::Error,
            fw,
            site.clone(),
            format!("Dirty database version {v}. Fix and force version."),
        )
        .migrations([v.clone()])
        .evidence(format!("{table}: version {v}, dirty true"));
        match position {
            Some(i) => {
                if let Some(file) = history.migrations[i].files.first() {
                    f = f.evidence(format!("migration {v} is {file}"));
                }
                let prev = i
                    .checked_sub(1)
                    .map(|p| history.migrations[p].id.to_string())
                    .unwrap_or_else(|| "-1 (no version)".into());
                f = f.evidence(format!(
                    "{v} may have run not at all, partly or fully: force {v} if it fully ran, {prev} if it did not"
                ));
            }
            None => f = f.evidence(format!("no file for version {v}")),
        }
        out.push(f);
    }

    let newest = history.migrations.last().map(|m| m.id.clone());
    match position {
        Some(i) => {
            if i + 1 < history.migrations.len() {
                out.push(pending(history, &site, i + 1));
            }
        }
        None => {
            let ahead = newest
                .as_ref()
                .is_none_or(|n| compare_versions(v, n) == std::cmp::Ordering::Greater);
            let msg = if ahead {
                format!(
                    "database is ahead of the code: version {v} has no file (newest file: {})",
                    newest
                        .as_ref()
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "none".into())
                )
            } else {
                format!(
                    "tracked version {v} has no file in {} (deleted or renamed?)",
                    history.site.root
                )
            };
            out.push(
                Finding::new(
                    FindingCode::UnknownTracked,
                    Severity::Error,
                    fw,
                    site.clone(),
                    msg,
                )
                .migrations([v.clone()])
                .evidence(format!("{table}: version {v}"))
                .evidence(format!(
                    "the framework fails with: no migration found for version {v}"
                )),
            );
            // Files newer than an unknown version are still pending.
            let first_newer = history
                .migrations
                .iter()
                .position(|m| compare_versions(&m.id, v) == std::cmp::Ordering::Greater);
            if let Some(i) = first_newer {
                out.push(pending(history, &site, i));
            }
        }
    }
}
