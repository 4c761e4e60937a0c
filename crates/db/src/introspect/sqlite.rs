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
use std::collections::HashMap;

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

/// Returns the live schema of the main database.
pub(super) async fn read_live_schema(db: &mut Db) -> Result<LiveSchema, DbError> {
    let mut live = LiveSchema::empty(Dialect::Sqlite, "main");
    live.schemas.push("main".into());
    live.search_path.push("main".into());
    let main = "main".to_string();
    let objs = db
        .fetch_rows("reading sqlite_master", &Sql::new("SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"))
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
    let cols = db
        .fetch_rows("reading columns", &Sql::new("SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM sqlite_master m \
             JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid"))
        .await?;
    let mut pks: HashMap<String, Vec<(i64, String)>> = HashMap::new();
    for r in &cols.rows {
        let table = text(&r[0]);
        if let Value::Int(pk) = r[5] {
            if pk > 0 {
                pks.entry(table.clone())
                    .or_default()
                    .push((pk, text(&r[1])));
            }
        }
        if let Some(t) = tables.get(table.as_str()) {
            t.columns.push(LiveColumn {
                name: text(&r[1]),
                data_type: text(&r[2]),
                nullable: !truthy(&r[3]),
                default: opt_text(&r[4]),
            });
        }
    }
    for (table, mut cols) in pks {
        cols.sort();
        if let Some(t) = tables.get(table.as_str()) {
            t.constraints.push(LiveConstraint {
                name: String::new(),
                kind: "primary key".into(),
                columns: cols.into_iter().map(|c| c.1).collect(),
                references: None,
            });
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
