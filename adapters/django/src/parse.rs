//! Reading one Django migration file with a real Python parser: the `Migration` class's
//! `dependencies`, `replaces`, `initial`, `run_before`, `atomic` and `operations`, each
//! operation turned into an [`Op`] (what it means for the schema, not yet named).

use migdoctor_pyast::{arg, attr_name, kwarg, line_of, str_list, str_value};
use rustpython_parser::ast::{self, Constant, Expr, Ranged, Stmt};

/// Returns nothing; a dependency as written: `("app", "name")` or the swappable user model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dep {
    /// `("app", "0001_initial")`, `("app", "__first__")`, `("app", "__latest__")`.
    Key(String, String),
    /// `migrations.swappable_dependency(settings.AUTH_USER_MODEL)`.
    SwappableUser,
}

/// Returns nothing; a model field as the migration declares it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldDef {
    /// Field class (`CharField`, `ForeignKey`, …).
    pub class: String,
    /// `db_column=`.
    pub db_column: Option<String>,
    /// `primary_key=True`.
    pub primary_key: bool,
    /// `unique=True`.
    pub unique: bool,
    /// `db_index=` as written.
    pub db_index: Option<bool>,
    /// Related model (`"app.Model"`, `"Model"`, or `settings.AUTH_USER_MODEL` as `@user`).
    pub to: Option<String>,
    /// `to_field=`.
    pub to_field: Option<String>,
    /// `db_constraint=` (default true).
    pub db_constraint: bool,
    /// Many-to-many `through=`.
    pub through: Option<String>,
    /// Many-to-many `db_table=`.
    pub db_table: Option<String>,
    /// `null=True` (kept for future checks).
    pub null: bool,
}

/// Returns nothing; one migration operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `CreateModel`.
    CreateModel {
        /// Model name.
        name: String,
        /// Fields in order.
        fields: Vec<(String, FieldDef)>,
        /// `options["db_table"]`.
        db_table: Option<String>,
        /// `options["managed"]` is false.
        unmanaged: bool,
        /// `options["proxy"]` is true.
        proxy: bool,
        /// `options["unique_together"]`.
        unique_together: Vec<Vec<String>>,
        /// `options["index_together"]`.
        index_together: Vec<Vec<String>>,
        /// `options["indexes"]`: (name, fields).
        indexes: Vec<(Option<String>, Vec<String>)>,
        /// `options["constraints"]`: (name, kind, fields).
        constraints: Vec<(String, String, Vec<String>)>,
    },
    /// `DeleteModel`.
    DeleteModel(String),
    /// `RenameModel`.
    RenameModel(String, String),
    /// `AlterModelTable` (`None` = back to the default name).
    AlterModelTable(String, Option<String>),
    /// `AddField`.
    AddField(String, String, FieldDef),
    /// `RemoveField`.
    RemoveField(String, String),
    /// `RenameField`.
    RenameField(String, String, String),
    /// `AlterField`.
    AlterField(String, String, FieldDef),
    /// `AddIndex`: model, name, fields.
    AddIndex(String, Option<String>, Vec<String>),
    /// `RemoveIndex`: model, name.
    RemoveIndex(String, String),
    /// `RenameIndex`: model, new name, old name (or old fields).
    RenameIndex(String, String, Option<String>, Vec<String>),
    /// `AddConstraint`: model, name, kind, fields.
    AddConstraint(String, String, String, Vec<String>),
    /// `RemoveConstraint`: model, name.
    RemoveConstraint(String, String),
    /// `AlterUniqueTogether`.
    AlterUniqueTogether(String, Vec<Vec<String>>),
    /// `AlterIndexTogether`.
    AlterIndexTogether(String, Vec<Vec<String>>),
    /// `AlterOrderWithRespectTo` (adds or removes `_order`).
    AlterOrderWithRespectTo(String, bool),
    /// `SeparateDatabaseAndState`: database operations, state operations.
    Separate(Vec<(usize, Op)>, Vec<(usize, Op)>),
    /// `RunSQL`: the SQL (forward).
    RunSql(String),
    /// An operation with no schema effect (`AlterModelOptions`, managers, …).
    NoEffect(String),
    /// What migdoctor cannot see into (`RunPython`, custom operations).
    Opaque(String),
}

/// Returns nothing; a parsed migration file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Parsed {
    /// `dependencies`.
    pub dependencies: Vec<Dep>,
    /// `replaces`.
    pub replaces: Vec<(String, String)>,
    /// `run_before`.
    pub run_before: Vec<(String, String)>,
    /// `initial`.
    pub initial: Option<bool>,
    /// `atomic` (default true).
    pub atomic: bool,
    /// `operations`, each with its 1-based line.
    pub operations: Vec<(usize, Op)>,
}

/// Returns the migration a file declares, or why it is not one (Django's own wording where it
/// has one).
pub fn parse_migration(text: &str, file: &str, module: &str, app: &str) -> Result<Parsed, String> {
    let m = match rustpython_parser::parse(text, rustpython_parser::Mode::Module, file) {
        Ok(ast::Mod::Module(m)) => m,
        Ok(_) => return Err("not a Python module".into()),
        Err(e) => return Err(format!("not valid Python: {e}")),
    };
    let class = m.body.iter().find_map(|s| match s {
        Stmt::ClassDef(c) if c.name.as_str() == "Migration" => Some(c),
        _ => None,
    });
    let Some(class) = class else {
        return Err(format!(
            "Migration {module} in app {app} has no Migration class"
        ));
    };
    let mut p = Parsed {
        atomic: true,
        ..Parsed::default()
    };
    for st in &class.body {
        let (name, value) = match st {
            Stmt::Assign(a) => match a.targets.first() {
                Some(Expr::Name(n)) => (n.id.as_str(), a.value.as_ref()),
                _ => continue,
            },
            Stmt::AnnAssign(a) => match (a.target.as_ref(), &a.value) {
                (Expr::Name(n), Some(v)) => (n.id.as_str(), v.as_ref()),
                _ => continue,
            },
            _ => continue,
        };
        match name {
            "dependencies" => p.dependencies = deps(value, file)?,
            "replaces" => p.replaces = pairs(value, file, "replaces")?,
            "run_before" => p.run_before = pairs(value, file, "run_before")?,
            "initial" => p.initial = bool_of(value),
            "atomic" => p.atomic = bool_of(value).unwrap_or(true),
            "operations" => p.operations = operations(value, text),
            _ => {}
        }
    }
    Ok(p)
}

fn elements(e: &Expr) -> Option<&[Expr]> {
    match e {
        Expr::List(l) => Some(&l.elts),
        Expr::Tuple(t) => Some(&t.elts),
        _ => None,
    }
}

fn bool_of(e: &Expr) -> Option<bool> {
    match e {
        Expr::Constant(c) => match c.value {
            Constant::Bool(b) => Some(b),
            _ => None,
        },
        _ => None,
    }
}

fn pair(e: &Expr) -> Option<(String, String)> {
    let items = elements(e)?;
    match items {
        [a, b] => Some((str_value(a)?, str_value(b)?)),
        _ => None,
    }
}

fn pairs(e: &Expr, file: &str, what: &str) -> Result<Vec<(String, String)>, String> {
    let Some(items) = elements(e) else {
        return Err(format!(
            "{file}: `{what}` is not a list of (app, name) pairs"
        ));
    };
    items
        .iter()
        .map(|i| {
            pair(i).ok_or_else(|| {
                format!("{file}: an entry of `{what}` is not an (app, name) pair of strings")
            })
        })
        .collect()
}

fn deps(e: &Expr, file: &str) -> Result<Vec<Dep>, String> {
    let Some(items) = elements(e) else {
        return Err(format!("{file}: `dependencies` is not a list"));
    };
    let mut out = Vec::new();
    for i in items {
        if let Expr::Call(c) = i {
            if attr_name(&c.func).as_deref() == Some("swappable_dependency") {
                out.push(Dep::SwappableUser);
                continue;
            }
        }
        match pair(i) {
            Some((a, n)) => out.push(Dep::Key(a, n)),
            None => {
                return Err(format!(
                "{file}: a dependency is neither an (app, name) pair nor swappable_dependency(...)"
            ))
            }
        }
    }
    Ok(out)
}

fn operations(e: &Expr, text: &str) -> Vec<(usize, Op)> {
    let Some(items) = elements(e) else {
        return vec![(
            line_of(text, usize::from(e.range().start())),
            Op::Opaque("`operations` is not a literal list".into()),
        )];
    };
    items
        .iter()
        .map(|i| {
            (
                line_of(text, usize::from(i.range().start())),
                operation(i, text),
            )
        })
        .collect()
}

fn operation(e: &Expr, text: &str) -> Op {
    let Expr::Call(c) = e else {
        return Op::Opaque("an operation that is not a call".into());
    };
    let name = attr_name(&c.func).unwrap_or_default();
    let model = |i: usize, kw: &str| arg(c, i, kw).and_then(str_value).unwrap_or_default();
    match name.as_str() {
        "CreateModel" => create_model(c),
        "DeleteModel" => Op::DeleteModel(model(0, "name")),
        "RenameModel" => Op::RenameModel(model(0, "old_name"), model(1, "new_name")),
        "AlterModelTable" => {
            Op::AlterModelTable(model(0, "name"), arg(c, 1, "table").and_then(str_value))
        }
        "AddField" => Op::AddField(
            model(0, "model_name"),
            model(1, "name"),
            arg(c, 2, "field").map(field).unwrap_or_default(),
        ),
        "RemoveField" => Op::RemoveField(model(0, "model_name"), model(1, "name")),
        "RenameField" => Op::RenameField(
            model(0, "model_name"),
            model(1, "old_name"),
            model(2, "new_name"),
        ),
        "AlterField" => Op::AlterField(
            model(0, "model_name"),
            model(1, "name"),
            arg(c, 2, "field").map(field).unwrap_or_default(),
        ),
        "AddIndex" => {
            let (name, fields) = arg(c, 1, "index").map(index).unwrap_or_default();
            Op::AddIndex(model(0, "model_name"), name, fields)
        }
        "RemoveIndex" => Op::RemoveIndex(model(0, "model_name"), model(1, "name")),
        "RenameIndex" => Op::RenameIndex(
            model(0, "model_name"),
            kwarg(c, "new_name").and_then(str_value).unwrap_or_default(),
            kwarg(c, "old_name").and_then(str_value),
            kwarg(c, "old_fields")
                .and_then(str_list)
                .flatten()
                .unwrap_or_default(),
        ),
        "AddConstraint" => match arg(c, 1, "constraint").map(constraint) {
            Some(Some((name, kind, fields))) => {
                Op::AddConstraint(model(0, "model_name"), name, kind, fields)
            }
            _ => Op::Opaque("AddConstraint of a constraint migdoctor cannot read".into()),
        },
        "RemoveConstraint" => Op::RemoveConstraint(model(0, "model_name"), model(1, "name")),
        "AlterUniqueTogether" => Op::AlterUniqueTogether(
            model(0, "name"),
            arg(c, 1, "unique_together")
                .map(together)
                .unwrap_or_default(),
        ),
        "AlterIndexTogether" => Op::AlterIndexTogether(
            model(0, "name"),
            arg(c, 1, "index_together")
                .map(together)
                .unwrap_or_default(),
        ),
        "AlterOrderWithRespectTo" => Op::AlterOrderWithRespectTo(
            model(0, "name"),
            arg(c, 1, "order_with_respect_to").is_some_and(|v| str_value(v).is_some()),
        ),
        "SeparateDatabaseAndState" => Op::Separate(
            kwarg(c, "database_operations")
                .or_else(|| c.args.first())
                .map(|e| operations(e, text))
                .unwrap_or_default(),
            kwarg(c, "state_operations")
                .or_else(|| c.args.get(1))
                .map(|e| operations(e, text))
                .unwrap_or_default(),
        ),
        "RunSQL" => match arg(c, 0, "sql").and_then(sql_text) {
            Some(sql) => Op::RunSql(sql),
            None => Op::Opaque("RunSQL of SQL computed at run time".into()),
        },
        "RunPython" => Op::Opaque("RunPython: Python code migdoctor does not run".into()),
        "AlterModelOptions" | "AlterModelManagers" | "AlterModelTableComment" => Op::NoEffect(name),
        other => Op::Opaque(format!("operation {other} that migdoctor does not know")),
    }
}

/// Returns the SQL of `RunSQL`: a string, or a list of strings / (sql, params) pairs.
fn sql_text(e: &Expr) -> Option<String> {
    if let Some(s) = str_value(e) {
        return Some(s);
    }
    let items = elements(e)?;
    let mut out = Vec::new();
    for i in items {
        let s = match str_value(i) {
            Some(s) => s,
            None => elements(i).and_then(|p| p.first()).and_then(str_value)?,
        };
        let s = s.trim().trim_end_matches(';').to_string();
        out.push(format!("{s};"));
    }
    Some(out.join("\n"))
}

fn together(e: &Expr) -> Vec<Vec<String>> {
    let Some(items) = elements(e) else {
        // A set literal: {("a", "b")}.
        if let Expr::Set(s) = e {
            return s
                .elts
                .iter()
                .filter_map(|i| str_list(i).flatten())
                .collect();
        }
        return Vec::new();
    };
    // `("a", "b")` alone is one set; `[("a", "b"), …]` many.
    if items.iter().all(|i| str_value(i).is_some()) {
        return vec![items.iter().filter_map(str_value).collect()];
    }
    items.iter().filter_map(|i| str_list(i).flatten()).collect()
}

/// Returns (name, fields) of `models.Index(fields=[…], name="…")`.
fn index(e: &Expr) -> (Option<String>, Vec<String>) {
    let Expr::Call(c) = e else {
        return (None, Vec::new());
    };
    let fields = kwarg(c, "fields")
        .and_then(str_list)
        .flatten()
        .unwrap_or_default()
        .into_iter()
        .map(|f| f.trim_start_matches('-').to_string())
        .collect();
    (kwarg(c, "name").and_then(str_value), fields)
}

/// Returns (name, kind, fields) of `models.UniqueConstraint(...)` / `models.CheckConstraint(...)`.
fn constraint(e: &Expr) -> Option<(String, String, Vec<String>)> {
    let Expr::Call(c) = e else { return None };
    let name = kwarg(c, "name").and_then(str_value)?;
    let class = attr_name(&c.func)?;
    let kind = match class.as_str() {
        "UniqueConstraint" => "unique",
        "CheckConstraint" => "check",
        _ => return None,
    };
    let fields = kwarg(c, "fields")
        .and_then(str_list)
        .flatten()
        .unwrap_or_default();
    Some((name, kind.into(), fields))
}

fn create_model(c: &ast::ExprCall) -> Op {
    let name = arg(c, 0, "name").and_then(str_value).unwrap_or_default();
    let fields = arg(c, 1, "fields")
        .and_then(elements)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| {
                    let pair = elements(i)?;
                    Some((str_value(pair.first()?)?, field(pair.get(1)?)))
                })
                .collect()
        })
        .unwrap_or_default();
    let mut op_db_table = None;
    let (mut unmanaged, mut proxy) = (false, false);
    let (mut unique_together, mut index_together) = (Vec::new(), Vec::new());
    let (mut indexes, mut constraints) = (Vec::new(), Vec::new());
    if let Some(Expr::Dict(d)) = kwarg(c, "options").or_else(|| c.args.get(2)) {
        for (k, v) in d.keys.iter().zip(&d.values) {
            match k.as_ref().and_then(str_value).as_deref() {
                Some("db_table") => op_db_table = str_value(v),
                Some("managed") => unmanaged = bool_of(v) == Some(false),
                Some("proxy") => proxy = bool_of(v) == Some(true),
                Some("unique_together") => unique_together = together(v),
                Some("index_together") => index_together = together(v),
                Some("indexes") => {
                    indexes = elements(v)
                        .map(|i| i.iter().map(index).collect())
                        .unwrap_or_default()
                }
                Some("constraints") => {
                    constraints = elements(v)
                        .map(|i| i.iter().filter_map(constraint).collect())
                        .unwrap_or_default()
                }
                _ => {}
            }
        }
    }
    Op::CreateModel {
        name,
        fields,
        db_table: op_db_table,
        unmanaged,
        proxy,
        unique_together,
        index_together,
        indexes,
        constraints,
    }
}

/// Returns the field a `models.XField(...)` call declares.
pub fn field(e: &Expr) -> FieldDef {
    let Expr::Call(c) = e else {
        return FieldDef {
            class: "Unknown".into(),
            db_constraint: true,
            ..FieldDef::default()
        };
    };
    let flag = |k: &str| kwarg(c, k).and_then(bool_of);
    let to = kwarg(c, "to").or_else(|| c.args.first()).and_then(|t| {
        str_value(t).or_else(|| match t {
            Expr::Attribute(a) if a.attr.as_str() == "AUTH_USER_MODEL" => Some("@user".into()),
            _ => None,
        })
    });
    let class = attr_name(&c.func).unwrap_or_default();
    let relational = matches!(
        class.as_str(),
        "ForeignKey" | "OneToOneField" | "ManyToManyField" | "ParentalKey"
    );
    FieldDef {
        db_column: kwarg(c, "db_column").and_then(str_value),
        primary_key: flag("primary_key").unwrap_or(false),
        unique: flag("unique").unwrap_or(false),
        db_index: flag("db_index"),
        to: if relational { to } else { None },
        to_field: kwarg(c, "to_field").and_then(str_value),
        db_constraint: flag("db_constraint").unwrap_or(true),
        through: kwarg(c, "through").and_then(|t| str_value(t).or_else(|| attr_name(t))),
        db_table: kwarg(c, "db_table").and_then(str_value),
        null: flag("null").unwrap_or(false),
        class,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_migration_class() {
        let text = r#"
from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

class Migration(migrations.Migration):
    initial = True
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('shop', '0001_initial'),
    ]
    replaces = [('blog', '0001_a'), ('blog', '0002_b')]
    operations = [
        migrations.CreateModel(
            name='Post',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=200, db_index=True)),
                ('author', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to=settings.AUTH_USER_MODEL)),
                ('tags', models.ManyToManyField(to='shop.tag')),
            ],
            options={'db_table': 'posts', 'unique_together': {('title', 'author')}},
        ),
        migrations.RunSQL("CREATE INDEX x ON posts (title)", reverse_sql="DROP INDEX x"),
        migrations.RunPython(forwards),
    ]
"#;
        let p = parse_migration(text, "blog/migrations/0003_x.py", "0003_x", "blog").unwrap();
        assert_eq!(p.initial, Some(true));
        assert_eq!(
            p.dependencies,
            vec![
                Dep::SwappableUser,
                Dep::Key("shop".into(), "0001_initial".into())
            ]
        );
        assert_eq!(p.replaces.len(), 2);
        assert_eq!(p.operations.len(), 3);
        let Op::CreateModel {
            fields,
            db_table,
            unique_together,
            ..
        } = &p.operations[0].1
        else {
            panic!("{:?}", p.operations[0]);
        };
        assert_eq!(db_table.as_deref(), Some("posts"));
        assert_eq!(
            unique_together,
            &vec![vec!["title".to_string(), "author".to_string()]]
        );
        assert_eq!(fields[2].1.to.as_deref(), Some("@user"));
        assert_eq!(fields[1].1.db_index, Some(true));
        assert!(matches!(&p.operations[1].1, Op::RunSql(s) if s.starts_with("CREATE INDEX")));
        assert!(matches!(&p.operations[2].1, Op::Opaque(_)));
    }

    #[test]
    fn a_file_without_migration_class_is_refused_in_djangos_words() {
        let e = parse_migration("x = 1\n", "a/migrations/0001_x.py", "0001_x", "a").unwrap_err();
        assert_eq!(e, "Migration 0001_x in app a has no Migration class");
        assert!(parse_migration("class (:\n", "f.py", "m", "a")
            .unwrap_err()
            .contains("not valid Python"));
    }
}
