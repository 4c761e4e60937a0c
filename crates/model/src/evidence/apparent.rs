//! What the evidence adds up to: the apparent state and the objects no migration explains.

use super::{ApparentState, Confidence, Evidence, EvidenceStatus};
use crate::{History, LiveSchema, MigrationId};
use std::collections::{HashMap, HashSet};

pub(super) fn apparent_state(evidence: &[Evidence], live: &LiveSchema) -> ApparentState {
    let last_present = evidence
        .iter()
        .rposition(|e| e.status == EvidenceStatus::Present);
    let mut reasons = Vec::new();
    let mut confidence = Confidence::High;
    let upto = last_present.map(|i| i + 1).unwrap_or(0);
    for e in &evidence[..upto] {
        match e.status {
            EvidenceStatus::Absent | EvidenceStatus::Partial => {
                confidence = Confidence::Low;
                reasons.push(format!(
                    "earlier migration {} is not fully present",
                    e.migration
                ));
            }
            EvidenceStatus::Unknown if confidence > Confidence::Medium => {
                confidence = Confidence::Medium;
                reasons.push(format!(
                    "migration {} has no checkable effects",
                    e.migration
                ));
            }
            _ => {}
        }
    }
    for e in &evidence[upto..] {
        if matches!(e.status, EvidenceStatus::Partial) {
            confidence = confidence.min(Confidence::Medium);
            reasons.push(format!("migration {} is partly present", e.migration));
        }
    }
    if let Some(e) = evidence.iter().find(|e| !e.uncertain.is_empty()) {
        confidence = confidence.min(Confidence::Medium);
        reasons.push(format!(
            "a statement migdoctor could not read may have changed what {} left behind",
            e.migration
        ));
    }
    if evidence.iter().any(|e| e.opaque > 0) {
        confidence = confidence.min(Confidence::Medium);
        reasons.push("some statements could not be understood".into());
    }
    if !live.hidden.is_empty() {
        confidence = confidence.min(Confidence::Medium);
        reasons.push(format!(
            "not everything could be seen: {}",
            live.hidden.join("; ")
        ));
    }
    if last_present.is_none() && evidence.iter().all(|e| e.status == EvidenceStatus::Unknown) {
        confidence = Confidence::Low;
        reasons.push("no migration has checkable effects".into());
    }
    ApparentState {
        version: last_present.map(|i| evidence[i].migration.clone()),
        heads: Vec::new(),
        confidence,
        reasons,
    }
}

/// Returns the present migrations that no other present migration descends from, in `order`
/// (topological). One pass from the newest back: a migration is covered as soon as a present
/// one (or one covered by a present one) names it as parent or dependency.
pub(super) fn apparent_heads(
    history: &History,
    order: &[MigrationId],
    evidence: &[Evidence],
) -> Vec<MigrationId> {
    let present: HashSet<&MigrationId> = evidence
        .iter()
        .filter(|e| e.status == EvidenceStatus::Present)
        .map(|e| &e.migration)
        .collect();
    let by_id: HashMap<&MigrationId, &crate::Migration> =
        history.migrations.iter().map(|m| (&m.id, m)).collect();
    let label_of: HashMap<&str, &MigrationId> = history
        .migrations
        .iter()
        .flat_map(|m| m.labels.iter().map(move |l| (l.as_str(), &m.id)))
        .collect();
    let mut covered: HashSet<&MigrationId> = HashSet::new();
    for id in order.iter().rev() {
        if !(present.contains(id) || covered.contains(id)) {
            continue;
        }
        let Some(m) = by_id.get(id) else { continue };
        for dep in m.parents.iter().chain(&m.depends_on) {
            let dep = if by_id.contains_key(dep) {
                Some(dep)
            } else {
                label_of.get(dep.as_str()).copied()
            };
            if let Some(d) = dep.and_then(|d| by_id.get_key_value(d).map(|(k, _)| *k)) {
                covered.insert(d);
            }
        }
    }
    order
        .iter()
        .filter(|id| present.contains(id) && !covered.contains(id))
        .cloned()
        .collect()
}
