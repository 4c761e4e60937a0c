//! Evidence: replay each migration's schema effects, check what they should have left behind
//! against the live schema, and infer what really ran. Pure.

use crate::{History, LiveSchema, MigrationId, StatementKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;

mod apparent;
mod replay;
#[cfg(test)]
mod tests;

use apparent::{apparent_heads, apparent_state, unexplained};
use replay::{replay_effect, Namer, Replay};

/// Returns nothing; a schema object migdoctor can look for, with names folded as the database
/// compares them and the schema filled in.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "object", rename_all = "kebab-case")]
pub enum ObjectKey {
    /// A schema.
    Schema {
        /// Name.
        name: String,
    },
    /// A table.
    Table {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
    },
    /// A column.
    Column {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
    },
    /// An index (names are per schema on PostgreSQL, per database on SQLite).
    Index {
        /// Schema.
        schema: String,
        /// Index.
        name: String,
    },
    /// A named constraint.
    Constraint {
        /// Schema.
        schema: String,
        /// Table.
        table: String,
        /// Constraint.
        name: String,
    },
    /// View, sequence, type or function.
    Other {
        /// view, sequence, type, function.
        kind: String,
        /// Schema.
        schema: String,
        /// Name.
        name: String,
    },
}

impl fmt::Display for ObjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKey::Schema { name } => write!(f, "schema {name}"),
            ObjectKey::Table { table, .. } => write!(f, "table {table}"),
            ObjectKey::Column { table, column, .. } => write!(f, "column {table}.{column}"),
            ObjectKey::Index { name, .. } => write!(f, "index {name}"),
            ObjectKey::Constraint { table, name, .. } => write!(f, "constraint {name} on {table}"),
            ObjectKey::Other { kind, name, .. } => write!(f, "{kind} {name}"),
        }
    }
}

impl ObjectKey {
    /// Returns whether the object exists in `live`.
    pub fn exists_in(&self, live: &LiveSchema) -> bool {
        let fold = |s: &str| live.fold(s);
        match self {
            ObjectKey::Schema { name } => live.schemas.iter().any(|s| fold(s) == *name),
            ObjectKey::Table { schema, table } => live.table(Some(schema), table).is_some(),
            ObjectKey::Column {
                schema,
                table,
                column,
            } => live
                .table(Some(schema), table)
                .is_some_and(|t| t.columns.iter().any(|c| fold(&c.name) == *column)),
            ObjectKey::Index { schema, name } => live.tables.iter().any(|t| {
                fold(&t.schema) == *schema && t.indexes.iter().any(|i| fold(&i.name) == *name)
            }),
            ObjectKey::Constraint {
                schema,
                table,
                name,
            } => live.table(Some(schema), table).is_some_and(|t| {
                t.constraints.iter().any(|c| fold(&c.name) == *name)
                    || t.indexes.iter().any(|i| fold(&i.name) == *name)
            }),
            ObjectKey::Other { kind, schema, name } => {
                let list: Vec<(&String, &String)> = match kind.as_str() {
                    "view" => live.views.iter().map(|o| (&o.schema, &o.name)).collect(),
                    "sequence" => live
                        .sequences
                        .iter()
                        .map(|o| (&o.schema, &o.name))
                        .collect(),
                    "function" => live
                        .functions
                        .iter()
                        .map(|o| (&o.schema, &o.name))
                        .collect(),
                    _ => live
                        .types
                        .iter()
                        .map(|o| (&o.schema, &o.name))
                        .chain(live.enums.iter().map(|e| (&e.schema, &e.name)))
                        .collect(),
                };
                list.iter()
                    .any(|(s, n)| fold(s) == *schema && fold(n) == *name)
            }
        }
    }
}

/// Returns nothing; what the schema says about one migration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceStatus {
    /// Everything it should have left behind is there.
    Present,
    /// None of it is there.
    Absent,
    /// Some is there, some is not.
    Partial,
    /// Nothing checkable (data-only, opaque, or cancelled by later migrations).
    Unknown,
}

/// Returns nothing; what the schema says about one statement.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatementEvidence {
    /// File.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Present / Absent / Partial / Unknown for this statement alone.
    pub status: EvidenceStatus,
    /// The statement text.
    pub sql: String,
}

/// Returns nothing; evidence for one migration, with the objects that prove it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The migration.
    pub migration: MigrationId,
    /// Verdict.
    pub status: EvidenceStatus,
    /// Expectations met ("column users.email present", "table old dropped").
    pub present: Vec<String>,
    /// Expectations not met ("index users_email_idx missing", "table old still exists").
    pub missing: Vec<String>,
    /// Per statement.
    pub statements: Vec<StatementEvidence>,
    /// Statements not understood.
    pub opaque: usize,
}

impl Evidence {
    /// Returns a one-line proof: "version 7 partial: column users.email present, index x missing".
    pub fn summary(&self) -> String {
        let verdict = match self.status {
            EvidenceStatus::Present => "fully applied",
            EvidenceStatus::Absent => "not applied",
            EvidenceStatus::Partial => "partial",
            EvidenceStatus::Unknown => "no checkable effects",
        };
        let mut parts: Vec<String> = self
            .present
            .iter()
            .chain(self.missing.iter())
            .take(8)
            .cloned()
            .collect();
        let total = self.present.len() + self.missing.len();
        if total > 8 {
            parts.push(format!("… ({} more)", total - 8));
        }
        if self.opaque > 0 {
            parts.push(format!("{} statement(s) not understood", self.opaque));
        }
        if parts.is_empty() {
            format!("{} {verdict}", self.migration)
        } else {
            format!("{} {verdict}: {}", self.migration, parts.join(", "))
        }
    }
}

/// Returns nothing; how sure an inference is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Contradictions or very little to go on.
    Low,
    /// Unreadable statements, uncheckable migrations or hidden objects on the way.
    Medium,
    /// Every migration's objects agree.
    High,
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        })
    }
}

/// Returns nothing; the state the schema says a linear history is at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApparentState {
    /// The last migration whose effects are all present (`None`: nothing ran).
    pub version: Option<MigrationId>,
    /// For a graph: the present migrations no other present migration descends from, one per
    /// branch (for a linear history, `version` alone).
    #[serde(default)]
    pub heads: Vec<MigrationId>,
    /// How sure.
    pub confidence: Confidence,
    /// Why not higher.
    pub reasons: Vec<String>,
}

/// Returns nothing; everything evidence inference concluded for one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteEvidence {
    /// Per migration, in history order.
    pub migrations: Vec<Evidence>,
    /// The apparent state.
    pub apparent: ApparentState,
    /// Live objects no migration explains.
    pub unexplained: Vec<String>,
}

impl SiteEvidence {
    /// Returns the evidence of `id`.
    pub fn get(&self, id: &MigrationId) -> Option<&Evidence> {
        self.migrations.iter().find(|e| &e.migration == id)
    }
}

fn status_of(met: usize, unmet: usize) -> EvidenceStatus {
    match (met, unmet) {
        (0, 0) => EvidenceStatus::Unknown,
        (_, 0) => EvidenceStatus::Present,
        (0, _) => EvidenceStatus::Absent,
        _ => EvidenceStatus::Partial,
    }
}

/// Returns the evidence for every migration of a (linear or graph) history against `live`,
/// the apparent state, and the live objects no migration explains.
pub fn infer(history: &History, live: &LiveSchema) -> SiteEvidence {
    let namer = Namer { live };
    let mut replay = Replay::default();
    let ids = history.order();
    let position: HashMap<&MigrationId, usize> = history
        .migrations
        .iter()
        .enumerate()
        .map(|(i, m)| (&m.id, i))
        .collect();
    let order: Vec<usize> = ids
        .iter()
        .filter_map(|id| position.get(id).copied())
        .collect();
    for &mi in &order {
        for (si, stmt) in history.migrations[mi].statements.iter().enumerate() {
            for e in &stmt.effects {
                replay_effect(&mut replay, &namer, e, (mi, si));
            }
        }
    }
    // expectations per (migration, statement): (object, expected present?)
    let mut expect: BTreeMap<(usize, usize), Vec<(ObjectKey, bool)>> = BTreeMap::new();
    for (k, owner) in &replay.present {
        expect.entry(*owner).or_default().push((k.clone(), true));
    }
    for (k, owner) in &replay.absent {
        expect.entry(*owner).or_default().push((k.clone(), false));
    }
    let mut migrations = Vec::new();
    for &mi in &order {
        let m = &history.migrations[mi];
        let mut ev = Evidence {
            migration: m.id.clone(),
            status: EvidenceStatus::Unknown,
            present: Vec::new(),
            missing: Vec::new(),
            statements: Vec::new(),
            opaque: 0,
        };
        let (mut met, mut unmet) = (0, 0);
        for (si, stmt) in m.statements.iter().enumerate() {
            if stmt.kind == StatementKind::Opaque {
                ev.opaque += 1;
            }
            let (mut smet, mut sunmet) = (0, 0);
            for (key, want) in expect.get(&(mi, si)).map(Vec::as_slice).unwrap_or(&[]) {
                let exists = key.exists_in(live);
                let ok = exists == *want;
                let text = match (want, exists) {
                    (true, true) => format!("{key} present"),
                    (true, false) => format!("{key} missing"),
                    (false, false) => format!("{key} dropped"),
                    (false, true) => format!("{key} still exists"),
                };
                if ok {
                    smet += 1;
                    ev.present.push(text);
                } else {
                    sunmet += 1;
                    ev.missing.push(text);
                }
            }
            met += smet;
            unmet += sunmet;
            if stmt.kind != StatementKind::Control {
                ev.statements.push(StatementEvidence {
                    file: stmt.file.clone(),
                    line: stmt.line,
                    status: status_of(smet, sunmet),
                    sql: stmt.sql.clone(),
                });
            }
        }
        ev.status = status_of(met, unmet);
        migrations.push(ev);
    }
    let mut apparent = apparent_state(&migrations, live);
    apparent.heads = apparent_heads(history, &ids, &migrations);
    let unexplained = unexplained(&replay, &namer, live);
    SiteEvidence {
        migrations,
        apparent,
        unexplained,
    }
}
