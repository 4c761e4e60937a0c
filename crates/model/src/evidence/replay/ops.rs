//! The replay's operations on tables, columns, indexes, constraints and other objects, with
//! what each database does implicitly (see the parent module).

use super::{Owner, Replay, SimConstraint, SimIndex, SimTable, TKey};
use crate::evidence::ObjectKey;
use crate::{ConstraintDef, Dialect, QName};
use std::collections::BTreeSet;

impl Replay<'_> {
    // ---- tables ---------------------------------------------------------------------------

    pub(super) fn create_table(
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
    pub(super) fn drop_table_objects(&mut self, t: &TKey, cascade: bool) {
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

    pub(super) fn drop_table(&mut self, q: &QName, if_exists: bool, cascade: bool, owner: Owner) {
        let t = self.table_ref(q);
        if if_exists && !self.tables.contains_key(&t) {
            self.mentioned.insert(Self::table_key(&t));
            return;
        }
        self.drop_table_objects(&t, cascade);
        self.remove(Self::table_key(&t), owner);
    }

    pub(super) fn rename_table(&mut self, from: &QName, to: &QName, owner: Owner) {
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

    pub(super) fn add_column(
        &mut self,
        q: &QName,
        column: &str,
        if_not_exists: bool,
        owner: Owner,
    ) {
        let t = self.table_ref(q);
        let c = self.fold(column);
        if if_not_exists && self.tables.get(&t).is_some_and(|s| s.columns.contains(&c)) {
            return;
        }
        self.sim(&t).columns.insert(c.clone());
        self.create(Self::column_key(&t, &c), owner);
    }

    pub(super) fn drop_column(&mut self, q: &QName, column: &str, if_exists: bool, owner: Owner) {
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

    pub(super) fn rename_column(&mut self, q: &QName, from: &str, to: &str, owner: Owner) {
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

    pub(super) fn create_index(
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

    pub(super) fn drop_index(
        &mut self,
        index: &QName,
        table: Option<&QName>,
        if_exists: bool,
        owner: Owner,
    ) {
        let key = self.index_ref(index, table);
        let known = self.indexes.remove(&key);
        let (schema, on, name) = index_parts(&key);
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

    pub(super) fn rename_index(
        &mut self,
        from: &QName,
        to: &QName,
        table: Option<&QName>,
        owner: Owner,
    ) {
        let old = self.index_ref(from, table);
        let (schema, tname, old_name) = index_parts(&old);
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

    pub(super) fn add_constraint(&mut self, t: &TKey, c: &ConstraintDef, owner: Owner) {
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
        // MySQL names every primary key PRIMARY, whatever `CONSTRAINT x PRIMARY KEY` says
        // (drizzle-kit writes `CONSTRAINT users_id PRIMARY KEY(id)`).
        let name = if self.dialect == Dialect::Mysql && c.kind == "primary key" {
            self.fold("PRIMARY")
        } else {
            self.fold(name)
        };
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

    pub(super) fn drop_constraint(&mut self, q: &QName, name: &str, if_exists: bool, owner: Owner) {
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

    pub(super) fn rename_constraint(&mut self, q: &QName, from: &str, to: &str, owner: Owner) {
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

    pub(super) fn rename_constraint_in(&mut self, t: &TKey, f: &str, n: &str, owner: Owner) {
        if let Some(c) = self.sim(t).constraints.remove(f) {
            self.sim(t).constraints.insert(n.to_string(), c);
        }
        self.remove(Self::constraint_key(t, f), owner);
        self.create(Self::constraint_key(t, n), owner);
    }

    // ---- other objects --------------------------------------------------------------------

    pub(super) fn drop_other(
        &mut self,
        kind: &str,
        q: &QName,
        if_exists: bool,
        cascade: bool,
        owner: Owner,
    ) {
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

    pub(super) fn own_sequence(&mut self, seq: ObjectKey, table: Option<&QName>) {
        if let Some(t) = self.sequence_owner.remove(&seq) {
            self.sim(&t).sequences.remove(&seq);
        }
        if let Some(q) = table {
            let t = self.table_ref(q);
            self.sim(&t).sequences.insert(seq.clone());
            self.sequence_owner.insert(seq, t);
        }
    }
}

/// Returns the schema, table (MySQL) and name of an index key.
fn index_parts(key: &ObjectKey) -> (String, Option<String>, String) {
    match key {
        ObjectKey::Index {
            schema,
            table,
            name,
        } => (schema.clone(), table.clone(), name.clone()),
        _ => unreachable!("index_ref returns index keys"),
    }
}
