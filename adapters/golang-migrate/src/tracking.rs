//! Decoding golang-migrate's `schema_migrations`.
//!
//! Shapes written by golang-migrate (snapshot 18966c75):
//! - PostgreSQL, database/postgres/postgres.go `ensureVersionTable`:
//!   `CREATE TABLE IF NOT EXISTS "<schema>"."<table>" (version bigint not null primary key, dirty boolean not null)`
//! - MySQL, database/mysql/mysql.go `ensureVersionTable`:
//!   ``CREATE TABLE `<table>` (version bigint not null primary key, dirty boolean not null)``
//! - SQLite, database/sqlite3/sqlite3.go `ensureVersionTable`:
//!   `CREATE TABLE IF NOT EXISTS <table> (version uint64,dirty bool)` plus
//!   `CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON <table> (version)`
//!
//! `Version()` reads `SELECT version, dirty FROM <table> LIMIT 1`; an empty table is
//! `NilVersion` (-1). `SetVersion(-1, true)` writes the row `(-1, true)`.

use crate::DEFAULT_TABLE;
use migdoctor_model::{
    AdapterError, ConnectionFacts, Dialect, Framework, MigrationId, Recognition, Rows, Site,
    TableShape, TrackedEntry, TrackingKind, TrackingLocation, TrackingState, Value,
};

pub(crate) fn location(site: &Site, facts: &ConnectionFacts) -> TrackingLocation {
    // --migrations-table, then the --db URL's x-migrations-table, then the project's own.
    let setting = |keys: &[&str]| keys.iter().find_map(|k| site.config.get(*k)).cloned();
    let configured = setting(&[
        "table_override",
        "url:x-migrations-table",
        "migrations_table",
    ])
    .unwrap_or_else(|| DEFAULT_TABLE.to_string());
    let quoted = setting(&["url:x-migrations-table-quoted", "migrations_table_quoted"])
        .is_some_and(|v| v == "true" || v == "1");
    // database/postgres/postgres.go: with x-migrations-table-quoted the value is
    // `"schema"."table"`; otherwise the whole value is the table name in current_schema().
    if quoted && facts.dialect == Dialect::Postgres {
        let parts: Vec<String> = configured
            .split('.')
            .map(|p| p.trim_matches('"').to_string())
            .collect();
        if let [schema, table] = parts.as_slice() {
            return TrackingLocation {
                schema: Some(schema.clone()),
                table: table.clone(),
            };
        }
    }
    let table = if quoted {
        configured.trim_matches('"').to_string()
    } else {
        configured
    };
    let schema = match facts.dialect {
        Dialect::Postgres | Dialect::Mysql => facts.current_schema.clone(),
        Dialect::Sqlite => None,
    };
    TrackingLocation { schema, table }
}

fn unrecognized(reason: String, likely_owner: Option<&str>) -> Recognition {
    Recognition::Unrecognized {
        reason,
        likely_owner: likely_owner.map(str::to_string),
    }
}

fn recognize(shape: &TableShape) -> Recognition {
    let mut cols = shape.column_names_lower();
    cols.sort();
    let listed = || {
        shape
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.data_type))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match cols
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["dirty", "version"] => {
            let vtype = shape
                .column("version")
                .map(|c| c.data_type.to_ascii_lowercase())
                .unwrap_or_default();
            if vtype.contains("int") {
                Recognition::Recognized
            } else {
                unrecognized(
                    format!("column version is {vtype}, golang-migrate writes an integer"),
                    None,
                )
            }
        }
        ["version"] => unrecognized(
            format!("it has only ({}) and no dirty column", listed()),
            Some("Rails or dbmate"),
        ),
        ["inserted_at", "version"] => {
            unrecognized(format!("columns are ({})", listed()), Some("Ecto"))
        }
        _ if cols.contains(&"version".to_string()) && cols.contains(&"dirty".to_string()) => {
            unrecognized(
                format!(
                    "it has extra columns ({}); golang-migrate writes exactly (version, dirty)",
                    listed()
                ),
                None,
            )
        }
        _ => unrecognized(format!("columns are ({})", listed()), None),
    }
}

pub(crate) fn decode(
    at: &TrackingLocation,
    shape: Option<&TableShape>,
    rows: &Rows,
) -> Result<TrackingState, AdapterError> {
    let mut state = TrackingState::absent(
        Framework::GolangMigrate,
        at.clone(),
        TrackingKind::Version {
            version: None,
            dirty: false,
        },
    );
    let Some(shape) = shape else {
        return Ok(state);
    };
    state.present = true;
    state.shape = Some(shape.clone());
    state.raw = rows.clone();
    state.recognition = recognize(shape);
    if state.recognition != Recognition::Recognized {
        return Ok(state);
    }
    let table = at.to_string();
    let (Some(vi), Some(di)) = (rows.index_of("version"), rows.index_of("dirty")) else {
        return Ok(state);
    };
    for (i, row) in rows.rows.iter().enumerate() {
        let bad = |reason: String| AdapterError::InvalidTrackingValue {
            table: table.clone(),
            row: i + 1,
            reason,
        };
        let dirty = match &row[di] {
            Value::Bool(b) => *b,
            Value::Int(0) => false,
            Value::Int(1) => true,
            Value::Null => {
                return Err(bad(
                    "dirty is NULL; golang-migrate always writes true or false".into(),
                ))
            }
            other => return Err(bad(format!("dirty is {}, not a boolean", other.display()))),
        };
        let version = match &row[vi] {
            Value::Int(v) if *v >= 0 => *v,
            Value::Int(-1) if dirty => -1,
            Value::Int(v) => {
                return Err(bad(format!(
                    "version {v} is negative; golang-migrate only writes versions >= 0 (or -1 while dirty)"
                )))
            }
            Value::Null => return Err(bad("version is NULL".into())),
            Value::Float(f) => {
                return Err(bad(format!(
                    "version {f:?} is not an integer (SQLite stored it as REAL: too large for a 64-bit version?)"
                )))
            }
            other => return Err(bad(format!("version {} is not an integer", other.display()))),
        };
        let id = MigrationId(version.to_string());
        state.entries.push(TrackedEntry { id, dirty, row: i });
    }
    if let Some(first) = state.entries.first() {
        state.kind = TrackingKind::Version {
            version: (first.id.as_str() != "-1").then(|| first.id.clone()),
            dirty: first.dirty,
        };
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migdoctor_model::Column;

    fn shape(cols: &[(&str, &str)]) -> TableShape {
        TableShape {
            columns: cols
                .iter()
                .map(|(n, t)| Column {
                    name: n.to_string(),
                    data_type: t.to_string(),
                    nullable: false,
                })
                .collect(),
            primary_key: vec![],
            unique_indexes: vec![],
        }
    }

    fn rows(values: Vec<Vec<Value>>) -> Rows {
        Rows {
            columns: vec!["version".into(), "dirty".into()],
            rows: values,
        }
    }

    fn at() -> TrackingLocation {
        TrackingLocation::table("schema_migrations")
    }

    #[test]
    fn decodes_each_database_shape() {
        let pg = shape(&[("version", "bigint"), ("dirty", "boolean")]);
        let s = decode(
            &at(),
            Some(&pg),
            &rows(vec![vec![Value::Int(7), Value::Bool(true)]]),
        )
        .unwrap();
        assert_eq!(
            s.kind,
            TrackingKind::Version {
                version: Some("7".into()),
                dirty: true
            }
        );
        let sqlite = shape(&[("version", "uint64"), ("dirty", "bool")]);
        let s = decode(
            &at(),
            Some(&sqlite),
            &rows(vec![vec![Value::Int(7), Value::Int(0)]]),
        )
        .unwrap();
        assert_eq!(
            s.kind,
            TrackingKind::Version {
                version: Some("7".into()),
                dirty: false
            }
        );
        let empty = decode(&at(), Some(&sqlite), &rows(vec![])).unwrap();
        assert!(empty.present);
        assert_eq!(
            empty.kind,
            TrackingKind::Version {
                version: None,
                dirty: false
            }
        );
        assert!(!decode(&at(), None, &Rows::default()).unwrap().present);
    }

    #[test]
    fn nil_dirty_version_is_valid() {
        let pg = shape(&[("version", "bigint"), ("dirty", "boolean")]);
        let s = decode(
            &at(),
            Some(&pg),
            &rows(vec![vec![Value::Int(-1), Value::Bool(true)]]),
        )
        .unwrap();
        assert_eq!(
            s.kind,
            TrackingKind::Version {
                version: None,
                dirty: true
            }
        );
    }

    #[test]
    fn other_shapes_are_unrecognized_with_owner() {
        let rails = shape(&[("version", "character varying")]);
        let s = decode(&at(), Some(&rails), &Rows::default()).unwrap();
        assert!(
            matches!(&s.recognition, Recognition::Unrecognized { likely_owner: Some(o), .. } if o.contains("dbmate"))
        );
        assert!(!s.writable());
        let extra = shape(&[
            ("version", "bigint"),
            ("dirty", "boolean"),
            ("note", "text"),
        ]);
        let s = decode(&at(), Some(&extra), &Rows::default()).unwrap();
        assert!(
            matches!(&s.recognition, Recognition::Unrecognized { reason, .. } if reason.contains("extra columns"))
        );
    }

    #[test]
    fn impossible_values_are_errors_naming_table_and_row() {
        let pg = shape(&[("version", "bigint"), ("dirty", "boolean")]);
        for (v, d, expect) in [
            (Value::Int(-5), Value::Bool(false), "negative"),
            (Value::Int(-1), Value::Bool(false), "negative"),
            (Value::Int(3), Value::Null, "NULL"),
            (Value::Float(1.8e19), Value::Int(0), "REAL"),
            (Value::Null, Value::Bool(false), "NULL"),
        ] {
            let err = decode(&at(), Some(&pg), &rows(vec![vec![v, d]]))
                .unwrap_err()
                .to_string();
            assert!(
                err.contains("schema_migrations, row 1") && err.contains(expect),
                "{err}"
            );
        }
    }

    #[test]
    fn location_honours_configured_table_and_schema() {
        let facts = ConnectionFacts {
            dialect: Dialect::Postgres,
            database: "app".into(),
            current_schema: Some("public".into()),
        };
        let mut site = Site::new(Framework::GolangMigrate, "m");
        assert_eq!(
            location(&site, &facts).to_string(),
            "public.schema_migrations"
        );
        site.config
            .insert("migrations_table".into(), "\"ops\".\"versions\"".into());
        site.config
            .insert("migrations_table_quoted".into(), "true".into());
        assert_eq!(location(&site, &facts).to_string(), "ops.versions");
        let sqlite = ConnectionFacts {
            dialect: Dialect::Sqlite,
            current_schema: None,
            ..facts
        };
        site.config.remove("migrations_table_quoted");
        site.config
            .insert("migrations_table".into(), "my_versions".into());
        assert_eq!(location(&site, &sqlite).to_string(), "my_versions");
    }
}
