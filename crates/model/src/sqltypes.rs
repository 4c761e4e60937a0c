use serde::{Deserialize, Serialize};
use std::fmt;

/// Returns nothing; the SQL dialect of a database migdoctor talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
    /// SQLite.
    Sqlite,
}

impl Dialect {
    /// Returns the placeholder for the 1-based parameter `n` in this dialect (`$n` or `?`).
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Dialect::Postgres => format!("${n}"),
            Dialect::Mysql | Dialect::Sqlite => "?".to_string(),
        }
    }

    /// Returns the stable lowercase id (`postgres`, `mysql`, `sqlite`).
    pub fn id(self) -> &'static str {
        match self {
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        }
    }

    /// Returns the dialect whose id is `id`.
    pub fn from_id(id: &str) -> Option<Dialect> {
        [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite]
            .into_iter()
            .find(|d| d.id() == id)
    }

    /// Returns whether DDL (CREATE TABLE) takes part in a transaction on this database.
    pub fn transactional_ddl(self) -> bool {
        !matches!(self, Dialect::Mysql)
    }

    /// Returns the human name of the dialect.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Postgres => "PostgreSQL",
            Dialect::Mysql => "MySQL/MariaDB",
            Dialect::Sqlite => "SQLite",
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Returns nothing; one database value as read from or written to a tracking table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean (PostgreSQL `boolean`).
    Bool(bool),
    /// An integer of any width.
    Int(i64),
    /// A floating-point number (also what SQLite stores for integers too large for i64).
    Float(f64),
    /// Text.
    Text(String),
    /// Raw bytes.
    Bytes(Vec<u8>),
    /// A date or time, as `YYYY-MM-DD HH:MM:SS[.ffffff]` (a timestamp without time zone),
    /// the same followed by `+00:00` (with time zone, in UTC), or `YYYY-MM-DD` (a date).
    /// Kept as text so nothing is lost; bound back with the type the text names.
    Timestamp(String),
}

impl Value {
    /// Returns a short human rendering (`NULL`, `true`, `42`, `'text'`).
    pub fn display(&self) -> String {
        match self {
            Value::Null => "NULL".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => format!("{f:?}"),
            Value::Text(s) => format!("'{}'", s.replace('\'', "''")),
            Value::Bytes(b) => {
                let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
                format!("x'{hex}'")
            }
            Value::Timestamp(t) => format!("'{t}'"),
        }
    }
}

/// Returns whether two values mean the same stored value, treating booleans and the integers
/// 0/1 as equal (MySQL and SQLite store golang-migrate's `dirty` as an integer).
pub fn values_equivalent(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Bool(x), Value::Int(y)) | (Value::Int(y), Value::Bool(x)) => i64::from(*x) == *y,
        _ => a == b,
    }
}

/// Returns nothing; a SQL statement with its bound parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sql {
    /// The statement text with dialect placeholders.
    pub text: String,
    /// Parameters bound in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Value>,
}

impl Sql {
    /// Returns a statement without parameters.
    pub fn new(text: impl Into<String>) -> Sql {
        Sql {
            text: text.into(),
            params: Vec::new(),
        }
    }

    /// Returns a statement with parameters.
    pub fn with_params(text: impl Into<String>, params: Vec<Value>) -> Sql {
        Sql {
            text: text.into(),
            params,
        }
    }

    /// Returns the statement with its parameters shown as a trailing comment, for plans.
    pub fn display(&self) -> String {
        if self.params.is_empty() {
            format!("{};", self.text)
        } else {
            let params: Vec<String> = self.params.iter().map(Value::display).collect();
            format!("{};  -- params: {}", self.text, params.join(", "))
        }
    }
}

/// Returns nothing; one column of a table as the catalog reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// Column name as stored in the catalog.
    pub name: String,
    /// Type as the database reports it (`bigint`, `tinyint(1)`, `uint64`, …).
    pub data_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
}

/// Returns nothing; the shape of one table: columns in order, primary key and unique indexes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableShape {
    /// Columns in ordinal order.
    pub columns: Vec<Column>,
    /// Primary-key column names in order (empty when there is none).
    pub primary_key: Vec<String>,
    /// Unique indexes other than the primary key: (name, columns).
    pub unique_indexes: Vec<(String, Vec<String>)>,
}

impl TableShape {
    /// Returns the lowercase column names in ordinal order.
    pub fn column_names_lower(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.to_lowercase()).collect()
    }

    /// Returns the column called `name` (case-insensitive).
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }
}

/// Returns nothing; rows as read from a table: column names and raw values.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Rows {
    /// Column names in the order of each row's values.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Value>>,
}

impl Rows {
    /// Returns the index of column `name` (case-insensitive).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }

    /// Returns whether both row sets hold the same values in the same order, comparing values
    /// with [`values_equivalent`] and column names case-insensitively.
    pub fn equivalent(&self, other: &Rows) -> bool {
        if self.rows.len() != other.rows.len() || self.columns.len() != other.columns.len() {
            return false;
        }
        let same_cols = self
            .columns
            .iter()
            .zip(&other.columns)
            .all(|(a, b)| a.eq_ignore_ascii_case(b));
        same_cols
            && self.rows.iter().zip(&other.rows).all(|(a, b)| {
                a.len() == b.len() && a.iter().zip(b).all(|(x, y)| values_equivalent(x, y))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_follow_dialect() {
        assert_eq!(Dialect::Postgres.placeholder(2), "$2");
        assert_eq!(Dialect::Mysql.placeholder(2), "?");
    }

    #[test]
    fn bool_and_int_are_equivalent_only_for_0_and_1() {
        assert!(values_equivalent(&Value::Bool(true), &Value::Int(1)));
        assert!(!values_equivalent(&Value::Bool(true), &Value::Int(2)));
        assert!(!values_equivalent(&Value::Text("1".into()), &Value::Int(1)));
    }

    #[test]
    fn sql_display_shows_params() {
        let sql = Sql::with_params(
            "INSERT INTO t VALUES ($1, $2)",
            vec![Value::Int(7), Value::Bool(false)],
        );
        assert_eq!(
            sql.display(),
            "INSERT INTO t VALUES ($1, $2);  -- params: 7, false"
        );
        assert_eq!(Value::Text("it's".into()).display(), "'it''s'");
    }
}
