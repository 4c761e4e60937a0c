//! Django's generated names against real Django: a small project (every contrib app with
//! migrations, and an app whose models exercise each naming rule: long names shortened with
//! digests, ForeignKey, OneToOneField, unique, db_index, PostgreSQL's `_like` indexes,
//! unique_together, index_together, an unnamed `Meta.indexes` entry, many-to-many tables
//! including self-referential ones, and `AddField` / `AlterField` adding indexed, unique and
//! related fields) is migrated by real `manage.py migrate` on PostgreSQL, MariaDB and SQLite.
//! The live schema, read by migdoctor's own catalog reader, must hold exactly the indexes,
//! constraints, sequences, tables and columns that `names` and `contrib` predict.

use migdoctor_adapter_django::contrib::{self, ContribField, ContribOp};
use migdoctor_adapter_django::names::{
    self, field_objects_in, m2m_columns, m2m_objects_in, m2m_table_name, meta_index_name,
    model_objects_in, sqlite_autoindexes, FieldFacts, M2mEnd, Taken,
};
use migdoctor_db::{Db, DbUrl, Mode};
use migdoctor_model::{LiveSchema, SchemaEffect};
use migdoctor_tests::{block_on, dialects, django_python, Dialect, TestDb};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const MANAGE_PY: &str = r#"import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"#;

const SETTINGS_PY: &str = r#"import os
import pymysql

# Django 5.2 asks for mysqlclient >= 2.2.1; PyMySQL stands in for it.
pymysql.version_info = (2, 2, 1, "final", 0)
pymysql.install_as_MySQLdb()

SECRET_KEY = "migdoctor-test"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.admin",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.flatpages",
    "django.contrib.redirects",
    "library",
]
SILENCED_SYSTEM_CHECKS = ["admin.E403", "admin.E408", "admin.E409", "admin.E410"]
DATABASES = {"default": {"ENGINE": "django.db.backends." + os.environ["MDT_ENGINE"], "NAME": os.environ["MDT_NAME"]}}
for key in ("HOST", "PORT", "USER", "PASSWORD"):
    if os.environ.get("MDT_" + key):
        DATABASES["default"][key] = os.environ["MDT_" + key]
"#;

const MODELS_PY: &str = r#"from django.db import models


class Author(models.Model):
    name = models.CharField(max_length=100, db_index=True)
    slug = models.SlugField(unique=True)
    bio = models.TextField(db_index=True)
    rank = models.PositiveIntegerField(default=0)
    email = models.EmailField(unique=True, db_index=True)


class Publisher(models.Model):
    code = models.CharField(max_length=20, primary_key=True)
    title = models.CharField(max_length=50)


class Tag(models.Model):
    id = models.AutoField(primary_key=True)
    label = models.CharField(max_length=30)
    related = models.ManyToManyField("self")
    parents = models.ManyToManyField("self", symmetrical=False, related_name="children")


class LongNamedModelForcingDjangoToShortenIdentifiers(models.Model):
    a_very_long_column_name_that_forces_truncation_of_every_index = models.IntegerField(db_index=True)
    author = models.ForeignKey(Author, models.CASCADE)
    publisher = models.ForeignKey(Publisher, models.CASCADE)
    editor = models.OneToOneField(Author, models.CASCADE, related_name="+")
    tags_with_a_rather_long_field_name_for_the_many_to_many_table = models.ManyToManyField(Tag)
    publishers = models.ManyToManyField(Publisher, related_name="+")

    class Meta:
        db_table = "library_model_with_an_extremely_long_name_forcing_shortening"


class Book(models.Model):
    author = models.ForeignKey(Author, models.CASCADE)
    title = models.CharField(max_length=200)
    isbn = models.CharField(max_length=13, unique=True, db_index=True)
    published = models.DateField(null=True)
    loose = models.ForeignKey(Publisher, models.DO_NOTHING, db_constraint=False, null=True)
    unindexed = models.ForeignKey(Author, models.CASCADE, db_index=False, related_name="+")
    tags = models.ManyToManyField(Tag, related_name="books")

    class Meta:
        unique_together = [("author", "title")]
        indexes = [models.Index(fields=["published", "-title"])]
"#;

/// Written by hand after `makemigrations` wrote 0001 (index_together survives only in
/// historical migrations).
const MIGRATION_0002: &str = r#"from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [
        migrations.AddField("book", "sequel", models.OneToOneField(null=True, on_delete=models.SET_NULL, to="library.book", related_name="+")),
        migrations.AddField("book", "code", models.SlugField(default="", db_index=True)),
        migrations.AddField("book", "serial", models.CharField(max_length=40, null=True, unique=True)),
        migrations.AddField("book", "imprint", models.ForeignKey(null=True, on_delete=models.SET_NULL, to="library.publisher", related_name="+")),
        migrations.AlterField("tag", "label", models.CharField(max_length=30, unique=True)),
        migrations.AlterIndexTogether("tag", {("label", "id")}),
    ]
"#;

/// Returns the environment telling the settings which database to use.
fn db_env(db: &TestDb) -> Vec<(String, String)> {
    let engine = match db.dialect {
        Dialect::Postgres => "postgresql",
        Dialect::Mysql => "mysql",
        Dialect::Sqlite => "sqlite3",
    };
    let mut env = vec![
        ("MDT_ENGINE".to_string(), engine.to_string()),
        ("MDT_NAME".to_string(), db.name.clone()),
    ];
    if db.dialect != Dialect::Sqlite {
        // scheme://user[:password]@host[:port]/name
        let rest = db.url.split_once("://").map_or("", |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or("");
        let (user, host) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, password) = user.split_once(':').unwrap_or((user, ""));
        let (host, port) = host.rsplit_once(':').unwrap_or((host, ""));
        for (k, v) in [
            ("HOST", host),
            ("PORT", port),
            ("USER", user),
            ("PASSWORD", password),
        ] {
            env.push((format!("MDT_{k}"), v.to_string()));
        }
    }
    env
}

/// Runs `manage.py ARGS`, failing with its output.
fn manage(python: &Path, dir: &Path, env: &[(String, String)], args: &[&str]) {
    let out = std::process::Command::new(python)
        .arg("manage.py")
        .args(args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(dir)
        .output()
        .expect("run manage.py");
    assert!(
        out.status.success(),
        "manage.py {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Writes the project, makes the first migration, adds the second and migrates; returns the
/// first migration's text.
fn migrate(python: &Path, db: &TestDb) -> String {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    let migrations = p.join("library/migrations");
    std::fs::create_dir_all(&migrations).unwrap();
    for (file, text) in [
        ("manage.py", MANAGE_PY),
        ("settings.py", SETTINGS_PY),
        ("library/__init__.py", ""),
        ("library/models.py", MODELS_PY),
        ("library/migrations/__init__.py", ""),
    ] {
        std::fs::write(p.join(file), text).unwrap();
    }
    let env = db_env(db);
    manage(python, p, &env, &["makemigrations", "library"]);
    let first = std::fs::read_to_string(migrations.join("0001_initial.py")).unwrap();
    std::fs::write(migrations.join("0002_more.py"), MIGRATION_0002).unwrap();
    manage(python, p, &env, &["migrate", "--no-input"]);
    first
}

fn read_live(url: &str) -> LiveSchema {
    block_on(async {
        let url = DbUrl::parse(url).unwrap();
        let mut db = Db::connect(&url, Mode::ReadOnly).await.unwrap();
        let live = db.live_schema().await.unwrap();
        db.close().await;
        live
    })
}

/// Objects as comparable lines: `table t`, `column t.c`, `t index NAME [cols] unique`,
/// `t KIND NAME [cols] -> ref`, `sequence NAME`. A name the database keeps no record of is
/// `?`: SQLite's constraints, and MySQL's checks (MariaDB names them after the column, MySQL 8
/// `<table>_chk_<n>`, and lists no columns for them).
#[derive(Default)]
struct Objects {
    lines: BTreeSet<String>,
}

impl Objects {
    fn constraint(
        &mut self,
        d: Dialect,
        table: &str,
        kind: &str,
        name: Option<&str>,
        cols: &[String],
        refs: Option<&str>,
    ) {
        if d == Dialect::Sqlite && matches!(kind, "unique" | "check") {
            // Not in SQLite's catalog (a unique constraint shows as its autoindex).
            return;
        }
        let (name, cols) = match (d, kind) {
            (Dialect::Mysql, "check") => ("?", String::new()),
            _ => (
                name.filter(|n| !n.is_empty()).unwrap_or("?"),
                cols.join(","),
            ),
        };
        let refs = refs.map(|r| format!(" -> {r}")).unwrap_or_default();
        self.lines
            .insert(format!("{table} {kind} {name} [{cols}]{refs}"));
    }

    fn index(&mut self, table: &str, name: &str, cols: &[String], unique: bool) {
        let u = if unique { " unique" } else { "" };
        self.lines
            .insert(format!("{table} index {name} [{}]{u}", cols.join(",")));
    }

    fn apply(&mut self, d: Dialect, e: &SchemaEffect) {
        match e {
            SchemaEffect::CreateTable { table, columns, .. } => {
                self.lines.insert(format!("table {}", table.name));
                for c in columns {
                    self.lines.insert(format!("column {}.{c}", table.name));
                }
            }
            SchemaEffect::AddColumn { table, column, .. } => {
                self.lines.insert(format!("column {}.{column}", table.name));
            }
            SchemaEffect::DropColumn { table, column, .. } => {
                self.lines
                    .remove(&format!("column {}.{column}", table.name));
            }
            SchemaEffect::CreateIndex {
                index,
                table,
                unique,
                columns,
                ..
            } => self.index(&table.name, &index.name, columns, *unique),
            SchemaEffect::AddConstraint {
                table,
                name,
                kind,
                columns,
                references,
            } => self.constraint(
                d,
                &table.name,
                kind,
                name.as_deref(),
                columns,
                references.as_ref().map(|r| r.name.as_str()),
            ),
            SchemaEffect::CreateSequence { name, .. } => {
                self.lines.insert(format!("sequence {}", name.name));
            }
            SchemaEffect::AlterColumn { .. } => {}
            other => panic!("unexpected effect {other:?}"),
        }
    }

    fn live(live: &LiveSchema) -> Objects {
        let d = live.dialect;
        let mut o = Objects::default();
        for t in live.tables.iter().filter(|t| t.name != "django_migrations") {
            o.lines.insert(format!("table {}", t.name));
            for c in &t.columns {
                o.lines.insert(format!("column {}.{}", t.name, c.name));
            }
            for c in &t.constraints {
                o.constraint(
                    d,
                    &t.name,
                    &c.kind,
                    Some(&c.name),
                    &c.columns,
                    c.references.as_deref(),
                );
            }
            for i in &t.indexes {
                // A unique or primary key's own index says nothing more than the key.
                let backs_key = t.constraints.iter().any(|c| {
                    c.name == i.name && matches!(c.kind.as_str(), "unique" | "primary key")
                });
                if !backs_key {
                    o.index(&t.name, &i.name, &i.columns, i.unique);
                }
            }
        }
        // django_migrations (the tracking table) is Django's own, not a migration's.
        for s in live
            .sequences
            .iter()
            .filter(|s| s.name != "django_migrations_id_seq")
        {
            o.lines.insert(format!("sequence {}", s.name));
        }
        o
    }
}

fn field<'a>(table: &'a str, column: &'a str, t: &'a str) -> FieldFacts<'a> {
    FieldFacts {
        table,
        column,
        internal_type: t,
        primary_key: false,
        unique: false,
        db_index: false,
        foreign_key: None,
    }
}

fn pk<'a>(f: FieldFacts<'a>) -> FieldFacts<'a> {
    FieldFacts {
        primary_key: true,
        ..f
    }
}

fn unique<'a>(f: FieldFacts<'a>) -> FieldFacts<'a> {
    FieldFacts { unique: true, ..f }
}

fn indexed<'a>(f: FieldFacts<'a>) -> FieldFacts<'a> {
    FieldFacts {
        db_index: true,
        ..f
    }
}

fn fk<'a>(f: FieldFacts<'a>, to: &'a str, to_col: &'a str) -> FieldFacts<'a> {
    FieldFacts {
        db_index: true,
        foreign_key: Some((to, to_col)),
        ..f
    }
}

const AUTHOR: &str = "library_author";
const PUBLISHER: &str = "library_publisher";
const TAG: &str = "library_tag";
const LONG: &str = "library_model_with_an_extremely_long_name_forcing_shortening";
const BOOK: &str = "library_book";

/// The library app's models as the first migration creates them (fields in its order, each with
/// its relation's target type), `unique_together`, and many-to-many fields (field, target model,
/// target table, target key, target key type).
type Model<'a> = (
    &'a str,
    &'a str,
    Vec<(FieldFacts<'a>, Option<&'a str>)>,
    Vec<&'a [&'a str]>,
    Vec<(&'a str, &'a str, &'a str, &'a str, &'a str)>,
);

fn library_models() -> Vec<Model<'static>> {
    let long_col = "a_very_long_column_name_that_forces_truncation_of_every_index";
    vec![
        (
            "Author",
            AUTHOR,
            vec![
                (pk(field(AUTHOR, "id", "BigAutoField")), None),
                (indexed(field(AUTHOR, "name", "CharField")), None),
                // SlugField's db_index defaults to True.
                (indexed(unique(field(AUTHOR, "slug", "SlugField"))), None),
                (indexed(field(AUTHOR, "bio", "TextField")), None),
                (field(AUTHOR, "rank", "PositiveIntegerField"), None),
                (indexed(unique(field(AUTHOR, "email", "EmailField"))), None),
            ],
            vec![],
            vec![],
        ),
        (
            "Publisher",
            PUBLISHER,
            vec![
                (pk(field(PUBLISHER, "code", "CharField")), None),
                (field(PUBLISHER, "title", "CharField"), None),
            ],
            vec![],
            vec![],
        ),
        (
            "Tag",
            TAG,
            vec![
                (pk(field(TAG, "id", "AutoField")), None),
                (field(TAG, "label", "CharField"), None),
            ],
            vec![],
            vec![
                ("parents", "Tag", TAG, "id", "AutoField"),
                ("related", "Tag", TAG, "id", "AutoField"),
            ],
        ),
        (
            "LongNamedModelForcingDjangoToShortenIdentifiers",
            LONG,
            vec![
                (pk(field(LONG, "id", "BigAutoField")), None),
                (indexed(field(LONG, long_col, "IntegerField")), None),
                (
                    fk(field(LONG, "author_id", "ForeignKey"), AUTHOR, "id"),
                    Some("BigAutoField"),
                ),
                (
                    unique(fk(field(LONG, "editor_id", "OneToOneField"), AUTHOR, "id")),
                    Some("BigAutoField"),
                ),
                (
                    fk(field(LONG, "publisher_id", "ForeignKey"), PUBLISHER, "code"),
                    Some("CharField"),
                ),
            ],
            vec![],
            vec![
                ("publishers", "Publisher", PUBLISHER, "code", "CharField"),
                (
                    "tags_with_a_rather_long_field_name_for_the_many_to_many_table",
                    "Tag",
                    TAG,
                    "id",
                    "AutoField",
                ),
            ],
        ),
        (
            "Book",
            BOOK,
            vec![
                (pk(field(BOOK, "id", "BigAutoField")), None),
                (field(BOOK, "title", "CharField"), None),
                (indexed(unique(field(BOOK, "isbn", "CharField"))), None),
                (field(BOOK, "published", "DateField"), None),
                (
                    fk(field(BOOK, "author_id", "ForeignKey"), AUTHOR, "id"),
                    Some("BigAutoField"),
                ),
                (
                    FieldFacts {
                        db_index: false,
                        ..fk(field(BOOK, "unindexed_id", "ForeignKey"), AUTHOR, "id")
                    },
                    Some("BigAutoField"),
                ),
                // db_constraint=False: an index, no foreign key.
                (
                    indexed(field(BOOK, "loose_id", "ForeignKey")),
                    Some("CharField"),
                ),
            ],
            vec![&["author_id", "title"]],
            vec![("tags", "Tag", TAG, "id", "AutoField")],
        ),
    ]
}

/// The fields the second migration adds to library_book, with their targets' types.
fn added_book_fields() -> Vec<(FieldFacts<'static>, Option<&'static str>)> {
    vec![
        (
            unique(fk(field(BOOK, "sequel_id", "OneToOneField"), BOOK, "id")),
            Some("BigAutoField"),
        ),
        (indexed(field(BOOK, "code", "SlugField")), None),
        (unique(field(BOOK, "serial", "CharField")), None),
        (
            fk(field(BOOK, "imprint_id", "ForeignKey"), PUBLISHER, "code"),
            Some("CharField"),
        ),
    ]
}

fn create_table(table: &str, columns: Vec<String>) -> SchemaEffect {
    SchemaEffect::CreateTable {
        table: migdoctor_model::QName::new(table),
        columns,
        constraints: Vec::new(),
        if_not_exists: false,
    }
}

/// Returns what `names` predicts for the library app, in migration order.
fn library_effects(d: Dialect, taken: &mut Taken) -> Vec<SchemaEffect> {
    let mut out = Vec::new();
    let mut sqlite_fields: BTreeMap<&str, Vec<(FieldFacts, Option<&str>)>> = BTreeMap::new();
    for (model, table, fields, unique_together, m2m) in library_models() {
        out.push(create_table(
            table,
            fields.iter().map(|(f, _)| f.column.to_string()).collect(),
        ));
        out.extend(model_objects_in(
            d,
            taken,
            table,
            &fields,
            &unique_together,
            &[],
        ));
        if table == BOOK {
            let name = meta_index_name(BOOK, &["published", "-title"], "idx");
            out.push(SchemaEffect::CreateIndex {
                index: migdoctor_model::QName::new(taken.add(name)),
                table: migdoctor_model::QName::new(BOOK),
                unique: false,
                columns: vec!["published".into(), "title".into()],
                if_not_exists: false,
            });
        }
        for (field_name, to_model, to_table, to_pk, to_type) in m2m {
            let through = m2m_table_name(d, table, field_name);
            let (from_col, to_col) = m2m_columns(model, to_model);
            out.push(create_table(
                &through,
                vec!["id".into(), from_col.clone(), to_col.clone()],
            ));
            let from = M2mEnd {
                column: &from_col,
                table,
                target_column: fields[0].0.column,
                target_internal_type: fields[0].0.internal_type,
            };
            let to = M2mEnd {
                column: &to_col,
                table: to_table,
                target_column: to_pk,
                target_internal_type: to_type,
            };
            // The through tables' `id` is SQLite's rowid: no autoindex.
            out.extend(m2m_objects_in(d, taken, &through, from, to));
        }
        sqlite_fields.insert(table, fields);
    }
    // 0002: AddField ×4 on library_book, AlterField making tag.label unique, index_together.
    for (f, target) in added_book_fields() {
        out.push(SchemaEffect::AddColumn {
            table: migdoctor_model::QName::new(BOOK),
            column: f.column.into(),
            if_not_exists: false,
        });
        out.extend(field_objects_in(d, taken, &f, false, target));
        sqlite_fields.get_mut(BOOK).unwrap().push((f, target));
    }
    let label = field(TAG, "label", "CharField");
    out.extend(names::alter_field_objects_in(
        d,
        taken,
        &label,
        &unique(label),
    ));
    sqlite_fields.get_mut(TAG).unwrap()[1].0 = unique(label);
    let name = taken.add(names::index_together_name(d, TAG, &["label", "id"]));
    out.push(SchemaEffect::CreateIndex {
        index: migdoctor_model::QName::new(name),
        table: migdoctor_model::QName::new(TAG),
        unique: false,
        columns: vec!["label".into(), "id".into()],
        if_not_exists: false,
    });
    if d == Dialect::Sqlite {
        for (table, fields) in &sqlite_fields {
            // 0002 rebuilt library_book and library_tag; no other table references itself.
            out.extend(sqlite_autoindexes(table, fields, true));
        }
    }
    out
}

/// Returns what `contrib` predicts for Django 5.2's contrib apps, plus on SQLite the
/// autoindexes of their final tables.
fn contrib_effects(d: Dialect) -> Vec<SchemaEffect> {
    let ms = contrib::contrib_migrations((5, 2)).unwrap();
    let mut out: Vec<SchemaEffect> = ms.iter().flat_map(|m| contrib::effects(m, d)).collect();
    if d == Dialect::Sqlite {
        // The tables as they end up (AlterField and RemoveField applied), in field order.
        let mut tables: Vec<(&str, Vec<ContribField>)> = Vec::new();
        for op in ms.iter().flat_map(|m| m.operations) {
            match *op {
                ContribOp::CreateModel { table, fields, .. } => {
                    tables.push((table, fields.to_vec()))
                }
                ContribOp::AlterField { table, new, .. } => {
                    let t = tables.iter_mut().find(|t| t.0 == table).unwrap();
                    let f = t.1.iter_mut().find(|f| f.column == new.column).unwrap();
                    *f = new;
                }
                ContribOp::RemoveField { table, column } => {
                    let t = tables.iter_mut().find(|t| t.0 == table).unwrap();
                    t.1.retain(|f| f.column != column);
                }
                _ => {}
            }
        }
        for (table, fields) in tables {
            let facts: Vec<(FieldFacts, Option<&str>)> =
                fields.iter().map(|f| (f.facts(table), None)).collect();
            out.extend(sqlite_autoindexes(table, &facts, true));
        }
    }
    out
}

#[test]
fn django_names_match_real_django() {
    let Some(python) = django_python() else {
        return;
    };
    for d in dialects() {
        let Some(db) = TestDb::create(d) else {
            continue;
        };
        let first = migrate(&python, &db);
        let meta = meta_index_name(BOOK, &["published", "-title"], "idx");
        assert!(
            first.contains(&format!("name='{meta}'")),
            "{d}: makemigrations named the index otherwise:\n{first}"
        );

        let mut taken = Taken::default();
        let mut want = Objects::default();
        for e in contrib_effects(d) {
            want.apply(d, &e);
        }
        for e in library_effects(d, &mut taken) {
            want.apply(d, &e);
        }
        let got = Objects::live(&read_live(&db.url));
        let missing: Vec<&String> = want.lines.difference(&got.lines).collect();
        let unexpected: Vec<&String> = got.lines.difference(&want.lines).collect();
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "{d}: predicted but not in the database:\n  {}\nin the database but not predicted:\n  {}",
            missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
            unexpected.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  ")
        );
    }
}
