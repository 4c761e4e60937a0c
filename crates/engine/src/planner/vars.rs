//! The template variables a plan is filled from: what the tracking table, the schema evidence
//! and the addressed findings say.

use super::*;

/// Returns the template variables the state defines: `dirty_version`, `previous_version`,
/// `current_version`, `newest_version`, and from evidence `evidence_version` (what undirty
/// should force) and `apparent_version` (where the schema says the history is).
pub fn state_vars(
    history: &History,
    tracking: &TrackingState,
    evidence: Option<&SiteEvidence>,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    let previous_of = |id: &MigrationId| {
        let pos = history.migrations.iter().position(|m| &m.id == id)?;
        Some(
            pos.checked_sub(1)
                .map(|p| history.migrations[p].id.to_string())
                .unwrap_or_else(|| "-1".into()),
        )
    };
    if let TrackingKind::Version { version, dirty } = &tracking.kind {
        let current = version
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "-1".into());
        vars.insert("current_version".into(), current.clone());
        if *dirty {
            vars.insert("dirty_version".into(), current);
            if let Some(v) = version {
                if let Some(prev) = previous_of(v) {
                    vars.insert("previous_version".into(), prev.clone());
                    match evidence.and_then(|e| e.get(v)).map(|e| e.status) {
                        Some(EvidenceStatus::Present) => {
                            vars.insert("evidence_version".into(), v.to_string());
                        }
                        Some(EvidenceStatus::Absent) => {
                            vars.insert("evidence_version".into(), prev);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    if let Some(ev) = evidence {
        if ev.apparent.confidence >= Confidence::Medium {
            let v = ev
                .apparent
                .version
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-1".into());
            vars.insert("apparent_version".into(), v);
            let heads: Vec<&str> = ev.apparent.heads.iter().map(MigrationId::as_str).collect();
            let heads = if heads.is_empty() {
                "base".to_string()
            } else {
                heads.join(" ")
            };
            vars.insert("apparent_heads".into(), heads);
        }
    }
    if tracking.kind == TrackingKind::Heads {
        let heads: Vec<&str> = tracking.entries.iter().map(|e| e.id.as_str()).collect();
        let heads = if heads.is_empty() {
            "base".to_string()
        } else {
            heads.join(" ")
        };
        vars.insert("current_heads".into(), heads);
        if let Some(unknown) = tracking
            .entries
            .iter()
            .find(|e| history.get(&e.id).is_none())
        {
            vars.insert("unknown_revision".into(), unknown.id.to_string());
        }
    }
    if let Some(last) = history.migrations.last() {
        vars.insert("newest_version".into(), last.id.to_string());
    }
    if tracking.kind == TrackingKind::Ledger {
        ledger_vars(history, tracking, evidence, &mut vars);
    }
    vars
}

/// Returns nothing; adds the variables of tables with one row per applied migration: what the
/// schema proves applied (in run order), what of it is not recorded, what is recorded without
/// its effects, dependencies missing under recorded migrations, and duplicate rows (JSON row
/// matches, the first row of each migration kept).
pub(super) fn ledger_vars(
    history: &History,
    tracking: &TrackingState,
    evidence: Option<&SiteEvidence>,
    vars: &mut BTreeMap<String, String>,
) {
    let tracked: std::collections::HashSet<&MigrationId> =
        tracking.entries.iter().map(|e| &e.id).collect();
    let join = |ids: Vec<&MigrationId>| {
        let v: Vec<&str> = ids.iter().map(|m| m.as_str()).collect();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(" ")
        }
    };
    if let Some(ev) = evidence.filter(|e| e.apparent.confidence >= Confidence::Medium) {
        let mut applied = history.ancestors_inclusive(&ev.apparent.heads);
        // A migration the schema cannot check (it only alters columns, like most of
        // django.contrib.auth's) counts as applied when everything it depends on does: no
        // schema could tell otherwise, and leaving it out would make the framework run it
        // again. Opaque code (RunPython, DO blocks) is never assumed: a human decides.
        for m in &history.migrations {
            if applied.contains(&m.id) {
                continue;
            }
            let uncheckable = ev
                .get(&m.id)
                .is_none_or(|e| e.status == EvidenceStatus::Unknown);
            let opaque = m
                .statements
                .iter()
                .any(|s| s.kind == migdoctor_model::StatementKind::Opaque);
            let ready = m
                .parents
                .iter()
                .chain(&m.depends_on)
                .all(|p| applied.contains(p));
            if uncheckable && !opaque && ready && !m.parents.is_empty() {
                applied.insert(m.id.clone());
            }
        }
        let in_order: Vec<&MigrationId> = history
            .migrations
            .iter()
            .map(|m| &m.id)
            .filter(|id| applied.contains(*id))
            .collect();
        vars.insert("apparent_applied".into(), join(in_order.clone()));
        vars.insert(
            "untracked_applied".into(),
            join(
                in_order
                    .into_iter()
                    .filter(|id| !tracked.contains(id))
                    .collect(),
            ),
        );
        let absent: Vec<&MigrationId> = history
            .migrations
            .iter()
            .rev()
            .map(|m| &m.id)
            .filter(|id| tracked.contains(id))
            .filter(|id| {
                ev.get(id)
                    .is_some_and(|e| e.status == EvidenceStatus::Absent)
            })
            .collect();
        vars.insert("tracked_not_applied".into(), join(absent));
    }
    let declared: std::collections::HashSet<&MigrationId> =
        history.migrations.iter().map(|m| &m.id).collect();
    let mut missing: std::collections::HashSet<&MigrationId> = std::collections::HashSet::new();
    for m in history
        .migrations
        .iter()
        .filter(|m| tracked.contains(&m.id))
    {
        for p in m.parents.iter().chain(&m.depends_on) {
            if declared.contains(p) && !tracked.contains(p) {
                missing.insert(p);
            }
        }
    }
    // Record dependencies in run order, so each lands after its own dependencies.
    let order: Vec<&MigrationId> = history
        .migrations
        .iter()
        .map(|m| &m.id)
        .filter(|id| missing.contains(id))
        .collect();
    vars.insert("missing_dependencies".into(), join(order));
    // Each migration keeps its earliest row: the smallest `id` where the table has one (the
    // rows come back in no promised order), else the first row read.
    let id_col = tracking.raw.index_of("id");
    let order_key = |row: usize| match id_col.and_then(|c| tracking.raw.rows.get(row)?.get(c)) {
        Some(migdoctor_model::Value::Int(i)) => (0, *i, row),
        _ => (1, 0, row),
    };
    let mut groups: BTreeMap<&MigrationId, Vec<usize>> = BTreeMap::new();
    for e in &tracking.entries {
        groups.entry(&e.id).or_default().push(e.row);
    }
    let mut dups: Vec<Vec<(String, migdoctor_model::Value)>> = Vec::new();
    for rows in groups.values_mut().filter(|r| r.len() > 1) {
        rows.sort_by_key(|&r| order_key(r));
        for &r in &rows[1..] {
            if let Some(row) = tracking.raw.rows.get(r) {
                dups.push(
                    tracking
                        .raw
                        .columns
                        .iter()
                        .cloned()
                        .zip(row.iter().cloned())
                        .collect(),
                );
            }
        }
    }
    vars.insert(
        "duplicate_rows".into(),
        serde_json::to_string(&dups).unwrap_or_default(),
    );
}

/// Returns the template variables the addressed findings define: `finding_ids` (the
/// migrations they name, in declared order), and of those `finding_ids_present` (the schema
/// proves they ran) and `finding_ids_unproven` (it does not). Each is set only when not empty.
pub(super) fn finding_vars(
    history: &History,
    addressed: &[Finding],
    evidence: Option<&SiteEvidence>,
) -> BTreeMap<String, String> {
    let named: std::collections::HashSet<&MigrationId> =
        addressed.iter().flat_map(|f| f.migrations.iter()).collect();
    let ids: Vec<&MigrationId> = history
        .migrations
        .iter()
        .map(|m| &m.id)
        .filter(|id| named.contains(id))
        .collect();
    let present = |id: &MigrationId| {
        evidence
            .and_then(|e| e.get(id))
            .is_some_and(|e| e.status == EvidenceStatus::Present)
    };
    let mut out = BTreeMap::new();
    let mut put = |name: &str, list: Vec<&MigrationId>| {
        if !list.is_empty() {
            let list: Vec<&str> = list.iter().map(|id| id.as_str()).collect();
            out.insert(name.to_string(), list.join(" "));
        }
    };
    put("finding_ids", ids.clone());
    put(
        "finding_ids_present",
        ids.iter().copied().filter(|id| present(id)).collect(),
    );
    put(
        "finding_ids_unproven",
        ids.iter().copied().filter(|id| !present(id)).collect(),
    );
    out
}

/// Returns the checksum the files give `id`, for an `update-checksum` step that names none.
pub(super) fn file_checksum(history: &History, id: &MigrationId) -> Result<String, EngineError> {
    history
        .get(id)
        .and_then(|m| m.checksum.clone())
        .ok_or_else(|| EngineError::InvalidParam {
            param: "entries".into(),
            value: id.to_string(),
            reason: format!(
                "{} has no migration {id} with a checksum",
                history.site.root
            ),
        })
}
