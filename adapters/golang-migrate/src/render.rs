//! Rendering actions to the SQL golang-migrate itself runs.

use migdoctor_model::{
    Action, AdapterError, Dialect, Framework, MigrationId, Rows, Sql, TrackingLocation,
    TrackingState, Value,
};
use migdoctor_sql::{delete_all, delete_matching, ident_as_written, insert_row, qualified};

fn unsupported(action: &Action, reason: &str) -> AdapterError {
    AdapterError::Unsupported {
        framework: Framework::GolangMigrate,
        action: action.describe(),
        reason: reason.into(),
    }
}

/// Returns the numeric version of an action's target (`None` / `-1` is golang-migrate's
/// `NilVersion`).
fn version_number(version: Option<&MigrationId>) -> Result<i64, AdapterError> {
    match version {
        None => Ok(-1),
        Some(v) => v
            .as_str()
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= -1)
            .ok_or_else(|| AdapterError::InvalidValue {
                what: "golang-migrate version".into(),
                reason: format!("{v} is not an integer >= -1 that fits a bigint"),
            }),
    }
}

fn columns() -> Vec<String> {
    vec!["version".to_string(), "dirty".to_string()]
}

pub(crate) fn render(
    dialect: Dialect,
    at: &TrackingLocation,
    action: &Action,
) -> Result<Vec<Sql>, AdapterError> {
    let table = qualified(dialect, at);
    match action {
        Action::SetVersion { version, dirty } => {
            let v = version_number(version.as_ref())?;
            // SetVersion in each driver: clear the table, then insert when v >= 0 or
            // (v == -1 and dirty). PostgreSQL uses TRUNCATE (database/postgres/postgres.go).
            // MySQL uses `DELETE FROM t LIMIT 1` there; migdoctor deletes every row so that a
            // table with duplicate rows ends with exactly one.
            let mut out = vec![match dialect {
                Dialect::Postgres => Sql::new(format!("TRUNCATE {table}")),
                Dialect::Mysql | Dialect::Sqlite => delete_all(dialect, at),
            }];
            if v >= 0 || *dirty {
                out.push(insert_row(dialect, at, &columns(), &[Value::Int(v), Value::Bool(*dirty)]));
            }
            Ok(out)
        }
        Action::CreateTrackingTable => Ok(match dialect {
            Dialect::Postgres => vec![Sql::new(format!(
                "CREATE TABLE IF NOT EXISTS {table} (version bigint not null primary key, dirty boolean not null)"
            ))],
            Dialect::Mysql => vec![Sql::new(format!(
                "CREATE TABLE {table} (version bigint not null primary key, dirty boolean not null)"
            ))],
            // Written as golang-migrate writes it (bare name when it needs no quotes), so
            // sqlite_master stores the same text. The index name is database-wide in SQLite,
            // as in golang-migrate.
            Dialect::Sqlite => {
                let bare = ident_as_written(dialect, &at.table);
                vec![
                    Sql::new(format!("CREATE TABLE IF NOT EXISTS {bare} (version uint64,dirty bool)")),
                    Sql::new(format!("CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON {bare} (version)")),
                ]
            }
        }),
        Action::DeleteRows { rows } => rows
            .iter()
            .map(|m| delete_matching(dialect, at, m).ok_or_else(|| unsupported(action, "a row match must name at least one column")))
            .collect(),
        Action::MarkApplied { .. } | Action::MarkUnapplied { .. } => Err(unsupported(
            action,
            "golang-migrate records a single version, not one row per migration; use set-version",
        )),
        Action::SetHeads { .. } => Err(unsupported(action, "golang-migrate has no heads; use set-version")),
        Action::UpdateChecksum { .. } => Err(unsupported(action, "golang-migrate stores no checksums")),
        Action::ReleaseLock => Err(unsupported(
            action,
            "golang-migrate's locks are session advisory locks; they end with the session holding them",
        )),
    }
}

/// Returns how `dirty` is stored: a boolean on PostgreSQL, 0/1 on MySQL (`boolean` is
/// `tinyint(1)`) and SQLite (go-sqlite3 binds Go bools as integers).
fn dirty_value(dialect: Dialect, dirty: bool) -> Value {
    match dialect {
        Dialect::Postgres => Value::Bool(dirty),
        Dialect::Mysql | Dialect::Sqlite => Value::Int(i64::from(dirty)),
    }
}

pub(crate) fn expected_after(
    dialect: Dialect,
    before: &TrackingState,
    actions: &[Action],
) -> Result<Rows, AdapterError> {
    let mut rows = if before.present {
        before.raw.clone()
    } else {
        Rows {
            columns: columns(),
            rows: Vec::new(),
        }
    };
    let mut present = before.present;
    for action in actions {
        match action {
            Action::CreateTrackingTable => {
                if !present {
                    rows = Rows {
                        columns: columns(),
                        rows: Vec::new(),
                    };
                    present = true;
                }
            }
            Action::SetVersion { version, dirty } => {
                if !present {
                    return Err(unsupported(
                        action,
                        "the tracking table does not exist; create it first",
                    ));
                }
                let v = version_number(version.as_ref())?;
                rows.rows.clear();
                if v >= 0 || *dirty {
                    let (vi, di) = (rows.index_of("version"), rows.index_of("dirty"));
                    let mut row = vec![Value::Null; rows.columns.len()];
                    if let (Some(vi), Some(di)) = (vi, di) {
                        row[vi] = Value::Int(v);
                        row[di] = dirty_value(dialect, *dirty);
                    }
                    rows.rows.push(row);
                }
            }
            Action::DeleteRows { rows: matches } => {
                for m in matches {
                    rows.rows.retain(|row| {
                        !m.iter().all(|(col, value)| {
                            rows.columns
                                .iter()
                                .position(|c| c.eq_ignore_ascii_case(col))
                                .is_some_and(|i| migdoctor_model::values_equivalent(&row[i], value))
                        })
                    });
                }
            }
            other => return Err(unsupported(other, "not supported by golang-migrate")),
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migdoctor_model::TrackingKind;

    fn at(schema: Option<&str>) -> TrackingLocation {
        TrackingLocation {
            schema: schema.map(str::to_string),
            table: "schema_migrations".into(),
        }
    }

    fn texts(v: Vec<Sql>) -> Vec<String> {
        v.into_iter().map(|s| s.display()).collect()
    }

    #[test]
    fn set_version_per_dialect() {
        let a = Action::SetVersion {
            version: Some("6".into()),
            dirty: false,
        };
        assert_eq!(
            texts(render(Dialect::Postgres, &at(Some("public")), &a).unwrap()),
            vec![
                "TRUNCATE \"public\".\"schema_migrations\";".to_string(),
                "INSERT INTO \"public\".\"schema_migrations\" (\"version\", \"dirty\") VALUES ($1, $2);  -- params: 6, false".to_string(),
            ]
        );
        assert_eq!(
            texts(render(Dialect::Mysql, &at(Some("app")), &a).unwrap())[0],
            "DELETE FROM `app`.`schema_migrations`;"
        );
        // force -1: the table is emptied and nothing inserted
        let nil = Action::SetVersion {
            version: None,
            dirty: false,
        };
        assert_eq!(render(Dialect::Sqlite, &at(None), &nil).unwrap().len(), 1);
        let nil_dirty = Action::SetVersion {
            version: Some("-1".into()),
            dirty: true,
        };
        assert_eq!(
            render(Dialect::Sqlite, &at(None), &nil_dirty)
                .unwrap()
                .len(),
            2
        );
        let bad = Action::SetVersion {
            version: Some("abc".into()),
            dirty: false,
        };
        assert!(render(Dialect::Sqlite, &at(None), &bad).is_err());
    }

    #[test]
    fn create_table_is_golang_migrates_ddl() {
        assert_eq!(
            texts(render(Dialect::Sqlite, &at(None), &Action::CreateTrackingTable).unwrap()),
            vec![
                "CREATE TABLE IF NOT EXISTS schema_migrations (version uint64,dirty bool);",
                "CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON schema_migrations (version);",
            ]
        );
        assert!(texts(
            render(
                Dialect::Mysql,
                &at(Some("app")),
                &Action::CreateTrackingTable
            )
            .unwrap()
        )[0]
        .starts_with(
            "CREATE TABLE `app`.`schema_migrations` (version bigint not null primary key"
        ));
    }

    #[test]
    fn unsupported_actions_say_why() {
        let err = render(
            Dialect::Postgres,
            &at(None),
            &Action::MarkApplied { id: "1".into() },
        )
        .unwrap_err();
        assert!(err.to_string().contains("single version"));
    }

    #[test]
    fn expected_after_simulates() {
        let before = TrackingState::absent(
            Framework::GolangMigrate,
            at(None),
            TrackingKind::Version {
                version: None,
                dirty: false,
            },
        );
        let rows = expected_after(
            Dialect::Sqlite,
            &before,
            &[
                Action::CreateTrackingTable,
                Action::SetVersion {
                    version: Some("3".into()),
                    dirty: false,
                },
            ],
        )
        .unwrap();
        assert_eq!(rows.rows, vec![vec![Value::Int(3), Value::Int(0)]]);
        assert!(expected_after(
            Dialect::Postgres,
            &before,
            &[Action::SetVersion {
                version: None,
                dirty: false
            }]
        )
        .is_err());
    }
}
