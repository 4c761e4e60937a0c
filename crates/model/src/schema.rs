//! The live schema: a snapshot of the database catalog.

use crate::Dialect;
use serde::{Deserialize, Serialize};

/// Returns nothing; tracking tables of the frameworks migdoctor knows (tracking-formats.md §1),
/// kept out of the application schema.
pub const KNOWN_TRACKING_TABLES: &[&str] = &[
    "schema_migrations",
    "ar_internal_metadata",
    "alembic_version",
    "django_migrations",
    "__drizzle_migrations",
    "flyway_schema_history",
    "_prisma_migrations",
    "_sqlx_migrations",
    "goose_db_version",
    "goose_lock",
    "knex_migrations",
    "knex_migrations_lock",
    "databasechangelog",
    "databasechangeloglock",
    "pgmigrations",
    "_yoyo_migration",
    "_yoyo_migrations",
    "_yoyo_log",
    "_yoyo_version",
    "yoyo_lock",
    "sequelizemeta",
    "migdoctor_migrations",
    "migdoctor_lock",
];

/// Returns whether `table` is a known framework's tracking table (case-insensitive).
pub fn is_tracking_table(table: &str) -> bool {
    KNOWN_TRACKING_TABLES.contains(&table.to_ascii_lowercase().as_str())
}

/// Returns nothing; one column.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveColumn {
    /// Name as stored.
    pub name: String,
    /// Type as the database reports it.
    pub data_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Default expression, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// Returns nothing; one index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveIndex {
    /// Name.
    pub name: String,
    /// Column names (expressions as the database prints them).
    pub columns: Vec<String>,
    /// Unique.
    pub unique: bool,
    /// Created by a constraint (primary key, unique constraint, MySQL foreign key), not by
    /// `CREATE INDEX`.
    pub constraint_backed: bool,
}

/// Returns nothing; one constraint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveConstraint {
    /// Name.
    pub name: String,
    /// `primary key`, `foreign key`, `unique`, `check`.
    pub kind: String,
    /// Columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<String>,
    /// Referenced table, for foreign keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
}

/// Returns nothing; one table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveTable {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Columns in ordinal order.
    pub columns: Vec<LiveColumn>,
    /// Indexes.
    #[serde(default)]
    pub indexes: Vec<LiveIndex>,
    /// Constraints.
    #[serde(default)]
    pub constraints: Vec<LiveConstraint>,
}

/// Returns nothing; a schema-qualified object that is not a table.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LiveObject {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
}

/// Returns nothing; an enum type with its labels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveEnum {
    /// Schema.
    pub schema: String,
    /// Name.
    pub name: String,
    /// Labels in order.
    pub values: Vec<String>,
}

/// Returns nothing; a snapshot of every non-system schema of one database.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveSchema {
    /// Dialect.
    pub dialect: Dialect,
    /// Default schema of the connection (`current_schema()`, the MySQL database, `main`).
    pub default_schema: String,
    /// The schemas an unqualified name is looked up in, in order (PostgreSQL's
    /// `current_schemas(false)`; elsewhere the default schema alone). Empty means
    /// `[default_schema]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_path: Vec<String>,
    /// Non-system schemas.
    pub schemas: Vec<String>,
    /// Tables (tracking tables included).
    pub tables: Vec<LiveTable>,
    /// Views (and materialized views).
    #[serde(default)]
    pub views: Vec<LiveObject>,
    /// Sequences.
    #[serde(default)]
    pub sequences: Vec<LiveObject>,
    /// Enum types.
    #[serde(default)]
    pub enums: Vec<LiveEnum>,
    /// Other user-defined types (composite, domain).
    #[serde(default)]
    pub types: Vec<LiveObject>,
    /// Functions and procedures, by name.
    #[serde(default)]
    pub functions: Vec<LiveObject>,
    /// Tables named like a known framework's tracking table, as `schema.table` (they stay in
    /// `tables`; each site leaves out only its own).
    #[serde(default)]
    pub tracking_tables: Vec<String>,
    /// What could not be seen (schemas without privileges, …); lowers confidence.
    #[serde(default)]
    pub hidden: Vec<String>,
}

impl LiveSchema {
    /// Returns an empty snapshot.
    pub fn empty(dialect: Dialect, default_schema: impl Into<String>) -> LiveSchema {
        LiveSchema {
            dialect,
            default_schema: default_schema.into(),
            search_path: Vec::new(),
            schemas: Vec::new(),
            tables: Vec::new(),
            views: Vec::new(),
            sequences: Vec::new(),
            enums: Vec::new(),
            types: Vec::new(),
            functions: Vec::new(),
            tracking_tables: Vec::new(),
            hidden: Vec::new(),
        }
    }

    /// Returns `name` as this database compares it: exact on PostgreSQL, lower-case on MySQL
    /// and SQLite (whose identifiers compare case-insensitively; migdoctor treats MySQL table
    /// names that way too, as with `lower_case_table_names` 1 or 2).
    pub fn fold(&self, name: &str) -> String {
        match self.dialect {
            Dialect::Postgres => name.to_string(),
            Dialect::Mysql | Dialect::Sqlite => name.to_lowercase(),
        }
    }

    /// Returns the table `schema.name` (schema `None` = default schema).
    pub fn table(&self, schema: Option<&str>, name: &str) -> Option<&LiveTable> {
        let schema = self.fold(schema.unwrap_or(&self.default_schema));
        let name = self.fold(name);
        self.tables
            .iter()
            .find(|t| self.fold(&t.schema) == schema && self.fold(&t.name) == name)
    }
}
