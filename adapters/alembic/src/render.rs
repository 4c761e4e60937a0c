//! Rendering actions to what `alembic stamp` would leave.

use migdoctor_model::{
    Action, AdapterError, Dialect, Framework, Rows, Sql, TrackingLocation, TrackingState, Value,
};
use migdoctor_sql::{delete_all, delete_matching, insert_row, qualified, quote_ident};

fn unsupported(action: &Action, reason: &str) -> AdapterError {
    AdapterError::Unsupported {
        framework: Framework::Alembic,
        action: action.describe(),
        reason: reason.into(),
    }
}

fn check_id(id: &str) -> Result<(), AdapterError> {
    if id.is_empty() || id.chars().count() > 32 {
        return Err(AdapterError::InvalidValue {
            what: "Alembic revision".into(),
            reason: format!("{id:?} does not fit version_num VARCHAR(32)"),
        });
    }
    Ok(())
}

pub(crate) fn render(
    dialect: Dialect,
    at: &TrackingLocation,
    action: &Action,
) -> Result<Vec<Sql>, AdapterError> {
    let cols = vec!["version_num".to_string()];
    match action {
        // `alembic stamp` leaves exactly one row per head (runtime/migration.py HeadMaintainer).
        Action::SetHeads { heads } => {
            let mut out = vec![delete_all(dialect, at)];
            for h in heads {
                check_id(h.as_str())?;
                out.push(insert_row(
                    dialect,
                    at,
                    &cols,
                    &[Value::Text(h.to_string())],
                ));
            }
            Ok(out)
        }
        Action::CreateTrackingTable => {
            let pk = quote_ident(dialect, &format!("{}_pkc", at.table));
            Ok(vec![Sql::new(format!(
                "CREATE TABLE {} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {pk} PRIMARY KEY (version_num))",
                qualified(dialect, at)
            ))])
        }
        Action::MarkApplied { id } => {
            check_id(id.as_str())?;
            Ok(vec![insert_row(
                dialect,
                at,
                &cols,
                &[Value::Text(id.to_string())],
            )])
        }
        Action::MarkUnapplied { id } => Ok(vec![delete_matching(
            dialect,
            at,
            &[("version_num".into(), Value::Text(id.to_string()))],
        )
        .expect("one column")]),
        Action::DeleteRows { rows } => rows
            .iter()
            .map(|m| {
                delete_matching(dialect, at, m)
                    .ok_or_else(|| unsupported(action, "a row match must name a column"))
            })
            .collect(),
        Action::SetVersion { .. } => Err(unsupported(
            action,
            "Alembic records heads, not a version; use set-heads (stamp)",
        )),
        Action::UpdateChecksum { .. } => Err(unsupported(action, "Alembic stores no checksums")),
        Action::ReleaseLock => Err(unsupported(action, "Alembic takes no lock")),
    }
}

pub(crate) fn expected_after(
    before: &TrackingState,
    actions: &[Action],
) -> Result<Rows, AdapterError> {
    let cols = vec!["version_num".to_string()];
    let mut present = before.present;
    let mut rows = if present {
        before.raw.clone()
    } else {
        Rows {
            columns: cols.clone(),
            rows: Vec::new(),
        }
    };
    if rows.columns.is_empty() {
        rows.columns = cols.clone();
    }
    for a in actions {
        match a {
            Action::CreateTrackingTable => {
                present = true;
                rows = Rows {
                    columns: cols.clone(),
                    rows: Vec::new(),
                };
            }
            Action::SetHeads { heads } => {
                if !present {
                    return Err(unsupported(
                        a,
                        "the tracking table does not exist; create it first",
                    ));
                }
                rows.rows = heads
                    .iter()
                    .map(|h| vec![Value::Text(h.to_string())])
                    .collect();
            }
            Action::MarkApplied { id } => rows.rows.push(vec![Value::Text(id.to_string())]),
            Action::MarkUnapplied { id } => rows
                .rows
                .retain(|r| r.first() != Some(&Value::Text(id.to_string()))),
            Action::DeleteRows { rows: m } => {
                for one in m {
                    rows.rows
                        .retain(|r| !one.iter().all(|(_, v)| r.first() == Some(v)));
                }
            }
            other => return Err(unsupported(other, "not supported by Alembic")),
        }
    }
    Ok(rows)
}
