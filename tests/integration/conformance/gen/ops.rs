//! The operations the generator chooses from: each checks it is valid on the model, emits its
//! statements and updates the model, or refuses and leaves both alone.

use super::Gen;
use crate::conformance::model::*;
use migdoctor_tests::Dialect;

impl Gen {
    fn new_fk(&mut self, child: Option<TableId>) -> Option<(Col, Con)> {
        let parent = self.pick_table(|_, t| Some(t.id) != child)?;
        let col = Col {
            name: self.fresh("c"),
            ty: Ty::Int,
            origin: self.here(),
            fk: true,
        };
        let con = Con {
            name: Some(self.fresh("fk_")),
            kind: ConKind::Fk {
                col: col.name.clone(),
                parent,
            },
            origin: self.here(),
        };
        Some((col, con))
    }

    pub(super) fn create_table(&mut self, ops: &mut Vec<Op>) -> bool {
        let here = self.here();
        let mut cols = vec![Col {
            name: "id".into(),
            ty: Ty::Int,
            origin: here,
            fk: false,
        }];
        for _ in 0..1 + self.rng.below(4) {
            let ty = self.ty();
            cols.push(Col {
                name: self.fresh("c"),
                ty,
                origin: here,
                fk: false,
            });
        }
        let mut cons = Vec::new();
        let plain: Vec<String> = cols[1..].iter().map(|c| c.name.clone()).collect();
        if self.rng.chance(30) {
            let k = 1 + self.rng.below(2.min(plain.len()));
            let name = self.rng.chance(70).then(|| self.fresh("uq_"));
            let kind = ConKind::Unique(self.rng.sample(&plain, k));
            cons.push(Con {
                name,
                kind,
                origin: here,
            });
        }
        let numeric: Vec<String> = cols[1..]
            .iter()
            .filter(|c| c.ty.numeric())
            .map(|c| c.name.clone())
            .collect();
        if !numeric.is_empty() && self.rng.chance(25) {
            let name = self.rng.chance(70).then(|| self.fresh("ck_"));
            let kind = ConKind::Check(self.rng.pick(&numeric).clone());
            cons.push(Con {
                name,
                kind,
                origin: here,
            });
        }
        if self.rng.chance(35) {
            if let Some((col, mut con)) = self.new_fk(None) {
                if self.rng.chance(30) {
                    con.name = None;
                }
                cols.push(col);
                cons.push(con);
            }
        }
        self.next_table += 1;
        let t = Table {
            id: self.next_table,
            name: self.fresh("t"),
            origin: here,
            cols,
            cons,
            indexes: Vec::new(),
            rows: 0,
            branch: self.scope.unwrap_or(0),
        };
        ops.push(Op::CreateTable(self.s.table_def(&t)));
        self.s.tables.push(t);
        true
    }

    pub(super) fn drop_table(&mut self, ops: &mut Vec<Op>) -> bool {
        let cascade = self.f.cascade && self.rng.chance(40);
        let Some(id) = self.pick_table(|s, t| cascade || !s.referenced(t.id)) else {
            return false;
        };
        let referenced = self.s.referenced(id);
        let t = self.s.table(id).unwrap();
        ops.push(Op::DropTable {
            table: t.name.clone(),
            cascade: referenced,
        });
        self.s.tables.retain(|t| t.id != id);
        // CASCADE drops the foreign keys that point at the table; their columns stay.
        for t in &mut self.s.tables {
            let gone: Vec<String> = t
                .cons
                .iter()
                .filter_map(|k| match &k.kind {
                    ConKind::Fk { col, parent } if *parent == id => Some(col.clone()),
                    _ => None,
                })
                .collect();
            t.cons
                .retain(|k| !matches!(k.kind, ConKind::Fk { parent, .. } if parent == id));
            for c in t.cols.iter_mut().filter(|c| gone.contains(&c.name)) {
                c.fk = false;
            }
        }
        true
    }

    pub(super) fn rename_table(&mut self, ops: &mut Vec<Op>) -> bool {
        let Some(id) = self.pick_table(|_, _| true) else {
            return false;
        };
        let to = self.fresh("t");
        let here = self.here();
        let t = self.s.table_mut(id);
        ops.push(Op::RenameTable {
            from: std::mem::replace(&mut t.name, to.clone()),
            to,
        });
        t.origin = here;
        true
    }

    pub(super) fn add_column(&mut self, ops: &mut Vec<Op>, opaque: bool) -> bool {
        let Some(id) = self.pick_table(|_, _| true) else {
            return false;
        };
        let col = ColDef {
            name: self.fresh("c"),
            ty: self.ty(),
        };
        let origin = Origin {
            mig: self.mig,
            opaque,
        };
        let t = self.s.table_mut(id);
        t.cols.push(Col {
            name: col.name.clone(),
            ty: col.ty,
            origin,
            fk: false,
        });
        ops.push(Op::AddColumn {
            table: t.name.clone(),
            col,
        });
        true
    }

    /// Drops a column after the indexes and constraints on it (SQLite refuses to drop an
    /// indexed column; dropping them explicitly keeps every dialect's implicit drops out).
    pub(super) fn drop_column(&mut self, ops: &mut Vec<Op>) -> bool {
        let alter = self.f.alter_constraints;
        let droppable = move |t: &Table, c: &Col| {
            c.name != "id"
                && t.cons
                    .iter()
                    .filter(|k| k.cols().contains(&c.name.as_str()))
                    .all(|k| alter && k.name.is_some())
        };
        let Some(id) = self.pick_table(|_, t| t.cols.iter().any(|c| droppable(t, c))) else {
            return false;
        };
        let t = self.s.table(id).unwrap().clone();
        let cols: Vec<&Col> = t.cols.iter().filter(|c| droppable(&t, c)).collect();
        let col = (*self.rng.pick(&cols)).clone();
        for i in t.indexes.iter().filter(|i| i.cols.contains(&col.name)) {
            self.remove_index(id, &i.name, ops);
        }
        for k in t
            .cons
            .iter()
            .filter(|k| k.cols().contains(&col.name.as_str()))
        {
            ops.push(Op::DropConstraint {
                table: t.name.clone(),
                con: self.s.con_def(k),
            });
        }
        let tm = self.s.table_mut(id);
        tm.cons.retain(|k| !k.cols().contains(&col.name.as_str()));
        tm.cols.retain(|c| c.name != col.name);
        ops.push(Op::DropColumn {
            table: t.name.clone(),
            col: col.name.clone(),
        });
        self.s.dropped_cols.push(DroppedCol {
            table: id,
            col: col.name,
            ty: col.ty,
            mig: self.mig,
        });
        true
    }

    pub(super) fn rename_column(&mut self, ops: &mut Vec<Op>) -> bool {
        let ok = |t: &Table, c: &Col| c.name != "id" && !c.fk && !t.constrained(&c.name);
        let Some(id) = self.pick_table(|_, t| t.cols.iter().any(|c| ok(t, c))) else {
            return false;
        };
        let to = self.fresh("c");
        let here = self.here();
        let t = self.s.table_mut(id);
        let names: Vec<String> = t
            .cols
            .iter()
            .filter(|c| ok(t, c))
            .map(|c| c.name.clone())
            .collect();
        let from = self.rng.pick(&names).clone();
        let c = t.cols.iter_mut().find(|c| c.name == from).unwrap();
        c.name = to.clone();
        c.origin = here;
        let ty = c.ty;
        for i in &mut t.indexes {
            for c in i.cols.iter_mut().filter(|c| **c == from) {
                *c = to.clone();
            }
        }
        ops.push(Op::RenameColumn {
            table: t.name.clone(),
            from,
            to,
            ty,
        });
        true
    }

    pub(super) fn create_index(&mut self, ops: &mut Vec<Op>, opaque: bool) -> bool {
        let Some(id) = self.pick_table(|_, t| !t.plain_cols().is_empty()) else {
            return false;
        };
        let names: Vec<String> = self
            .s
            .table(id)
            .unwrap()
            .plain_cols()
            .iter()
            .map(|c| c.name.clone())
            .collect();
        let k = 1 + self.rng.below(3.min(names.len()));
        let index = Index {
            name: self.fresh("ix_"),
            cols: self.rng.sample(&names, k),
            unique: self.rng.chance(30),
            origin: Origin {
                mig: self.mig,
                opaque,
            },
        };
        let t = self.s.table_mut(id);
        ops.push(Op::CreateIndex(index_def(&t.name, &index)));
        t.indexes.push(index);
        true
    }

    fn remove_index(&mut self, id: TableId, name: &str, ops: &mut Vec<Op>) {
        let t = self.s.table_mut(id);
        let pos = t.indexes.iter().position(|i| i.name == name).unwrap();
        let index = t.indexes.remove(pos);
        ops.push(Op::DropIndex {
            table: t.name.clone(),
            name: name.into(),
        });
        self.s.dropped_indexes.push(DroppedIndex {
            table: id,
            index,
            mig: self.mig,
        });
    }

    pub(super) fn drop_index(&mut self, ops: &mut Vec<Op>) -> bool {
        let Some(id) = self.pick_table(|_, t| !t.indexes.is_empty()) else {
            return false;
        };
        let names: Vec<String> = self
            .s
            .table(id)
            .unwrap()
            .indexes
            .iter()
            .map(|i| i.name.clone())
            .collect();
        let name = self.rng.pick(&names).clone();
        self.remove_index(id, &name, ops);
        true
    }

    pub(super) fn add_constraint(&mut self, ops: &mut Vec<Op>) -> bool {
        let Some(id) = self.pick_table(|_, _| true) else {
            return false;
        };
        let here = self.here();
        let t = self.s.table(id).unwrap().clone();
        let plain: Vec<String> = t.plain_cols().iter().map(|c| c.name.clone()).collect();
        let numeric: Vec<String> = t
            .plain_cols()
            .iter()
            .filter(|c| c.ty.numeric())
            .map(|c| c.name.clone())
            .collect();
        let con = match self.rng.below(3) {
            0 if !plain.is_empty() => {
                let k = 1 + self.rng.below(2.min(plain.len()));
                let cols = self.rng.sample(&plain, k);
                // PostgreSQL's CREATE TABLE folds duplicate unique constraints into one, so a
                // recreate or rebuild would lose the second name.
                if t.has_unique(&cols) {
                    return false;
                }
                Con {
                    name: Some(self.fresh("uq_")),
                    kind: ConKind::Unique(cols),
                    origin: here,
                }
            }
            1 if !numeric.is_empty() => Con {
                name: Some(self.fresh("ck_")),
                kind: ConKind::Check(self.rng.pick(&numeric).clone()),
                origin: here,
            },
            2 => {
                let Some((col, con)) = self.new_fk(Some(id)) else {
                    return false;
                };
                ops.push(Op::AddColumn {
                    table: t.name.clone(),
                    col: ColDef {
                        name: col.name.clone(),
                        ty: col.ty,
                    },
                });
                self.s.table_mut(id).cols.push(col);
                con
            }
            _ => return false,
        };
        ops.push(Op::AddConstraint {
            table: t.name.clone(),
            con: self.s.con_def(&con),
        });
        self.s.table_mut(id).cons.push(con);
        true
    }

    pub(super) fn drop_constraint(&mut self, ops: &mut Vec<Op>) -> bool {
        let Some(id) = self.pick_table(|_, t| t.cons.iter().any(|k| k.name.is_some())) else {
            return false;
        };
        let t = self.s.table(id).unwrap().clone();
        let named: Vec<&Con> = t.cons.iter().filter(|k| k.name.is_some()).collect();
        let con = (*self.rng.pick(&named)).clone();
        ops.push(Op::DropConstraint {
            table: t.name.clone(),
            con: self.s.con_def(&con),
        });
        let tm = self.s.table_mut(id);
        tm.cons.retain(|k| k.name != con.name);
        if let ConKind::Fk { col, .. } = &con.kind {
            tm.cols.iter_mut().find(|c| &c.name == col).unwrap().fk = false;
        }
        true
    }

    /// Marks everything the table holds as created by this migration.
    fn renew(&mut self, id: TableId) {
        let here = self.here();
        let t = self.s.table_mut(id);
        t.origin = here;
        for c in &mut t.cols {
            c.origin = here;
        }
        for k in &mut t.cons {
            k.origin = here;
        }
        for i in &mut t.indexes {
            i.origin = here;
        }
    }

    pub(super) fn recreate(&mut self, ops: &mut Vec<Op>) -> bool {
        let Some(id) = self.pick_table(|s, t| !s.referenced(t.id)) else {
            return false;
        };
        self.renew(id);
        let t = self.s.table(id).unwrap();
        ops.push(Op::Recreate {
            def: self.s.table_def(t),
            indexes: self.s.index_defs(t),
        });
        true
    }

    /// Rebuilds a table under a temporary name, changing one thing on the way (the only way to
    /// change constraints on SQLite).
    pub(super) fn rebuild(&mut self, ops: &mut Vec<Op>) -> bool {
        let sqlite = self.f.dialect == Dialect::Sqlite;
        // PostgreSQL and MySQL refuse to drop a referenced table.
        let Some(id) = self.pick_table(|s, t| sqlite || !s.referenced(t.id)) else {
            return false;
        };
        let old = self.s.table(id).unwrap().clone();
        let mut t = old.clone();
        let here = self.here();
        match self.rng.below(5) {
            0 if t.cols.len() > 1 => {
                let names: Vec<String> = t.cols[1..].iter().map(|c| c.name.clone()).collect();
                let gone = self.rng.pick(&names).clone();
                t.cols.retain(|c| c.name != gone);
                t.cons.retain(|k| !k.cols().contains(&gone.as_str()));
                t.indexes.retain(|i| !i.cols.contains(&gone));
            }
            1 => {
                let ty = self.ty();
                t.cols.push(Col {
                    name: self.fresh("c"),
                    ty,
                    origin: here,
                    fk: false,
                });
            }
            2 => {
                let plain: Vec<Col> = t.plain_cols().into_iter().cloned().collect();
                let numeric: Vec<Col> = plain.iter().filter(|c| c.ty.numeric()).cloned().collect();
                if !numeric.is_empty() && self.rng.chance(50) {
                    let c = self.rng.pick(&numeric).name.clone();
                    t.cons.push(Con {
                        name: Some(self.fresh("ck_")),
                        kind: ConKind::Check(c),
                        origin: here,
                    });
                } else if !plain.is_empty() && self.rng.chance(50) {
                    let c = self.rng.pick(&plain).name.clone();
                    if t.has_unique(std::slice::from_ref(&c)) {
                        return false;
                    }
                    t.cons.push(Con {
                        name: self.rng.chance(80).then(|| self.fresh("uq_")),
                        kind: ConKind::Unique(vec![c]),
                        origin: here,
                    });
                } else if let Some((col, con)) = self.new_fk(Some(id)) {
                    t.cols.push(col);
                    t.cons.push(con);
                }
            }
            3 if !t.cons.is_empty() => {
                let i = self.rng.below(t.cons.len());
                t.cons.remove(i);
            }
            _ => {}
        }
        for c in &mut t.cols {
            c.fk = t
                .cons
                .iter()
                .any(|k| matches!(&k.kind, ConKind::Fk { col, .. } if *col == c.name));
        }
        // Constraint names are per table on SQLite, but PostgreSQL's unique constraints share
        // the index namespace and MySQL's foreign keys are per database: the new table's
        // constraints need new names while the old table still exists.
        if !sqlite {
            for i in 0..t.cons.len() {
                if t.cons[i].name.is_some() {
                    let prefix = t.cons[i].prefix();
                    t.cons[i].name = Some(self.fresh(prefix));
                }
            }
        }
        let copy: Vec<String> = t
            .cols
            .iter()
            .filter(|c| old.col(&c.name).is_some())
            .map(|c| c.name.clone())
            .collect();
        let tmp = format!("{}_new{}", t.name, {
            self.counter += 1;
            self.counter
        });
        let mut def = self.s.table_def(&t);
        def.name = tmp;
        let indexes = self.s.index_defs(&t);
        *self.s.table_mut(id) = t;
        self.renew(id);
        ops.push(Op::Rebuild {
            table: old.name,
            def,
            copy,
            indexes,
        });
        true
    }

    pub(super) fn do_block(&mut self, ops: &mut Vec<Op>) -> bool {
        let mut inner = Vec::new();
        let done = if self.rng.chance(50) {
            self.add_column(&mut inner, true)
        } else {
            self.create_index(&mut inner, true)
        };
        if done {
            ops.push(Op::Do(Box::new(inner.remove(0))));
        }
        done
    }

    pub(super) fn insert(&mut self, ops: &mut Vec<Op>) -> bool {
        let Some(id) = self.pick_table(|_, _| true) else {
            return false;
        };
        let t = self.s.table(id).unwrap().clone();
        let cols: Vec<&Col> = t.cols.iter().filter(|c| !c.fk).collect();
        let mut rows = Vec::new();
        for n in 0..1 + self.rng.below(3) {
            let mut row = vec![Val::Int(t.rows + 1 + n as u64)];
            for c in &cols[1..] {
                row.push(if self.rng.chance(20) {
                    Val::Null
                } else {
                    self.value(c.ty)
                });
            }
            rows.push(row);
        }
        self.s.table_mut(id).rows += rows.len() as u64;
        ops.push(Op::Insert {
            table: t.name.clone(),
            cols: cols.iter().map(|c| c.name.clone()).collect(),
            rows,
        });
        true
    }
}
