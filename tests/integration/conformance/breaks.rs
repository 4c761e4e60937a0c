//! Breakages of the healthy result: one statement of one migration undone by hand (schema), or
//! the tracking table changed (rows deleted, set back, set to an unknown id, marked dirty,
//! dropped).

use super::gen::History;
use super::model::*;
use super::sql;
use migdoctor_tests::Dialect;

/// What a person did to the tracking table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrackingBreak {
    /// Every row deleted.
    DeleteRows,
    /// Set back to migration `j` (an index into the history).
    SetEarlier(usize),
    /// Set to an id no file defines.
    SetUnknown(String),
    /// The current version marked dirty (frameworks with a dirty flag only).
    Dirty,
    /// The tracking table dropped.
    DropTable,
}

/// A statement of one migration undone by hand, chosen among objects that survive into the
/// final schema and that nothing depends on.
#[derive(Clone, Debug)]
pub enum SchemaBreak {
    /// Drop an index a migration created.
    DropIndex(IndexDef),
    /// Drop a named check or foreign-key constraint a migration added.
    DropConstraint { table: String, con: ConDef },
    /// Drop a column no index or constraint uses.
    DropColumn { table: String, col: ColDef },
    /// Add back a column a migration dropped.
    ReAddColumn { table: String, col: ColDef },
    /// Create again an index a migration dropped.
    ReCreateIndex(IndexDef),
}

impl SchemaBreak {
    /// Returns (the op that breaks, the op that restores).
    fn ops(&self) -> (Op, Op) {
        match self {
            SchemaBreak::DropIndex(i) => (
                Op::DropIndex {
                    table: i.table.clone(),
                    name: i.name.clone(),
                },
                Op::CreateIndex(i.clone()),
            ),
            SchemaBreak::ReCreateIndex(i) => {
                let (a, b) = SchemaBreak::DropIndex(i.clone()).ops();
                (b, a)
            }
            SchemaBreak::DropConstraint { table, con } => (
                Op::DropConstraint {
                    table: table.clone(),
                    con: con.clone(),
                },
                Op::AddConstraint {
                    table: table.clone(),
                    con: con.clone(),
                },
            ),
            SchemaBreak::DropColumn { table, col } => (
                Op::DropColumn {
                    table: table.clone(),
                    col: col.name.clone(),
                },
                Op::AddColumn {
                    table: table.clone(),
                    col: col.clone(),
                },
            ),
            SchemaBreak::ReAddColumn { table, col } => {
                let (a, b) = SchemaBreak::DropColumn {
                    table: table.clone(),
                    col: col.clone(),
                }
                .ops();
                (b, a)
            }
        }
    }

    /// Returns the SQL that breaks the schema.
    pub fn break_sql(&self, d: Dialect) -> String {
        sql::file(d, &[self.ops().0])
    }

    /// Returns the SQL that restores the healthy schema.
    pub fn restore_sql(&self, d: Dialect) -> String {
        sql::file(d, &[self.ops().1])
    }

    /// Returns the kind, for spreading the chosen breakages over kinds.
    pub fn kind(&self) -> &'static str {
        match self {
            SchemaBreak::DropIndex(_) => "drop index",
            SchemaBreak::DropConstraint { .. } => "drop constraint",
            SchemaBreak::DropColumn { .. } => "drop column",
            SchemaBreak::ReAddColumn { .. } => "re-add dropped column",
            SchemaBreak::ReCreateIndex(_) => "re-create dropped index",
        }
    }
}

/// A schema breakage and the migration whose statement it undoes.
#[derive(Clone, Debug)]
pub struct Candidate {
    pub brk: SchemaBreak,
    pub mig: usize,
}

/// Returns every schema breakage the final schema allows. Objects made in `DO` blocks are left
/// alone: only a statement the parser reads can be expected back.
pub fn schema_candidates(h: &History, d: Dialect) -> Vec<Candidate> {
    let s = &h.schema;
    let mut out = Vec::new();
    for t in &s.tables {
        for i in t.indexes.iter().filter(|i| !i.origin.opaque) {
            out.push(Candidate {
                brk: SchemaBreak::DropIndex(index_def(&t.name, i)),
                mig: i.origin.mig,
            });
        }
        if d != Dialect::Sqlite {
            for k in t
                .cons
                .iter()
                .filter(|k| !k.origin.opaque && k.name.is_some())
            {
                if matches!(k.kind, ConKind::Check(_) | ConKind::Fk { .. }) {
                    out.push(Candidate {
                        brk: SchemaBreak::DropConstraint {
                            table: t.name.clone(),
                            con: s.con_def(k),
                        },
                        mig: k.origin.mig,
                    });
                }
            }
        }
        for c in &t.cols {
            if c.name != "id" && !c.fk && !c.origin.opaque && !t.used(&c.name) {
                out.push(Candidate {
                    brk: SchemaBreak::DropColumn {
                        table: t.name.clone(),
                        col: ColDef {
                            name: c.name.clone(),
                            ty: c.ty,
                        },
                    },
                    mig: c.origin.mig,
                });
            }
        }
    }
    // A dropped object can be added back only where the table kept its name and shape since
    // the drop, and where nothing made an object of that name again.
    let unchanged_since = |id: TableId, mig: usize| s.table(id).filter(|t| t.origin.mig < mig);
    for dc in &s.dropped_cols {
        if let Some(t) = unchanged_since(dc.table, dc.mig) {
            if t.col(&dc.col).is_none() {
                out.push(Candidate {
                    brk: SchemaBreak::ReAddColumn {
                        table: t.name.clone(),
                        col: ColDef {
                            name: dc.col.clone(),
                            ty: dc.ty,
                        },
                    },
                    mig: dc.mig,
                });
            }
        }
    }
    for di in &s.dropped_indexes {
        let Some(t) = unchanged_since(di.table, di.mig) else {
            continue;
        };
        let cols_back = di
            .index
            .cols
            .iter()
            .all(|c| t.col(c).is_some_and(|c| !c.fk));
        let name_free = s
            .tables
            .iter()
            .all(|t| t.indexes.iter().all(|i| i.name != di.index.name));
        if cols_back && name_free {
            out.push(Candidate {
                brk: SchemaBreak::ReCreateIndex(index_def(&t.name, &di.index)),
                mig: di.mig,
            });
        }
    }
    out
}

/// Returns the migrations that last created an object of the final schema in a statement the
/// parser reads: each has effects `diagnose` can check.
pub fn checkable(h: &History) -> Vec<bool> {
    let mut out = vec![false; h.migrations.len()];
    let mut mark = |o: &Origin| {
        if !o.opaque {
            out[o.mig] = true;
        }
    };
    for t in &h.schema.tables {
        mark(&t.origin);
        t.cols.iter().for_each(|c| mark(&c.origin));
        t.indexes.iter().for_each(|i| mark(&i.origin));
        t.cons
            .iter()
            .filter(|k| k.name.is_some())
            .for_each(|k| mark(&k.origin));
    }
    out
}
