//! Decoding `alembic_version`.
//!
//! Alembic (alembic/ddl/impl.py `version_table_impl`, 1.20.1) creates
//! `version_num VARCHAR(32) NOT NULL` with primary key `<table>_pkc`, in `version_table_schema`
//! (default: the connection's schema). One row per current head; an empty table means base.

use migdoctor_model::{
    AdapterError, ConnectionFacts, Dialect, Framework, MigrationId, Recognition, Rows, Site,
    TableShape, TrackedEntry, TrackingKind, TrackingLocation, TrackingState, Value,
};

/// Returns nothing; Alembic's default table name.
pub const DEFAULT_TABLE: &str = "alembic_version";

pub(crate) fn location(site: &Site, facts: &ConnectionFacts) -> TrackingLocation {
    // --migrations-table wins over env.py's version_table.
    let table = site
        .config
        .get("table_override")
        .or_else(|| site.config.get("version_table"))
        .cloned()
        .unwrap_or_else(|| DEFAULT_TABLE.into());
    let schema = match facts.dialect {
        Dialect::Sqlite => None,
        _ => site
            .config
            .get("version_table_schema")
            .cloned()
            .or_else(|| facts.current_schema.clone()),
    };
    TrackingLocation { schema, table }
}

pub(crate) fn decode(
    at: &TrackingLocation,
    shape: Option<&TableShape>,
    rows: &Rows,
) -> Result<TrackingState, AdapterError> {
    let mut state = TrackingState::absent(Framework::Alembic, at.clone(), TrackingKind::Heads);
    let Some(shape) = shape else { return Ok(state) };
    state.present = true;
    state.shape = Some(shape.clone());
    state.raw = rows.clone();
    let cols = shape.column_names_lower();
    if cols != ["version_num"] {
        let listed: Vec<String> = shape
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.data_type))
            .collect();
        state.recognition = Recognition::Unrecognized {
            reason: format!(
                "columns are ({}); Alembic writes exactly (version_num varchar(32))",
                listed.join(", ")
            ),
            likely_owner: None,
        };
        return Ok(state);
    }
    let vi = rows.index_of("version_num").unwrap_or(0);
    for (i, row) in rows.rows.iter().enumerate() {
        let bad = |reason: String| AdapterError::InvalidTrackingValue {
            table: at.to_string(),
            row: i + 1,
            reason,
        };
        let id = match &row[vi] {
            Value::Text(s) => s.clone(),
            Value::Null => return Err(bad("version_num is NULL".into())),
            other => return Err(bad(format!("version_num {} is not text", other.display()))),
        };
        if id.chars().count() > 32 {
            return Err(bad(format!("version_num {id:?} is longer than 32 characters: Alembic's VARCHAR(32) cannot hold it, so the table was altered or written by hand")));
        }
        state.entries.push(TrackedEntry {
            id: MigrationId(id),
            dirty: false,
            row: i,
        });
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migdoctor_model::Column;

    #[test]
    fn table_comes_from_the_flag_then_env_py() {
        let facts = ConnectionFacts {
            dialect: Dialect::Postgres,
            database: "app".into(),
            current_schema: Some("public".into()),
        };
        let mut site = Site::new(Framework::Alembic, "alembic");
        assert_eq!(
            location(&site, &facts).to_string(),
            "public.alembic_version"
        );
        site.config
            .insert("version_table".into(), "app_versions".into());
        site.config
            .insert("version_table_schema".into(), "ops".into());
        assert_eq!(location(&site, &facts).to_string(), "ops.app_versions");
        site.config.insert("table_override".into(), "other".into());
        assert_eq!(location(&site, &facts).to_string(), "ops.other");
    }

    #[test]
    fn decodes_heads_and_rejects_impossible_rows() {
        let at = TrackingLocation::table("alembic_version");
        let shape = TableShape {
            columns: vec![Column {
                name: "version_num".into(),
                data_type: "character varying(32)".into(),
                nullable: false,
            }],
            primary_key: vec!["version_num".into()],
            unique_indexes: vec![],
        };
        let rows = |v: Vec<Value>| Rows {
            columns: vec!["version_num".into()],
            rows: v.into_iter().map(|x| vec![x]).collect(),
        };
        let s = decode(
            &at,
            Some(&shape),
            &rows(vec![Value::Text("a1".into()), Value::Text("b2".into())]),
        )
        .unwrap();
        assert_eq!(s.entries.len(), 2);
        assert!(
            decode(&at, Some(&shape), &rows(vec![Value::Text("x".repeat(33))]))
                .unwrap_err()
                .to_string()
                .contains("longer than 32")
        );
        assert!(decode(&at, Some(&shape), &rows(vec![Value::Null])).is_err());
        assert!(!decode(&at, None, &Rows::default()).unwrap().present);
    }
}
