//! Findings from schema evidence: partial, untracked-applied, tracked-not-applied, drift, and
//! the proof added to dirty and missing-table findings.

use super::tracked_applied;
use crate::evidence::{EvidenceStatus, SiteEvidence};
use crate::{Finding, FindingCode, History, Severity, TrackingKind, TrackingState};

pub(super) fn evidence_findings(
    history: &History,
    tracking: &TrackingState,
    ev: &SiteEvidence,
    out: &mut Vec<Finding>,
) {
    let site = history.site.label();
    let fw = history.framework();
    let dirty_id = match &tracking.kind {
        TrackingKind::Version {
            version: Some(v),
            dirty: true,
        } => Some(v.clone()),
        _ => None,
    };
    // The dirty finding gets its proof and the answer to "force N or N-1?".
    if let Some(d) = &dirty_id {
        if let (Some(f), Some(e)) = (
            out.iter_mut().find(|f| f.code == FindingCode::Dirty),
            ev.get(d),
        ) {
            f.evidence.push(format!("evidence: {}", e.summary()));
            let prev = history
                .migrations
                .iter()
                .position(|m| &m.id == d)
                .and_then(|i| {
                    i.checked_sub(1)
                        .map(|p| history.migrations[p].id.to_string())
                })
                .unwrap_or_else(|| "-1".into());
            f.evidence.push(match e.status {
                EvidenceStatus::Present => format!("all of {d}'s effects are present: force {d}"),
                EvidenceStatus::Absent => format!("none of {d}'s effects are present: force {prev}"),
                EvidenceStatus::Partial => format!("{d} ran part-way: finish or revert it by hand, then force; the plan lists its statements"),
                EvidenceStatus::Unknown => format!("{d} has no checkable effects: decide by hand between {d} and {prev}"),
            });
        }
    }
    let applied = tracked_applied(history, tracking).unwrap_or_default();
    for e in &ev.migrations {
        let is_applied = applied.contains(&e.migration);
        let is_dirty = dirty_id.as_ref() == Some(&e.migration);
        let f = match e.status {
            EvidenceStatus::Partial => Some(Finding::new(
                FindingCode::Partial,
                Severity::Error,
                fw,
                site.clone(),
                format!("version {}", e.summary()),
            )),
            EvidenceStatus::Present if !is_applied && !is_dirty && tracking.present => Some(Finding::new(
                FindingCode::UntrackedApplied,
                Severity::Error,
                fw,
                site.clone(),
                format!(
                    "version {} ran but is not recorded as applied; the framework would run it again (\"already exists\")",
                    e.migration
                ),
            )),
            EvidenceStatus::Absent if is_applied => Some(Finding::new(
                FindingCode::TrackedNotApplied,
                Severity::Error,
                fw,
                site.clone(),
                format!(
                    "version {} is recorded as applied but its objects are missing; the framework will never run it",
                    e.migration
                ),
            )),
            _ => None,
        };
        if let Some(mut f) = f {
            f.migrations.push(e.migration.clone());
            f.evidence.extend(e.present.iter().cloned());
            f.evidence.extend(e.missing.iter().cloned());
            out.push(f);
        }
    }
    if !ev.unexplained.is_empty() {
        let mut f = Finding::new(
            FindingCode::SchemaDrift,
            Severity::Warning,
            fw,
            site.clone(),
            format!(
                "{} object(s) in the schema are explained by no migration",
                ev.unexplained.len()
            ),
        );
        for u in ev.unexplained.iter().take(50) {
            f.evidence.push(format!("unexplained: {u}"));
        }
        if ev.unexplained.len() > 50 {
            f.evidence
                .push(format!("… and {} more", ev.unexplained.len() - 50));
        }
        let opaque: usize = ev.migrations.iter().map(|e| e.opaque).sum();
        if opaque > 0 {
            f.evidence.push(format!("{opaque} migration statement(s) could not be understood and may explain some of these"));
        }
        out.push(f);
    }
    if !tracking.present && !history.migrations.is_empty() {
        if let Some(f) = out
            .iter_mut()
            .find(|f| f.code == FindingCode::MissingTrackingTable)
        {
            f.evidence.push(format!(
                "apparent version from the schema: {} (confidence {})",
                ev.apparent
                    .version
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "none".into()),
                ev.apparent.confidence
            ));
        }
    }
}
