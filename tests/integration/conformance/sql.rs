//! Rendering operations as SQL statements, per dialect, the way a person writes them in a
//! migration file.

use super::model::*;
use migdoctor_tests::Dialect;

pub fn ty(d: Dialect, t: Ty) -> &'static str {
    match (d, t) {
        (Dialect::Sqlite, Ty::Int) => "INTEGER",
        (_, Ty::Int) => "integer",
        (_, Ty::Big) => "bigint",
        (_, Ty::Text) => "varchar(100)",
    }
}

fn con_body(k: &ConDefKind) -> String {
    match k {
        ConDefKind::Unique(cols) => format!("UNIQUE ({})", cols.join(", ")),
        ConDefKind::Check(c) => format!("CHECK ({c} >= 0)"),
        ConDefKind::Fk { col, parent } => format!("FOREIGN KEY ({col}) REFERENCES {parent} (id)"),
    }
}

fn con_clause(k: &ConDef) -> String {
    match &k.name {
        Some(n) => format!("CONSTRAINT {n} {}", con_body(&k.kind)),
        None => con_body(&k.kind),
    }
}

pub fn create_table(d: Dialect, def: &TableDef) -> String {
    let id = if d == Dialect::Sqlite {
        "id INTEGER PRIMARY KEY"
    } else {
        "id integer PRIMARY KEY"
    };
    let mut lines = vec![id.to_string()];
    lines.extend(
        def.cols
            .iter()
            .map(|c| format!("{} {}", c.name, ty(d, c.ty))),
    );
    lines.extend(def.cons.iter().map(con_clause));
    format!(
        "CREATE TABLE {} (\n    {}\n)",
        def.name,
        lines.join(",\n    ")
    )
}

pub fn create_index(i: &IndexDef) -> String {
    format!(
        "CREATE {}INDEX {} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        i.name,
        i.table,
        i.cols.join(", ")
    )
}

pub fn drop_index(d: Dialect, table: &str, name: &str) -> String {
    match d {
        Dialect::Mysql => format!("DROP INDEX {name} ON {table}"),
        _ => format!("DROP INDEX {name}"),
    }
}

fn rename_table(d: Dialect, from: &str, to: &str) -> String {
    match d {
        Dialect::Mysql => format!("RENAME TABLE {from} TO {to}"),
        _ => format!("ALTER TABLE {from} RENAME TO {to}"),
    }
}

fn value(v: &Val) -> String {
    match v {
        Val::Int(n) => n.to_string(),
        Val::Text(s) => format!("'{s}'"),
        Val::Null => "NULL".into(),
    }
}

/// Returns the statements of `op` (without the final `;`).
pub fn render(d: Dialect, op: &Op) -> Vec<String> {
    match op {
        Op::CreateTable(def) => vec![create_table(d, def)],
        Op::DropTable { table, cascade } => vec![format!(
            "DROP TABLE {table}{}",
            if *cascade { " CASCADE" } else { "" }
        )],
        Op::RenameTable { from, to } => vec![rename_table(d, from, to)],
        Op::AddColumn { table, col } => vec![format!(
            "ALTER TABLE {table} ADD COLUMN {} {}",
            col.name,
            ty(d, col.ty)
        )],
        Op::DropColumn { table, col } => vec![format!("ALTER TABLE {table} DROP COLUMN {col}")],
        Op::RenameColumn {
            table, from, to, ..
        } => vec![format!("ALTER TABLE {table} RENAME COLUMN {from} TO {to}")],
        Op::CreateIndex(i) => vec![create_index(i)],
        Op::DropIndex { table, name } => vec![drop_index(d, table, name)],
        Op::AddConstraint { table, con } => {
            vec![format!("ALTER TABLE {table} ADD {}", con_clause(con))]
        }
        Op::DropConstraint { table, con } => {
            let name = con
                .name
                .as_deref()
                .expect("only named constraints are dropped");
            match (d, &con.kind) {
                // MySQL names a unique constraint's index after it, and a foreign key leaves
                // the index it made behind when dropped.
                (Dialect::Mysql, ConDefKind::Unique(_)) => {
                    vec![format!("ALTER TABLE {table} DROP INDEX {name}")]
                }
                (Dialect::Mysql, ConDefKind::Fk { .. }) => vec![
                    format!("ALTER TABLE {table} DROP FOREIGN KEY {name}"),
                    format!("ALTER TABLE {table} DROP INDEX {name}"),
                ],
                (Dialect::Sqlite, _) => panic!("SQLite cannot drop a constraint"),
                _ => vec![format!("ALTER TABLE {table} DROP CONSTRAINT {name}")],
            }
        }
        Op::Recreate { def, indexes } => {
            let mut out = vec![format!("DROP TABLE {}", def.name), create_table(d, def)];
            out.extend(indexes.iter().map(create_index));
            out
        }
        Op::Rebuild {
            table,
            def,
            copy,
            indexes,
        } => {
            let cols = copy.join(", ");
            let mut out = vec![
                create_table(d, def),
                format!(
                    "INSERT INTO {} ({cols}) SELECT {cols} FROM {table}",
                    def.name
                ),
                format!("DROP TABLE {table}"),
                format!("ALTER TABLE {} RENAME TO {table}", def.name),
            ];
            out.extend(indexes.iter().map(create_index));
            out
        }
        Op::Do(inner) => vec![do_block(d, inner)],
        Op::Insert { table, cols, rows } => {
            let rows: Vec<String> = rows
                .iter()
                .map(|r| {
                    let vals: Vec<String> = r.iter().map(value).collect();
                    format!("({})", vals.join(", "))
                })
                .collect();
            vec![format!(
                "INSERT INTO {table} ({}) VALUES {}",
                cols.join(", "),
                rows.join(", ")
            )]
        }
    }
}

/// Returns the idempotent `DO` block people write around DDL on PostgreSQL.
fn do_block(d: Dialect, inner: &Op) -> String {
    assert_eq!(d, Dialect::Postgres, "DO blocks are PostgreSQL's");
    let (guard, body) = match inner {
        Op::AddColumn { table, col } => (
            format!("SELECT 1 FROM information_schema.columns WHERE table_name = '{table}' AND column_name = '{}'", col.name),
            render(d, inner).remove(0),
        ),
        Op::CreateIndex(i) => (
            format!("SELECT 1 FROM pg_indexes WHERE indexname = '{}'", i.name),
            format!("EXECUTE '{}'", create_index(i)),
        ),
        other => panic!("no DO block for {other:?}"),
    };
    format!("DO $$\nBEGIN\n    IF NOT EXISTS ({guard}) THEN\n        {body};\n    END IF;\nEND\n$$")
}

/// Returns a migration file: every statement of every op, each ended by `;`.
pub fn file(d: Dialect, ops: &[Op]) -> String {
    let mut out = String::new();
    for op in ops {
        for s in render(d, op) {
            out.push_str(&s);
            out.push_str(";\n");
        }
    }
    if out.is_empty() {
        out.push_str("-- nothing to do\n");
    }
    out
}
