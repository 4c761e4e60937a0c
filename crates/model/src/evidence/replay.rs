//! Replaying schema effects in order: what each migration leaves behind, and what it removes.

use super::ObjectKey;
use crate::{LiveSchema, QName, SchemaEffect};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
pub(super) struct Replay {
    // object -> (migration index, statement index) that leaves it behind
    pub(super) present: BTreeMap<ObjectKey, (usize, usize)>,
    // object -> (migration, statement) that removed it
    pub(super) absent: BTreeMap<ObjectKey, (usize, usize)>,
    // every object any migration mentions (explains drift)
    pub(super) mentioned: BTreeSet<ObjectKey>,
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

pub(super) struct Namer<'a> {
    pub(super) live: &'a LiveSchema,
}

impl Namer<'_> {
    pub(super) fn schema(&self, q: &QName) -> String {
        self.live
            .fold(q.schema.as_deref().unwrap_or(&self.live.default_schema))
    }
    pub(super) fn name(&self, n: &str) -> String {
        self.live.fold(n)
    }
    pub(super) fn table(&self, q: &QName) -> ObjectKey {
        ObjectKey::Table {
            schema: self.schema(q),
            table: self.name(&q.name),
        }
    }
    pub(super) fn column(&self, q: &QName, c: &str) -> ObjectKey {
        ObjectKey::Column {
            schema: self.schema(q),
            table: self.name(&q.name),
            column: self.name(c),
        }
    }
    pub(super) fn other(&self, kind: &str, q: &QName) -> ObjectKey {
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

pub(super) fn replay_effect(
    r: &mut Replay,
    n: &Namer<'_>,
    e: &SchemaEffect,
    owner: (usize, usize),
) {
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
        // Understood but not checkable by presence: nothing to expect.
        SchemaEffect::AlterColumn { .. } | SchemaEffect::Opaque { .. } => {}
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
        // An unnamed constraint cannot be looked up by name.
        SchemaEffect::AddConstraint { name: None, .. } => {}
        SchemaEffect::AddConstraint {
            table,
            name: Some(c),
            ..
        } => r.create(
            ObjectKey::Constraint {
                schema: n.schema(table),
                table: n.name(&table.name),
                name: n.name(c),
            },
            owner,
        ),
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
    }
}
