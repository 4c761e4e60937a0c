//! Evidence: replay each migration's schema effects, check what they should have left behind
//! against the live schema, and infer what really ran. Pure.

use crate::lookup::SchemaLookup;
use crate::{Dialect, History, LiveSchema, MigrationId, SchemaEffect, StatementKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

mod apparent;
mod drift;
mod replay;
#[cfg(test)]
mod tests;

use apparent::{apparent_heads, apparent_state};
pub use drift::{database_drift, DatabaseDrift};
use replay::{Owner, Replay};

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
    /// An index (names are per schema on PostgreSQL, per database on SQLite, per table on
    /// MySQL, where `table` is set).
    Index {
        /// Schema.
        schema: String,
        /// The table, on MySQL only (its index names are per table).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<String>,
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
            ObjectKey::Index {
                name,
                table: Some(t),
                ..
            } => write!(f, "index {name} on {t}"),
            ObjectKey::Index { name, .. } => write!(f, "index {name}"),
            ObjectKey::Constraint { table, name, .. } => write!(f, "constraint {name} on {table}"),
            ObjectKey::Other { kind, name, .. } => write!(f, "{kind} {name}"),
        }
    }
}

impl ObjectKey {
    /// Returns whether the object exists in the live schema.
    pub fn exists_in(&self, live: &SchemaLookup<'_>) -> bool {
        match self {
            ObjectKey::Schema { name } => live.has_schema(name),
            ObjectKey::Table { schema, table } => live.table(schema, table).is_some(),
            ObjectKey::Column {
                schema,
                table,
                column,
            } => live.has_column(schema, table, column),
            ObjectKey::Index {
                schema,
                table,
                name,
            } => live.has_index(schema, table.as_deref(), name),
            ObjectKey::Constraint {
                schema,
                table,
                name,
            } => live.has_constraint(schema, table, name),
            ObjectKey::Other { kind, schema, name } => live.has_other(kind, schema, name),
        }
    }

    /// Returns whether the database shows this object by name: SQLite keeps no constraint
    /// names in its catalog, so a named constraint there can be neither confirmed nor denied.
    pub fn checkable(&self, dialect: Dialect) -> bool {
        !(dialect == Dialect::Sqlite && matches!(self, ObjectKey::Constraint { .. }))
    }

    /// Returns the object's own name (the word a statement would use for it).
    pub fn name(&self) -> &str {
        match self {
            ObjectKey::Schema { name } => name,
            ObjectKey::Table { table, .. } => table,
            ObjectKey::Column { column, .. } => column,
            ObjectKey::Index { name, .. }
            | ObjectKey::Constraint { name, .. }
            | ObjectKey::Other { name, .. } => name,
        }
    }

    /// Returns the schema the object lives in (a schema's own name for a schema).
    pub fn schema(&self) -> Option<&str> {
        match self {
            ObjectKey::Schema { name } => Some(name),
            ObjectKey::Table { schema, .. }
            | ObjectKey::Column { schema, .. }
            | ObjectKey::Index { schema, .. }
            | ObjectKey::Constraint { schema, .. }
            | ObjectKey::Other { schema, .. } => Some(schema),
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
    /// Expectations the schema contradicts, but that a later statement migdoctor could not
    /// read may have changed ("constraint x still exists; m.sql:12 (not understood) names
    /// it"): they lower confidence instead of counting as missing.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<String>,
    /// Per statement.
    pub statements: Vec<StatementEvidence>,
    /// Statements not understood.
    pub opaque: usize,
    /// Where each statement not understood is, and why: "m.sql:12: DO is not understood".
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub opaque_at: Vec<String>,
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
        if !self.uncertain.is_empty() {
            parts.push(format!("{} uncertain", self.uncertain.len()));
        }
        if self.opaque > 0 {
            parts.push(format!(
                "{} statement(s) not understood ({})",
                self.opaque,
                self.opaque_at
                    .iter()
                    .map(|o| o.split(": ").next().unwrap_or(o))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
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

/// Returns nothing; what one site's migrations create or name, so that drift can be judged
/// per database after every site sharing it is replayed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Explained {
    /// Every object a migration creates, drops or renames (folded keys).
    pub keys: HashSet<ObjectKey>,
    /// Words of statements migdoctor could not read: a live object of such a name may come
    /// from them.
    pub words: HashSet<String>,
    /// Schemas the site touches (its default schema and every schema it names).
    pub schemas: BTreeSet<String>,
}

/// Returns nothing; everything evidence inference concluded for one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteEvidence {
    /// Per migration, in history order.
    pub migrations: Vec<Evidence>,
    /// The apparent state.
    pub apparent: ApparentState,
    /// What the site's migrations explain (for the per-database drift check; not serialized).
    #[serde(skip)]
    pub explained: Explained,
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
/// and the apparent state. Builds the lookups of `live`; a caller with several sites on one
/// database builds them once and calls [`infer_in`].
pub fn infer(history: &History, live: &LiveSchema) -> SiteEvidence {
    infer_in(history, &SchemaLookup::new(live))
}

/// Returns the evidence like [`infer`], against lookups already built.
pub fn infer_in(history: &History, lookup: &SchemaLookup<'_>) -> SiteEvidence {
    let mut replay = Replay::new(lookup);
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
    let mut seq = 0;
    for &mi in &order {
        replay.begin_migration();
        for (si, stmt) in history.migrations[mi].statements.iter().enumerate() {
            replay.begin_statement();
            let owner = Owner {
                migration: mi,
                statement: si,
                seq,
            };
            seq += 1;
            if stmt.kind == StatementKind::Opaque {
                let inner = stmt.effects.iter().find_map(|e| match e {
                    SchemaEffect::Opaque { inner, .. } => Some(inner.as_slice()),
                    _ => None,
                });
                replay.opaque(&stmt.sql, inner.unwrap_or_default(), owner);
            }
            for e in &stmt.effects {
                replay.effect(e, owner);
            }
        }
    }
    // expectations per (migration, statement)
    // (object, expected present?, the statement that expects it)
    type Expectation<'k> = (&'k ObjectKey, bool, Owner);
    let mut expect: BTreeMap<(usize, usize), Vec<Expectation>> = BTreeMap::new();
    for (k, owner) in &replay.present {
        expect
            .entry((owner.migration, owner.statement))
            .or_default()
            .push((k, true, *owner));
    }
    for (k, owner) in &replay.absent {
        expect
            .entry((owner.migration, owner.statement))
            .or_default()
            .push((k, false, *owner));
    }
    for list in expect.values_mut() {
        list.sort_by(|a, b| a.0.cmp(b.0));
    }
    let dialect = lookup.dialect();
    let located = |o: Owner| {
        let s = &history.migrations[o.migration].statements[o.statement];
        format!("{}:{}", s.file, s.line)
    };
    let mut migrations = Vec::new();
    for &mi in &order {
        let m = &history.migrations[mi];
        let mut ev = Evidence {
            migration: m.id.clone(),
            status: EvidenceStatus::Unknown,
            present: Vec::new(),
            missing: Vec::new(),
            uncertain: Vec::new(),
            statements: Vec::new(),
            opaque: 0,
            opaque_at: Vec::new(),
        };
        let (mut met, mut unmet) = (0, 0);
        for (si, stmt) in m.statements.iter().enumerate() {
            if stmt.kind == StatementKind::Opaque {
                ev.opaque += 1;
                for e in &stmt.effects {
                    if let SchemaEffect::Opaque {
                        file, line, reason, ..
                    } = e
                    {
                        ev.opaque_at.push(format!("{file}:{line}: {reason}"));
                    }
                }
            }
            let (mut smet, mut sunmet) = (0, 0);
            for (key, want, owner) in expect.get(&(mi, si)).map(Vec::as_slice).unwrap_or(&[]) {
                if !key.checkable(dialect) {
                    continue;
                }
                let exists = key.exists_in(lookup);
                let text = match (want, exists) {
                    (true, true) => format!("{key} present"),
                    (true, false) => format!("{key} missing"),
                    (false, false) => format!("{key} dropped"),
                    (false, true) => format!("{key} still exists"),
                };
                if exists == *want {
                    smet += 1;
                    ev.present.push(text);
                } else if let Some(later) = replay.overturned_by(key, *want, *owner) {
                    ev.uncertain.push(format!(
                        "{text}, but {} (not understood as a whole) may have changed it",
                        located(later)
                    ));
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
    let mut apparent = apparent_state(&migrations, lookup.live);
    apparent.heads = apparent_heads(history, &ids, &migrations);
    let explained = Explained {
        keys: std::mem::take(&mut replay.mentioned),
        words: replay
            .opaque_words
            .keys()
            .chain(replay.may_create.keys())
            .cloned()
            .collect(),
        schemas: std::mem::take(&mut replay.schemas),
    };
    SiteEvidence {
        migrations,
        apparent,
        explained,
    }
}
