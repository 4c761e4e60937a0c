//! Reading Alembic revision files with a real Python parser.

use crate::identifiers::{facts_from_lines, facts_from_tokens, identifier_source, module_prefix};
use crate::ops::upgrade_statements;
use migdoctor_model::{
    AdapterError, Dialect, History, HistoryProblem, Migration, MigrationId, Site, SourceFile,
    SourceTree,
};
use migdoctor_pyast::{line_of, str_list};
use rustpython_parser::ast::{self, Expr, Stmt};
use rustpython_parser::{parse, Mode};
use std::collections::BTreeMap;

/// Returns nothing; the module-level facts of one revision file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RevisionFile {
    /// `revision`.
    pub revision: Option<String>,
    /// `down_revision` (empty for a base).
    pub down: Vec<String>,
    /// `branch_labels`.
    pub labels: Vec<String>,
    /// `depends_on`.
    pub depends_on: Vec<String>,
    /// First line of the module docstring.
    pub message: Option<String>,
}

fn target_name(e: &Expr) -> Option<&str> {
    match e {
        Expr::Name(n) => Some(n.id.as_str()),
        _ => None,
    }
}

/// Returns the module-level identifiers of a parsed revision, or why one is not a literal.
pub fn revision_facts(body: &[Stmt]) -> Result<RevisionFile, String> {
    let mut rf = RevisionFile::default();
    for (i, s) in body.iter().enumerate() {
        let (name, value) = match s {
            Stmt::Assign(a) if a.targets.len() == 1 => {
                (target_name(&a.targets[0]), Some(a.value.as_ref()))
            }
            Stmt::AnnAssign(a) => (target_name(&a.target), a.value.as_deref()),
            Stmt::Expr(e) if i == 0 => {
                if let Expr::Constant(ast::ExprConstant {
                    value: ast::Constant::Str(doc),
                    ..
                }) = e.value.as_ref()
                {
                    rf.message = doc
                        .lines()
                        .map(str::trim)
                        .find(|l| !l.is_empty())
                        .map(str::to_string);
                }
                continue;
            }
            _ => continue,
        };
        let (Some(name), Some(value)) = (name, value) else {
            continue;
        };
        if !matches!(
            name,
            "revision" | "down_revision" | "branch_labels" | "depends_on"
        ) {
            continue;
        }
        let list = str_list(value)
            .ok_or_else(|| format!("{name} is not a literal string, tuple or None"))?;
        let list = list.unwrap_or_default();
        match name {
            "revision" => rf.revision = list.first().cloned(),
            "down_revision" => rf.down = list,
            "branch_labels" => rf.labels = list,
            _ => rf.depends_on = list,
        }
    }
    Ok(rf)
}

/// Returns the folders that hold revisions (newline-separated in `version_locations`).
pub fn locations(site: &Site) -> Vec<String> {
    match site.config.get("version_locations") {
        Some(v) => v.lines().map(str::to_string).collect(),
        None => vec![if site.root.is_empty() {
            "versions".into()
        } else {
            format!("{}/versions", site.root)
        }],
    }
}

type ReadRevision = Result<(RevisionFile, Vec<migdoctor_model::MigrationStatement>), String>;

/// Returns one revision file read: its module facts and `upgrade()` statements, or why it is
/// not a usable revision. With `effects` false only the module-level part is parsed (a
/// history-only run); a file whose prefix does not parse is parsed whole to report the error.
fn read_revision(path: &str, text: &str, effects: bool, dialect: Option<Dialect>) -> ReadRevision {
    let reduced;
    let source = if effects {
        text
    } else {
        reduced = identifier_source(module_prefix(text));
        if let Some(facts) = facts_from_lines(&reduced).or_else(|| facts_from_tokens(&reduced)) {
            return Ok((facts, Vec::new()));
        }
        &reduced
    };
    let parsed = parse(source, Mode::Module, path).or_else(|e| {
        if effects {
            Err(e)
        } else {
            parse(text, Mode::Module, path)
        }
    });
    let module = match parsed {
        Ok(ast::Mod::Module(m)) => m,
        Ok(_) => return Err("not a Python module".into()),
        Err(e) => {
            let line = line_of(text, usize::from(e.offset));
            return Err(format!(
                "Python syntax error at line {line}: {}; Alembic fails to load the whole folder",
                e.error
            ));
        }
    };
    let facts = revision_facts(&module.body)?;
    let mut statements = Vec::new();
    if effects {
        for s in &module.body {
            if let Stmt::FunctionDef(f) = s {
                if f.name.as_str() == "upgrade" {
                    statements = upgrade_statements(path, text, &f.body, dialect);
                }
            }
        }
    }
    Ok((facts, statements))
}

pub(crate) fn load_history(tree: &SourceTree, site: &Site) -> Result<History, AdapterError> {
    if let Some(err) = site.config.get("config_error") {
        return Err(AdapterError::UnreadableFile {
            path: site.config.get("config_file").cloned().unwrap_or_default(),
            reason: err.clone(),
        });
    }
    let recursive = site
        .config
        .get("recursive_version_locations")
        .is_some_and(|v| v == "true");
    let effects = site.config.get("effects").map(String::as_str) != Some("skip");
    let dialect = site.dialect_hint();
    let mut history = History::new(site.clone());
    let mut candidates: Vec<(&str, &str)> = Vec::new();
    for loc in locations(site) {
        let files: Vec<&str> = if recursive {
            tree.paths_under(&loc).collect()
        } else {
            tree.files_in(&loc)
        };
        let files: Vec<&str> = files
            .into_iter()
            .filter(|path| {
                let name = path.rsplit('/').next().unwrap_or(path);
                // alembic/script/base.py: _sourceless_rev_file / _is_rev_file skip these.
                name.ends_with(".py") && !name.starts_with("__init__") && !name.starts_with(".#")
            })
            .collect();
        tree.prefetch(&files);
        for path in files {
            match tree.get(path) {
                Some(SourceFile::Bytes(b)) => match std::str::from_utf8(b) {
                    Ok(t) => candidates.push((path, t)),
                    Err(e) => {
                        let line = 1 + b[..e.valid_up_to()].iter().filter(|&&c| c == b'\n').count();
                        history.problems.push(HistoryProblem::InvalidFile {
                            file: path.into(),
                            reason: format!(
                                "not valid UTF-8 at line {line}; Alembic cannot import it"
                            ),
                        });
                    }
                },
                Some(SourceFile::Unreadable(reason)) => {
                    return Err(AdapterError::UnreadableFile {
                        path: path.into(),
                        reason: reason.clone(),
                    });
                }
                Some(SourceFile::TooLarge(n)) => {
                    history.problems.push(HistoryProblem::InvalidFile {
                        file: path.into(),
                        reason: format!("{n} bytes is too large to read"),
                    });
                }
                None => {}
            }
        }
    }
    // Parsing dominates on large histories: spread it over the cores, keep file order.
    let parsed: Vec<ReadRevision> =
        migdoctor_model::par_map(&candidates, |(p, t)| read_revision(p, t, effects, dialect));
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for ((path, _), result) in candidates.iter().zip(parsed) {
        let path = *path;
        let (facts, statements) = match result {
            Ok(r) => r,
            Err(reason) => {
                history.problems.push(HistoryProblem::InvalidFile {
                    file: path.into(),
                    reason,
                });
                continue;
            }
        };
        let Some(rev) = facts.revision.clone() else {
            history.problems.push(HistoryProblem::InvalidFile {
                file: path.into(),
                reason: "defines no module-level `revision`".into(),
            });
            continue;
        };
        if rev.contains(['@', '-', '+', ':']) || rev.is_empty() {
            history.problems.push(HistoryProblem::InvalidFile {
                file: path.into(),
                reason: format!(
                    "revision id {rev:?} contains a character Alembic refuses (@ - + :)"
                ),
            });
        }
        if facts.down.contains(&rev) {
            history.problems.push(HistoryProblem::InvalidFile {
                file: path.into(),
                reason: format!("down_revision points to its own revision {rev}"),
            });
        }
        by_id.entry(rev.clone()).or_default().push(path.to_string());
        let name = path.rsplit('/').next().unwrap_or(path);
        let stem = name.trim_end_matches(".py");
        let title = facts.message.clone().unwrap_or_else(|| {
            stem.trim_start_matches(rev.as_str())
                .trim_start_matches('_')
                .to_string()
        });
        let mut m = Migration::new(rev.clone(), title);
        m.files.push(path.to_string());
        m.parents = facts.down.iter().map(|d| MigrationId(d.clone())).collect();
        m.depends_on = facts
            .depends_on
            .iter()
            .map(|d| MigrationId(d.clone()))
            .collect();
        m.labels = facts.labels.clone();
        m.has_down = true;
        m.statements = statements;
        history.migrations.push(m);
    }
    for (id, files) in by_id {
        if files.len() > 1 {
            history.problems.push(HistoryProblem::Collision {
                id: MigrationId(id),
                files,
            });
        }
    }
    // Keep the first file of a duplicated id so the graph stays a graph.
    let mut seen = std::collections::BTreeSet::new();
    history.migrations.retain(|m| seen.insert(m.id.clone()));
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migdoctor_model::{Framework, SchemaEffect, StatementKind};

    const REV: &str = r#""""add email

Revision ID: b2
"""
from typing import Sequence, Union
from alembic import op
import sqlalchemy as sa

revision: str = "b2"
down_revision: Union[str, None] = "a1"
branch_labels = None
depends_on = ("x9",)


def upgrade() -> None:
    op.add_column("users", sa.Column("email", sa.String(200), nullable=True))
    op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)
    with op.batch_alter_table("posts", schema="blog") as batch_op:
        batch_op.alter_column("body", new_column_name="content")
        batch_op.drop_column("legacy")
    op.execute("ALTER TABLE users ADD COLUMN nickname text; UPDATE users SET nickname = name")
    for t in ("a", "b"):
        op.drop_table(t)
    op.bulk_insert(sa.table("users"), [{"id": 1}])


def downgrade() -> None:
    op.drop_column("users", "email")
"#;

    fn site() -> Site {
        Site::new(Framework::Alembic, "alembic")
    }

    #[test]
    fn reads_identifiers_and_upgrade_effects() {
        let tree = SourceTree::new().with_file("alembic/versions/b2_add_email.py", REV);
        let h = load_history(&tree, &site()).unwrap();
        assert!(h.problems.is_empty(), "{:?}", h.problems);
        let m = &h.migrations[0];
        assert_eq!(m.id.as_str(), "b2");
        assert_eq!(m.name, "add email");
        assert_eq!(m.parents, vec![MigrationId::from("a1")]);
        assert_eq!(m.depends_on, vec![MigrationId::from("x9")]);
        let effects: Vec<&SchemaEffect> = m.effects().collect();
        assert_eq!(
            effects[0],
            &SchemaEffect::AddColumn {
                table: migdoctor_model::QName::new("users"),
                column: "email".into(),
                if_not_exists: false
            }
        );
        assert!(
            matches!(effects[1], SchemaEffect::CreateIndex { index, unique: true, .. } if index.name == "ix_users_email")
        );
        assert!(
            matches!(effects[2], SchemaEffect::RenameColumn { table, to, .. } if table.schema.as_deref() == Some("blog") && to == "content")
        );
        assert!(
            matches!(effects[3], SchemaEffect::DropColumn { column, .. } if column == "legacy")
        );
        assert!(
            matches!(effects[4], SchemaEffect::AddColumn { column, .. } if column == "nickname")
        );
        let kinds: Vec<StatementKind> = m.statements.iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds[kinds.len() - 2..],
            [StatementKind::Opaque, StatementKind::Data]
        );
        // op.execute's statements keep their line in the revision file
        let exec = m
            .statements
            .iter()
            .find(|s| s.sql.contains("nickname text"))
            .unwrap();
        assert_eq!(exec.line, 21);
        let opaque = &m.statements[m.statements.len() - 2];
        assert_eq!(opaque.line, 22);
    }

    #[test]
    fn token_reading_agrees_with_the_parser_or_declines() {
        let cases = [
            "'''doc line\n\nmore'''\nrevision: str = 'b2'\ndown_revision: Union[str, None] = ('a1', \"x9\",)\nbranch_labels = None\ndepends_on = ['z']\n",
            "revision = 'a'\ndown_revision = None\n",
            "revision = 'a'\ndown_revision = ()\n",
        ];
        for c in cases {
            let fast = facts_from_tokens(c).expect(c);
            let ast::Mod::Module(m) = parse(c, Mode::Module, "x").unwrap() else {
                panic!("not a module")
            };
            assert_eq!(fast, revision_facts(&m.body).unwrap(), "{c}");
        }
        for declined in [
            "revision = f'{x}'\n",
            "revision = 'a' 'b'\n",
            "revision = make()\n",
            "revision = 'a\\n'\n",
            "revision = ('a'\n",
        ] {
            assert!(facts_from_tokens(declined).is_none(), "{declined}");
        }
    }

    #[test]
    fn history_only_runs_parse_the_module_part_but_still_report_syntax_errors() {
        let mut s = site();
        s.config.insert("effects".into(), "skip".into());
        let tree = SourceTree::new()
            .with_file("alembic/versions/b2_add_email.py", REV)
            .with_file(
                "alembic/versions/bad.py",
                "revision = ('x'\ndef upgrade():\n    pass\n",
            );
        let h = load_history(&tree, &s).unwrap();
        assert_eq!(h.migrations[0].parents, vec![MigrationId::from("a1")]);
        assert!(h.migrations[0].statements.is_empty());
        assert!(
            format!("{:?}", h.problems).contains("syntax error at line"),
            "{:?}",
            h.problems
        );
        let text = "'''doc\ndef x\n'''\nrevision = 'a'\ndef upgrade():\n  pass\n";
        assert_eq!(
            identifier_source("'''d\n'''\nimport x\nrevision: str = 'a'\ndown_revision = (\n  'b',\n  'c')\nfoo = 1\n"),
            "'''d\n'''\nrevision: str = 'a'\ndown_revision = (\n  'b',\n  'c')\n"
        );
        assert_eq!(module_prefix(text), "'''doc\ndef x\n'''\nrevision = 'a'\n");
    }

    #[test]
    fn bad_files_are_problems_naming_file_and_line() {
        let tree = SourceTree::new()
            .with_file(
                "alembic/versions/bad.py",
                "revision = 'x'\ndef upgrade(:\n    pass\n",
            )
            .with_file("alembic/versions/norev.py", "x = 1\n")
            .with_file(
                "alembic/versions/self.py",
                "revision = 's'\ndown_revision = 's'\n",
            )
            .with_file("alembic/versions/dyn.py", "revision = make_id()\n")
            .with_file(
                "alembic/versions/d1.py",
                "revision = 'd'\ndown_revision = None\n",
            )
            .with_file(
                "alembic/versions/d2.py",
                "revision = 'd'\ndown_revision = None\n",
            )
            .with_file("alembic/versions/__init__.py", "");
        let h = load_history(&tree, &site()).unwrap();
        let text = format!("{:?}", h.problems);
        assert!(text.contains("syntax error at line 2"), "{text}");
        assert!(text.contains("defines no module-level `revision`"));
        assert!(text.contains("points to its own revision"));
        assert!(text.contains("not a literal"));
        assert!(
            matches!(h.problems.last(), Some(HistoryProblem::Collision { id, .. }) if id.as_str() == "d")
        );
        assert_eq!(h.cycles(), vec![vec![MigrationId::from("s")]]);
    }
}
