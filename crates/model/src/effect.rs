//! What migrations do to the schema: object names, schema effects and the statements that carry
//! them.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Returns nothing; a possibly schema-qualified object name, folded the way the database
/// folds it (unquoted PostgreSQL names lower-cased, quoted names kept exactly).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QName {
    /// Schema, when written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Object name.
    pub name: String,
}

impl QName {
    /// Returns an unqualified name.
    pub fn new(name: impl Into<String>) -> QName {
        QName {
            schema: None,
            name: name.into(),
        }
    }
}

impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

/// A constraint written in `CREATE TABLE` or added by `ALTER TABLE … ADD CONSTRAINT`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConstraintDef {
    /// Name, when written (an unnamed one gets a name from the database and cannot be
    /// checked by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `primary key`, `foreign key`, `unique`, `check`, `column` (a named column option).
    pub kind: String,
    /// The columns it covers (for a check: the columns it mentions, when known).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// The referenced table, for a foreign key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<QName>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Returns nothing; what one statement does to the schema. Anything not understood is
/// `Opaque`, never guessed. The `if_exists` / `if_not_exists` / `cascade` flags say what the
/// statement wrote, so the replay can apply the database's own rules (a `CREATE … IF NOT EXISTS`
/// of something already there does nothing; `CASCADE` takes dependants along).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "kebab-case")]
pub enum SchemaEffect {
    /// `CREATE TABLE` with its columns and constraints.
    CreateTable {
        /// Table.
        table: QName,
        /// Column names.
        columns: Vec<String>,
        /// Constraints written in the statement (named or not).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        constraints: Vec<ConstraintDef>,
        /// `IF NOT EXISTS`.
        #[serde(default, skip_serializing_if = "is_false")]
        if_not_exists: bool,
    },
    /// `DROP TABLE`.
    DropTable {
        /// Table.
        table: QName,
        /// `IF EXISTS`.
        #[serde(default, skip_serializing_if = "is_false")]
        if_exists: bool,
        /// `CASCADE`: foreign keys of other tables that reference it go too.
        #[serde(default, skip_serializing_if = "is_false")]
        cascade: bool,
    },
    /// `ALTER TABLE … RENAME TO` / `RENAME TABLE` / `ALTER TABLE … SET SCHEMA` (a `to` with a
    /// schema moves the table there).
    RenameTable {
        /// Old name.
        from: QName,
        /// New name.
        to: QName,
    },
    /// `ADD COLUMN`.
    AddColumn {
        /// Table.
        table: QName,
        /// Column.
        column: String,
        /// `IF NOT EXISTS`.
        #[serde(default, skip_serializing_if = "is_false")]
        if_not_exists: bool,
    },
    /// `DROP COLUMN`.
    DropColumn {
        /// Table.
        table: QName,
        /// Column.
        column: String,
        /// `IF EXISTS`.
        #[serde(default, skip_serializing_if = "is_false")]
        if_exists: bool,
        /// `CASCADE`.
        #[serde(default, skip_serializing_if = "is_false")]
        cascade: bool,
    },
    /// `RENAME COLUMN` / MySQL `CHANGE`.
    RenameColumn {
        /// Table.
        table: QName,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `ALTER COLUMN` (type, nullability, default) / MySQL `MODIFY`.
    AlterColumn {
        /// Table.
        table: QName,
        /// Column.
        column: String,
    },
    /// `CREATE [UNIQUE] INDEX` (also `CONCURRENTLY`), MySQL `KEY`/`ADD INDEX`.
    CreateIndex {
        /// Index (schema = the table's).
        index: QName,
        /// Table.
        table: QName,
        /// Unique.
        unique: bool,
        /// Indexed columns (expressions left out).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        columns: Vec<String>,
        /// `IF NOT EXISTS`.
        #[serde(default, skip_serializing_if = "is_false")]
        if_not_exists: bool,
    },
    /// `DROP INDEX` (MySQL: `DROP INDEX i ON t`, `ALTER TABLE t DROP INDEX i`).
    DropIndex {
        /// Index.
        index: QName,
        /// The table, when the statement names it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<QName>,
        /// `IF EXISTS`.
        #[serde(default, skip_serializing_if = "is_false")]
        if_exists: bool,
    },
    /// `ALTER INDEX … RENAME TO` / MySQL `ALTER TABLE t RENAME INDEX a TO b`.
    RenameIndex {
        /// Old name.
        from: QName,
        /// New name.
        to: QName,
        /// The table, when the statement names it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<QName>,
    },
    /// `ADD CONSTRAINT` (or a constraint added with a column).
    AddConstraint {
        /// Table.
        table: QName,
        /// Name, when written (unnamed ones cannot be checked by name).
        name: Option<String>,
        /// primary key, foreign key, unique, check, column.
        kind: String,
        /// The columns it covers.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        columns: Vec<String>,
        /// The referenced table, for a foreign key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        references: Option<QName>,
    },
    /// `DROP CONSTRAINT`.
    DropConstraint {
        /// Table.
        table: QName,
        /// Name.
        name: String,
        /// `IF EXISTS`.
        #[serde(default, skip_serializing_if = "is_false")]
        if_exists: bool,
    },
    /// `ALTER TABLE … RENAME CONSTRAINT a TO b`.
    RenameConstraint {
        /// Table.
        table: QName,
        /// Old name.
        from: String,
        /// New name.
        to: String,
    },
    /// `CREATE SCHEMA`.
    CreateSchema {
        /// Schema.
        name: String,
    },
    /// `CREATE TYPE` (enum or composite).
    CreateType {
        /// Type.
        name: QName,
    },
    /// `CREATE VIEW` / materialized view.
    CreateView {
        /// View.
        view: QName,
    },
    /// `CREATE SEQUENCE`.
    CreateSequence {
        /// Sequence.
        name: QName,
        /// `OWNED BY table.column`: the table whose drop takes the sequence along.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        owned_by: Option<QName>,
    },
    /// `ALTER SEQUENCE … OWNED BY table.column | NONE` (other `ALTER SEQUENCE` forms change
    /// nothing migdoctor checks).
    SequenceOwner {
        /// Sequence.
        name: QName,
        /// The owning table; `None` for `OWNED BY NONE`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        table: Option<QName>,
    },
    /// `CREATE FUNCTION`.
    CreateFunction {
        /// Function.
        name: QName,
    },
    /// `DROP VIEW / SEQUENCE / TYPE / SCHEMA / FUNCTION`.
    DropObject {
        /// Kind: view, sequence, type, schema, function.
        kind: String,
        /// Object.
        name: QName,
        /// `IF EXISTS`.
        #[serde(default, skip_serializing_if = "is_false")]
        if_exists: bool,
        /// `CASCADE` (a schema dropped with everything in it).
        #[serde(default, skip_serializing_if = "is_false")]
        cascade: bool,
    },
    /// `SET search_path TO a, b` (PostgreSQL): where the rest of the migration's unqualified
    /// names resolve and are created; empty for `RESET search_path` / `TO DEFAULT`.
    SetSearchPath {
        /// The schemas, in order, folded.
        schemas: Vec<String>,
    },
    /// `ALTER TABLE IF EXISTS t …`: the statement's other effects apply only when `t` exists.
    IfTableExists {
        /// The table.
        table: QName,
    },
    /// A statement not understood.
    Opaque {
        /// File the statement came from.
        file: String,
        /// 1-based line of the statement.
        line: usize,
        /// Why it could not be understood.
        reason: String,
        /// What the statement may do, read from inside it (the DDL statements of a
        /// PostgreSQL `DO` block, which may run conditionally): never replayed as fact, only
        /// used to tell which earlier expectations it may overturn. Empty when nothing inside
        /// could be read.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        inner: Vec<SchemaEffect>,
    },
}

/// Returns nothing; what kind of statement a migration holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StatementKind {
    /// Schema change understood into effects.
    Ddl,
    /// Data change or query (INSERT, UPDATE, DELETE, SELECT, COPY): no schema effect.
    Data,
    /// Session or transaction control (BEGIN, COMMIT, SET): no schema effect.
    Control,
    /// Not understood: effects are `Opaque`.
    Opaque,
}

/// Returns nothing; one statement of a migration file with its effects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MigrationStatement {
    /// File.
    pub file: String,
    /// 1-based first line.
    pub line: usize,
    /// The statement text as written (very long data statements are cut).
    pub sql: String,
    /// Kind.
    pub kind: StatementKind,
    /// Effects.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub effects: Vec<SchemaEffect>,
}
