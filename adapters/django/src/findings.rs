//! What only Django's rules decide: squashes against what is recorded (the loader's
//! `replace_migration` / `remove_replacement_node`), leaf nodes per app, rows of apps whose
//! migrations are not in the project, and settings migdoctor could not read.

use crate::detect::apps_of;
use migdoctor_model::{
    Finding, FindingCode, Framework, History, Migration, MigrationId, Severity, TrackedEntry,
    TrackingState,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

fn app_of(id: &MigrationId) -> &str {
    id.as_str().split_once('.').map(|(a, _)| a).unwrap_or("")
}

/// Returns nothing; applies Django's squash rule to the recorded state: a squash whose
/// replaced migrations are all recorded counts as applied (its own row follows at the next
/// `migrate`); one with only some recorded is set aside and the originals are used.
pub(crate) fn settle(history: &mut History, tracking: &mut TrackingState) {
    let applied: HashSet<MigrationId> = tracking.entries.iter().map(|e| e.id.clone()).collect();
    let squashes: Vec<Migration> = history
        .migrations
        .iter()
        .filter(|m| !m.replaces.is_empty())
        .cloned()
        .collect();
    let mut changed = false;
    for s in squashes {
        let recorded = s.replaces.iter().filter(|r| applied.contains(*r)).count();
        if recorded == s.replaces.len() {
            if !applied.contains(&s.id) {
                let row = tracking
                    .entries
                    .iter()
                    .find(|e| s.replaces.contains(&e.id))
                    .map(|e| e.row)
                    .unwrap_or(0);
                tracking.entries.push(TrackedEntry {
                    id: s.id.clone(),
                    dirty: false,
                    row,
                });
            }
            tracking.entries.retain(|e| !s.replaces.contains(&e.id));
        } else if recorded > 0 {
            // The originals run; the squash waits until they are all applied.
            let (originals, rest): (Vec<Migration>, Vec<Migration>) = history
                .replaced
                .drain(..)
                .partition(|m| s.replaces.contains(&m.id));
            history.replaced = rest;
            let last = s.replaces.last().cloned().unwrap_or_else(|| s.id.clone());
            history.migrations.retain(|m| m.id != s.id);
            for m in &mut history.migrations {
                for p in &mut m.parents {
                    if *p == s.id {
                        *p = last.clone();
                    }
                }
            }
            history.migrations.extend(originals);
            history.replaced.push(s);
            changed = true;
        }
    }
    // Rows of installed apps whose migrations are not in the project (third-party packages,
    // disabled apps) name nothing migdoctor can check; Django reads them as usual.
    let outside: BTreeSet<String> = apps_of(&history.site)
        .into_iter()
        .filter(|a| a.kind != "project" && a.kind != "contrib")
        .map(|a| a.label)
        .collect();
    let known: HashSet<&str> = history.migrations.iter().map(|m| app_of(&m.id)).collect();
    tracking
        .entries
        .retain(|e| known.contains(app_of(&e.id)) || !outside.contains(app_of(&e.id)));
    if changed {
        let order = history.order();
        let pos: HashMap<&MigrationId, usize> =
            order.iter().enumerate().map(|(i, id)| (id, i)).collect();
        let mut ms = std::mem::take(&mut history.migrations);
        ms.sort_by_key(|m| pos.get(&m.id).copied().unwrap_or(usize::MAX));
        history.migrations = ms;
    }
}

pub(crate) fn findings(history: &History, tracking: Option<&TrackingState>) -> Vec<Finding> {
    let site = history.site.label();
    let new =
        |code, sev, msg: String| Finding::new(code, sev, Framework::Django, site.clone(), msg);
    let mut out = Vec::new();
    for key in ["settings_problem", "apps_problem"] {
        if let Some(p) = history.site.config.get(key) {
            out.push(new(
                FindingCode::InvalidMigrationFile,
                Severity::Warning,
                format!("settings migdoctor could not read without running Python: {p}; apps or the database may be missing from this report"),
            ));
        }
    }
    // Leaf nodes per app: `migrate` refuses with "Conflicting migrations detected".
    let mut by_app: BTreeMap<&str, Vec<&Migration>> = BTreeMap::new();
    for m in &history.migrations {
        by_app.entry(app_of(&m.id)).or_default().push(m);
    }
    for (app, ms) in &by_app {
        let referenced: HashSet<&MigrationId> = ms.iter().flat_map(|m| m.parents.iter()).collect();
        let mut leaves: Vec<&str> = ms
            .iter()
            .filter(|m| !referenced.contains(&m.id))
            .map(|m| m.name.as_str())
            .collect();
        if leaves.len() > 1 {
            leaves.sort();
            let mut f = new(
                FindingCode::MultipleHeads,
                Severity::Error,
                format!(
                    "Conflicting migrations detected; multiple leaf nodes in the migration graph: ({} in {app}).",
                    leaves.join(", ")
                ),
            )
            .evidence("fix: `python manage.py makemigrations --merge` (`migdoctor plan django/merge` shows the file it writes)")
            .migrations(leaves.iter().map(|l| MigrationId(format!("{app}.{l}"))));
            for m in ms.iter().filter(|m| leaves.contains(&m.name.as_str())) {
                if let Some(file) = m.files.first() {
                    f = f.evidence(format!("leaf {}: {file}", m.id));
                }
            }
            out.push(f);
        }
    }
    for s in history.replaced.iter().filter(|m| !m.replaces.is_empty()) {
        let list: Vec<&str> = s.replaces.iter().map(MigrationId::as_str).collect();
        let recorded: Vec<&str> = tracking
            .map(|t| {
                t.entries
                    .iter()
                    .filter(|e| s.replaces.contains(&e.id))
                    .map(|e| e.id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        out.push(
            new(
                FindingCode::Partial,
                Severity::Warning,
                format!(
                    "squashed migration {} is half recorded: {} of the {} migrations it replaces are recorded, so Django runs the originals and records the squash only once all are applied",
                    s.id,
                    recorded.len(),
                    list.len()
                ),
            )
            .migrations([s.id.clone()])
            .evidence(format!("replaces: {}", list.join(", ")))
            .evidence(format!("recorded: {}", recorded.join(", "))),
        );
    }
    if let Some(t) = tracking {
        // Squashes are few; looking each row up in the whole history was quadratic.
        let squashes: HashSet<&MigrationId> = history
            .migrations
            .iter()
            .filter(|m| !m.replaces.is_empty())
            .map(|m| &m.id)
            .collect();
        let squash_rows: Vec<&TrackedEntry> = t
            .entries
            .iter()
            .filter(|e| squashes.contains(&e.id) && !row_names(t, e.row, &e.id))
            .collect();
        for e in squash_rows {
            out.push(new(
                FindingCode::Pending,
                Severity::Info,
                format!("every migration {} replaces is recorded, so Django counts it as applied; the next `migrate` adds its own row", e.id),
            ).migrations([e.id.clone()]));
        }
    }
    out
}

/// Returns whether raw row `row` records `id` itself (not a migration it replaces).
fn row_names(t: &TrackingState, row: usize, id: &MigrationId) -> bool {
    let (Some(ai), Some(ni)) = (t.raw.index_of("app"), t.raw.index_of("name")) else {
        return true;
    };
    t.raw.rows.get(row).is_some_and(|r| {
        let text = |v: &migdoctor_model::Value| match v {
            migdoctor_model::Value::Text(s) => s.clone(),
            _ => String::new(),
        };
        format!("{}.{}", text(&r[ai]), text(&r[ni])) == id.as_str()
    })
}
