//! The generator's own model of the schema a history builds, and the operations it renders.
//!
//! The model exists to choose valid next operations and to know, for every object in the final
//! schema, which migration last created it (to choose breakages). It never predicts what
//! `diagnose` concludes.

use std::collections::{BTreeMap, BTreeSet};

/// A table's identity across renames (a drop ends it).
pub type TableId = u32;

/// A column type, rendered per dialect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Int,
    Big,
    Text,
}

impl Ty {
    /// Whether a `CHECK (col >= 0)` fits the column.
    pub fn numeric(self) -> bool {
        self != Ty::Text
    }
}

/// Which migration (index in the history) last created an object, and whether it did so in a
/// statement the parser cannot read (a `DO` block), so no breakage may rely on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub mig: usize,
    pub opaque: bool,
}

#[derive(Clone, Debug)]
pub struct Col {
    pub name: String,
    pub ty: Ty,
    pub origin: Origin,
    /// The column of a foreign key (kept free of indexes, checks and renames).
    pub fk: bool,
}

#[derive(Clone, Debug)]
pub enum ConKind {
    Unique(Vec<String>),
    Check(String),
    Fk { col: String, parent: TableId },
}

#[derive(Clone, Debug)]
pub struct Con {
    /// `None`: written without a name (the database names it).
    pub name: Option<String>,
    pub kind: ConKind,
    pub origin: Origin,
}

impl Con {
    /// Returns the columns the constraint uses.
    pub fn cols(&self) -> Vec<&str> {
        match &self.kind {
            ConKind::Unique(c) => c.iter().map(String::as_str).collect(),
            ConKind::Check(c) | ConKind::Fk { col: c, .. } => vec![c.as_str()],
        }
    }

    /// Returns the name prefix of this kind of constraint.
    pub fn prefix(&self) -> &'static str {
        match self.kind {
            ConKind::Unique(_) => "uq_",
            ConKind::Check(_) => "ck_",
            ConKind::Fk { .. } => "fk_",
        }
    }
}

/// An index made by `CREATE INDEX` (not one backing a constraint).
#[derive(Clone, Debug)]
pub struct Index {
    pub name: String,
    pub cols: Vec<String>,
    pub unique: bool,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct Table {
    pub id: TableId,
    pub name: String,
    /// The migration that gave the table its current name and shape (create, rename, rebuild,
    /// recreate).
    pub origin: Origin,
    pub cols: Vec<Col>,
    pub cons: Vec<Con>,
    pub indexes: Vec<Index>,
    /// Rows inserted so far (the next id is rows + 1).
    pub rows: u64,
    /// The branch that owns the table while a history forks (Alembic).
    pub branch: usize,
}

impl Table {
    pub fn col(&self, name: &str) -> Option<&Col> {
        self.cols.iter().find(|c| c.name == name)
    }

    /// Returns whether an index or constraint uses the column.
    pub fn used(&self, col: &str) -> bool {
        self.indexes.iter().any(|i| i.cols.iter().any(|c| c == col))
            || self.cons.iter().any(|k| k.cols().contains(&col))
    }

    /// Returns whether a constraint uses the column.
    pub fn constrained(&self, col: &str) -> bool {
        self.cons.iter().any(|k| k.cols().contains(&col))
    }

    /// Returns whether a unique constraint covers exactly `cols` (in any order).
    pub fn has_unique(&self, cols: &[String]) -> bool {
        let mut want: Vec<&String> = cols.iter().collect();
        want.sort();
        self.cons.iter().any(|k| match &k.kind {
            ConKind::Unique(c) => {
                let mut have: Vec<&String> = c.iter().collect();
                have.sort();
                have == want
            }
            _ => false,
        })
    }

    /// Returns the columns indexes, checks and unique constraints may use.
    pub fn plain_cols(&self) -> Vec<&Col> {
        self.cols
            .iter()
            .filter(|c| c.name != "id" && !c.fk)
            .collect()
    }
}

/// A column an explicit `DROP COLUMN` removed.
#[derive(Clone, Debug)]
pub struct DroppedCol {
    pub table: TableId,
    pub col: String,
    pub ty: Ty,
    pub mig: usize,
}

/// An index an explicit `DROP INDEX` removed.
#[derive(Clone, Debug)]
pub struct DroppedIndex {
    pub table: TableId,
    pub index: Index,
    pub mig: usize,
}

/// The schema as the generator believes the history leaves it.
#[derive(Clone, Debug, Default)]
pub struct Schema {
    pub tables: Vec<Table>,
    pub dropped_cols: Vec<DroppedCol>,
    pub dropped_indexes: Vec<DroppedIndex>,
}

impl Schema {
    pub fn table(&self, id: TableId) -> Option<&Table> {
        self.tables.iter().find(|t| t.id == id)
    }

    pub fn table_mut(&mut self, id: TableId) -> &mut Table {
        self.tables.iter_mut().find(|t| t.id == id).expect("table")
    }

    /// Returns whether another table has a foreign key to `id`.
    pub fn referenced(&self, id: TableId) -> bool {
        self.tables.iter().any(|t| {
            t.id != id
                && t.cons
                    .iter()
                    .any(|k| matches!(k.kind, ConKind::Fk { parent, .. } if parent == id))
        })
    }

    /// Returns the constraint as it is written now (the parent under its current name).
    pub fn con_def(&self, k: &Con) -> ConDef {
        let kind = match &k.kind {
            ConKind::Unique(c) => ConDefKind::Unique(c.clone()),
            ConKind::Check(c) => ConDefKind::Check(c.clone()),
            ConKind::Fk { col, parent } => ConDefKind::Fk {
                col: col.clone(),
                parent: self.table(*parent).expect("parent").name.clone(),
            },
        };
        ConDef {
            name: k.name.clone(),
            kind,
        }
    }

    /// Returns the table as a `CREATE TABLE` writes it now.
    pub fn table_def(&self, t: &Table) -> TableDef {
        TableDef {
            name: t.name.clone(),
            cols: t
                .cols
                .iter()
                .filter(|c| c.name != "id")
                .map(|c| ColDef {
                    name: c.name.clone(),
                    ty: c.ty,
                })
                .collect(),
            cons: t.cons.iter().map(|k| self.con_def(k)).collect(),
        }
    }

    /// Returns the table's indexes as `CREATE INDEX` writes them now.
    pub fn index_defs(&self, t: &Table) -> Vec<IndexDef> {
        t.indexes.iter().map(|i| index_def(&t.name, i)).collect()
    }

    /// Returns every table with its columns, `CREATE INDEX` indexes and named constraints, the
    /// way [`super::catalog`] reads them from the real database.
    pub fn shape(&self) -> BTreeMap<String, Shape> {
        self.tables
            .iter()
            .map(|t| {
                let shape = Shape {
                    cols: t.cols.iter().map(|c| c.name.clone()).collect(),
                    indexes: t.indexes.iter().map(|i| i.name.clone()).collect(),
                    cons: t.cons.iter().filter_map(|k| k.name.clone()).collect(),
                };
                (t.name.clone(), shape)
            })
            .collect()
    }
}

/// Returns an index as `CREATE INDEX` writes it on `table`.
pub fn index_def(table: &str, i: &Index) -> IndexDef {
    IndexDef {
        name: i.name.clone(),
        table: table.into(),
        cols: i.cols.clone(),
        unique: i.unique,
    }
}

/// What the self-check compares: one table's columns, indexes and named constraints.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    pub cols: BTreeSet<String>,
    pub indexes: BTreeSet<String>,
    pub cons: BTreeSet<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColDef {
    pub name: String,
    pub ty: Ty,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConDefKind {
    Unique(Vec<String>),
    Check(String),
    Fk { col: String, parent: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConDef {
    pub name: Option<String>,
    pub kind: ConDefKind,
}

/// A `CREATE TABLE`: an `id` integer primary key, then `cols`, then `cons`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableDef {
    pub name: String,
    pub cols: Vec<ColDef>,
    pub cons: Vec<ConDef>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexDef {
    pub name: String,
    pub table: String,
    pub cols: Vec<String>,
    pub unique: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Val {
    Int(u64),
    Text(String),
    Null,
}

/// One schema change, with every name resolved as it is when the migration runs. Each renders
/// to one or more statements (SQL per dialect, or Alembic `op.*` calls).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    CreateTable(TableDef),
    DropTable {
        table: String,
        cascade: bool,
    },
    RenameTable {
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        col: ColDef,
    },
    DropColumn {
        table: String,
        col: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
        ty: Ty,
    },
    CreateIndex(IndexDef),
    DropIndex {
        table: String,
        name: String,
    },
    AddConstraint {
        table: String,
        con: ConDef,
    },
    DropConstraint {
        table: String,
        con: ConDef,
    },
    /// `DROP TABLE` and `CREATE TABLE` under the same name, then its indexes again.
    Recreate {
        def: TableDef,
        indexes: Vec<IndexDef>,
    },
    /// The SQLite-style rebuild: `CREATE TABLE tmp …; INSERT INTO tmp SELECT …; DROP TABLE
    /// table; ALTER TABLE tmp RENAME TO table;` then the indexes again.
    Rebuild {
        table: String,
        def: TableDef,
        copy: Vec<String>,
        indexes: Vec<IndexDef>,
    },
    /// A PostgreSQL `DO $$ … $$` block around an `AddColumn` or `CreateIndex` (opaque to the
    /// parser).
    Do(Box<Op>),
    Insert {
        table: String,
        cols: Vec<String>,
        rows: Vec<Vec<Val>>,
    },
}

impl Op {
    /// Returns a short slug for file names.
    pub fn slug(&self) -> String {
        match self {
            Op::CreateTable(d) => format!("create_{}", d.name),
            Op::DropTable { table, .. } => format!("drop_{table}"),
            Op::RenameTable { from, to } => format!("rename_{from}_to_{to}"),
            Op::AddColumn { table, col } => format!("add_{}_to_{table}", col.name),
            Op::DropColumn { table, col } => format!("drop_{col}_from_{table}"),
            Op::RenameColumn {
                table, from, to, ..
            } => format!("rename_{table}_{from}_to_{to}"),
            Op::CreateIndex(i) => format!("index_{}", i.name),
            Op::DropIndex { name, .. } => format!("drop_{name}"),
            Op::AddConstraint { table, .. } => format!("constrain_{table}"),
            Op::DropConstraint { table, .. } => format!("unconstrain_{table}"),
            Op::Recreate { def, .. } => format!("recreate_{}", def.name),
            Op::Rebuild { table, .. } => format!("rebuild_{table}"),
            Op::Do(inner) => format!("do_{}", inner.slug()),
            Op::Insert { table, .. } => format!("seed_{table}"),
        }
    }
}
