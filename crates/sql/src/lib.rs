//! SQL text helpers shared by adapters and the engine: identifier quoting and the generic row
//! statements (insert, delete) used for backups and undo. Pure: no connection.
//!
//! ```
//! use migdoctor_model::{Dialect, TrackingLocation};
//! let at = TrackingLocation { schema: Some("public".into()), table: "schema_migrations".into() };
//! assert_eq!(migdoctor_sql::qualified(Dialect::Postgres, &at), "\"public\".\"schema_migrations\"");
//! ```
#![warn(missing_docs)]

mod effects;
mod split;

pub use effects::{extract, extract_bytes, MAX_DATA_TEXT};
pub use split::{split_statements, Chunk};

use migdoctor_model::{Dialect, Sql, TrackingLocation, Value};

/// Returns `name` quoted as an identifier for `dialect` (embedded quote characters doubled).
pub fn quote_ident(dialect: Dialect, name: &str) -> String {
    match dialect {
        Dialect::Mysql => format!("`{}`", name.replace('`', "``")),
        Dialect::Postgres | Dialect::Sqlite => format!("\"{}\"", name.replace('"', "\"\"")),
    }
}

/// Returns `name` bare when it is a plain lowercase identifier (as frameworks write their own
/// DDL, so the catalog stores the same text), else quoted.
pub fn ident_as_written(dialect: Dialect, name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_string()
    } else {
        quote_ident(dialect, name)
    }
}

const RESERVED: &[&str] = &[
    "select",
    "from",
    "where",
    "table",
    "index",
    "order",
    "group",
    "by",
    "insert",
    "update",
    "delete",
    "create",
    "drop",
    "alter",
    "on",
    "to",
    "as",
    "and",
    "or",
    "not",
    "null",
    "primary",
    "key",
    "unique",
    "check",
    "default",
    "references",
    "values",
    "into",
    "limit",
    "offset",
];

/// Returns the quoted, schema-qualified name of a tracking table.
pub fn qualified(dialect: Dialect, at: &TrackingLocation) -> String {
    match &at.schema {
        Some(schema) => format!(
            "{}.{}",
            quote_ident(dialect, schema),
            quote_ident(dialect, &at.table)
        ),
        None => quote_ident(dialect, &at.table),
    }
}

/// Returns `INSERT INTO table (cols) VALUES (params)` with bound parameters.
pub fn insert_row(
    dialect: Dialect,
    at: &TrackingLocation,
    columns: &[String],
    values: &[Value],
) -> Sql {
    let cols: Vec<String> = columns.iter().map(|c| quote_ident(dialect, c)).collect();
    let params: Vec<String> = (1..=values.len()).map(|i| dialect.placeholder(i)).collect();
    Sql::with_params(
        format!(
            "INSERT INTO {} ({}) VALUES ({})",
            qualified(dialect, at),
            cols.join(", "),
            params.join(", ")
        ),
        values.to_vec(),
    )
}

/// Returns `DELETE FROM table` (every row).
pub fn delete_all(dialect: Dialect, at: &TrackingLocation) -> Sql {
    Sql::new(format!("DELETE FROM {}", qualified(dialect, at)))
}

/// Returns a `DELETE` of the rows whose columns equal the given values; NULL matches with
/// `IS NULL`. An empty match is refused (it would delete everything).
pub fn delete_matching(
    dialect: Dialect,
    at: &TrackingLocation,
    matching: &[(String, Value)],
) -> Option<Sql> {
    if matching.is_empty() {
        return None;
    }
    let mut conds = Vec::new();
    let mut params = Vec::new();
    for (col, value) in matching {
        let c = quote_ident(dialect, col);
        if *value == Value::Null {
            conds.push(format!("{c} IS NULL"));
        } else {
            params.push(value.clone());
            conds.push(format!("{c} = {}", dialect.placeholder(params.len())));
        }
    }
    Some(Sql::with_params(
        format!(
            "DELETE FROM {} WHERE {}",
            qualified(dialect, at),
            conds.join(" AND ")
        ),
        params,
    ))
}

/// Returns `SELECT * FROM table` — every column, so backups are complete.
pub fn select_all(dialect: Dialect, at: &TrackingLocation) -> Sql {
    Sql::new(format!("SELECT * FROM {}", qualified(dialect, at)))
}

/// Returns `DROP TABLE table` (used only by undo of a table migdoctor created).
pub fn drop_table(dialect: Dialect, at: &TrackingLocation) -> Sql {
    Sql::new(format!("DROP TABLE {}", qualified(dialect, at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_quote_characters() {
        assert_eq!(quote_ident(Dialect::Postgres, "we\"ird"), "\"we\"\"ird\"");
        assert_eq!(quote_ident(Dialect::Mysql, "we`ird"), "`we``ird`");
        assert_eq!(quote_ident(Dialect::Sqlite, "a b"), "\"a b\"");
    }

    #[test]
    fn plain_names_stay_bare() {
        assert_eq!(
            ident_as_written(Dialect::Sqlite, "schema_migrations"),
            "schema_migrations"
        );
        assert_eq!(
            ident_as_written(Dialect::Sqlite, "Versions"),
            "\"Versions\""
        );
        assert_eq!(ident_as_written(Dialect::Sqlite, "order"), "\"order\"");
    }

    #[test]
    fn insert_uses_dialect_placeholders() {
        let at = TrackingLocation::table("schema_migrations");
        let cols = vec!["version".to_string(), "dirty".to_string()];
        let vals = vec![Value::Int(3), Value::Bool(false)];
        assert_eq!(
            insert_row(Dialect::Postgres, &at, &cols, &vals).text,
            "INSERT INTO \"schema_migrations\" (\"version\", \"dirty\") VALUES ($1, $2)"
        );
        assert_eq!(
            insert_row(Dialect::Mysql, &at, &cols, &vals).text,
            "INSERT INTO `schema_migrations` (`version`, `dirty`) VALUES (?, ?)"
        );
    }

    #[test]
    fn delete_matching_handles_null_and_refuses_empty() {
        let at = TrackingLocation::table("t");
        let sql = delete_matching(
            Dialect::Postgres,
            &at,
            &[
                ("version".into(), Value::Int(1)),
                ("dirty".into(), Value::Null),
            ],
        )
        .unwrap();
        assert_eq!(
            sql.text,
            "DELETE FROM \"t\" WHERE \"version\" = $1 AND \"dirty\" IS NULL"
        );
        assert_eq!(sql.params, vec![Value::Int(1)]);
        assert!(delete_matching(Dialect::Sqlite, &at, &[]).is_none());
    }
}
