//! PostgreSQL's live schema, read from `pg_catalog` in one read-only snapshot.
//!
//! Each catalog is read by one flat query that returns oids and attribute numbers; names are
//! put together in Rust. On 10,000 tables the earlier queries spent most of their time in
//! per-row work the server repeated for every index and constraint: a correlated `ARRAY`
//! subquery per index and per constraint, an `EXISTS` over `pg_constraint` per index, and
//! `pg_get_expr(adbin, adrelid)`, which opens the table for every default. Their estimated cost
//! also crossed `jit_above_cost`, and compiling them took longer than running them.

use super::{constraint_kind, Tables};
use crate::conn::query_error;
use crate::{DbError, DbUrl};
use migdoctor_model::{
    ConnectionFacts, Dialect, LiveColumn, LiveConstraint, LiveEnum, LiveIndex, LiveObject,
    LiveSchema, Sql,
};
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::{Executor, FromRow};
use std::collections::HashSet;

/// Schemas that are PostgreSQL's own.
const NOT_SYSTEM: &str =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'";

/// Returns the condition "`oid` (of catalog `class`) is not a member of an extension". The
/// `refclassid` term lets the server find extension members through `pg_depend`'s reference
/// index instead of scanning all of `pg_depend`.
fn not_in_extension(oid: &str, class: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass \
         AND d.classid = 'pg_catalog.{class}'::regclass AND d.objid = {oid} AND d.deptype = 'e')"
    )
}

/// Returns the rows of `sql`, decoded into `T`.
async fn fetch<T>(
    conn: &mut PgConnection,
    url: &DbUrl,
    what: &str,
    sql: &str,
) -> Result<Vec<T>, DbError>
where
    T: for<'r> FromRow<'r, PgRow> + Send + Unpin,
{
    sqlx::query_as::<_, T>(sql)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| query_error(url, what, &Sql::new(sql), e))
}

/// Runs one statement without parameters.
async fn run(conn: &mut PgConnection, url: &DbUrl, what: &str, sql: &str) -> Result<(), DbError> {
    conn.execute(sqlx::raw_sql(sql))
        .await
        .map(|_| ())
        .map_err(|e| query_error(url, what, &Sql::new(sql), e))
}

/// Returns the live schema of every non-system schema.
pub(super) async fn read_live_schema(
    conn: &mut PgConnection,
    url: &DbUrl,
    facts: &ConnectionFacts,
) -> Result<LiveSchema, DbError> {
    // One snapshot for every query, so a migration running meanwhile is seen whole or not at
    // all; and no JIT, which cannot pay off on catalog queries.
    run(
        conn,
        url,
        "opening a snapshot of the catalog",
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    )
    .await?;
    let read = async {
        run(
            conn,
            url,
            "turning JIT off for the catalog read",
            "SELECT set_config('jit', 'off', true) FROM pg_catalog.pg_settings WHERE name = 'jit'",
        )
        .await?;
        read_catalog(conn, url, facts).await
    }
    .await;
    let end = if read.is_ok() { "COMMIT" } else { "ROLLBACK" };
    let ended = run(conn, url, "closing the snapshot of the catalog", end).await;
    let live = read?;
    ended?;
    Ok(live)
}

/// Column attribute numbers of one table, parallel to its `columns`.
type Attnums = Vec<i16>;

/// Returns the name of column `attnum` of a table.
fn column_name<'a>(columns: &'a [LiveColumn], attnums: &Attnums, attnum: i16) -> Option<&'a str> {
    let i = attnums.binary_search(&attnum).ok()?;
    columns.get(i).map(|c| c.name.as_str())
}

async fn read_catalog(
    conn: &mut PgConnection,
    url: &DbUrl,
    facts: &ConnectionFacts,
) -> Result<LiveSchema, DbError> {
    let f = NOT_SYSTEM;
    let default = facts
        .current_schema
        .clone()
        .unwrap_or_else(|| "public".into());
    let mut live = LiveSchema::empty(Dialect::Postgres, default);

    // Without implicit schemas (pg_catalog, pg_temp): the ones on the path that exist, in
    // order.
    let path: Vec<(Vec<String>,)> = fetch(
        conn,
        url,
        "reading the search path",
        "SELECT current_schemas(false)::text[]",
    )
    .await?;
    live.search_path = path.into_iter().next().map(|r| r.0).unwrap_or_default();

    let schemas: Vec<(String, bool)> = fetch(
        conn,
        url,
        "reading schemas",
        &format!("SELECT n.nspname::text, has_schema_privilege(n.oid, 'USAGE') FROM pg_catalog.pg_namespace n WHERE {f} ORDER BY 1"),
    )
    .await?;
    for (name, usage) in schemas {
        if !usage {
            live.hidden
                .push(format!("schema {name}: no USAGE privilege"));
        }
        live.schemas.push(name);
    }

    let rels: Vec<(i64, String, String, String)> = fetch(
        conn,
        url,
        "reading tables",
        &format!(
            "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text FROM pg_catalog.pg_class c \
             JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND NOT c.relispartition AND {f} AND {} ORDER BY 2, 3",
            not_in_extension("c.oid", "pg_class")
        ),
    )
    .await?;
    let mut tables = Tables::with_capacity(rels.len());
    for (oid, schema, name, kind) in rels {
        match kind.as_str() {
            "v" | "m" => live.views.push(LiveObject { schema, name }),
            "S" => live.sequences.push(LiveObject { schema, name }),
            _ => tables.add(oid, schema, name),
        }
    }

    // A default is printed without its table unless it refers to columns (a generated
    // column): pg_get_expr opens the table it is given, which costs more than everything else
    // in this query together.
    let mut cols: Vec<(i64, i16, String, String, bool, Option<String>)> = fetch(
        conn,
        url,
        "reading columns",
        &format!(
            "SELECT a.attrelid::int8, a.attnum, a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, \
             pg_get_expr(d.adbin, CASE WHEN d.adbin::text LIKE '%{{VAR %' THEN d.adrelid ELSE 0 END) \
             FROM pg_catalog.pg_attribute a \
             JOIN pg_catalog.pg_class c ON c.oid = a.attrelid JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE c.relkind IN ('r', 'p', 'f') AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND {f}"
        ),
    )
    .await?;
    cols.sort_unstable_by_key(|c| (c.0, c.1));
    let mut attnums: Vec<Attnums> = vec![Vec::new(); tables.list.len()];
    for (rel, attnum, name, data_type, nullable, default) in cols {
        if let Some(i) = tables.position(&rel) {
            attnums[i].push(attnum);
            tables.list[i].columns.push(LiveColumn {
                name,
                data_type,
                nullable,
                default,
            });
        }
    }

    // Column names come from the table's columns; the server names them only for a
    // constraint on a system column (a CHECK may use tableoid), which is rare.
    type ConRow = (
        i64,
        String,
        String,
        Option<Vec<i16>>,
        Option<String>,
        i64,
        Option<Vec<String>>,
    );
    let cons: Vec<ConRow> = fetch(
        conn,
        url,
        "reading constraints",
        &format!(
            "SELECT k.conrelid::int8, k.conname::text, k.contype::text, k.conkey, \
             CASE WHEN k.confrelid <> 0 THEN k.confrelid::regclass::text END, k.conindid::int8, \
             CASE WHEN 0 > ANY (k.conkey) THEN ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(attnum, ord) \
               JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.attnum ORDER BY u.ord) END \
             FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class t ON t.oid = k.conrelid \
             JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             WHERE NOT t.relispartition AND k.contype IN ('p', 'f', 'u', 'c', 'x') AND {f}"
        ),
    )
    .await?;
    // The indexes of primary key, unique and exclusion constraints (a foreign key's conindid
    // is the referenced table's index).
    let mut backing: HashSet<i64> = HashSet::new();
    for (rel, name, contype, conkey, references, conindid, named) in cons {
        if matches!(contype.as_str(), "p" | "u" | "x") {
            backing.insert(conindid);
        }
        let Some(i) = tables.position(&rel) else {
            continue;
        };
        let columns = match named {
            Some(names) => names,
            None => {
                let t = &tables.list[i];
                conkey
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|a| column_name(&t.columns, &attnums[i], a).map(str::to_string))
                    .collect()
            }
        };
        tables.list[i].constraints.push(LiveConstraint {
            name,
            kind: constraint_kind(&contype).into(),
            columns,
            references,
        });
    }

    // Expression columns (attnum 0) are printed by the server, only for indexes that have
    // any; plain columns are named from the table's columns.
    // indkey is an int2vector, whose array form starts at index 0, which sqlx refuses; its
    // text form is the attribute numbers separated by spaces.
    type IdxRow = (i64, String, bool, bool, i64, String, Option<Vec<String>>);
    let idx: Vec<IdxRow> = fetch(
        conn,
        url,
        "reading indexes",
        &format!(
            "SELECT x.indrelid::int8, i.relname::text, x.indisunique, x.indisprimary, x.indexrelid::int8, x.indkey::text, \
             CASE WHEN x.indexprs IS NOT NULL THEN ARRAY(SELECT pg_get_indexdef(x.indexrelid, k, true) FROM generate_series(1, x.indnatts::int) k) END \
             FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid \
             JOIN pg_catalog.pg_class t ON t.oid = x.indrelid JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace \
             WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition AND {f}"
        ),
    )
    .await?;
    for (rel, name, unique, primary, oid, indkey, printed) in idx {
        let Some(i) = tables.position(&rel) else {
            continue;
        };
        let t = &tables.list[i];
        let columns = indkey
            .split_ascii_whitespace()
            .map(|a| a.parse::<i16>().unwrap_or(0))
            .enumerate()
            .map(|(pos, attnum)| {
                let plain = (attnum != 0)
                    .then(|| column_name(&t.columns, &attnums[i], attnum))
                    .flatten();
                match plain {
                    Some(c) => c.to_string(),
                    None => printed
                        .as_ref()
                        .and_then(|p| p.get(pos).cloned())
                        .unwrap_or_default(),
                }
            })
            .collect();
        tables.list[i].indexes.push(LiveIndex {
            name,
            columns,
            unique,
            constraint_backed: primary || backing.contains(&oid),
        });
    }
    // Names sort bytewise, as `ORDER BY name` does under the C collation of `name`.
    for t in &mut tables.list {
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        t.constraints.sort_by(|a, b| a.name.cmp(&b.name));
    }

    let types: Vec<(String, String, String, Option<Vec<String>>)> = fetch(
        conn,
        url,
        "reading types",
        &format!(
            "SELECT n.nspname::text, t.typname::text, t.typtype::text, \
             CASE WHEN t.typtype = 'e' THEN ARRAY(SELECT e.enumlabel::text FROM pg_catalog.pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) END \
             FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace \
             LEFT JOIN pg_catalog.pg_class c ON c.oid = t.typrelid \
             WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c')) AND {f} AND {} ORDER BY 1, 2",
            not_in_extension("t.oid", "pg_type")
        ),
    )
    .await?;
    for (schema, name, typtype, labels) in types {
        if typtype == "e" {
            live.enums.push(LiveEnum {
                schema,
                name,
                values: labels.unwrap_or_default(),
            });
        } else {
            live.types.push(LiveObject { schema, name });
        }
    }

    let funcs: Vec<(String, String)> = fetch(
        conn,
        url,
        "reading functions",
        &format!(
            "SELECT DISTINCT n.nspname::text, p.proname::text FROM pg_catalog.pg_proc p \
             JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE {f} AND {} ORDER BY 1, 2",
            not_in_extension("p.oid", "pg_proc")
        ),
    )
    .await?;
    live.functions = funcs
        .into_iter()
        .map(|(schema, name)| LiveObject { schema, name })
        .collect();
    live.tables = tables.list;
    Ok(live)
}
