//! The migrator's decision, modelled exactly, so diagnosis says what the next
//! `drizzle-kit migrate` will do.
//!
//! 0.x (`dialect.js`@0.45.4): `SELECT … ORDER BY created_at DESC LIMIT 1` once, then inside one
//! transaction an entry runs iff there is no row or `Number(last.created_at) < entry.when`: a
//! high-water mark, so an unrecorded entry older than the newest row is skipped forever while
//! the CLI prints success. 1.0 (`getMigrationsToRun`): every folder whose name no row holds.

use crate::tracking::{is_v1, row_created, row_hash, row_label};
use migdoctor_model::{Dialect, History, Recognition, TrackingState, Value};
use std::collections::HashSet;

/// Returns nothing; what the next migrate does.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prediction {
    /// The row the migrator reads as newest, and `Number(created_at)` of it (0.x).
    pub newest: Option<(usize, f64)>,
    /// Entries (indices into the history) the next run applies, in order.
    pub runs: Vec<usize>,
    /// Entries no row records that the next run skips (and every later run too).
    pub skipped: Vec<usize>,
    /// Entries a row records that the next run applies again (their `when` was raised).
    pub rerun: Vec<usize>,
}

/// Returns JavaScript's `Number(v)` for a value the driver hands back.
pub fn js_number(v: &Value) -> f64 {
    match v {
        Value::Null => 0.0,
        Value::Bool(b) => f64::from(u8::from(*b)),
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Text(s) | Value::Timestamp(s) => {
            let t = s.trim();
            if t.is_empty() {
                0.0
            } else if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
                i64::from_str_radix(hex, 16)
                    .map(|n| n as f64)
                    .unwrap_or(f64::NAN)
            } else if t
                .bytes()
                .all(|c| c.is_ascii_digit() || b"+-.eE".contains(&c))
            {
                t.parse().unwrap_or(f64::NAN)
            } else {
                match t {
                    "Infinity" | "+Infinity" => f64::INFINITY,
                    "-Infinity" => f64::NEG_INFINITY,
                    _ => f64::NAN,
                }
            }
        }
        Value::Bytes(_) => f64::NAN,
    }
}

/// Returns the dialect the table lives on: the connection's, else what Drizzle's DDL left in
/// the column types (SQLite `created_at numeric`, MySQL `id bigint unsigned`).
pub(crate) fn dialect(history: &History, tracking: &TrackingState) -> Dialect {
    if let Some(d) = history.site.dialect_hint() {
        return d;
    }
    let ty = |c: &str| {
        tracking
            .shape
            .as_ref()
            .and_then(|s| s.column(c))
            .map(|c| c.data_type.to_ascii_lowercase())
            .unwrap_or_default()
    };
    if ty("created_at").contains("numeric") || ty("id").contains("serial") {
        Dialect::Sqlite
    } else if ty("id").contains("unsigned") {
        Dialect::Mysql
    } else {
        Dialect::Postgres
    }
}

/// Returns the row `ORDER BY created_at DESC LIMIT 1` yields: PostgreSQL sorts NULL first in
/// descending order; MySQL and SQLite last; SQLite puts text above every number.
fn newest_row(tracking: &TrackingState, dialect: Dialect) -> Option<usize> {
    let rows = &tracking.raw;
    let rank = |v: &Value| -> (u8, f64, String) {
        match v {
            Value::Null if dialect == Dialect::Postgres => (4, 0.0, String::new()),
            Value::Null => (0, 0.0, String::new()),
            Value::Text(s) if dialect == Dialect::Sqlite => (2, 0.0, s.clone()),
            Value::Bytes(_) => (3, 0.0, String::new()),
            other => (1, js_number(other), String::new()),
        }
    };
    (0..rows.rows.len()).max_by(|&a, &b| {
        let (x, y) = (rank(&row_created(rows, a)), rank(&row_created(rows, b)));
        x.0.cmp(&y.0)
            .then(x.1.partial_cmp(&y.1).unwrap_or(std::cmp::Ordering::Equal))
            .then(x.2.cmp(&y.2))
            .then(b.cmp(&a))
    })
}

/// Returns what the next migrate does with these files and this table (settled).
pub fn predict(history: &History, tracking: &TrackingState) -> Prediction {
    let mut p = Prediction::default();
    let all = 0..history.migrations.len();
    if !tracking.present || tracking.recognition != Recognition::Recognized {
        if !tracking.present {
            p.runs = all.collect();
        }
        return p;
    }
    let tracked: HashSet<&str> = tracking.entries.iter().map(|e| e.id.as_str()).collect();
    if is_v1(tracking) {
        let names: HashSet<String> = tracking
            .raw
            .index_of("name")
            .map(|n| {
                tracking
                    .raw
                    .rows
                    .iter()
                    .filter_map(|r| match &r[n] {
                        Value::Text(s) => Some(s.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        p.runs = all
            .filter(|&i| !names.contains(history.migrations[i].id.as_str()))
            .collect();
        return p;
    }
    let newest = newest_row(tracking, dialect(history, tracking));
    p.newest = newest.map(|r| (r, js_number(&row_created(&tracking.raw, r))));
    for (i, m) in history.migrations.iter().enumerate() {
        let runs = match (p.newest, m.timestamp) {
            (None, _) => true,
            // `Number(x) < undefined` and comparisons with NaN are false.
            (Some(_), None) => false,
            (Some((_, hw)), Some(w)) => hw < w as f64,
        };
        let is_tracked = tracked.contains(m.id.as_str());
        match (runs, is_tracked) {
            (true, false) => p.runs.push(i),
            (true, true) => {
                p.runs.push(i);
                p.rerun.push(i);
            }
            (false, false) => p.skipped.push(i),
            (false, true) => {}
        }
    }
    p
}

/// Returns ids as a short label: `0005–0009` for a run of consecutive entries, else a list.
pub fn span(history: &History, idx: &[usize]) -> String {
    let id = |i: usize| history.migrations[i].id.as_str();
    match idx {
        [] => "nothing".into(),
        [one] => id(*one).into(),
        [first, .., last] if last - first + 1 == idx.len() => {
            format!("{}–{}", short(id(*first)), short(id(*last)))
        }
        _ if idx.len() <= 8 => {
            let ids: Vec<&str> = idx.iter().map(|&i| id(i)).collect();
            let (head, tail) = ids.split_at(ids.len() - 1);
            format!("{} and {}", head.join(", "), tail[0])
        }
        _ => format!(
            "{} entries from {} to {}",
            idx.len(),
            id(idx[0]),
            id(idx[idx.len() - 1])
        ),
    }
}

/// Returns a tag's index prefix (`0005` of `0005_add_posts`) when it has one.
fn short(tag: &str) -> &str {
    match tag.split_once('_') {
        Some((p, _)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => p,
        _ => tag,
    }
}

/// Returns a one-line description of the newest row the migrator compares with.
pub(crate) fn newest_text(history: &History, tracking: &TrackingState, p: &Prediction) -> String {
    let Some((row, hw)) = p.newest else {
        return "no rows".into();
    };
    let entry = tracking
        .entries
        .iter()
        .find(|e| e.row == row)
        .map(|e| e.id.to_string())
        .filter(|id| history.get(&id.as_str().into()).is_some())
        .unwrap_or_else(|| row_label(&tracking.raw, row));
    let value = row_created(&tracking.raw, row);
    let read = if hw.is_nan() {
        "NaN".to_string()
    } else {
        format!("{hw}")
    };
    if matches!(value, Value::Int(_)) {
        format!("the newest row, {entry}, has created_at {read}")
    } else {
        format!(
            "the newest row the migrator reads, {entry}, has created_at {} (Number() gives {read})",
            value.display()
        )
    }
}

/// Returns the rows whose hash is empty or NULL (bundled-migration drivers write `''`).
pub(crate) fn empty_hash_rows(tracking: &TrackingState) -> Vec<usize> {
    (0..tracking.raw.rows.len())
        .filter(|&r| row_hash(&tracking.raw, r).is_none_or(|h| h.is_empty()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_like_javascript() {
        assert_eq!(js_number(&Value::Null), 0.0);
        assert_eq!(js_number(&Value::Text(" 1700 ".into())), 1700.0);
        assert_eq!(js_number(&Value::Text("".into())), 0.0);
        assert!(js_number(&Value::Text("2024-01-01 10:00".into())).is_nan());
        assert_eq!(js_number(&Value::Text("0x10".into())), 16.0);
    }
}
