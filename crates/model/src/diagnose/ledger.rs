//! Findings for tracking tables that keep one row per applied migration (Django, Drizzle,
//! native runners): duplicate rows, rows naming no file, migrations applied before their
//! dependencies, and what is pending.

use super::{abbreviate, pending_ids};
use crate::{Finding, FindingCode, Framework, History, MigrationId, Severity, TrackingState};
use std::collections::{BTreeMap, HashMap, HashSet};

pub(super) fn diagnose_ledger(history: &History, tracking: &TrackingState, out: &mut Vec<Finding>) {
    let site = history.site.label();
    let fw = history.framework();
    let table = &tracking.location;
    let new = |code, sev, msg: String| Finding::new(code, sev, fw, site.clone(), msg);
    let known: HashMap<&MigrationId, usize> = history
        .migrations
        .iter()
        .enumerate()
        .map(|(i, m)| (&m.id, i))
        .collect();

    let mut rows_of: BTreeMap<&MigrationId, Vec<usize>> = BTreeMap::new();
    for e in &tracking.entries {
        rows_of.entry(&e.id).or_default().push(e.row + 1);
    }
    for (id, rows) in rows_of.iter().filter(|(_, r)| r.len() > 1) {
        let list: Vec<String> = rows.iter().map(usize::to_string).collect();
        out.push(
            new(
                FindingCode::DuplicateRows,
                Severity::Warning,
                format!(
                    "{table} records {id} {} times; the framework reads one (harmless to it, but a later unapply or rebuild trips over the copies)",
                    rows.len()
                ),
            )
            .migrations([(*id).clone()])
            .evidence(format!("{table} rows {}", list.join(", "))),
        );
    }

    let unknown: Vec<(&MigrationId, &Vec<usize>)> = rows_of
        .iter()
        .filter(|(id, _)| !known.contains_key(*id))
        .map(|(id, rows)| (*id, rows))
        .collect();
    if !unknown.is_empty() {
        let list: Vec<&str> = unknown.iter().map(|(id, _)| id.as_str()).collect();
        let mut f = new(
            FindingCode::UnknownTracked,
            Severity::Info,
            format!(
                "{table} records {} migration(s) no file defines: {}; the framework ignores such rows (a deleted or renamed migration, or code behind the database)",
                unknown.len(),
                abbreviate(&list, 10)
            ),
        )
        .migrations(unknown.iter().map(|(id, _)| (*id).clone()));
        for (id, rows) in unknown.iter().take(20) {
            f = f.evidence(format!("{table} row {}: {id}", rows[0]));
        }
        out.push(f);
    }

    let applied: HashSet<&MigrationId> = rows_of.keys().copied().collect();
    for m in &history.migrations {
        if !applied.contains(&m.id) {
            continue;
        }
        for p in m.parents.iter().chain(&m.depends_on) {
            if known.contains_key(p) && !applied.contains(p) {
                let message = if fw == Framework::Django {
                    format!(
                        "Migration {} is applied before its dependency {p} on database 'default'",
                        m.id
                    )
                } else {
                    format!("migration {} is applied before its dependency {p}", m.id)
                };
                out.push(
                    new(FindingCode::InconsistentHistory, Severity::Error, message)
                        .migrations([m.id.clone(), p.clone()])
                        .evidence(format!(
                            "{table} row {} records {}; no row records {p}",
                            rows_of[&m.id][0], m.id
                        )),
                );
            }
        }
    }

    let pending: Vec<MigrationId> = pending_ids(history, |id| applied.contains(id));
    if !pending.is_empty() {
        let list: Vec<&str> = pending.iter().map(MigrationId::as_str).collect();
        let mut f = new(
            FindingCode::Pending,
            Severity::Info,
            format!(
                "{} migration(s) pending: {}",
                pending.len(),
                abbreviate(&list, 10)
            ),
        );
        if fw == Framework::Django {
            f = f.evidence(format!(
                "`manage.py migrate --check` exits 1; `manage.py migrate` would apply, in this order: {}",
                abbreviate(&list, 20)
            ));
        }
        out.push(f.migrations(pending));
    }
}
