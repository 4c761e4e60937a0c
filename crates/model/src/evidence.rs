//! Evidence: replay each migration's schema effects, check what they should have left behind
//! against the live schema, and infer what really ran. Pure.

use crate::{History, LiveSchema, MigrationId, QName, SchemaEffect, StatementKind};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;

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

#[derive(Default)]
struct Replay {
    // object -> (migration index, statement index) that leaves it behind
    present: BTreeMap<ObjectKey, (usize, usize)>,
    // object -> (migration, statement) that removed it
    absent: BTreeMap<ObjectKey, (usize, usize)>,
    // every object any migration mentions (explains drift)
    mentioned: BTreeSet<ObjectKey>,
}

impl Replay {
    fn create(&mut self, key: ObjectKey, owner: (usize, usize)) {
        self.absent.remove(&key);
        self.mentioned.insert(key.clone());
        self.present.insert(key, owner);
    }

    fn remove(&mut self, key: ObjectKey, owner: (usize, usize)) {
        self.present.remove(&key);
        self.mentioned.insert(key.clone());
        self.absent.insert(key, owner);
    }

    /// Removes a table and everything keyed under it.
    fn remove_table(&mut self, schema: &str, table: &str, owner: (usize, usize)) {
        let under: Vec<ObjectKey> = self
            .present
            .keys()
            .filter(|k| matches!(k, ObjectKey::Column { schema: s, table: t, .. } | ObjectKey::Constraint { schema: s, table: t, .. } if s == schema && t == table))
            .cloned()
            .collect();
        for k in under {
            self.present.remove(&k);
        }
        self.remove(
            ObjectKey::Table {
                schema: schema.into(),
                table: table.into(),
            },
            owner,
        );
    }

    fn rename_table(
        &mut self,
        schema: &str,
        from: &str,
        to_schema: &str,
        to: &str,
        owner: (usize, usize),
    ) {
        let under: Vec<(ObjectKey, (usize, usize))> = self
            .present
            .iter()
            .filter(|(k, _)| matches!(k, ObjectKey::Column { schema: s, table: t, .. } | ObjectKey::Constraint { schema: s, table: t, .. } if s == schema && t == from))
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        for (k, v) in under {
            self.present.remove(&k);
            let moved = match k {
                ObjectKey::Column { column, .. } => ObjectKey::Column {
                    schema: to_schema.into(),
                    table: to.into(),
                    column,
                },
                ObjectKey::Constraint { name, .. } => ObjectKey::Constraint {
                    schema: to_schema.into(),
                    table: to.into(),
                    name,
                },
                other => other,
            };
            self.mentioned.insert(moved.clone());
            self.present.insert(moved, v);
        }
        self.remove(
            ObjectKey::Table {
                schema: schema.into(),
                table: from.into(),
            },
            owner,
        );
        self.create(
            ObjectKey::Table {
                schema: to_schema.into(),
                table: to.into(),
            },
            owner,
        );
    }
}

struct Namer<'a> {
    live: &'a LiveSchema,
}

impl Namer<'_> {
    fn schema(&self, q: &QName) -> String {
        self.live
            .fold(q.schema.as_deref().unwrap_or(&self.live.default_schema))
    }
    fn name(&self, n: &str) -> String {
        self.live.fold(n)
    }
    fn table(&self, q: &QName) -> ObjectKey {
        ObjectKey::Table {
            schema: self.schema(q),
            table: self.name(&q.name),
        }
    }
    fn column(&self, q: &QName, c: &str) -> ObjectKey {
        ObjectKey::Column {
            schema: self.schema(q),
            table: self.name(&q.name),
            column: self.name(c),
        }
    }
    fn other(&self, kind: &str, q: &QName) -> ObjectKey {
        if kind == "schema" {
            return ObjectKey::Schema {
                name: self.name(&q.name),
            };
        }
        ObjectKey::Other {
            kind: kind.into(),
            schema: self.schema(q),
            name: self.name(&q.name),
        }
    }
}

fn replay_effect(r: &mut Replay, n: &Namer<'_>, e: &SchemaEffect, owner: (usize, usize)) -> bool {
    match e {
        SchemaEffect::CreateTable {
            table,
            columns,
            constraints,
        } => {
            r.create(n.table(table), owner);
            for c in columns {
                r.create(n.column(table, c), owner);
            }
            for c in constraints {
                r.create(
                    ObjectKey::Constraint {
                        schema: n.schema(table),
                        table: n.name(&table.name),
                        name: n.name(c),
                    },
                    owner,
                );
            }
        }
        SchemaEffect::DropTable { table } => {
            r.remove_table(&n.schema(table), &n.name(&table.name), owner)
        }
        SchemaEffect::RenameTable { from, to } => {
            let to_schema = if to.schema.is_some() {
                n.schema(to)
            } else {
                n.schema(from)
            };
            r.rename_table(
                &n.schema(from),
                &n.name(&from.name),
                &to_schema,
                &n.name(&to.name),
                owner,
            );
        }
        SchemaEffect::AddColumn { table, column } => r.create(n.column(table, column), owner),
        SchemaEffect::DropColumn { table, column } => r.remove(n.column(table, column), owner),
        SchemaEffect::RenameColumn { table, from, to } => {
            r.remove(n.column(table, from), owner);
            r.create(n.column(table, to), owner);
        }
        SchemaEffect::AlterColumn { .. } => return false,
        SchemaEffect::CreateIndex { index, table, .. } => {
            let schema = if index.schema.is_some() {
                n.schema(index)
            } else {
                n.schema(table)
            };
            r.create(
                ObjectKey::Index {
                    schema,
                    name: n.name(&index.name),
                },
                owner,
            );
        }
        SchemaEffect::DropIndex { index } => r.remove(
            ObjectKey::Index {
                schema: n.schema(index),
                name: n.name(&index.name),
            },
            owner,
        ),
        SchemaEffect::AddConstraint { table, name, .. } => match name {
            Some(c) => r.create(
                ObjectKey::Constraint {
                    schema: n.schema(table),
                    table: n.name(&table.name),
                    name: n.name(c),
                },
                owner,
            ),
            None => return false,
        },
        SchemaEffect::DropConstraint { table, name } => r.remove(
            ObjectKey::Constraint {
                schema: n.schema(table),
                table: n.name(&table.name),
                name: n.name(name),
            },
            owner,
        ),
        SchemaEffect::CreateSchema { name } => {
            r.create(ObjectKey::Schema { name: n.name(name) }, owner)
        }
        SchemaEffect::CreateType { name } => r.create(n.other("type", name), owner),
        SchemaEffect::CreateView { view } => r.create(n.other("view", view), owner),
        SchemaEffect::CreateSequence { name } => r.create(n.other("sequence", name), owner),
        SchemaEffect::CreateFunction { name } => r.create(n.other("function", name), owner),
        SchemaEffect::DropObject { kind, name } => r.remove(n.other(kind, name), owner),
        SchemaEffect::Opaque { .. } => return false,
    }
    true
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

fn apparent_state(evidence: &[Evidence], live: &LiveSchema) -> ApparentState {
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
fn apparent_heads(
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

fn unexplained(replay: &Replay, n: &Namer<'_>, live: &LiveSchema) -> Vec<String> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Dialect, Framework, LiveColumn, LiveIndex, LiveTable, Migration, MigrationStatement, Site,
    };

    fn q(n: &str) -> QName {
        QName::new(n)
    }

    fn stmt(line: usize, effects: Vec<SchemaEffect>) -> MigrationStatement {
        MigrationStatement {
            file: "m.sql".into(),
            line,
            sql: format!("stmt at {line}"),
            kind: StatementKind::Ddl,
            effects,
        }
    }

    fn history(ms: Vec<(&str, Vec<MigrationStatement>)>) -> History {
        let mut h = History::new(Site::new(Framework::GolangMigrate, "m"));
        let mut prev: Option<String> = None;
        for (id, stmts) in ms {
            let mut m = Migration::new(id, id);
            m.statements = stmts;
            if let Some(p) = prev.take() {
                m.parents.push(MigrationId(p));
            }
            prev = Some(id.to_string());
            h.migrations.push(m);
        }
        h
    }

    fn table(name: &str, cols: &[&str], idx: &[&str]) -> LiveTable {
        LiveTable {
            schema: "public".into(),
            name: name.into(),
            columns: cols
                .iter()
                .map(|c| LiveColumn {
                    name: c.to_string(),
                    data_type: "text".into(),
                    nullable: true,
                    default: None,
                })
                .collect(),
            indexes: idx
                .iter()
                .map(|i| LiveIndex {
                    name: i.to_string(),
                    columns: vec![],
                    unique: false,
                    constraint_backed: false,
                })
                .collect(),
            constraints: vec![],
        }
    }

    fn live(tables: Vec<LiveTable>) -> LiveSchema {
        let mut l = LiveSchema::empty(Dialect::Postgres, "public");
        l.schemas.push("public".into());
        l.tables = tables;
        l
    }

    fn users_history() -> History {
        history(vec![
            (
                "1",
                vec![stmt(
                    1,
                    vec![SchemaEffect::CreateTable {
                        table: q("users"),
                        columns: vec!["id".into()],
                        constraints: vec![],
                    }],
                )],
            ),
            (
                "2",
                vec![
                    stmt(
                        1,
                        vec![SchemaEffect::AddColumn {
                            table: q("users"),
                            column: "email".into(),
                        }],
                    ),
                    stmt(
                        2,
                        vec![SchemaEffect::CreateIndex {
                            index: q("users_email_idx"),
                            table: q("users"),
                            unique: true,
                        }],
                    ),
                ],
            ),
            (
                "3",
                vec![stmt(
                    1,
                    vec![SchemaEffect::CreateTable {
                        table: q("posts"),
                        columns: vec!["id".into()],
                        constraints: vec![],
                    }],
                )],
            ),
        ])
    }

    #[test]
    fn partial_migration_lists_present_and_missing_objects() {
        let ev = infer(
            &users_history(),
            &live(vec![table("users", &["id", "email"], &[])]),
        );
        assert_eq!(ev.migrations[0].status, EvidenceStatus::Present);
        let m2 = &ev.migrations[1];
        assert_eq!(m2.status, EvidenceStatus::Partial);
        assert_eq!(
            m2.summary(),
            "2 partial: column users.email present, index users_email_idx missing"
        );
        assert_eq!(m2.statements[0].status, EvidenceStatus::Present);
        assert_eq!(m2.statements[1].status, EvidenceStatus::Absent);
        assert_eq!(ev.migrations[2].status, EvidenceStatus::Absent);
        assert_eq!(ev.apparent.version, Some(MigrationId::from("1")));
        assert_eq!(ev.apparent.confidence, Confidence::Medium);
    }

    #[test]
    fn later_drops_and_renames_cancel_earlier_creates() {
        let h = history(vec![
            (
                "1",
                vec![stmt(
                    1,
                    vec![SchemaEffect::CreateTable {
                        table: q("tmp"),
                        columns: vec!["a".into()],
                        constraints: vec![],
                    }],
                )],
            ),
            (
                "2",
                vec![stmt(
                    1,
                    vec![SchemaEffect::RenameTable {
                        from: q("tmp"),
                        to: q("final"),
                    }],
                )],
            ),
            (
                "3",
                vec![stmt(
                    1,
                    vec![SchemaEffect::DropColumn {
                        table: q("final"),
                        column: "a".into(),
                    }],
                )],
            ),
        ]);
        // Database at version 2: final exists with column a.
        let ev = infer(&h, &live(vec![table("final", &["a"], &[])]));
        assert_eq!(
            ev.migrations[1].status,
            EvidenceStatus::Present,
            "{:?}",
            ev.migrations[1]
        );
        assert_eq!(ev.migrations[2].status, EvidenceStatus::Absent);
        assert_eq!(
            ev.migrations[2].missing,
            vec!["column final.a still exists"]
        );
        assert_eq!(ev.apparent.version, Some(MigrationId::from("2")));
        assert!(ev.unexplained.is_empty(), "{:?}", ev.unexplained);
    }

    #[test]
    fn fully_applied_untracked_and_drift() {
        let l = live(vec![
            table(
                "users",
                &["id", "email", "nickname"],
                &["users_email_idx", "by_hand_idx"],
            ),
            table("posts", &["id"], &[]),
            table("audit", &["x"], &[]),
        ]);
        let ev = infer(&users_history(), &l);
        assert!(ev
            .migrations
            .iter()
            .all(|e| e.status == EvidenceStatus::Present));
        assert_eq!(ev.apparent.version, Some(MigrationId::from("3")));
        assert_eq!(ev.apparent.confidence, Confidence::High);
        assert_eq!(
            ev.unexplained,
            vec![
                "column users.nickname",
                "index by_hand_idx on users",
                "table audit"
            ]
        );
    }

    #[test]
    fn nothing_applied() {
        let ev = infer(&users_history(), &live(vec![]));
        assert!(ev
            .migrations
            .iter()
            .all(|e| e.status == EvidenceStatus::Absent));
        assert_eq!(ev.apparent.version, None);
        assert_eq!(ev.apparent.confidence, Confidence::High);
    }

    #[test]
    fn opaque_and_case_folding() {
        let h = history(vec![(
            "1",
            vec![
                stmt(
                    1,
                    vec![SchemaEffect::CreateTable {
                        table: q("Users"),
                        columns: vec!["ID".into()],
                        constraints: vec![],
                    }],
                ),
                MigrationStatement {
                    file: "m.sql".into(),
                    line: 5,
                    sql: "DO $$ … $$".into(),
                    kind: StatementKind::Opaque,
                    effects: vec![SchemaEffect::Opaque {
                        file: "m.sql".into(),
                        line: 5,
                        reason: "x".into(),
                    }],
                },
            ],
        )]);
        // MySQL compares case-insensitively.
        let mut l = live(vec![table("users", &["id"], &[])]);
        l.dialect = Dialect::Mysql;
        let ev = infer(&h, &l);
        assert_eq!(ev.migrations[0].status, EvidenceStatus::Present);
        assert_eq!(ev.migrations[0].opaque, 1);
        assert_eq!(ev.apparent.confidence, Confidence::Medium);
        // PostgreSQL does not: a quoted "Users" is not users.
        let ev = infer(&h, &live(vec![table("users", &["id"], &[])]));
        assert_eq!(ev.migrations[0].status, EvidenceStatus::Absent);
    }
}
