//! Alembic in the conformance suite: revision files in the layout of Alembic's template, with
//! branches and merge revisions, bodies of `op.*` calls (`batch_alter_table` for constraints
//! on SQLite, `op.execute("SQL")` for some statements and for data and `DO` blocks), run by
//! real `alembic upgrade heads` and stamped back by real `alembic stamp`.

use super::breaks::TrackingBreak;
use super::gen::{Features, History, Rng};
use super::model::*;
use super::{sql, Deployment, FrameworkUnderTest};
use migdoctor_tests::{alembic_bin, AlembicProject, Dialect, TestDb};

pub struct Alembic;

impl FrameworkUnderTest for Alembic {
    fn name(&self) -> &'static str {
        "alembic"
    }

    fn history_size(&self, _: Dialect) -> usize {
        80
    }

    fn features(&self, dialect: Dialect) -> Features {
        let pg = dialect == Dialect::Postgres;
        Features {
            dialect,
            // SQLite through batch_alter_table's move-and-copy.
            alter_constraints: true,
            rebuild: false,
            do_blocks: pg,
            cascade: pg,
            branches: true,
        }
    }

    fn deploy<'a>(
        &self,
        history: &History,
        db: &'a TestDb,
        seed: u64,
    ) -> Option<Box<dyn Deployment + 'a>> {
        let bin = alembic_bin()?;
        let mut rng = Rng::new(seed ^ 0xa1e3_b1c0);
        let mut ids: Vec<String> = Vec::new();
        while ids.len() < history.migrations.len() {
            let id = hex12(&mut rng);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        let files: Vec<(String, String)> = history
            .migrations
            .iter()
            .enumerate()
            .map(|(k, m)| {
                let parents: Vec<&str> = m.parents.iter().map(|p| ids[*p].as_str()).collect();
                let body = body(db.dialect, &m.ops, &mut rng);
                (
                    format!("{}_{}.py", ids[k], m.slug),
                    revision_file(&ids[k], &parents, &m.slug, &body),
                )
            })
            .collect();
        let refs: Vec<(&str, String)> =
            files.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
        let project = AlembicProject::new(bin, db, &refs);
        Some(Box::new(Alem {
            project,
            db,
            ids,
            files,
        }))
    }
}

/// Returns a revision id like Alembic's (12 hex digits), with at least one letter so it never
/// reads as a number.
fn hex12(rng: &mut Rng) -> String {
    loop {
        let id = format!("{:012x}", rng.next() & 0xffff_ffff_ffff);
        if id.bytes().any(|b| b.is_ascii_alphabetic()) {
            return id;
        }
    }
}

fn revision_file(rev: &str, parents: &[&str], slug: &str, body: &str) -> String {
    let (down, revises) = match parents {
        [] => ("None".to_string(), String::new()),
        [p] => (format!("'{p}'"), p.to_string()),
        many => {
            let quoted: Vec<String> = many.iter().map(|p| format!("'{p}'")).collect();
            (format!("({})", quoted.join(", ")), many.join(", "))
        }
    };
    format!(
        "\"\"\"{slug}\n\nRevision ID: {rev}\nRevises: {revises}\nCreate Date: 2026-11-29 12:00:00.000000\n\n\"\"\"\nfrom typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n\n# revision identifiers, used by Alembic.\nrevision: str = '{rev}'\ndown_revision: Union[str, Sequence[str], None] = {down}\nbranch_labels: Union[str, Sequence[str], None] = None\ndepends_on: Union[str, Sequence[str], None] = None\n\n\ndef upgrade() -> None:\n{body}\n\n\ndef downgrade() -> None:\n    pass\n"
    )
}

fn sa_type(t: Ty) -> &'static str {
    match t {
        Ty::Int => "sa.Integer()",
        Ty::Big => "sa.BigInteger()",
        Ty::Text => "sa.String(100)",
    }
}

fn list(items: &[String]) -> String {
    let q: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
    format!("[{}]", q.join(", "))
}

fn name_arg(name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!(", name='{n}'"))
        .unwrap_or_default()
}

fn type_arg(k: &ConDefKind) -> &'static str {
    match k {
        ConDefKind::Unique(_) => "unique",
        ConDefKind::Check(_) => "check",
        ConDefKind::Fk { .. } => "foreignkey",
    }
}

fn execute(sql: &str) -> String {
    format!("    op.execute(\"\"\"{sql}\"\"\")")
}

/// Returns `op.<call>` or, in a batch block, `batch_op.<call>` on SQLite.
fn batch(d: Dialect, table: &str, call: &str, args: &str) -> String {
    if d == Dialect::Sqlite {
        format!(
            "    with op.batch_alter_table('{table}') as batch_op:\n        batch_op.{call}({args})"
        )
    } else {
        format!("    op.{call}({args})")
    }
}

fn create_table(def: &TableDef) -> String {
    let mut args = vec![
        format!("'{}'", def.name),
        "sa.Column('id', sa.Integer(), primary_key=True)".to_string(),
    ];
    for c in &def.cols {
        args.push(format!("sa.Column('{}', {})", c.name, sa_type(c.ty)));
    }
    for k in &def.cons {
        let n = name_arg(&k.name);
        args.push(match &k.kind {
            ConDefKind::Unique(cols) => {
                let q: Vec<String> = cols.iter().map(|c| format!("'{c}'")).collect();
                format!("sa.UniqueConstraint({}{n})", q.join(", "))
            }
            ConDefKind::Check(c) => format!("sa.CheckConstraint('{c} >= 0'{n})"),
            ConDefKind::Fk { col, parent } => {
                format!("sa.ForeignKeyConstraint(['{col}'], ['{parent}.id']{n})")
            }
        });
    }
    format!(
        "    op.create_table(\n        {},\n    )",
        args.join(",\n        ")
    )
}

fn create_index(i: &IndexDef) -> String {
    format!(
        "    op.create_index('{}', '{}', {}, unique={})",
        i.name,
        i.table,
        list(&i.cols),
        if i.unique { "True" } else { "False" }
    )
}

/// Returns the Python lines of one op, choosing between `op.*` and `op.execute` the way
/// hand-edited revisions mix them.
fn op_lines(d: Dialect, op: &Op, rng: &mut Rng) -> Vec<String> {
    let raw = rng.chance(20);
    let as_sql = || sql::render(d, op).iter().map(|s| execute(s)).collect();
    match op {
        Op::CreateTable(def) => vec![create_table(def)],
        Op::DropTable { cascade: true, .. }
        | Op::Do(_)
        | Op::Insert { .. }
        | Op::Rebuild { .. } => as_sql(),
        Op::DropTable { table, .. } => vec![format!("    op.drop_table('{table}')")],
        Op::RenameTable { from, to } => vec![format!("    op.rename_table('{from}', '{to}')")],
        Op::AddColumn { .. } | Op::CreateIndex(_) | Op::DropIndex { .. } if raw => as_sql(),
        Op::AddColumn { table, col } => vec![format!(
            "    op.add_column('{table}', sa.Column('{}', {}))",
            col.name,
            sa_type(col.ty)
        )],
        Op::DropColumn { table, col } if d == Dialect::Sqlite && rng.chance(50) => {
            vec![batch(d, table, "drop_column", &format!("'{col}'"))]
        }
        Op::DropColumn { table, col } => vec![format!("    op.drop_column('{table}', '{col}')")],
        Op::RenameColumn {
            table,
            from,
            to,
            ty,
        } => vec![format!(
            "    op.alter_column('{table}', '{from}', new_column_name='{to}', existing_type={})",
            sa_type(*ty)
        )],
        Op::CreateIndex(i) => vec![create_index(i)],
        Op::DropIndex { table, name } => {
            vec![format!("    op.drop_index('{name}', table_name='{table}')")]
        }
        Op::AddConstraint { table, con } => {
            let name = con.name.as_deref().expect("named");
            let line = match &con.kind {
                ConDefKind::Unique(cols) => batch(
                    d,
                    table,
                    "create_unique_constraint",
                    &if d == Dialect::Sqlite {
                        format!("'{name}', {}", list(cols))
                    } else {
                        format!("'{name}', '{table}', {}", list(cols))
                    },
                ),
                ConDefKind::Check(c) => batch(
                    d,
                    table,
                    "create_check_constraint",
                    &if d == Dialect::Sqlite {
                        format!("'{name}', '{c} >= 0'")
                    } else {
                        format!("'{name}', '{table}', '{c} >= 0'")
                    },
                ),
                ConDefKind::Fk { col, parent } => batch(
                    d,
                    table,
                    "create_foreign_key",
                    &if d == Dialect::Sqlite {
                        format!("'{name}', '{parent}', ['{col}'], ['id']")
                    } else {
                        format!("'{name}', '{table}', '{parent}', ['{col}'], ['id']")
                    },
                ),
            };
            vec![line]
        }
        Op::DropConstraint { table, con } => {
            let name = con.name.as_deref().expect("named");
            let ty = type_arg(&con.kind);
            let args = if d == Dialect::Sqlite {
                format!("'{name}', type_='{ty}'")
            } else {
                format!("'{name}', '{table}', type_='{ty}'")
            };
            let mut out = vec![batch(d, table, "drop_constraint", &args)];
            // MySQL leaves the index a foreign key made behind.
            if d == Dialect::Mysql && ty == "foreignkey" {
                out.push(format!("    op.drop_index('{name}', table_name='{table}')"));
            }
            out
        }
        Op::Recreate { def, indexes } => {
            let mut out = vec![
                format!("    op.drop_table('{}')", def.name),
                create_table(def),
            ];
            out.extend(indexes.iter().map(create_index));
            out
        }
    }
}

fn body(d: Dialect, ops: &[Op], rng: &mut Rng) -> String {
    let lines: Vec<String> = ops.iter().flat_map(|op| op_lines(d, op, rng)).collect();
    if lines.is_empty() {
        "    pass".into()
    } else {
        lines.join("\n")
    }
}

struct Alem<'a> {
    project: AlembicProject,
    db: &'a TestDb,
    ids: Vec<String>,
    files: Vec<(String, String)>,
}

impl Alem<'_> {
    fn alembic(&self, args: &[&str]) {
        let (ok, out) = self.project.run(args);
        assert!(ok, "alembic {args:?} failed:\n{out}");
    }
}

impl Deployment for Alem<'_> {
    fn path(&self) -> String {
        self.project.path()
    }

    fn run(&self) -> Result<(), String> {
        match self.project.run(&["upgrade", "heads"]) {
            (true, _) => Ok(()),
            (false, out) => Err(format!("alembic upgrade heads failed:\n{out}")),
        }
    }

    fn id(&self, k: usize) -> String {
        self.ids[k].clone()
    }

    fn source(&self, k: usize) -> String {
        let (name, text) = &self.files[k];
        format!("alembic/versions/{name}:\n{text}")
    }

    fn own_tables(&self) -> Vec<&'static str> {
        vec!["alembic_version"]
    }

    fn unknown_id(&self, seed: u64) -> String {
        let mut rng = Rng::new(seed);
        loop {
            let id = hex12(&mut rng);
            if !self.ids.contains(&id) {
                return id;
            }
        }
    }

    fn supports(&self, b: &TrackingBreak) -> bool {
        // Alembic has no dirty flag.
        *b != TrackingBreak::Dirty
    }

    fn break_tracking(&self, b: &TrackingBreak) {
        match b {
            TrackingBreak::DeleteRows => self.db.exec("DELETE FROM alembic_version"),
            TrackingBreak::SetEarlier(j) => self.alembic(&["stamp", "--purge", &self.ids[*j]]),
            TrackingBreak::SetUnknown(id) => self
                .db
                .exec(&format!("UPDATE alembic_version SET version_num = '{id}'")),
            TrackingBreak::Dirty => unreachable!("Alembic has no dirty flag"),
            TrackingBreak::DropTable => self.db.exec("DROP TABLE alembic_version"),
        }
    }

    fn restore_tracking(&self, b: &TrackingBreak) {
        // The table and row `alembic upgrade` writes (tracking-formats.md §3.1), in SQL: one
        // `alembic stamp` costs a second.
        if *b == TrackingBreak::DropTable {
            self.db.exec("CREATE TABLE alembic_version (\n    version_num VARCHAR(32) NOT NULL,\n    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)\n)");
        }
        let head = self.ids.last().expect("a revision");
        self.db.exec(&format!(
            "DELETE FROM alembic_version; INSERT INTO alembic_version (version_num) VALUES ('{head}')"
        ));
    }
}
