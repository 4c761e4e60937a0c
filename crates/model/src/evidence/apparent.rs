//! What the evidence adds up to: the apparent state and the objects no migration explains.

use super::replay::{Namer, Replay};
use super::{ApparentState, Confidence, Evidence, EvidenceStatus, ObjectKey};
use crate::{History, LiveSchema, MigrationId};
use std::collections::{BTreeSet, HashMap, HashSet};

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

pub(super) fn unexplained(replay: &Replay, n: &Namer<'_>, live: &LiveSchema) -> Vec<String> {
    let mut schemas: BTreeSet<String> = BTreeSet::new();
    schemas.insert(live.fold(&live.default_schema));
    for k in &replay.mentioned {
        match k {
            ObjectKey::Table { schema, .. } => {
                schemas.insert(schema.clone());
            }
            ObjectKey::Schema { name } => {
                schemas.insert(name.clone());
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    for t in &live.tables {
        let schema = n.name(&t.schema);
        if !schemas.contains(&schema) {
            continue;
        }
        let table = n.name(&t.name);
        let tkey = ObjectKey::Table {
            schema: schema.clone(),
            table: table.clone(),
        };
        let qualified = if schema == live.fold(&live.default_schema) {
            table.clone()
        } else {
            format!("{schema}.{table}")
        };
        if !replay.mentioned.contains(&tkey) {
            out.push(format!("table {qualified}"));
            continue;
        }
        for c in &t.columns {
            let key = ObjectKey::Column {
                schema: schema.clone(),
                table: table.clone(),
                column: n.name(&c.name),
            };
            if !replay.mentioned.contains(&key) {
                out.push(format!("column {qualified}.{}", c.name));
            }
        }
        for i in t.indexes.iter().filter(|i| !i.constraint_backed) {
            let key = ObjectKey::Index {
                schema: schema.clone(),
                name: n.name(&i.name),
            };
            if !replay.mentioned.contains(&key) {
                out.push(format!("index {} on {qualified}", i.name));
            }
        }
    }
    for v in &live.views {
        let schema = n.name(&v.schema);
        let key = ObjectKey::Other {
            kind: "view".into(),
            schema: schema.clone(),
            name: n.name(&v.name),
        };
        if schemas.contains(&schema) && !replay.mentioned.contains(&key) {
            out.push(format!("view {}", v.name));
        }
    }
    out
}
