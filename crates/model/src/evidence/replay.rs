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
pub(super) fn text_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty() && !w.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
}

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

    // ---- tables ---------------------------------------------------------------------------

    fn create_table(
        &mut self,
        q: &QName,
        columns: &[String],
        constraints: &[ConstraintDef],
        if_not_exists: bool,
        owner: Owner,
    ) {
        let t = (self.create_schema(q), self.fold(&q.name));
        self.schemas.insert(t.0.clone());
        if self.tables.contains_key(&t) {
            if if_not_exists {
                return;
            }
            self.drop_table_objects(&t, false);
        }
        self.tables.insert(t.clone(), SimTable::default());
        self.create(Self::table_key(&t), owner);
        let cols: Vec<String> = columns.iter().map(|c| self.fold(c)).collect();
        for c in &cols {
            self.sim(&t).columns.insert(c.clone());
            self.create(Self::column_key(&t, c), owner);
        }
        for c in constraints {
            self.add_constraint(&t, c, owner);
        }
    }

    /// Drops what the database drops with table `t` (indexes, constraints, owned sequences,
    /// and with `cascade` the foreign keys of other tables that reference it).
    fn drop_table_objects(&mut self, t: &TKey, cascade: bool) {
        let Some(sim) = self.tables.remove(t) else {
            return;
        };
        for c in &sim.columns {
            self.forget(&Self::column_key(t, c));
        }
        for i in &sim.indexes {
            self.indexes.remove(i);
            self.forget(i);
        }
        for name in sim.constraints.keys() {
            self.forget(&Self::constraint_key(t, name));
        }
        for s in &sim.sequences {
            self.sequence_owner.remove(s);
            self.forget(s);
        }
        if cascade {
            let referencing: Vec<(TKey, String)> = self
                .tables
                .iter()
                .flat_map(|(k, s)| {
                    s.constraints
                        .iter()
                        .filter(|(_, c)| c.references.as_ref() == Some(t))
                        .map(move |(n, _)| (k.clone(), n.clone()))
                })
                .collect();
            for (k, n) in referencing {
                self.sim(&k).constraints.remove(&n);
                self.forget(&Self::constraint_key(&k, &n));
            }
        }
    }

    fn drop_table(&mut self, q: &QName, if_exists: bool, cascade: bool, owner: Owner) {
        let t = self.table_ref(q);
        if if_exists && !self.tables.contains_key(&t) {
            self.mentioned.insert(Self::table_key(&t));
            return;
        }
        self.drop_table_objects(&t, cascade);
        self.remove(Self::table_key(&t), owner);
    }

    fn rename_table(&mut self, from: &QName, to: &QName, owner: Owner) {
        let f = self.table_ref(from);
        let t = (
            to.schema
                .as_ref()
                .map(|s| self.fold(s))
                .unwrap_or(f.0.clone()),
            self.fold(&to.name),
        );
        self.schemas.insert(t.0.clone());
        if f == t {
            return;
        }
        let sim = self.tables.remove(&f).unwrap_or_default();
        let mut moved = SimTable::default();
        let rekey = |r: &mut Replay<'_>, old: ObjectKey, new: ObjectKey| {
            if let Some(o) = r.present.remove(&old) {
                r.present.insert(new.clone(), o);
            }
            r.mentioned.insert(new);
        };
        for c in &sim.columns {
            rekey(self, Self::column_key(&f, c), Self::column_key(&t, c));
            moved.columns.insert(c.clone());
        }
        for (name, c) in &sim.constraints {
            rekey(
                self,
                Self::constraint_key(&f, name),
                Self::constraint_key(&t, name),
            );
            moved.constraints.insert(name.clone(), c.clone());
        }
        for i in &sim.indexes {
            let ObjectKey::Index { name, .. } = i else {
                continue;
            };
            let new = self.index_key(&t, name);
            if let Some(mut idx) = self.indexes.remove(i) {
                idx.table = t.clone();
                self.indexes.insert(new.clone(), idx);
            }
            rekey(self, i.clone(), new.clone());
            moved.indexes.insert(new);
        }
        for s in &sim.sequences {
            // SET SCHEMA takes owned sequences along; a rename leaves their names alone.
            let new = match s {
                ObjectKey::Other { kind, name, .. } => ObjectKey::Other {
                    kind: kind.clone(),
                    schema: t.0.clone(),
                    name: name.clone(),
                },
                other => other.clone(),
            };
            self.sequence_owner.remove(s);
            self.sequence_owner.insert(new.clone(), t.clone());
            rekey(self, s.clone(), new.clone());
            moved.sequences.insert(new);
        }
        for s in self.tables.values_mut() {
            for c in s.constraints.values_mut() {
                if c.references.as_ref() == Some(&f) {
                    c.references = Some(t.clone());
                }
            }
        }
        self.remove(Self::table_key(&f), owner);
        self.tables.insert(t.clone(), moved);
        self.create(Self::table_key(&t), owner);
    }

    // ---- columns --------------------------------------------------------------------------

    fn add_column(&mut self, q: &QName, column: &str, if_not_exists: bool, owner: Owner) {
        let t = self.table_ref(q);
        let c = self.fold(column);
        if if_not_exists && self.tables.get(&t).is_some_and(|s| s.columns.contains(&c)) {
            return;
        }
        self.sim(&t).columns.insert(c.clone());
        self.create(Self::column_key(&t, &c), owner);
    }

    fn drop_column(&mut self, q: &QName, column: &str, if_exists: bool, owner: Owner) {
        let t = self.table_ref(q);
        let c = self.fold(column);
        let known = self.tables.get(&t).is_some_and(|s| s.columns.contains(&c));
        if if_exists && !known {
            self.mentioned.insert(Self::column_key(&t, &c));
            return;
        }
        let mysql = self.dialect == Dialect::Mysql;
        let sim = self.sim(&t).clone();
        for i in &sim.indexes {
            let Some(idx) = self.indexes.get_mut(i) else {
                continue;
            };
            if !idx.columns.contains(&c) {
                continue;
            }
            if mysql && idx.columns.len() > 1 {
                idx.columns.retain(|x| *x != c);
            } else {
                self.indexes.remove(i);
                self.sim(&t).indexes.remove(i);
                self.forget(i);
            }
        }
        for (name, con) in &sim.constraints {
            if !con.columns.contains(&c) {
                continue;
            }
            let shrinks = mysql
                && matches!(con.kind.as_str(), "unique" | "primary key")
                && con.columns.len() > 1;
            if shrinks {
                if let Some(x) = self.sim(&t).constraints.get_mut(name) {
                    x.columns.retain(|x| *x != c);
                }
            } else {
                self.sim(&t).constraints.remove(name);
                self.forget(&Self::constraint_key(&t, name));
            }
        }
        self.sim(&t).columns.remove(&c);
        self.remove(Self::column_key(&t, &c), owner);
    }

    fn rename_column(&mut self, q: &QName, from: &str, to: &str, owner: Owner) {
        let t = self.table_ref(q);
        let (f, n) = (self.fold(from), self.fold(to));
        let sim = self.sim(&t);
        sim.columns.remove(&f);
        sim.columns.insert(n.clone());
        for con in sim.constraints.values_mut() {
            for c in &mut con.columns {
                if *c == f {
                    c.clone_from(&n);
                }
            }
        }
        let indexes: Vec<ObjectKey> = sim.indexes.iter().cloned().collect();
        for i in indexes {
            if let Some(idx) = self.indexes.get_mut(&i) {
                for c in &mut idx.columns {
                    if *c == f {
                        c.clone_from(&n);
                    }
                }
            }
        }
        self.remove(Self::column_key(&t, &f), owner);
        self.create(Self::column_key(&t, &n), owner);
    }

    // ---- indexes and constraints ----------------------------------------------------------

    fn create_index(
        &mut self,
        index: &QName,
        table: &QName,
        columns: &[String],
        if_not_exists: bool,
        owner: Owner,
    ) {
        let mut t = self.table_ref(table);
        if let (Some(s), None) = (&index.schema, &table.schema) {
            t.0 = self.fold(s);
        }
        let key = self.index_key(&t, &index.name);
        if if_not_exists && self.indexes.contains_key(&key) {
            return;
        }
        let cols = columns.iter().map(|c| self.fold(c)).collect();
        self.indexes.insert(
            key.clone(),
            SimIndex {
                table: t.clone(),
                columns: cols,
            },
        );
        self.sim(&t).indexes.insert(key.clone());
        self.create(key, owner);
    }

    fn drop_index(&mut self, index: &QName, table: Option<&QName>, if_exists: bool, owner: Owner) {
        let key = self.index_ref(index, table);
        let known = self.indexes.remove(&key);
        let (schema, on, name) = match &key {
            ObjectKey::Index {
                schema,
                table,
                name,
            } => (schema.clone(), table.clone(), name.clone()),
            _ => unreachable!("index_ref returns index keys"),
        };
        // MySQL: a unique key or primary key is an index; dropping the index drops it.
        let key_table = match (&known, on) {
            (Some(idx), _) => Some(idx.table.clone()),
            (None, Some(t)) => Some((schema, t)),
            (None, None) => None,
        }
        .filter(|_| self.dialect == Dialect::Mysql);
        let mut was_key = false;
        if let Some(t) = &key_table {
            let is_key = self.tables.get(t).is_some_and(|s| {
                s.constraints
                    .get(&name)
                    .is_some_and(|c| matches!(c.kind.as_str(), "unique" | "primary key"))
            });
            if is_key {
                self.sim(t).constraints.remove(&name);
                self.remove(Self::constraint_key(t, &name), owner);
                was_key = true;
            }
        }
        if if_exists && known.is_none() && !was_key {
            self.mentioned.insert(key);
            return;
        }
        if let Some(idx) = known {
            self.sim(&idx.table).indexes.remove(&key);
        }
        self.remove(key, owner);
    }

    fn rename_index(&mut self, from: &QName, to: &QName, table: Option<&QName>, owner: Owner) {
        let old = self.index_ref(from, table);
        let (schema, tname, old_name) = match &old {
            ObjectKey::Index {
                schema,
                table,
                name,
            } => (schema.clone(), table.clone(), name.clone()),
            _ => unreachable!("index_ref returns index keys"),
        };
        let new_name = self.fold(&to.name);
        let new = ObjectKey::Index {
            schema: schema.clone(),
            table: tname.clone(),
            name: new_name.clone(),
        };
        // A unique or primary key is backed by an index of its own name: renaming the index
        // renames the constraint (PostgreSQL, and MySQL's keys).
        let backing = self
            .tables
            .iter()
            .find(|(t, sim)| {
                t.0 == schema
                    && tname.as_ref().is_none_or(|n| *n == t.1)
                    && sim
                        .constraints
                        .get(&old_name)
                        .is_some_and(|c| matches!(c.kind.as_str(), "unique" | "primary key"))
            })
            .map(|(t, _)| t.clone());
        if let Some(t) = backing {
            self.rename_constraint_in(&t, &old_name, &new_name, owner);
        }
        if let Some(idx) = self.indexes.remove(&old) {
            let sim = self.sim(&idx.table);
            sim.indexes.remove(&old);
            sim.indexes.insert(new.clone());
            self.indexes.insert(new.clone(), idx);
        } else if !self.present.contains_key(&old) && !self.absent.contains_key(&old) {
            // Only a constraint's index was renamed: the constraint says it all.
            self.mentioned.insert(old);
            self.mentioned.insert(new);
            return;
        }
        self.remove(old, owner);
        self.create(new, owner);
    }

    fn add_constraint(&mut self, t: &TKey, c: &ConstraintDef, owner: Owner) {
        let known: Option<BTreeSet<String>> = self.tables.get(t).map(|s| s.columns.clone());
        let mut columns: Vec<String> = c.columns.iter().map(|x| self.fold(x)).collect();
        if c.kind == "check" {
            // A check's "columns" are the words of its expression: keep the table's columns.
            if let Some(known) = &known {
                columns.retain(|x| known.contains(x));
            }
        }
        let references = c.references.as_ref().map(|r| self.table_ref(r));
        let Some(name) = &c.name else {
            return;
        };
        let name = self.fold(name);
        if self.dialect == Dialect::Mysql && c.kind == "foreign key" {
            // MySQL creates an index named after the foreign key when no index fits; it stays
            // when the key is dropped.
            let key = self.index_key(t, &name);
            self.mentioned.insert(key);
        }
        self.sim(t).constraints.insert(
            name.clone(),
            SimConstraint {
                kind: c.kind.clone(),
                columns,
                references,
            },
        );
        self.create(Self::constraint_key(t, &name), owner);
    }

    fn drop_constraint(&mut self, q: &QName, name: &str, if_exists: bool, owner: Owner) {
        let t = self.table_ref(q);
        let n = self.fold(name);
        let known = self.sim(&t).constraints.remove(&n);
        if if_exists && known.is_none() {
            self.mentioned.insert(Self::constraint_key(&t, &n));
            return;
        }
        if self.dialect == Dialect::Mysql
            && known
                .as_ref()
                .is_some_and(|c| matches!(c.kind.as_str(), "unique" | "primary key"))
        {
            // The unique key's index goes with it.
            let key = self.index_key(&t, &n);
            self.indexes.remove(&key);
            self.sim(&t).indexes.remove(&key);
            self.forget(&key);
        }
        self.remove(Self::constraint_key(&t, &n), owner);
    }

    fn rename_constraint(&mut self, q: &QName, from: &str, to: &str, owner: Owner) {
        let t = self.table_ref(q);
        let (f, n) = (self.fold(from), self.fold(to));
        let kind = self.sim(&t).constraints.get(&f).map(|c| c.kind.clone());
        self.rename_constraint_in(&t, &f, &n, owner);
        if matches!(kind.as_deref(), Some("unique" | "primary key")) {
            // PostgreSQL renames the index behind it too.
            let (old, new) = (self.index_key(&t, &f), self.index_key(&t, &n));
            if let Some(idx) = self.indexes.remove(&old) {
                self.sim(&t).indexes.remove(&old);
                self.sim(&t).indexes.insert(new.clone());
                self.indexes.insert(new.clone(), idx);
                self.remove(old, owner);
                self.create(new, owner);
            }
        }
    }

    fn rename_constraint_in(&mut self, t: &TKey, f: &str, n: &str, owner: Owner) {
        if let Some(c) = self.sim(t).constraints.remove(f) {
            self.sim(t).constraints.insert(n.to_string(), c);
        }
        self.remove(Self::constraint_key(t, f), owner);
        self.create(Self::constraint_key(t, n), owner);
    }

    // ---- other objects --------------------------------------------------------------------

    fn drop_other(&mut self, kind: &str, q: &QName, if_exists: bool, cascade: bool, owner: Owner) {
        let key = self.other_key(kind, q, false);
        if if_exists && !self.present.contains_key(&key) {
            self.mentioned.insert(key);
            return;
        }
        if let ObjectKey::Schema { name } = &key {
            if cascade {
                let tables: Vec<TKey> = self
                    .tables
                    .keys()
                    .filter(|t| t.0 == *name)
                    .cloned()
                    .collect();
                for t in tables {
                    self.drop_table_objects(&t, false);
                    self.forget(&Self::table_key(&t));
                }
                let inside: Vec<ObjectKey> = self
                    .present
                    .keys()
                    .filter(|k| k.schema() == Some(name.as_str()))
                    .cloned()
                    .collect();
                for k in inside {
                    self.forget(&k);
                }
            }
        }
        if let Some(t) = self.sequence_owner.remove(&key) {
            self.sim(&t).sequences.remove(&key);
        }
        self.remove(key, owner);
    }

    fn own_sequence(&mut self, seq: ObjectKey, table: Option<&QName>) {
        if let Some(t) = self.sequence_owner.remove(&seq) {
            self.sim(&t).sequences.remove(&seq);
        }
        if let Some(q) = table {
            let t = self.table_ref(q);
            self.sim(&t).sequences.insert(seq.clone());
            self.sequence_owner.insert(seq, t);
        }
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

    /// Records a statement migdoctor could not read as a whole. When its inside could be read
    /// (`inner`: the DDL of a `DO` block), the names it may create or remove make later
    /// checks of those names uncertain; otherwise every name it mentions does. Either way
    /// they explain live objects of those names.
    pub(super) fn opaque(&mut self, text: &str, inner: &[SchemaEffect], owner: Owner) {
        let readable = !inner.is_empty()
            && !inner
                .iter()
                .any(|e| matches!(e, SchemaEffect::Opaque { .. }));
        if !readable {
            for w in text_words(text) {
                self.opaque_words.insert(w, owner);
            }
            return;
        }
        let create = |r: &mut Self, n: &str| {
            r.may_create.insert(n.to_lowercase(), owner);
        };
        let remove = |r: &mut Self, n: &str| {
            r.may_remove.insert(n.to_lowercase(), owner);
        };
        for e in inner {
            match e {
                SchemaEffect::CreateTable {
                    table,
                    columns,
                    constraints,
                    ..
                } => {
                    create(self, &table.name);
                    for c in columns {
                        create(self, c);
                    }
                    for c in constraints.iter().filter_map(|c| c.name.as_deref()) {
                        create(self, c);
                    }
                }
                SchemaEffect::AddColumn { column, .. } => create(self, column),
                SchemaEffect::CreateIndex { index, .. } => create(self, &index.name),
                SchemaEffect::AddConstraint { name: Some(n), .. } => create(self, n),
                SchemaEffect::CreateSchema { name } => create(self, name),
                SchemaEffect::CreateType { name }
                | SchemaEffect::CreateSequence { name, .. }
                | SchemaEffect::CreateFunction { name } => create(self, &name.name),
                SchemaEffect::CreateView { view } => create(self, &view.name),
                SchemaEffect::DropTable { table, .. } => remove(self, &table.name),
                SchemaEffect::DropColumn { column, .. } => remove(self, column),
                SchemaEffect::DropIndex { index, .. } => remove(self, &index.name),
                SchemaEffect::DropConstraint { name, .. } => remove(self, name),
                SchemaEffect::DropObject { name, .. } => remove(self, &name.name),
                SchemaEffect::RenameTable { from, to } => {
                    remove(self, &from.name);
                    create(self, &to.name);
                }
                SchemaEffect::RenameIndex { from, to, .. } => {
                    remove(self, &from.name);
                    create(self, &to.name);
                }
                SchemaEffect::RenameColumn { from, to, .. }
                | SchemaEffect::RenameConstraint { from, to, .. } => {
                    remove(self, from);
                    create(self, to);
                }
                _ => {}
            }
        }
    }

    /// Returns the statement after `owner` that may have overturned the expectation that
    /// `key` is present (`want`) or absent: one whose inside may remove (or create) an object
    /// of that name, or one not understood at all that mentions it.
    pub(super) fn overturned_by(&self, key: &ObjectKey, want: bool, owner: Owner) -> Option<Owner> {
        let later = |m: &HashMap<String, Owner>, name: &str| {
            m.get(&name.to_lowercase())
                .copied()
                .filter(|o| o.seq > owner.seq)
        };
        let table = match key {
            ObjectKey::Column { table, .. } | ObjectKey::Constraint { table, .. } => Some(table),
            ObjectKey::Index { table, .. } => table.as_ref(),
            _ => None,
        };
        let precise = if want {
            later(&self.may_remove, key.name())
                .or_else(|| table.and_then(|t| later(&self.may_remove, t)))
        } else {
            later(&self.may_create, key.name())
        };
        precise.or_else(|| later(&self.opaque_words, key.name()))
    }
}
