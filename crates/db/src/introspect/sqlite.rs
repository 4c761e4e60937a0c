//! SQLite's live schema, from `sqlite_master` and the table-valued pragmas joined to it: one
//! query per object kind. The pragmas name neither constraints nor checks, so only primary
//! and foreign keys are constraints here; unique constraints show as `sqlite_autoindex_*`
//! indexes.

use super::Tables;
use crate::values::{cell_opt_text as opt_text, cell_text as text, cell_truthy as truthy};
use crate::{Db, DbError};
use migdoctor_model::{
    Dialect, LiveColumn, LiveConstraint, LiveIndex, LiveObject, LiveSchema, Sql, Value,
};

const SEP: char = '\u{1f}';

/// Returns the items of a `char(31)`-separated list (none for NULL or '').
fn list(v: &Value) -> Vec<String> {
    let s = text(v);
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(SEP).map(str::to_string).collect()
    }
}

/// One column of `pragma_table_info` packed as text: `cid,notnull,pk,` then the name, the
/// declared type and the default, each as `<length>:<text>` (`-` for a NULL default). Lengths
/// count characters, as SQLite's `length()` does, so no character needs escaping. No part may
/// be NULL, or `||` would make the whole record NULL and `group_concat` would drop it.
const COLUMN_RECORD: &str = "p.cid || ',' || p.\"notnull\" || ',' || p.pk || ',' || length(p.name) || ':' || p.name \
     || length(coalesce(p.type, '')) || ':' || coalesce(p.type, '') || coalesce(length(p.dflt_value) || ':' || p.dflt_value, '-')";

/// One column as `pragma_table_info` describes it.
struct PragmaColumn {
    cid: i64,
    pk: i64,
    column: LiveColumn,
}

/// Reads [`COLUMN_RECORD`]s one after another.
struct Packed<'a> {
    rest: &'a str,
}

impl<'a> Packed<'a> {
    /// Returns the number before the next `,`.
    fn number(&mut self) -> Option<i64> {
        let (n, rest) = self.rest.split_once(',')?;
        self.rest = rest;
        n.parse().ok()
    }

    /// Returns the next `<length>:<text>`.
    fn text(&mut self) -> Option<&'a str> {
        let (n, rest) = self.rest.split_once(':')?;
        let n: usize = n.parse().ok()?;
        let end = rest.char_indices().nth(n).map_or(rest.len(), |(i, _)| i);
        if rest[..end].chars().count() != n {
            return None;
        }
        self.rest = &rest[end..];
        Some(&rest[..end])
    }

    /// Returns the next `<length>:<text>`, or `None` for `-`.
    fn opt_text(&mut self) -> Option<Option<&'a str>> {
        match self.rest.strip_prefix('-') {
            Some(rest) => {
                self.rest = rest;
                Some(None)
            }
            None => self.text().map(Some),
        }
    }
}

/// Returns the columns packed by [`COLUMN_RECORD`]s, or `None` when the text is not in that
/// form.
fn decode_columns(packed: &str) -> Option<Vec<PragmaColumn>> {
    let mut p = Packed { rest: packed };
    let mut out = Vec::new();
    while !p.rest.is_empty() {
        let cid = p.number()?;
        let not_null = p.number()?;
        let pk = p.number()?;
        let name = p.text()?.to_string();
        let data_type = p.text()?.to_string();
        let default = p.opt_text()?.map(str::to_string);
        out.push(PragmaColumn {
            cid,
            pk,
            column: LiveColumn {
                name,
                data_type,
                nullable: not_null == 0,
                default,
            },
        });
    }
    Some(out)
}

/// Returns the live schema of the main database.
pub(super) async fn read_live_schema(db: &mut Db) -> Result<LiveSchema, DbError> {
    let mut live = LiveSchema::empty(Dialect::Sqlite, "main");
    live.schemas.push("main".into());
    live.search_path.push("main".into());
    let main = "main".to_string();
    // Indexes come with their tables below; sqlite_master lists them too.
    let objs = db
        .fetch_rows(
            "reading sqlite_master",
            &Sql::new(
                "SELECT type, name FROM sqlite_master WHERE type IN ('table', 'view') \
             AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            ),
        )
        .await?;
    let mut tables = Tables::with_capacity(objs.rows.len());
    for r in &objs.rows {
        let name = text(&r[1]);
        match text(&r[0]).as_str() {
            "table" => tables.add(name.clone(), main.clone(), name),
            "view" => live.views.push(LiveObject {
                schema: main.clone(),
                name,
            }),
            _ => {}
        }
    }
    // One row per table: SQLite hands each row across a thread to the driver, which costs
    // more than the pragma itself, so the columns come packed (see `decode_columns`).
    let cols = db
        .fetch_rows("reading columns", &Sql::new(format!("SELECT m.name, group_concat({COLUMN_RECORD}, '') FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' GROUP BY m.name")))
        .await?;
    for r in &cols.rows {
        let table = text(&r[0]);
        let packed = text(&r[1]);
        let Some(mut columns) = decode_columns(&packed) else {
            return Err(DbError::Decode {
                object: format!("the columns of table {table}"),
                column: "pragma_table_info".into(),
                reason: format!("unexpected packed form {packed:?}"),
            });
        };
        columns.sort_by_key(|c| c.cid);
        let mut pk: Vec<(i64, String)> = columns
            .iter()
            .filter(|c| c.pk > 0)
            .map(|c| (c.pk, c.column.name.clone()))
            .collect();
        pk.sort();
        if let Some(t) = tables.get(table.as_str()) {
            t.columns = columns.into_iter().map(|c| c.column).collect();
            if !pk.is_empty() {
                t.constraints.push(LiveConstraint {
                    name: String::new(),
                    kind: "primary key".into(),
                    columns: pk.into_iter().map(|c| c.1).collect(),
                    references: None,
                });
            }
        }
    }
    let idx = db
        .fetch_rows("reading indexes", &Sql::new("SELECT m.name, il.name, il.\"unique\", il.origin, \
             (SELECT group_concat(coalesce(ii.name, ''), char(31)) FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii) \
             FROM sqlite_master m JOIN pragma_index_list(m.name) il WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, il.name"))
        .await?;
    for r in &idx.rows {
        if let Some(t) = tables.get(text(&r[0]).as_str()) {
            t.indexes.push(LiveIndex {
                name: text(&r[1]),
                unique: truthy(&r[2]),
                constraint_backed: text(&r[3]) != "c",
                columns: list(&r[4]),
            });
        }
    }
    // Columns in key order (`seq`), whatever order the pragma yields them in.
    let fks = db
        .fetch_rows("reading foreign keys", &Sql::new("SELECT m.name, f.\"table\", \
             (SELECT group_concat(g.\"from\", char(31)) FROM (SELECT \"from\" FROM pragma_foreign_key_list(m.name) WHERE id = f.id ORDER BY seq) g) \
             FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' AND f.seq = 0 ORDER BY m.name, f.id"))
        .await?;
    for r in &fks.rows {
        if let Some(t) = tables.get(text(&r[0]).as_str()) {
            t.constraints.push(LiveConstraint {
                name: String::new(),
                kind: "foreign key".into(),
                columns: list(&r[2]),
                references: opt_text(&r[1]),
            });
        }
    }
    live.tables = tables.list;
    Ok(live)
}
