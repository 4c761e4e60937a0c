//! SQL text → schema effects, per statement, with a real SQL parser (sqlparser) in the dialect
//! of the database.
//!
//! Identifier rule: an unquoted identifier is folded to lower case (PostgreSQL's rule; MySQL and
//! SQLite compare case-insensitively, and migdoctor compares their names in lower case), a
//! quoted one (`"…"`, `` `…` ``, `[…]`) is kept exactly.

use crate::split::split_statements;
use migdoctor_model::{Dialect, MigrationStatement, QName, SchemaEffect, StatementKind};
use sqlparser::ast::{
    AlterIndexOperation, AlterTableOperation, ColumnOption, Ident, ObjectName, ObjectType,
    RenameTableNameKind, SchemaName, Statement, TableConstraint,
};
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
            out.push(MigrationStatement {
                file: file.to_string(),
                line,
                sql: cut(&format!("{raw};")),
                kind,
                effects: Vec::new(),
            });
            continue;
        }
        let sql = format!("{raw};");
        match Parser::parse_sql(sqld.as_ref(), raw) {
            Ok(stmts) if stmts.len() == 1 => match effects_of(&stmts[0]) {
                Ok(effects) => out.push(MigrationStatement {
                    file: file.to_string(),
                    line,
                    sql,
                    kind: StatementKind::Ddl,
                    effects,
                }),
                Err(reason) => out.push(opaque(reason, sql)),
            },
            Ok(stmts) => out.push(opaque(format!("parsed as {} statements", stmts.len()), sql)),
            Err(e) => out.push(opaque(format!("could not parse: {e}"), sql)),
        }
    }
    out
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

/// Returns the folded identifier.
fn fold(id: &Ident) -> String {
    match id.quote_style {
        Some(_) => id.value.clone(),
        None => id.value.to_lowercase(),
    }
}

fn qname(name: &ObjectName) -> QName {
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident())
        .map(fold)
        .collect();
    match parts.as_slice() {
        [] => QName::new(""),
        [one] => QName::new(one.clone()),
        [.., schema, last] => QName {
            schema: Some(schema.clone()),
            name: last.clone(),
        },
    }
}

/// Returns the name, kind and whether it is an index (MySQL `KEY`) of a table constraint.
fn constraint_info(c: &TableConstraint) -> (Option<&Ident>, &'static str, bool) {
    match c {
        TableConstraint::Unique(u) => (u.name.as_ref().or(u.index_name.as_ref()), "unique", false),
        TableConstraint::PrimaryKey(p) => (p.name.as_ref(), "primary key", false),
        TableConstraint::ForeignKey(f) => (f.name.as_ref(), "foreign key", false),
        TableConstraint::Check(k) => (k.name.as_ref(), "check", false),
        TableConstraint::Index(i) => (i.name.as_ref(), "index", true),
        TableConstraint::FulltextOrSpatial(f) => (f.opt_index_name.as_ref(), "index", true),
        #[allow(unreachable_patterns)]
        _ => (None, "constraint", false),
    }
}

fn effects_of(stmt: &Statement) -> Result<Vec<SchemaEffect>, String> {
    let mut out = Vec::new();
    match stmt {
        Statement::CreateTable(ct) => {
            let table = qname(&ct.name);
            let mut constraints = Vec::new();
            let mut indexes = Vec::new();
            for col in &ct.columns {
                for opt in &col.options {
                    if let Some(n) = &opt.name {
                        if !matches!(
                            opt.option,
                            ColumnOption::NotNull | ColumnOption::Null | ColumnOption::Default(_)
                        ) {
                            constraints.push(fold(n));
                        }
                    }
                }
            }
            for c in &ct.constraints {
                match constraint_info(c) {
                    (Some(n), _, true) => indexes.push(fold(n)),
                    (Some(n), _, false) => constraints.push(fold(n)),
                    _ => {}
                }
            }
            out.push(SchemaEffect::CreateTable {
                table: table.clone(),
                columns: ct.columns.iter().map(|c| fold(&c.name)).collect(),
                constraints,
            });
            for i in indexes {
                out.push(SchemaEffect::CreateIndex {
                    index: QName::new(i),
                    table: table.clone(),
                    unique: false,
                });
            }
        }
        Statement::AlterTable(at) => {
            let table = qname(&at.name);
            for op in &at.operations {
                alter_op(&table, op, &mut out)?;
            }
        }
        Statement::CreateIndex(ci) => {
            if let Some(name) = &ci.name {
                let table = qname(&ci.table_name);
                let mut index = qname(name);
                if index.schema.is_none() {
                    index.schema.clone_from(&table.schema);
                }
                out.push(SchemaEffect::CreateIndex {
                    index,
                    table,
                    unique: ci.unique,
                });
            }
        }
        Statement::Drop {
            object_type,
            names,
            table,
            ..
        } => {
            for n in names {
                let q = qname(n);
                out.push(match object_type {
                    ObjectType::Table => SchemaEffect::DropTable { table: q },
                    ObjectType::Index => {
                        let mut index = q;
                        if index.schema.is_none() {
                            index.schema = table.as_ref().and_then(|t| qname(t).schema);
                        }
                        SchemaEffect::DropIndex { index }
                    }
                    ObjectType::View | ObjectType::MaterializedView => SchemaEffect::DropObject {
                        kind: "view".into(),
                        name: q,
                    },
                    ObjectType::Sequence => SchemaEffect::DropObject {
                        kind: "sequence".into(),
                        name: q,
                    },
                    ObjectType::Type => SchemaEffect::DropObject {
                        kind: "type".into(),
                        name: q,
                    },
                    ObjectType::Schema => SchemaEffect::DropObject {
                        kind: "schema".into(),
                        name: q,
                    },
                    other => return Err(format!("DROP {other} is not understood")),
                });
            }
        }
        Statement::DropFunction(df) => {
            for f in &df.func_desc {
                out.push(SchemaEffect::DropObject {
                    kind: "function".into(),
                    name: qname(&f.name),
                });
            }
        }
        Statement::CreateView(cv) => out.push(SchemaEffect::CreateView {
            view: qname(&cv.name),
        }),
        Statement::CreateSchema { schema_name, .. } => out.push(SchemaEffect::CreateSchema {
            name: match schema_name {
                SchemaName::Simple(n) | SchemaName::NamedAuthorization(n, _) => qname(n).name,
                SchemaName::UnnamedAuthorization(id) => fold(id),
            },
        }),
        Statement::CreateType { name, .. } => {
            out.push(SchemaEffect::CreateType { name: qname(name) })
        }
        Statement::CreateDomain(d) => out.push(SchemaEffect::CreateType {
            name: qname(&d.name),
        }),
        Statement::CreateSequence { name, .. } => {
            out.push(SchemaEffect::CreateSequence { name: qname(name) })
        }
        Statement::CreateFunction(cf) => out.push(SchemaEffect::CreateFunction {
            name: qname(&cf.name),
        }),
        Statement::RenameTable(renames) => {
            for r in renames {
                out.push(SchemaEffect::RenameTable {
                    from: qname(&r.old_name),
                    to: qname(&r.new_name),
                });
            }
        }
        Statement::AlterIndex { name, operation } => match operation {
            AlterIndexOperation::RenameIndex { index_name } => {
                let from = qname(name);
                let mut to = qname(index_name);
                if to.schema.is_none() {
                    to.schema.clone_from(&from.schema);
                }
                out.push(SchemaEffect::DropIndex {
                    index: from.clone(),
                });
                out.push(SchemaEffect::CreateIndex {
                    index: to,
                    table: QName {
                        schema: from.schema,
                        name: String::new(),
                    },
                    unique: false,
                });
            }
        },
        // Understood, and nothing migdoctor checks by name.
        Statement::CreateExtension(_)
        | Statement::AlterType(_)
        | Statement::CreateTrigger(_)
        | Statement::DropTrigger(_)
        | Statement::CreateRole(_)
        | Statement::Comment { .. } => {}
        other => {
            let text = other.to_string();
            let words: Vec<&str> = text.split_whitespace().take(3).collect();
            return Err(format!("{} is not understood", words.join(" ")));
        }
    }
    Ok(out)
}

fn alter_op(
    table: &QName,
    op: &AlterTableOperation,
    out: &mut Vec<SchemaEffect>,
) -> Result<(), String> {
    match op {
        AlterTableOperation::AddColumn { column_def, .. } => {
            out.push(SchemaEffect::AddColumn {
                table: table.clone(),
                column: fold(&column_def.name),
            });
            for opt in &column_def.options {
                if let Some(n) = &opt.name {
                    out.push(SchemaEffect::AddConstraint {
                        table: table.clone(),
                        name: Some(fold(n)),
                        kind: "column".into(),
                    });
                }
            }
        }
        AlterTableOperation::DropColumn { column_names, .. } => {
            for c in column_names {
                out.push(SchemaEffect::DropColumn {
                    table: table.clone(),
                    column: fold(c),
                });
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => out.push(SchemaEffect::RenameColumn {
            table: table.clone(),
            from: fold(old_column_name),
            to: fold(new_column_name),
        }),
        AlterTableOperation::RenameTable { table_name } => {
            let to = match table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => qname(n),
            };
            out.push(SchemaEffect::RenameTable {
                from: table.clone(),
                to,
            });
        }
        AlterTableOperation::AlterColumn { column_name, .. }
        | AlterTableOperation::ModifyColumn {
            col_name: column_name,
            ..
        } => out.push(SchemaEffect::AlterColumn {
            table: table.clone(),
            column: fold(column_name),
        }),
        AlterTableOperation::ChangeColumn {
            old_name, new_name, ..
        } => {
            if fold(old_name) != fold(new_name) {
                out.push(SchemaEffect::RenameColumn {
                    table: table.clone(),
                    from: fold(old_name),
                    to: fold(new_name),
                });
            }
            out.push(SchemaEffect::AlterColumn {
                table: table.clone(),
                column: fold(new_name),
            });
        }
        AlterTableOperation::AddConstraint { constraint, .. } => {
            match constraint_info(constraint) {
                (Some(n), _, true) => out.push(SchemaEffect::CreateIndex {
                    index: QName {
                        schema: table.schema.clone(),
                        name: fold(n),
                    },
                    table: table.clone(),
                    unique: false,
                }),
                (name, kind, _) => out.push(SchemaEffect::AddConstraint {
                    table: table.clone(),
                    name: name.map(fold),
                    kind: kind.into(),
                }),
            }
        }
        AlterTableOperation::DropConstraint { name, .. }
        | AlterTableOperation::DropForeignKey { name, .. } => {
            out.push(SchemaEffect::DropConstraint {
                table: table.clone(),
                name: fold(name),
            })
        }
        AlterTableOperation::DropIndex { name } => out.push(SchemaEffect::DropIndex {
            index: QName {
                schema: table.schema.clone(),
                name: fold(name),
            },
        }),
        AlterTableOperation::DropPrimaryKey { .. } => out.push(SchemaEffect::AlterColumn {
            table: table.clone(),
            column: String::new(),
        }),
        other => {
            return Err(format!(
                "ALTER TABLE {} is not understood",
                other
                    .to_string()
                    .split_whitespace()
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            ))
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
