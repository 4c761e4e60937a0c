//! Findings from schema evidence: partial, untracked-applied, tracked-not-applied, and the
//! proof added to dirty, missing-table and unknown-revision findings. Each root cause is told
//! once: the migrations a wrong tracking row leaves out are one `untracked-applied` finding,
//! and an unknown tracked revision is one `unknown-tracked` finding, not one per ancestor.
//! Drift is judged per database (see [`crate::database_drift`]).

use super::{abbreviate, tracked_applied};
use crate::evidence::{EvidenceStatus, SiteEvidence};
use crate::{
    Finding, FindingCode, History, MigrationId, Recognition, Severity, TrackingKind, TrackingState,
};
use std::collections::HashSet;

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
    if let Some(d) = &dirty_id {
        prove_dirty(history, ev, d, out);
    }
    let apparent = format!(
        "schema evidence: apparent {} {} (confidence {})",
        if ev.apparent.heads.len() > 1 {
            "heads"
        } else {
            "version"
        },
        if ev.apparent.heads.len() > 1 {
            ev.apparent
                .heads
                .iter()
                .map(MigrationId::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            ev.apparent
                .version
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "none".into())
        },
        ev.apparent.confidence
    );
    for e in &ev.migrations {
        if e.status == EvidenceStatus::Partial {
            let mut f = Finding::new(
                FindingCode::Partial,
                Severity::Error,
                fw,
                site.clone(),
                format!(
                    "{} {}",
                    match fw {
                        crate::Framework::GolangMigrate | crate::Framework::Native => "version",
                        crate::Framework::Alembic => "revision",
                        crate::Framework::Drizzle => "entry",
                        crate::Framework::Django => "migration",
                    },
                    e.summary()
                ),
            )
            .migrations([e.migration.clone()]);
            f.evidence.extend(e.present.iter().cloned());
            f.evidence.extend(e.missing.iter().cloned());
            f.evidence
                .extend(e.uncertain.iter().map(|u| format!("uncertain: {u}")));
            out.push(f);
        }
    }

    // A tracked revision no file defines: Alembic stops at "Can't locate revision" and runs
    // nothing, so what the rows say about the rest is no finding of its own.
    let unknown = out.iter().any(|f| f.code == FindingCode::UnknownTracked);
    if unknown && tracking.kind == TrackingKind::Heads {
        if let Some(f) = out
            .iter_mut()
            .find(|f| f.code == FindingCode::UnknownTracked)
        {
            f.evidence.push(apparent);
        }
        out.retain(|f| f.code != FindingCode::Pending);
        return;
    }
    let Some(applied) = tracked_applied(history, tracking) else {
        return; // another tool's table: the unrecognized-table finding is the root cause
    };
    if tracking.recognition != Recognition::Recognized {
        return;
    }
    let applied: HashSet<&MigrationId> = applied.iter().collect();
    let untracked: Vec<_> = ev
        .migrations
        .iter()
        .filter(|e| {
            e.status == EvidenceStatus::Present
                && !applied.contains(&e.migration)
                && dirty_id.as_ref() != Some(&e.migration)
        })
        .collect();
    let missing: Vec<_> = ev
        .migrations
        .iter()
        .filter(|e| e.status == EvidenceStatus::Absent && applied.contains(&e.migration))
        .collect();
    if !untracked.is_empty() {
        let ids: Vec<MigrationId> = untracked.iter().map(|e| e.migration.clone()).collect();
        let list: Vec<&str> = ids.iter().map(MigrationId::as_str).collect();
        let why = if tracking.present {
            format!("{} does not record them", tracking.location)
        } else {
            format!("{} does not exist", tracking.location)
        };
        let mut f = Finding::new(
            FindingCode::UntrackedApplied,
            Severity::Error,
            fw,
            site.clone(),
            format!(
                "{} migration(s) ran but are not recorded as applied ({why}): {}; the framework would run them again (\"already exists\")",
                ids.len(),
                abbreviate(&list, 10)
            ),
        )
        .migrations(ids.clone())
        .evidence(apparent.clone());
        for e in untracked.iter().take(20) {
            f.evidence.push(e.summary());
        }
        if untracked.len() > 20 {
            f.evidence
                .push(format!("… and {} more", untracked.len() - 20));
        }
        out.push(f);
        // What the schema proves ran is not pending, whatever the framework believes.
        let proven: HashSet<&MigrationId> = ids.iter().collect();
        for p in out.iter_mut().filter(|f| f.code == FindingCode::Pending) {
            p.migrations.retain(|m| !proven.contains(m));
            let list: Vec<&str> = p.migrations.iter().map(MigrationId::as_str).collect();
            p.message = format!(
                "{} migration(s) pending: {}",
                list.len(),
                abbreviate(&list, 10)
            );
        }
        out.retain(|f| f.code != FindingCode::Pending || !f.migrations.is_empty());
    }
    if !missing.is_empty() {
        let ids: Vec<MigrationId> = missing.iter().map(|e| e.migration.clone()).collect();
        let list: Vec<&str> = ids.iter().map(MigrationId::as_str).collect();
        let mut f = Finding::new(
            FindingCode::TrackedNotApplied,
            Severity::Error,
            fw,
            site.clone(),
            format!(
                "{} migration(s) recorded as applied but their objects are missing: {}; the framework will never run them",
                ids.len(),
                abbreviate(&list, 10)
            ),
        )
        .migrations(ids);
        for e in missing.iter().take(20) {
            f.evidence.push(e.summary());
        }
        out.push(f);
    }
    if !tracking.present && !history.migrations.is_empty() {
        if let Some(f) = out
            .iter_mut()
            .find(|f| f.code == FindingCode::MissingTrackingTable)
        {
            // With the schema there, the next run starts from the first migration and fails;
            // with nothing there, it is a database nothing has run on yet.
            f.severity = if untracked.is_empty() {
                Severity::Info
            } else {
                Severity::Error
            };
            f.evidence.push(apparent);
        }
    }
}

/// Adds the evidence and the answer to "force N or N-1?" to the dirty finding.
fn prove_dirty(history: &History, ev: &SiteEvidence, d: &MigrationId, out: &mut [Finding]) {
    let (Some(f), Some(e)) = (
        out.iter_mut().find(|f| f.code == FindingCode::Dirty),
        ev.get(d),
    ) else {
        return;
    };
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
        EvidenceStatus::Partial => format!(
            "{d} ran part-way: finish or revert it by hand, then force; the plan lists its statements"
        ),
        EvidenceStatus::Unknown => {
            format!("{d} has no checkable effects: decide by hand between {d} and {prev}")
        }
    });
}
