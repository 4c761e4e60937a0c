//! `__drizzle_migrations`: where it lives, its shape in both generations, and which journal
//! entry each row records.
//!
//! 0.x (`drizzle-orm` pg-core/mysql-core/sqlite-core `dialect.js`@0.45.4): `id SERIAL PRIMARY
//! KEY, hash text NOT NULL, created_at bigint` (SQLite `created_at numeric`, and SERIAL is no
//! rowid alias there, so `id` stays NULL). 1.0 adds `name text` and `applied_at`.
//! A row names no tag: it holds the file's hash and the entry's `when`, so rows are matched to
//! entries in [`settle`].

use crate::DEFAULT_TABLE;
use migdoctor_model::{
    ConnectionFacts, Dialect, Framework, History, MigrationId, Recognition, Rows, Site, TableShape,
    TrackedEntry, TrackingKind, TrackingLocation, TrackingState, Value,
};
use std::collections::HashMap;

pub(crate) fn location(site: &Site, facts: &ConnectionFacts) -> TrackingLocation {
    let table = site
        .config
        .get("table_override")
        .or_else(|| site.config.get("migrations_table"))
        .cloned()
        .unwrap_or_else(|| DEFAULT_TABLE.into());
    let schema = match facts.dialect {
        // `CREATE SCHEMA IF NOT EXISTS "drizzle"` unless migrations.schema says otherwise.
        Dialect::Postgres => Some(
            site.config
                .get("migrations_schema")
                .cloned()
                .unwrap_or_else(|| "drizzle".into()),
        ),
        Dialect::Mysql => facts.current_schema.clone(),
        Dialect::Sqlite => None,
    };
    TrackingLocation { schema, table }
}

/// Returns whether the table is the 1.0 shape (it has `name`).
pub(crate) fn is_v1(tracking: &TrackingState) -> bool {
    tracking.raw.index_of("name").is_some()
        || tracking
            .shape
            .as_ref()
            .is_some_and(|s| s.column("name").is_some())
}

pub(crate) fn decode(
    at: &TrackingLocation,
    shape: Option<&TableShape>,
    rows: &Rows,
) -> TrackingState {
    let mut state = TrackingState::absent(Framework::Drizzle, at.clone(), TrackingKind::Ledger);
    let Some(shape) = shape else { return state };
    state.present = true;
    state.shape = Some(shape.clone());
    state.raw = rows.clone();
    let cols = shape.column_names_lower();
    let has = |c: &str| cols.iter().any(|x| x == c);
    let extra: Vec<&String> = cols
        .iter()
        .filter(|c| {
            !["id", "hash", "created_at", "name", "applied_at", "version"].contains(&c.as_str())
        })
        .collect();
    if !has("hash") || !has("created_at") || !extra.is_empty() {
        let listed: Vec<String> = shape
            .columns
            .iter()
            .map(|c| format!("{} {}", c.name, c.data_type))
            .collect();
        state.recognition = Recognition::Unrecognized {
            reason: format!(
                "columns are ({}); Drizzle writes (id, hash, created_at), and 1.0 adds (name, applied_at)",
                listed.join(", ")
            ),
            likely_owner: None,
        };
        return state;
    }
    let name_col = rows.index_of("name");
    for (i, row) in rows.rows.iter().enumerate() {
        let named = name_col.and_then(|n| match &row[n] {
            Value::Text(s) if !s.is_empty() => Some(s.clone()),
            _ => None,
        });
        let id = named.unwrap_or_else(|| row_label(rows, i));
        state.entries.push(TrackedEntry {
            id: MigrationId(id),
            dirty: false,
            row: i,
        });
    }
    state
}

/// Returns the hash a row holds (`None` for NULL; `''` is what bundled-migration drivers write).
pub(crate) fn row_hash(rows: &Rows, row: usize) -> Option<String> {
    match rows.index_of("hash").map(|h| &rows.rows[row][h]) {
        Some(Value::Text(s)) => Some(s.clone()),
        Some(Value::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

/// Returns a row's `created_at` as stored.
pub(crate) fn row_created(rows: &Rows, row: usize) -> Value {
    rows.index_of("created_at")
        .map(|c| rows.rows[row][c].clone())
        .unwrap_or(Value::Null)
}

/// Returns the id given to a row that records no journal entry (1-based row number, its
/// `created_at` and the start of its hash).
pub(crate) fn row_label(rows: &Rows, i: usize) -> String {
    let hash = row_hash(rows, i).unwrap_or_else(|| "NULL".into());
    let short: String = hash.chars().take(12).collect();
    let hash = if hash.is_empty() { "''".into() } else { short };
    format!(
        "row {} (created_at {}, hash {hash})",
        i + 1,
        row_created(rows, i).display()
    )
}

/// Returns `created_at` as an exact integer when it is one (integers, integral floats and
/// numeric text, as `Number()` reads them).
pub(crate) fn created_int(v: &Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(*i),
        Value::Float(f) if f.fract() == 0.0 && f.is_finite() => Some(*f as i64),
        Value::Text(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    }
}

/// Returns nothing; maps each row to the journal entry it records, in this order: the exact
/// (hash, created_at) pair; the entry whose `when` equals `created_at` (the file was edited
/// after it ran, or a bundled driver wrote an empty hash); the only entry with that hash (the
/// journal's `when` was changed after it ran). 1.0 rows with a `name` keep it. Rows matching
/// nothing keep their row label and are reported as unknown.
pub(crate) fn settle(history: &History, tracking: &mut TrackingState) {
    if !tracking.present || tracking.recognition != Recognition::Recognized {
        return;
    }
    let mut by_pair: HashMap<(&str, i64), usize> = HashMap::new();
    let mut by_when: HashMap<i64, Vec<usize>> = HashMap::new();
    let mut by_hash: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, m) in history.migrations.iter().enumerate() {
        if let Some(w) = m.timestamp {
            by_when.entry(w).or_default().push(i);
            if let Some(h) = &m.checksum {
                by_pair.entry((h.as_str(), w)).or_insert(i);
            }
        }
        if let Some(h) = &m.checksum {
            by_hash.entry(h.as_str()).or_default().push(i);
        }
    }
    let known: std::collections::HashSet<&str> =
        history.migrations.iter().map(|m| m.id.as_str()).collect();
    let raw = &tracking.raw;
    for e in &mut tracking.entries {
        if known.contains(e.id.as_str()) {
            continue; // a 1.0 row naming its folder
        }
        let hash = row_hash(raw, e.row);
        let when = created_int(&row_created(raw, e.row));
        let hit = when
            .and_then(|w| hash.as_deref().and_then(|h| by_pair.get(&(h, w)).copied()))
            .or_else(|| when.and_then(|w| by_when.get(&w).filter(|v| v.len() == 1).map(|v| v[0])))
            .or_else(|| {
                hash.as_deref()
                    .filter(|h| !h.is_empty())
                    .and_then(|h| by_hash.get(h).filter(|v| v.len() == 1).map(|v| v[0]))
            });
        if let Some(i) = hit {
            e.id = history.migrations[i].id.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migdoctor_model::{Column, Migration};

    pub(crate) fn shape(cols: &[&str]) -> TableShape {
        TableShape {
            columns: cols
                .iter()
                .map(|n| Column {
                    name: n.to_string(),
                    data_type: "text".into(),
                    nullable: true,
                })
                .collect(),
            primary_key: vec!["id".into()],
            unique_indexes: vec![],
        }
    }

    fn history() -> History {
        let mut h = History::new(Site::new(Framework::Drizzle, "drizzle"));
        for (i, (tag, hash, when)) in [
            ("0000_a", "h0", 100),
            ("0001_b", "h1", 200),
            ("0002_c", "h2", 300),
        ]
        .into_iter()
        .enumerate()
        {
            let mut m = Migration::new(tag, tag);
            m.checksum = Some(hash.into());
            m.timestamp = Some(when);
            if i > 0 {
                m.parents.push(h.migrations[i - 1].id.clone());
            }
            h.migrations.push(m);
        }
        h
    }

    #[test]
    fn rows_map_by_pair_then_when_then_hash() {
        let rows = Rows {
            columns: vec!["id".into(), "hash".into(), "created_at".into()],
            rows: vec![
                vec![Value::Null, Value::Text("h0".into()), Value::Int(100)],
                vec![Value::Null, Value::Text("edited".into()), Value::Int(200)],
                vec![Value::Null, Value::Text("h2".into()), Value::Int(250)],
                vec![
                    Value::Null,
                    Value::Text("".into()),
                    Value::Text("2024-01-01".into()),
                ],
            ],
        };
        let at = TrackingLocation::table("__drizzle_migrations");
        let mut t = decode(&at, Some(&shape(&["id", "hash", "created_at"])), &rows);
        settle(&history(), &mut t);
        let ids: Vec<&str> = t.entries.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids[..3], ["0000_a", "0001_b", "0002_c"]);
        assert_eq!(ids[3], "row 4 (created_at '2024-01-01', hash '')");
    }

    #[test]
    fn other_shapes_are_not_drizzle() {
        let at = TrackingLocation::table("__drizzle_migrations");
        let t = decode(&at, Some(&shape(&["version", "dirty"])), &Rows::default());
        assert!(!t.writable());
        let t = decode(
            &at,
            Some(&shape(&["id", "hash", "created_at", "name", "applied_at"])),
            &Rows::default(),
        );
        assert!(t.writable());
    }
}
