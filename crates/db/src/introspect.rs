//! The live schema: a fixed number of catalog queries per object kind, never one per table.

use crate::values::{cell_opt_text as opt_text, cell_text as text, cell_truthy as truthy};
use crate::{Db, DbError};
use migdoctor_model::{
    is_tracking_table, Dialect, LiveColumn, LiveConstraint, LiveEnum, LiveIndex, LiveObject,
    LiveSchema, LiveTable, Rows, Sql, Value,
};
use std::collections::HashMap;

const SEP: char = '\u{1f}';

fn list(v: &Value) -> Vec<String> {
    let s = text(v);
    if s.is_empty() {
        Vec::new()
    } else {
        s.split(SEP).map(str::to_string).collect()
    }
}

/// Collects tables by (schema, name) as rows arrive, keeping catalog order.
#[derive(Default)]
struct Tables {
    order: Vec<(String, String)>,
    by_key: HashMap<(String, String), LiveTable>,
}

impl Tables {
    fn add(&mut self, schema: String, name: String) {
        let key = (schema.clone(), name.clone());
        if !self.by_key.contains_key(&key) {
            self.order.push(key.clone());
            self.by_key.insert(
                key,
                LiveTable {
                    schema,
                    name,
                    columns: Vec::new(),
                    indexes: Vec::new(),
                    constraints: Vec::new(),
                },
            );
        }
    }
    fn get(&mut self, schema: &str, name: &str) -> Option<&mut LiveTable> {
        self.by_key.get_mut(&(schema.to_string(), name.to_string()))
    }
    fn finish(mut self) -> Vec<LiveTable> {
        self.order
            .iter()
            .filter_map(|k| self.by_key.remove(k))
            .collect()
    }
}

const PG_SCHEMA_FILTER: &str =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

fn constraint_kind(code: &str) -> &'static str {
    match code {
        "p" | "PRIMARY KEY" => "primary key",
        "f" | "FOREIGN KEY" => "foreign key",
        "u" | "UNIQUE" => "unique",
        "c" | "CHECK" => "check",
        "x" => "exclusion",
        "t" => "trigger",
        _ => "constraint",
    }
}

impl Db {
    async fn catalog(&mut self, what: &str, sql: &str) -> Result<Rows, DbError> {
        self.fetch_rows(what, &Sql::new(sql)).await
    }

    /// Returns a snapshot of every non-system schema (PostgreSQL), the connected database
    /// (MySQL) or the main database (SQLite). Tracking tables of known frameworks are listed in
    /// `tracking_tables` and kept out of `tables`.
    pub async fn live_schema(&mut self) -> Result<LiveSchema, DbError> {
        let mut live = match self.facts.dialect {
            Dialect::Postgres => self.pg_schema().await?,
            Dialect::Mysql => self.mysql_schema().await?,
            Dialect::Sqlite => self.sqlite_schema().await?,
        };
        let (tracking, app): (Vec<LiveTable>, Vec<LiveTable>) = live
            .tables
            .into_iter()
            .partition(|t| is_tracking_table(&t.name));
        live.tracking_tables = tracking
            .iter()
            .map(|t| format!("{}.{}", t.schema, t.name))
            .collect();
        live.tables = app;
        Ok(live)
    }

    async fn pg_schema(&mut self) -> Result<LiveSchema, DbError> {
        let f = PG_SCHEMA_FILTER;
        let default = self
            .facts
            .current_schema
            .clone()
            .unwrap_or_else(|| "public".into());
        let mut live = LiveSchema::empty(Dialect::Postgres, default);
        // Without implicit schemas (pg_catalog, pg_temp): the ones a user put on the path and
        // that exist, in order.
        let path = self
            .catalog(
                "reading the search path",
                "SELECT array_to_string(current_schemas(false), chr(31))",
            )
            .await?;
        live.search_path = path.rows.first().map(|r| list(&r[0])).unwrap_or_default();
        let not_ext = |oid: &str, class: &str| {
            format!("NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = {oid} AND d.classid = '{class}'::regclass AND d.deptype = 'e')")
        };
        let schemas = self
            .catalog("reading schemas", &format!(
                "SELECT n.nspname::text, has_schema_privilege(n.oid, 'USAGE') FROM pg_catalog.pg_namespace n WHERE {f} ORDER BY 1"
            ))
            .await?;
        for r in &schemas.rows {
            let name = text(&r[0]);
            if !truthy(&r[1]) {
                live.hidden
                    .push(format!("schema {name}: no USAGE privilege"));
            }
            live.schemas.push(name);
        }
        let mut tables = Tables::default();
        let rels = self
            .catalog("reading tables", &format!(
                "SELECT n.nspname::text, c.relname::text, c.relkind::text FROM pg_catalog.pg_class c \
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition AND {f} AND {} ORDER BY 1, 2",
                not_ext("c.oid", "pg_class")
            ))
            .await?;
        for r in &rels.rows {
            let (schema, name) = (text(&r[0]), text(&r[1]));
            match text(&r[2]).as_str() {
                "v" | "m" => live.views.push(LiveObject { schema, name }),
                "S" => live.sequences.push(LiveObject { schema, name }),
                _ => tables.add(schema, name),
            }
        }
        let cols = self
            .catalog("reading columns", &format!(
                "SELECT n.nspname::text, c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
                 pg_get_expr(d.adbin, d.adrelid) FROM pg_catalog.pg_attribute a \
                 JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                 LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
                 WHERE c.relkind IN ('r', 'p', 'f') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND {f} \
                 ORDER BY 1, 2, a.attnum"
            ))
            .await?;
        for r in &cols.rows {
            if let Some(t) = tables.get(&text(&r[0]), &text(&r[1])) {
                t.columns.push(LiveColumn {
                    name: text(&r[2]),
                    data_type: text(&r[3]),
                    nullable: truthy(&r[4]),
                    default: opt_text(&r[5]),
                });
            }
        }
        let idx = self
            .catalog("reading indexes", &format!(
                "SELECT n.nspname::text, t.relname::text, i.relname::text, x.indisunique, \
                 x.indisprimary OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.conindid = x.indexrelid AND k.contype IN ('p', 'u', 'x')), \
                 array_to_string(ARRAY(SELECT coalesce(a.attname::text, pg_get_indexdef(x.indexrelid, k.ord::int, true)) \
                   FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord) \
                   LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0 ORDER BY k.ord), chr(31)) \
                 FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
                 JOIN pg_catalog.pg_class t ON t.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
                 WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition AND {f} ORDER BY 1, 2, 3"
            ))
            .await?;
        for r in &idx.rows {
            if let Some(t) = tables.get(&text(&r[0]), &text(&r[1])) {
                t.indexes.push(LiveIndex {
                    name: text(&r[2]),
                    unique: truthy(&r[3]),
                    constraint_backed: truthy(&r[4]),
                    columns: list(&r[5]),
                });
            }
        }
        let cons = self
            .catalog("reading constraints", &format!(
                "SELECT n.nspname::text, t.relname::text, k.conname::text, k.contype::text, \
                 array_to_string(ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord) \
                   JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord), chr(31)), \
                 CASE WHEN k.confrelid <> 0 THEN k.confrelid::regclass::text END \
                 FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class t ON t.oid = k.conrelid \
                 JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
                 WHERE NOT t.relispartition AND k.contype IN ('p', 'f', 'u', 'c', 'x') AND {f} ORDER BY 1, 2, 3"
            ))
            .await?;
        for r in &cons.rows {
            if let Some(t) = tables.get(&text(&r[0]), &text(&r[1])) {
                t.constraints.push(LiveConstraint {
                    name: text(&r[2]),
                    kind: constraint_kind(&text(&r[3])).into(),
                    columns: list(&r[4]),
                    references: opt_text(&r[5]),
                });
            }
        }
        let types = self
            .catalog("reading types", &format!(
                "SELECT n.nspname::text, t.typname::text, t.typtype::text, \
                 array_to_string(ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), chr(31)) \
                 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
                 WHERE t.typtype IN ('e', 'c', 'd') AND {f} \
                 AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_catalog.pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')) \
                 AND {} ORDER BY 1, 2",
                not_ext("t.oid", "pg_type")
            ))
            .await?;
        for r in &types.rows {
            let (schema, name) = (text(&r[0]), text(&r[1]));
            if text(&r[2]) == "e" {
                live.enums.push(LiveEnum {
                    schema,
                    name,
                    values: list(&r[3]),
                });
            } else {
                live.types.push(LiveObject { schema, name });
            }
        }
        let funcs = self
            .catalog("reading functions", &format!(
                "SELECT DISTINCT n.nspname::text, p.proname::text FROM pg_catalog.pg_proc p \
                 JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE {f} AND {} ORDER BY 1, 2",
                not_ext("p.oid", "pg_proc")
            ))
            .await?;
        live.functions = funcs
            .rows
            .iter()
            .map(|r| LiveObject {
                schema: text(&r[0]),
                name: text(&r[1]),
            })
            .collect();
        live.tables = tables.finish();
        Ok(live)
    }

    async fn mysql_schema(&mut self) -> Result<LiveSchema, DbError> {
        let db = self.facts.database.clone();
        let mut live = LiveSchema::empty(Dialect::Mysql, db.clone());
        live.schemas.push(db.clone());
        live.search_path.push(db.clone());
        let mut tables = Tables::default();
        let rels = self
            .catalog("reading tables", "SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME")
            .await?;
        for r in &rels.rows {
            let name = text(&r[0]);
            match text(&r[1]).as_str() {
                "VIEW" | "SYSTEM VIEW" => live.views.push(LiveObject {
                    schema: db.clone(),
                    name,
                }),
                "SEQUENCE" => live.sequences.push(LiveObject {
                    schema: db.clone(),
                    name,
                }),
                _ => tables.add(db.clone(), name),
            }
        }
        let cols = self
            .catalog("reading columns", "SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT FROM information_schema.COLUMNS \
                 WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME, ORDINAL_POSITION")
            .await?;
        for r in &cols.rows {
            if let Some(t) = tables.get(&db, &text(&r[0])) {
                t.columns.push(LiveColumn {
                    name: text(&r[1]),
                    data_type: text(&r[2]),
                    nullable: truthy(&r[3]),
                    default: opt_text(&r[4]),
                });
            }
        }
        let cons = self
            .catalog("reading constraints", "SELECT tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE, \
                 GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR 0x1f), MAX(k.REFERENCED_TABLE_NAME) \
                 FROM information_schema.TABLE_CONSTRAINTS tc LEFT JOIN information_schema.KEY_COLUMN_USAGE k \
                 ON k.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND k.TABLE_NAME = tc.TABLE_NAME AND k.CONSTRAINT_NAME = tc.CONSTRAINT_NAME \
                 WHERE tc.TABLE_SCHEMA = DATABASE() GROUP BY tc.TABLE_NAME, tc.CONSTRAINT_NAME, tc.CONSTRAINT_TYPE")
            .await?;
        let mut backing: HashMap<(String, String), ()> = HashMap::new();
        for r in &cons.rows {
            let table = text(&r[0]);
            let name = text(&r[1]);
            backing.insert((table.clone(), name.to_lowercase()), ());
            if let Some(t) = tables.get(&db, &table) {
                t.constraints.push(LiveConstraint {
                    name,
                    kind: constraint_kind(&text(&r[2])).into(),
                    columns: list(&r[3]),
                    references: opt_text(&r[4]),
                });
            }
        }
        let idx = self
            .catalog("reading indexes", "SELECT TABLE_NAME, INDEX_NAME, MIN(NON_UNIQUE), \
                 GROUP_CONCAT(COALESCE(COLUMN_NAME, '') ORDER BY SEQ_IN_INDEX SEPARATOR 0x1f) \
                 FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() GROUP BY TABLE_NAME, INDEX_NAME ORDER BY TABLE_NAME, INDEX_NAME")
            .await?;
        for r in &idx.rows {
            let (table, name) = (text(&r[0]), text(&r[1]));
            let backed =
                name == "PRIMARY" || backing.contains_key(&(table.clone(), name.to_lowercase()));
            if let Some(t) = tables.get(&db, &table) {
                t.indexes.push(LiveIndex {
                    name,
                    unique: !truthy(&r[2]),
                    constraint_backed: backed,
                    columns: list(&r[3]),
                });
            }
        }
        let funcs = self
            .catalog("reading routines", "SELECT ROUTINE_NAME FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1")
            .await?;
        live.functions = funcs
            .rows
            .iter()
            .map(|r| LiveObject {
                schema: db.clone(),
                name: text(&r[0]),
            })
            .collect();
        live.tables = tables.finish();
        Ok(live)
    }

    async fn sqlite_schema(&mut self) -> Result<LiveSchema, DbError> {
        let mut live = LiveSchema::empty(Dialect::Sqlite, "main");
        live.schemas.push("main".into());
        live.search_path.push("main".into());
        let main = "main".to_string();
        let mut tables = Tables::default();
        let objs = self
            .catalog("reading sqlite_master", "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
            .await?;
        for r in &objs.rows {
            let name = text(&r[1]);
            match text(&r[0]).as_str() {
                "table" => tables.add(main.clone(), name),
                "view" => live.views.push(LiveObject {
                    schema: main.clone(),
                    name,
                }),
                _ => {}
            }
        }
        let cols = self
            .catalog("reading columns", "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk FROM sqlite_master m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, p.cid")
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
            if let Some(t) = tables.get(&main, &table) {
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
            if let Some(t) = tables.get(&main, &table) {
                t.constraints.push(LiveConstraint {
                    name: String::new(),
                    kind: "primary key".into(),
                    columns: cols.into_iter().map(|c| c.1).collect(),
                    references: None,
                });
            }
        }
        let idx = self
            .catalog("reading indexes", "SELECT m.name, il.name, il.\"unique\", il.origin, \
                 (SELECT group_concat(coalesce(ii.name, ''), char(31)) FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno) ii) \
                 FROM sqlite_master m JOIN pragma_index_list(m.name) il WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY m.name, il.name")
            .await?;
        for r in &idx.rows {
            if let Some(t) = tables.get(&main, &text(&r[0])) {
                t.indexes.push(LiveIndex {
                    name: text(&r[1]),
                    unique: truthy(&r[2]),
                    constraint_backed: text(&r[3]) != "c",
                    columns: list(&r[4]),
                });
            }
        }
        let fks = self
            .catalog("reading foreign keys", "SELECT m.name, f.\"table\", group_concat(f.\"from\", char(31)) FROM sqlite_master m \
                 JOIN pragma_foreign_key_list(m.name) f WHERE m.type = 'table' GROUP BY m.name, f.id, f.\"table\"")
            .await?;
        for r in &fks.rows {
            if let Some(t) = tables.get(&main, &text(&r[0])) {
                t.constraints.push(LiveConstraint {
                    name: String::new(),
                    kind: "foreign key".into(),
                    columns: list(&r[2]),
                    references: opt_text(&r[1]),
                });
            }
        }
        live.tables = tables.finish();
        Ok(live)
    }
}
