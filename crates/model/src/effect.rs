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

/// Returns nothing; what one statement does to the schema. Anything not understood is
/// `Opaque`, never guessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "kebab-case")]
pub enum SchemaEffect {
    /// `CREATE TABLE` with its columns and named constraints.
    CreateTable {
        /// Table.
        table: QName,
        /// Column names.
        columns: Vec<String>,
        /// Names of named constraints.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        constraints: Vec<String>,
    },
    /// `DROP TABLE`.
    DropTable {
        /// Table.
        table: QName,
    },
    /// `ALTER TABLE … RENAME TO` / `RENAME TABLE`.
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
    },
    /// `DROP COLUMN`.
    DropColumn {
        /// Table.
        table: QName,
        /// Column.
        column: String,
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
    /// `CREATE [UNIQUE] INDEX` (also `CONCURRENTLY`, `IF NOT EXISTS`).
    CreateIndex {
        /// Index (schema = the table's).
        index: QName,
        /// Table.
        table: QName,
        /// Unique.
        unique: bool,
    },
    /// `DROP INDEX`.
    DropIndex {
        /// Index.
        index: QName,
    },
    /// `ADD CONSTRAINT`.
    AddConstraint {
        /// Table.
        table: QName,
        /// Name, when written (unnamed ones cannot be checked by name).
        name: Option<String>,
        /// primary key, foreign key, unique, check.
        kind: String,
    },
    /// `DROP CONSTRAINT`.
    DropConstraint {
        /// Table.
        table: QName,
        /// Name.
        name: String,
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
    },
    /// A statement not understood.
    Opaque {
        /// File the statement came from.
        file: String,
        /// 1-based line of the statement.
        line: usize,
        /// Why it could not be understood.
        reason: String,
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
