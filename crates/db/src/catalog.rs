//! Table shapes from the catalog: one query for columns, one for keys, per table.

use crate::values::{cell_text as text, cell_truthy as truthy};
use crate::{Db, DbError};
use migdoctor_model::{Column, Dialect, Rows, Sql, TableShape, TrackingLocation, Value};
use std::collections::BTreeMap;

/// Groups (index, is_primary, is_unique, column) rows into the shape's keys.
fn apply_keys(shape: &mut TableShape, rows: &Rows) {
    let mut uniques: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &rows.rows {
        let (name, primary, unique, column) =
            (text(&r[0]), truthy(&r[1]), truthy(&r[2]), text(&r[3]));
        if primary {
            shape.primary_key.push(column);
        } else if unique {
            uniques.entry(name).or_default().push(column);
        }
    }
    shape.unique_indexes = uniques.into_iter().collect();
}

impl Db {
    /// Returns the shape of the table at `at`, or `None` when it does not exist. `at.schema`
    /// `None` means the connection's default schema.
    pub async fn table_shape(
        &mut self,
        at: &TrackingLocation,
    ) -> Result<Option<TableShape>, DbError> {
        let what = format!("reading the columns of {at}");
        let p = |v: &str| Value::Text(v.to_string());
        let (cols_sql, keys_sql) = match self.facts.dialect {
            Dialect::Postgres => {
                let schema = at
                    .schema
                    .clone()
                    .or_else(|| self.facts.current_schema.clone())
                    .unwrap_or_else(|| "public".into());
                (
                    Sql::with_params(
                        "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod)::text, NOT a.attnotnull \
                         FROM pg_catalog.pg_attribute a \
                         JOIN pg_catalog.pg_class c ON c.oid = a.attrelid \
                         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                         WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p') \
                         AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                        vec![p(&schema), p(&at.table)],
                    ),
                    Sql::with_params(
                        "SELECT ic.relname::text, i.indisprimary, i.indisunique, a.attname::text \
                         FROM pg_catalog.pg_index i \
                         JOIN pg_catalog.pg_class c ON c.oid = i.indrelid \
                         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
                         JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid \
                         JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true \
                         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum \
                         WHERE n.nspname = $1 AND c.relname = $2 ORDER BY ic.relname, k.ord",
                        vec![p(&schema), p(&at.table)],
                    ),
                )
            }
            Dialect::Mysql => {
                let schema = at
                    .schema
                    .clone()
                    .unwrap_or_else(|| self.facts.database.clone());
                (
                    Sql::with_params(
                        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS \
                         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
                        vec![p(&schema), p(&at.table)],
                    ),
                    Sql::with_params(
                        "SELECT INDEX_NAME, INDEX_NAME = 'PRIMARY', NON_UNIQUE = 0, COLUMN_NAME FROM information_schema.STATISTICS \
                         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY INDEX_NAME, SEQ_IN_INDEX",
                        vec![p(&schema), p(&at.table)],
                    ),
                )
            }
            Dialect::Sqlite => (
                Sql::with_params(
                    "SELECT name, type, \"notnull\" = 0, pk FROM pragma_table_info(?) ORDER BY cid",
                    vec![p(&at.table)],
                ),
                Sql::with_params(
                    "SELECT il.name, il.origin = 'pk', il.\"unique\", ii.name \
                     FROM pragma_index_list(?1) AS il JOIN pragma_index_info(il.name) AS ii \
                     ORDER BY il.name, ii.seqno",
                    vec![p(&at.table)],
                ),
            ),
        };
        let cols = self.fetch_rows(&what, &cols_sql).await?;
        if cols.rows.is_empty() {
            return Ok(None);
        }
        let mut shape = TableShape::default();
        let mut sqlite_pk: Vec<(i64, String)> = Vec::new();
        for r in &cols.rows {
            let name = text(&r[0]);
            if self.facts.dialect == Dialect::Sqlite {
                if let Some(Value::Int(pk)) = r.get(3) {
                    if *pk > 0 {
                        sqlite_pk.push((*pk, name.clone()));
                    }
                }
            }
            shape.columns.push(Column {
                name,
                data_type: text(&r[1]),
                nullable: truthy(&r[2]),
            });
        }
        let keys = self.fetch_rows(&what, &keys_sql).await?;
        apply_keys(&mut shape, &keys);
        if self.facts.dialect == Dialect::Sqlite && shape.primary_key.is_empty() {
            sqlite_pk.sort();
            shape.primary_key = sqlite_pk.into_iter().map(|(_, n)| n).collect();
        }
        Ok(Some(shape))
    }
}
