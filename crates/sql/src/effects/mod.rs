//! SQL text → schema effects, per statement, with a real SQL parser (sqlparser) in the dialect
//! of the database.
//!
//! Identifier rule: an unquoted identifier is folded to lower case (PostgreSQL's rule; MySQL and
//! SQLite compare case-insensitively, and migdoctor compares their names in lower case), a
//! quoted one (`"…"`, `` `…` ``, `[…]`) is kept exactly.

use crate::split::split_statements;

mod ddl;
mod plpgsql;
mod tolerant;

use ddl::effects_of;
use migdoctor_model::{Dialect, MigrationStatement, SchemaEffect, StatementKind};
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;

/// Returns nothing; data statements longer than this keep only their beginning in the model.
pub const MAX_DATA_TEXT: usize = 2048;

const DATA_WORDS: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "SELECT", "WITH", "COPY", "MERGE", "VALUES", "REPLACE", "CALL",
    "EXPLAIN", "ANALYZE", "VACUUM", "TRUNCATE", "UPSERT", "LOAD", "REFRESH", "NOTIFY", "PERFORM",
];
const CONTROL_WORDS: &[&str] = &[
    "BEGIN",
    "COMMIT",
    "ROLLBACK",
    "START",
    "END",
    "SET",
    "RESET",
    "SAVEPOINT",
    "RELEASE",
    "LOCK",
    "PRAGMA",
    "USE",
    "GRANT",
    "REVOKE",
    "COMMENT",
    "SHOW",
    "DISCARD",
    "CHECKPOINT",
    "DELIMITER",
];

fn parser_dialect(dialect: Option<Dialect>) -> Box<dyn SqlDialect> {
    match dialect {
        Some(Dialect::Postgres) => Box::new(PostgreSqlDialect {}),
        Some(Dialect::Mysql) => Box::new(MySqlDialect {}),
        Some(Dialect::Sqlite) => Box::new(SQLiteDialect {}),
        None => Box::new(GenericDialect {}),
    }
}

/// Returns the statements of one migration file with their effects. Never fails: what cannot
/// be read becomes `Opaque` with the file and line. Invalid UTF-8 is decoded lossily and the
/// statements it touches are `Opaque`.
pub fn extract_bytes(
    dialect: Option<Dialect>,
    file: &str,
    bytes: &[u8],
) -> Vec<MigrationStatement> {
    match std::str::from_utf8(bytes) {
        Ok(text) => extract(dialect, file, text),
        Err(_) => {
            let text = String::from_utf8_lossy(bytes);
            extract(dialect, file, &text)
        }
    }
}

/// Returns the statements of `text` (from `file`) with their effects.
pub fn extract(dialect: Option<Dialect>, file: &str, text: &str) -> Vec<MigrationStatement> {
    let sqld = parser_dialect(dialect);
    let mut out = Vec::new();
    for chunk in split_statements(dialect, text) {
        let raw = text[chunk.start..chunk.end].trim_end();
        let line = chunk.line;
        let opaque = |reason: String, sql: String| MigrationStatement {
            file: file.to_string(),
            line,
            sql,
            kind: StatementKind::Opaque,
            effects: vec![SchemaEffect::Opaque {
                file: file.to_string(),
                line,
                reason,
                inner: Vec::new(),
            }],
        };
        if let Some(what) = chunk.unterminated {
            out.push(opaque(
                format!("unterminated {what} (truncated file?)"),
                cut(raw),
            ));
            continue;
        }
        if raw.contains('\u{FFFD}') {
            out.push(opaque("not valid UTF-8".into(), cut(raw)));
            continue;
        }
        let first = raw
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .find(|w| !w.is_empty())
            .unwrap_or("")
            .to_ascii_uppercase();
        let kind = if DATA_WORDS.contains(&first.as_str()) {
            Some(StatementKind::Data)
        } else if CONTROL_WORDS.contains(&first.as_str()) {
            Some(StatementKind::Control)
        } else {
            None
        };
        if let Some(kind) = kind {
            let effects = match kind {
                StatementKind::Control => search_path(raw).into_iter().collect(),
                _ => Vec::new(),
            };
            out.push(MigrationStatement {
                file: file.to_string(),
                line,
                sql: cut(&format!("{raw};")),
                kind,
                effects,
            });
            continue;
        }
        let sql = format!("{raw};");
        let parsed = match Parser::parse_sql(sqld.as_ref(), raw) {
            Ok(stmts) if stmts.len() == 1 => effects_of(&stmts[0]),
            Ok(stmts) => Err(format!("parsed as {} statements", stmts.len())),
            Err(e) => Err(format!("could not parse: {e}")),
        };
        // What sqlparser does not know (ALTER SEQUENCE, SET SCHEMA, MySQL RENAME INDEX,
        // SQLite's free-form column types) may still be plain DDL the tolerant reader knows.
        let parsed = parsed.or_else(|reason| tolerant::effects(raw).ok_or(reason));
        match parsed {
            Ok(effects) => out.push(MigrationStatement {
                file: file.to_string(),
                line,
                sql,
                kind: StatementKind::Ddl,
                effects,
            }),
            Err(reason) => {
                let mut st = opaque(reason, sql);
                if first == "DO"
                    && dialect != Some(Dialect::Mysql)
                    && dialect != Some(Dialect::Sqlite)
                {
                    if let (Some(inner), Some(SchemaEffect::Opaque { inner: slot, .. })) =
                        (plpgsql::do_block_effects(raw), st.effects.first_mut())
                    {
                        *slot = inner;
                    }
                }
                out.push(st);
            }
        }
    }
    out
}

/// Returns the effect of `SET [SESSION | LOCAL] search_path TO | = a, b` and
/// `RESET search_path` (an empty list: back to the session's default).
fn search_path(raw: &str) -> Option<SchemaEffect> {
    let lower = raw.to_ascii_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    if words.first() == Some(&"reset") && words.get(1) == Some(&"search_path") {
        return Some(SchemaEffect::SetSearchPath {
            schemas: Vec::new(),
        });
    }
    let rest = lower.strip_prefix("set")?.trim_start();
    let rest = rest
        .strip_prefix("session")
        .or_else(|| rest.strip_prefix("local"))
        .unwrap_or(rest)
        .trim_start();
    let rest = rest.strip_prefix("search_path")?.trim_start();
    let list = rest
        .strip_prefix("to")
        .or_else(|| rest.strip_prefix('='))?
        .trim();
    // Keep the written case of quoted names: cut the same span out of the raw text.
    let list = &raw[raw.len() - list.len()..];
    if list.eq_ignore_ascii_case("default") {
        return Some(SchemaEffect::SetSearchPath {
            schemas: Vec::new(),
        });
    }
    let schemas = list
        .split(',')
        .map(|s| {
            let s = s.trim().trim_matches('\'');
            match s.strip_prefix('"').and_then(|x| x.strip_suffix('"')) {
                Some(quoted) => quoted.to_string(),
                None => s.to_lowercase(),
            }
        })
        .filter(|s| !s.is_empty() && s != "$user" && s != "\"$user\"")
        .collect();
    Some(SchemaEffect::SetSearchPath { schemas })
}

fn cut(s: &str) -> String {
    if s.len() <= MAX_DATA_TEXT {
        return s.to_string();
    }
    let mut end = MAX_DATA_TEXT;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} … ({} bytes)", &s[..end], s.len())
}

#[cfg(test)]
mod tests;
