//! Replaying schema effects in order: what each migration leaves behind, and what it removes,
//! including what the database does implicitly. The replay keeps a small model of the schema
//! (tables with their columns, indexes, constraints and owned sequences) so that:
//!
//! - dropping a table drops its indexes, constraints and owned sequences (every database), and
//!   with `CASCADE` the foreign keys of other tables that reference it;
//! - dropping a column drops the indexes and constraints that use it on PostgreSQL (a
//!   multi-column index entirely); MySQL/MariaDB instead remove the column from a multi-column
//!   index or key and drop it only when no column is left; SQLite refuses to drop an indexed
//!   column, so a migration that succeeded dropped the index first;
//! - renaming a table keeps its index and constraint names (PostgreSQL, MySQL, SQLite) and the
//!   indexes follow it (on MySQL an index belongs to its table, so its key moves); `SET SCHEMA`
//!   moves the table's indexes, constraints and owned sequences to the new schema;
//! - renaming a column carries the new name into indexes and constraints;
//! - `CREATE … IF NOT EXISTS` of something already there and `DROP … IF EXISTS` of something
//!   absent do nothing; a table dropped and created again under the same name is a new object;
//! - unqualified names resolve through the connection's search path (a create lands in the
//!   default schema), and PostgreSQL/SQLite index names are per schema while MySQL's are per
//!   table.
//!
//! Each rule is checked against the real databases in `tests/integration/replay_rules.rs`.

use super::ObjectKey;

mod opaque;
mod ops;

use crate::lookup::SchemaLookup;
use crate::{ConstraintDef, Dialect, QName, SchemaEffect};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Returns nothing; where an effect comes from: a statement of a migration, and its position in
/// the whole replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(super) struct Owner {
    /// Index into `history.migrations`.
    pub(super) migration: usize,
    /// Index into that migration's statements.
    pub(super) statement: usize,
    /// Position of the statement in replay order.
    pub(super) seq: usize,
}

type TKey = (String, String);

#[derive(Clone, Debug, Default)]
struct SimTable {
    columns: BTreeSet<String>,
    indexes: BTreeSet<ObjectKey>,
    constraints: BTreeMap<String, SimConstraint>,
    sequences: BTreeSet<ObjectKey>,
}

#[derive(Clone, Debug)]
struct SimConstraint {
    kind: String,
    columns: Vec<String>,
    references: Option<TKey>,
}

#[derive(Clone, Debug)]
struct SimIndex {
    table: TKey,
    columns: Vec<String>,
}

/// The replay of one history against one database's naming rules.
pub(super) struct Replay<'l> {
    lookup: &'l SchemaLookup<'l>,
    dialect: Dialect,
    /// Where unqualified names are created: the first schema of the search path.
    default_schema: String,
    /// Where unqualified names are looked up (the session's, or a migration's `SET
    /// search_path` until the migration ends).
    search_path: Vec<String>,
    /// Set by `ALTER TABLE IF EXISTS` of a table that is not there: the rest of the statement
    /// does nothing.
    skip_statement: bool,
    /// object → the statement that leaves it behind.
    pub(super) present: HashMap<ObjectKey, Owner>,
    /// object → the statement that removed it (explicitly).
    pub(super) absent: HashMap<ObjectKey, Owner>,
    /// Every object any migration creates or names (explains drift).
    pub(super) mentioned: HashSet<ObjectKey>,
    /// Schemas the history touches (drift is judged in these).
    pub(super) schemas: BTreeSet<String>,
    /// word (lower case) → the last statement not understood at all that mentions it.
    pub(super) opaque_words: HashMap<String, Owner>,
    /// name (lower case) → the last `DO` block (or other statement read only from inside)
    /// that may create an object of that name.
    pub(super) may_create: HashMap<String, Owner>,
    /// name (lower case) → the last such statement that may drop or rename it away.
    may_remove: HashMap<String, Owner>,
    tables: HashMap<TKey, SimTable>,
    indexes: HashMap<ObjectKey, SimIndex>,
    sequence_owner: HashMap<ObjectKey, TKey>,
}

/// Returns the words (identifier-like runs, lower case) of a statement's text, strings and
/// dollar-quoted bodies included: the names a statement migdoctor cannot read may touch.
impl<'l> Replay<'l> {
    pub(super) fn new(lookup: &'l SchemaLookup<'l>) -> Replay<'l> {
        let default_schema = lookup.fold(&lookup.live.default_schema);
        let mut schemas: BTreeSet<String> = lookup.search_path().iter().cloned().collect();
        schemas.insert(default_schema.clone());
        Replay {
            lookup,
            dialect: lookup.dialect(),
            default_schema,
            search_path: lookup.search_path().to_vec(),
            skip_statement: false,
            present: HashMap::new(),
            absent: HashMap::new(),
            mentioned: HashSet::new(),
            schemas,
            opaque_words: HashMap::new(),
            may_create: HashMap::new(),
            may_remove: HashMap::new(),
            tables: HashMap::new(),
            indexes: HashMap::new(),
            sequence_owner: HashMap::new(),
        }
    }

    // ---- names ----------------------------------------------------------------------------

    fn fold(&self, s: &str) -> String {
        self.lookup.fold(s)
    }

    /// The schema an object created under `q` lands in.
    fn create_schema(&self, q: &QName) -> String {
        match (&q.schema, self.dialect) {
            (Some(s), _) => self.fold(s),
            (None, _) => self.default_schema.clone(),
        }
    }

    /// The table an existing `q` names: its schema, else the first schema of the search path
    /// where the replay or the live schema has it, else the default schema.
    fn table_ref(&self, q: &QName) -> TKey {
        let name = self.fold(&q.name);
        if let Some(s) = &q.schema {
            return (self.fold(s), name);
        }
        for s in &self.search_path {
            let key = (s.clone(), name.clone());
            if self.tables.contains_key(&key) {
                return key;
            }
        }
        for s in &self.search_path {
            if self.lookup.table(s, &name).is_some() {
                return (s.clone(), name);
            }
        }
        (self.default_schema.clone(), name)
    }

    fn table_key(t: &TKey) -> ObjectKey {
        ObjectKey::Table {
            schema: t.0.clone(),
            table: t.1.clone(),
        }
    }

    fn column_key(t: &TKey, column: &str) -> ObjectKey {
        ObjectKey::Column {
            schema: t.0.clone(),
            table: t.1.clone(),
            column: column.to_string(),
        }
    }

    fn constraint_key(t: &TKey, name: &str) -> ObjectKey {
        ObjectKey::Constraint {
            schema: t.0.clone(),
            table: t.1.clone(),
            name: name.to_string(),
        }
    }

    /// The key of index `name` on table `t` (MySQL: per table; elsewhere per schema).
    fn index_key(&self, t: &TKey, name: &str) -> ObjectKey {
        ObjectKey::Index {
            schema: t.0.clone(),
            table: (self.dialect == Dialect::Mysql).then(|| t.1.clone()),
            name: self.fold(name),
        }
    }

    /// The key of an existing index named `q` (on `table` when the statement says).
    fn index_ref(&self, q: &QName, table: Option<&QName>) -> ObjectKey {
        if let Some(t) = table {
            let t = self.table_ref(t);
            let schema = q
                .schema
                .as_ref()
                .map(|s| self.fold(s))
                .unwrap_or(t.0.clone());
            return self.index_key(&(schema, t.1), &q.name);
        }
        let name = self.fold(&q.name);
        let schemas: Vec<String> = match &q.schema {
            Some(s) => vec![self.fold(s)],
            None => self.search_path.to_vec(),
        };
        for s in &schemas {
            let key = ObjectKey::Index {
                schema: s.clone(),
                table: None,
                name: name.clone(),
            };
            if self.indexes.contains_key(&key) {
                return key;
            }
            if self.dialect == Dialect::Mysql {
                // MySQL always names the table; without it, find the one index of that name.
                if let Some(k) = self.indexes.keys().find(|k| matches!(k, ObjectKey::Index { schema, name: n, .. } if schema == s && *n == name)) {
                    return k.clone();
                }
            }
        }
        for s in &schemas {
            if self.lookup.has_index(s, None, &name) {
                return ObjectKey::Index {
                    schema: s.clone(),
                    table: None,
                    name,
                };
            }
        }
        ObjectKey::Index {
            schema: schemas.first().cloned().unwrap_or_default(),
            table: None,
            name,
        }
    }

    fn other_key(&self, kind: &str, q: &QName, creating: bool) -> ObjectKey {
        let name = self.fold(&q.name);
        if kind == "schema" {
            return ObjectKey::Schema { name };
        }
        let schema = match &q.schema {
            Some(s) => self.fold(s),
            None if creating => self.default_schema.clone(),
            None => self
                .lookup
                .search_path()
                .iter()
                .find(|s| {
                    let k = ObjectKey::Other {
                        kind: kind.into(),
                        schema: (*s).clone(),
                        name: name.clone(),
                    };
                    self.present.contains_key(&k) || self.lookup.has_other(kind, s, &name)
                })
                .cloned()
                .unwrap_or_else(|| self.default_schema.clone()),
        };
        ObjectKey::Other {
            kind: kind.into(),
            schema,
            name,
        }
    }

    // ---- expectations ---------------------------------------------------------------------

    fn create(&mut self, key: ObjectKey, owner: Owner) {
        self.absent.remove(&key);
        self.mentioned.insert(key.clone());
        self.present.insert(key, owner);
    }

    fn remove(&mut self, key: ObjectKey, owner: Owner) {
        self.present.remove(&key);
        self.mentioned.insert(key.clone());
        self.absent.insert(key, owner);
    }

    /// Removes an object the database drops along with another: no expectation either way.
    fn forget(&mut self, key: &ObjectKey) {
        self.present.remove(key);
    }

    fn sim(&mut self, t: &TKey) -> &mut SimTable {
        self.tables.entry(t.clone()).or_default()
    }

    /// Starts a migration: a `SET search_path` of the previous one no longer applies (each
    /// file may run in a session of its own).
    pub(super) fn begin_migration(&mut self) {
        self.search_path = self.lookup.search_path().to_vec();
        self.default_schema = self.lookup.fold(&self.lookup.live.default_schema);
    }

    /// Starts a statement.
    pub(super) fn begin_statement(&mut self) {
        self.skip_statement = false;
    }

    /// Applies one effect of the statement `owner`.
    pub(super) fn effect(&mut self, e: &SchemaEffect, owner: Owner) {
        if self.skip_statement {
            return;
        }
        match e {
            SchemaEffect::SetSearchPath { schemas } => {
                if schemas.is_empty() {
                    self.begin_migration();
                } else {
                    self.search_path = schemas.iter().map(|s| self.fold(s)).collect();
                    self.default_schema = self.search_path[0].clone();
                    self.schemas.extend(self.search_path.iter().cloned());
                }
            }
            SchemaEffect::IfTableExists { table } => {
                let t = self.table_ref(table);
                self.skip_statement =
                    !(self.tables.contains_key(&t) || self.lookup.table(&t.0, &t.1).is_some());
            }
            SchemaEffect::CreateTable {
                table,
                columns,
                constraints,
                if_not_exists,
            } => self.create_table(table, columns, constraints, *if_not_exists, owner),
            SchemaEffect::DropTable {
                table,
                if_exists,
                cascade,
            } => self.drop_table(table, *if_exists, *cascade, owner),
            SchemaEffect::RenameTable { from, to } => self.rename_table(from, to, owner),
            SchemaEffect::AddColumn {
                table,
                column,
                if_not_exists,
            } => self.add_column(table, column, *if_not_exists, owner),
            SchemaEffect::DropColumn {
                table,
                column,
                if_exists,
                ..
            } => self.drop_column(table, column, *if_exists, owner),
            SchemaEffect::RenameColumn { table, from, to } => {
                self.rename_column(table, from, to, owner)
            }
            // Understood but not checkable by presence: nothing to expect.
            SchemaEffect::AlterColumn { .. } | SchemaEffect::Opaque { .. } => {}
            SchemaEffect::CreateIndex {
                index,
                table,
                columns,
                if_not_exists,
                ..
            } => self.create_index(index, table, columns, *if_not_exists, owner),
            SchemaEffect::DropIndex {
                index,
                table,
                if_exists,
            } => self.drop_index(index, table.as_ref(), *if_exists, owner),
            SchemaEffect::RenameIndex { from, to, table } => {
                self.rename_index(from, to, table.as_ref(), owner)
            }
            SchemaEffect::AddConstraint {
                table,
                name,
                kind,
                columns,
                references,
            } => {
                let t = self.table_ref(table);
                let def = ConstraintDef {
                    name: name.clone(),
                    kind: kind.clone(),
                    columns: columns.clone(),
                    references: references.clone(),
                };
                self.add_constraint(&t, &def, owner);
            }
            SchemaEffect::DropConstraint {
                table,
                name,
                if_exists,
            } => self.drop_constraint(table, name, *if_exists, owner),
            SchemaEffect::RenameConstraint { table, from, to } => {
                self.rename_constraint(table, from, to, owner)
            }
            SchemaEffect::CreateSchema { name } => {
                let name = self.fold(name);
                self.schemas.insert(name.clone());
                self.create(ObjectKey::Schema { name }, owner)
            }
            SchemaEffect::CreateType { name } => {
                let k = self.other_key("type", name, true);
                self.create(k, owner)
            }
            SchemaEffect::CreateView { view } => {
                let k = self.other_key("view", view, true);
                self.create(k, owner)
            }
            SchemaEffect::CreateFunction { name } => {
                let k = self.other_key("function", name, true);
                self.create(k, owner)
            }
            SchemaEffect::CreateSequence { name, owned_by } => {
                let k = self.other_key("sequence", name, true);
                self.own_sequence(k.clone(), owned_by.as_ref());
                self.create(k, owner)
            }
            SchemaEffect::SequenceOwner { name, table } => {
                let k = self.other_key("sequence", name, false);
                self.own_sequence(k, table.as_ref());
            }
            SchemaEffect::DropObject {
                kind,
                name,
                if_exists,
                cascade,
            } => self.drop_other(kind, name, *if_exists, *cascade, owner),
        }
    }
}
