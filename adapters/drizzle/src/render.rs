//! Rendering actions to the rows the migrator itself writes: `(hash, created_at)` = (sha256 of
//! the file, the journal's `when`) — `created_at` must be exactly `when`, because every later
//! run compares against the newest one — plus `name` on 1.0 tables.

use crate::tracking::{is_v1, row_created, row_hash};
use migdoctor_model::{
    Action, AdapterError, Dialect, Framework, History, Migration, MigrationId, Rows, Sql,
    TrackingLocation, TrackingState, Value,
};
use migdoctor_sql::{delete_matching, insert_row, qualified, quote_ident};

fn unsupported(action: &Action, reason: &str) -> AdapterError {
    AdapterError::Unsupported {
        framework: Framework::Drizzle,
        action: action.describe(),
        reason: reason.into(),
    }
}

/// Returns the migrator's own DDL for the table (0.x `dialect.js`@0.45.4; 1.0 `session.ts`).
pub(crate) fn create_table(dialect: Dialect, at: &TrackingLocation, v1: bool) -> Vec<Sql> {
    let t = qualified(dialect, at);
    let mut out = Vec::new();
    let cols = match (dialect, v1) {
        (Dialect::Postgres, false) => "id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint",
        (Dialect::Postgres, true) => "id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint, name text, applied_at timestamp with time zone DEFAULT now()",
        (Dialect::Mysql, false) => "id serial primary key, hash text not null, created_at bigint",
        (Dialect::Mysql, true) => "id serial primary key, hash text not null, created_at bigint, name text, applied_at timestamp default current_timestamp",
        (Dialect::Sqlite, false) => "id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric",
        (Dialect::Sqlite, true) => "id INTEGER PRIMARY KEY, hash text NOT NULL, created_at numeric, name text, applied_at TEXT",
    };
    if let (Dialect::Postgres, Some(schema)) = (dialect, &at.schema) {
        out.push(Sql::new(format!(
            "CREATE SCHEMA IF NOT EXISTS {}",
            quote_ident(dialect, schema)
        )));
    }
    out.push(Sql::new(format!("CREATE TABLE IF NOT EXISTS {t} ({cols})")));
    out
}

/// Returns whether rows get a `name` (the table is, or will be created as, the 1.0 shape).
fn v1(before: &TrackingState, history: &History) -> bool {
    if before.present {
        is_v1(before)
    } else {
        history
            .site
            .config
            .get("layout")
            .is_some_and(|l| l == "folders")
            || history
                .migrations
                .first()
                .is_some_and(|m| m.files.iter().any(|f| f.ends_with("/migration.sql")))
    }
}

/// Returns the entry, its hash and `when`. On 0.x tables two entries sharing `when` are refused
/// (the row could not tell them apart); 1.0 rows carry the folder's `name`, which is all the 1.0
/// migrator compares, and drizzle-kit 1.0 gives folders made in the same second the same prefix.
fn entry<'a>(
    history: &'a History,
    id: &MigrationId,
    v1: bool,
) -> Result<(&'a Migration, String, i64), AdapterError> {
    let bad = |reason: String| AdapterError::InvalidValue {
        what: "Drizzle journal entry".into(),
        reason,
    };
    let m = history
        .get(id)
        .ok_or_else(|| bad(format!("{} has no journal entry {id}", history.site.root)))?;
    let hash = m
        .checksum
        .clone()
        .ok_or_else(|| bad(format!("{id} has no file to hash")))?;
    let when = m.timestamp.ok_or_else(|| {
        bad(format!(
            "{id} has no numeric `when` in the journal; fix the journal first"
        ))
    })?;
    if let Some(other) = history
        .migrations
        .iter()
        .find(|o| !v1 && o.id != m.id && o.timestamp == Some(when))
    {
        return Err(bad(format!(
            "{id} and {} share `when` {when}: a row could not tell them apart",
            other.id
        )));
    }
    Ok((m, hash, when))
}

fn row_values(v1: bool, m: &Migration, hash: &str, when: i64) -> (Vec<String>, Vec<Value>) {
    let mut cols = vec!["hash".to_string(), "created_at".to_string()];
    let mut vals = vec![Value::Text(hash.into()), Value::Int(when)];
    if v1 {
        cols.push("name".into());
        vals.push(Value::Text(m.id.to_string()));
    }
    (cols, vals)
}

/// Returns the distinct stored (hash, created_at) pairs of the rows that record `id`.
fn rows_of(before: &TrackingState, id: &MigrationId) -> Vec<(Value, Value)> {
    let mut out: Vec<(Value, Value)> = Vec::new();
    for e in before.entries.iter().filter(|e| &e.id == id) {
        let hash = row_hash(&before.raw, e.row).map_or(Value::Null, Value::Text);
        let pair = (hash, row_created(&before.raw, e.row));
        if !out.contains(&pair) {
            out.push(pair);
        }
    }
    out
}

pub(crate) fn render(
    dialect: Dialect,
    at: &TrackingLocation,
    action: &Action,
) -> Result<Vec<Sql>, AdapterError> {
    match action {
        Action::CreateTrackingTable => Ok(create_table(dialect, at, false)),
        Action::DeleteRows { rows } => rows
            .iter()
            .map(|m| delete_matching(dialect, at, m).ok_or_else(|| unsupported(action, "a row match must name a column")))
            .collect(),
        _ => Err(unsupported(action, "a Drizzle row holds the file's hash and the journal's `when`; plan it with the project's files")),
    }
}

pub(crate) fn render_in(
    dialect: Dialect,
    before: &TrackingState,
    history: &History,
    action: &Action,
) -> Result<Vec<Sql>, AdapterError> {
    let at = &before.location;
    match action {
        Action::CreateTrackingTable => Ok(create_table(dialect, at, v1(before, history))),
        Action::MarkApplied { id } => {
            let v1 = v1(before, history);
            let (m, hash, when) = entry(history, id, v1)?;
            let (cols, vals) = row_values(v1, m, &hash, when);
            if v1 && dialect == Dialect::Sqlite {
                // The 1.0 SQLite migrator writes `applied_at` itself, `new Date().toISOString()`
                // (drizzle-orm 1.0.0-rc.5 `sqlite-core/async/session.js` migrateSync); PostgreSQL
                // and MySQL leave it to the column's `now()` / `CURRENT_TIMESTAMP` default.
                let quoted: Vec<String> = cols.iter().map(|c| quote_ident(dialect, c)).collect();
                return Ok(vec![Sql::with_params(
                    format!(
                        "INSERT INTO {} ({}, {}) VALUES (?, ?, ?, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                        qualified(dialect, at),
                        quoted.join(", "),
                        quote_ident(dialect, "applied_at")
                    ),
                    vals,
                )]);
            }
            Ok(vec![insert_row(dialect, at, &cols, &vals)])
        }
        Action::MarkUnapplied { id } => {
            let pairs = rows_of(before, id);
            if pairs.is_empty() {
                return Err(unsupported(action, &format!("no row of {at} records {id}")));
            }
            Ok(pairs
                .into_iter()
                .filter_map(|(h, c)| {
                    delete_matching(dialect, at, &[("hash".into(), h), ("created_at".into(), c)])
                })
                .collect())
        }
        Action::UpdateChecksum { id, checksum } => {
            let pairs = rows_of(before, id);
            if pairs.is_empty() {
                return Err(unsupported(action, &format!("no row of {at} records {id}")));
            }
            let t = qualified(dialect, at);
            Ok(pairs
                .into_iter()
                .map(|(h, c)| {
                    let mut params = vec![Value::Text(checksum.clone())];
                    let mut cond = |col: &str, v: Value| {
                        if v == Value::Null {
                            format!("{} IS NULL", quote_ident(dialect, col))
                        } else {
                            params.push(v);
                            format!(
                                "{} = {}",
                                quote_ident(dialect, col),
                                dialect.placeholder(params.len())
                            )
                        }
                    };
                    let (a, b) = (cond("hash", h), cond("created_at", c));
                    Sql::with_params(
                        format!(
                            "UPDATE {t} SET {} = {} WHERE {a} AND {b}",
                            quote_ident(dialect, "hash"),
                            dialect.placeholder(1)
                        ),
                        params,
                    )
                })
                .collect())
        }
        other => render(dialect, at, other),
    }
}

type SimRow = (Option<MigrationId>, Vec<(String, Value)>, Vec<Value>);

pub(crate) fn expected_after_in(
    before: &TrackingState,
    history: &History,
    actions: &[Action],
) -> Result<Rows, AdapterError> {
    let v1 = v1(before, history);
    let mut cols = vec!["hash".to_string(), "created_at".to_string()];
    if v1 {
        cols.push("name".into());
    }
    // (the id a row records, its full stored row, its projection on `cols`)
    let mut rows: Vec<SimRow> = Vec::new();
    let mut present = before.present;
    if present {
        for (i, r) in before.raw.rows.iter().enumerate() {
            let id = before
                .entries
                .iter()
                .find(|e| e.row == i)
                .map(|e| e.id.clone());
            let full: Vec<(String, Value)> = before
                .raw
                .columns
                .iter()
                .cloned()
                .zip(r.iter().cloned())
                .collect();
            let proj = cols
                .iter()
                .map(|c| before.raw.index_of(c).map_or(Value::Null, |k| r[k].clone()))
                .collect();
            rows.push((id, full, proj));
        }
    }
    for a in actions {
        match a {
            Action::CreateTrackingTable => {
                present = true;
                rows.clear();
            }
            Action::MarkApplied { id } => {
                if !present {
                    return Err(unsupported(
                        a,
                        "the tracking table does not exist; create it first",
                    ));
                }
                let (m, hash, when) = entry(history, id, v1)?;
                if rows.iter().any(|(rid, _, _)| rid.as_ref() == Some(id)) {
                    return Err(AdapterError::InvalidValue {
                        what: "Drizzle journal entry".into(),
                        reason: format!("{id} is already recorded in {}", before.location),
                    });
                }
                let (c, vals) = row_values(v1, m, &hash, when);
                rows.push((
                    Some(id.clone()),
                    c.into_iter().zip(vals.clone()).collect(),
                    vals,
                ));
            }
            Action::MarkUnapplied { id } => rows.retain(|(rid, _, _)| rid.as_ref() != Some(id)),
            Action::UpdateChecksum { id, checksum } => {
                for (rid, full, proj) in rows
                    .iter_mut()
                    .filter(|(rid, _, _)| rid.as_ref() == Some(id))
                {
                    let _ = rid;
                    proj[0] = Value::Text(checksum.clone());
                    if let Some(h) = full
                        .iter_mut()
                        .find(|(c, _)| c.eq_ignore_ascii_case("hash"))
                    {
                        h.1 = Value::Text(checksum.clone());
                    }
                }
            }
            Action::DeleteRows { rows: matches } => {
                for one in matches {
                    rows.retain(|(_, full, _)| {
                        !one.iter().all(|(c, v)| {
                            full.iter()
                                .any(|(fc, fv)| fc.eq_ignore_ascii_case(c) && fv == v)
                        })
                    });
                }
            }
            other => return Err(unsupported(other, "not supported by Drizzle")),
        }
    }
    Ok(Rows {
        columns: cols,
        rows: rows.into_iter().map(|(_, _, p)| p).collect(),
    })
}
