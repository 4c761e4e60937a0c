//! The generator's self-check: the real database's tables, columns, `CREATE INDEX` indexes and
//! named constraints, read with plain catalog queries (not migdoctor's), must equal the model's.
//! A difference is a generator bug: its expectations about breakages would be wrong.

use super::model::Shape;
use migdoctor_tests::{block_on, Dialect, TestDb};
use std::collections::BTreeMap;

/// Separates fields (unit separator) and records (record separator) in aggregated answers.
const FS: char = '\u{1f}';
const RS: char = '\u{1e}';

fn generated(name: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| {
        name.strip_prefix(p)
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// Returns the real schema as (table → shape), leaving out the tables in `skip`.
pub fn read(db: &TestDb, skip: &[&str]) -> BTreeMap<String, Shape> {
    let (cols, indexes, cons) = match db.dialect {
        Dialect::Postgres => (
            "SELECT string_agg(table_name::text || chr(31) || column_name::text, chr(30)) FROM information_schema.columns WHERE table_schema = 'public'",
            "SELECT string_agg(tablename::text || chr(31) || indexname::text, chr(30)) FROM pg_indexes WHERE schemaname = 'public'",
            "SELECT string_agg(t.relname::text || chr(31) || k.conname::text, chr(30)) FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = 'public'",
        ),
        Dialect::Mysql => (
            "SELECT GROUP_CONCAT(CONCAT(TABLE_NAME, CHAR(31), COLUMN_NAME) SEPARATOR 0x1e) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()",
            "SELECT GROUP_CONCAT(DISTINCT CONCAT(TABLE_NAME, CHAR(31), INDEX_NAME) SEPARATOR 0x1e) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()",
            "SELECT GROUP_CONCAT(CONCAT(TABLE_NAME, CHAR(31), CONSTRAINT_NAME) SEPARATOR 0x1e) FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE()",
        ),
        Dialect::Sqlite => (
            "SELECT group_concat(m.name || char(31) || p.name, char(30)) FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'",
            "SELECT group_concat(tbl_name || char(31) || name, char(30)) FROM sqlite_master WHERE type = 'index'",
            "SELECT group_concat(name || char(31) || sql, char(30)) FROM sqlite_master WHERE type = 'table'",
        ),
    };
    let (cols, indexes, cons) = block_on(async {
        let mut raw = db.raw().await;
        // MariaDB cuts GROUP_CONCAT at group_concat_max_len.
        if db.dialect == Dialect::Mysql {
            raw.exec("SET SESSION group_concat_max_len = 67108864")
                .await;
        }
        (
            raw.text(cols).await.unwrap_or_default(),
            raw.text(indexes).await.unwrap_or_default(),
            raw.text(cons).await.unwrap_or_default(),
        )
    });
    let pairs = |text: &str| -> Vec<(String, String)> {
        text.split(RS)
            .filter(|r| !r.is_empty())
            .filter_map(|r| r.split_once(FS))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    let mut out: BTreeMap<String, Shape> = BTreeMap::new();
    for (t, c) in pairs(&cols) {
        if !skip.contains(&t.as_str()) {
            out.entry(t).or_default().cols.insert(c);
        }
    }
    for (t, i) in pairs(&indexes) {
        if let Some(shape) = out.get_mut(&t) {
            if generated(&i, &["ix_"]) {
                shape.indexes.insert(i);
            }
        }
    }
    let named = ["uq_", "ck_", "fk_"];
    for (t, k) in pairs(&cons) {
        let Some(shape) = out.get_mut(&t) else {
            continue;
        };
        if db.dialect == Dialect::Sqlite {
            // SQLite keeps constraint names only in the table's SQL text.
            let words: Vec<&str> = k
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            for w in words.windows(2) {
                if w[0].eq_ignore_ascii_case("constraint") && generated(w[1], &named) {
                    shape.cons.insert(w[1].to_string());
                }
            }
        } else if generated(&k, &named) {
            shape.cons.insert(k);
        }
    }
    out
}

/// Returns the differences between the model and the real schema, one line each.
pub fn diff(model: &BTreeMap<String, Shape>, real: &BTreeMap<String, Shape>) -> Vec<String> {
    let mut out = Vec::new();
    for (t, m) in model {
        let Some(r) = real.get(t) else {
            out.push(format!("table {t}: in the model, not in the database"));
            continue;
        };
        for (what, a, b) in [
            ("columns", &m.cols, &r.cols),
            ("indexes", &m.indexes, &r.indexes),
            ("constraints", &m.cons, &r.cons),
        ] {
            if a != b {
                out.push(format!(
                    "table {t} {what}: model {:?}, database {:?}",
                    a.difference(b).collect::<Vec<_>>(),
                    b.difference(a).collect::<Vec<_>>()
                ));
            }
        }
    }
    for t in real.keys().filter(|t| !model.contains_key(*t)) {
        out.push(format!("table {t}: in the database, not in the model"));
    }
    out
}
