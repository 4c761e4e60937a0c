//! Support for migdoctor's real-database integration tests: uniquely named throw-away databases
//! on PostgreSQL, MariaDB/MySQL and SQLite, golang-migrate's own table and writes reproduced
//! from its driver sources, and byte-exact dumps of a table made without migdoctor's code.
//!
//! Base URLs default to the local services and can be overridden with `MIGDOCTOR_TEST_PG` and
//! `MIGDOCTOR_TEST_MYSQL`. With `CI=true` a database that cannot be reached fails the test;
//! elsewhere the test prints why it is skipped.

use sqlx::{Connection, Executor, Row};
use std::sync::atomic::{AtomicUsize, Ordering};

pub use migdoctor_model::Dialect;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Returns a fresh current-thread runtime's result for `fut` (the CLI builds its own runtime, so
/// tests stay synchronous).
pub fn block_on<F: std::future::Future>(fut: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
        .block_on(fut)
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Returns the admin URL for a server dialect.
pub fn admin_url(dialect: Dialect) -> String {
    match dialect {
        Dialect::Postgres => std::env::var("MIGDOCTOR_TEST_PG")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        Dialect::Mysql => std::env::var("MIGDOCTOR_TEST_MYSQL")
            .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".into()),
        Dialect::Sqlite => String::new(),
    }
}

fn with_db(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    format!("{}/{db}{query}", &base[..path_start])
}

/// Prints why a test is skipped (outside CI only).
#[allow(clippy::print_stderr)]
fn skip_notice(text: &str) {
    eprintln!("skipping: {text}");
}

/// Returns nothing; a raw connection for setting states up, independent of migdoctor's code.
pub enum Raw {
    /// PostgreSQL.
    Pg(sqlx::PgConnection),
    /// MySQL / MariaDB.
    My(sqlx::MySqlConnection),
    /// SQLite.
    Lite(sqlx::SqliteConnection),
}

impl Raw {
    /// Runs SQL (one or more statements, no parameters).
    pub async fn exec(&mut self, sql: &str) {
        let r = match self {
            Raw::Pg(c) => c.execute(sqlx::raw_sql(sql)).await.map(|_| ()),
            Raw::My(c) => c.execute(sqlx::raw_sql(sql)).await.map(|_| ()),
            Raw::Lite(c) => c.execute(sqlx::raw_sql(sql)).await.map(|_| ()),
        };
        r.unwrap_or_else(|e| panic!("setup SQL failed: {e}\n{sql}"));
    }

    /// Runs SQL (one or more statements) the way golang-migrate's driver sends a migration file,
    /// and returns the error text if it failed: one multi-statement Exec (PostgreSQL runs it as
    /// one implicit transaction; MySQL runs statements until the first error), and on SQLite
    /// inside BEGIN … COMMIT (database/sqlite3/sqlite3.go executeQuery).
    pub async fn run_migration(&mut self, sql: &str) -> Option<String> {
        let r = match self {
            Raw::Pg(c) => c.execute(sqlx::raw_sql(sql)).await.map(|_| ()),
            Raw::My(c) => c.execute(sqlx::raw_sql(sql)).await.map(|_| ()),
            Raw::Lite(c) => {
                let wrapped = format!("BEGIN;\n{sql}\nCOMMIT;");
                let r = c.execute(sqlx::raw_sql(&wrapped)).await.map(|_| ());
                if r.is_err() {
                    let _ = c.execute(sqlx::raw_sql("ROLLBACK")).await;
                }
                r
            }
        };
        r.err().map(|e| e.to_string())
    }

    /// Returns the first column of the first row as text.
    pub async fn text(&mut self, sql: &str) -> Option<String> {
        match self {
            Raw::Pg(c) => sqlx::query(sql)
                .fetch_optional(&mut *c)
                .await
                .unwrap()
                .and_then(|r| r.try_get::<Option<String>, _>(0).unwrap()),
            Raw::My(c) => sqlx::query(sql)
                .fetch_optional(&mut *c)
                .await
                .unwrap()
                .and_then(|r| {
                    r.try_get::<Option<String>, _>(0)
                        .or_else(|_| {
                            r.try_get::<Option<Vec<u8>>, _>(0)
                                .map(|b| b.map(|b| String::from_utf8_lossy(&b).into_owned()))
                        })
                        .unwrap()
                }),
            Raw::Lite(c) => sqlx::query(sql)
                .fetch_optional(&mut *c)
                .await
                .unwrap()
                .and_then(|r| r.try_get::<Option<String>, _>(0).unwrap()),
        }
    }
}

/// Returns nothing; a uniquely named database dropped when the value is dropped.
pub struct TestDb {
    /// Dialect.
    pub dialect: Dialect,
    /// URL of the database (for migdoctor).
    pub url: String,
    /// Name of the database (file path for SQLite).
    pub name: String,
    admin: String,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// Returns a new empty database, or `None` (with the reason printed) when the server cannot
    /// be reached outside CI. In CI an unreachable server is a failure.
    pub fn create(dialect: Dialect) -> Option<TestDb> {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!(
            "mdt_{}_{}_{}",
            std::process::id(),
            n,
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_micros()
        );
        if dialect == Dialect::Sqlite {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(format!("{name}.db"));
            std::fs::File::create(&path).unwrap();
            let path = path.display().to_string();
            return Some(TestDb {
                dialect,
                url: format!("sqlite://{path}"),
                name: path,
                admin: String::new(),
                _dir: Some(dir),
            });
        }
        let admin = admin_url(dialect);
        let created = block_on(async {
            let sql = format!("CREATE DATABASE {name}");
            match dialect {
                Dialect::Postgres => {
                    let mut c = sqlx::PgConnection::connect(&admin).await?;
                    c.execute(sqlx::raw_sql(&sql)).await?;
                }
                _ => {
                    let mut c = sqlx::MySqlConnection::connect(&admin).await?;
                    c.execute(sqlx::raw_sql(&sql)).await?;
                }
            }
            Ok::<_, sqlx::Error>(())
        });
        match created {
            Ok(()) => Some(TestDb {
                dialect,
                url: with_db(&admin, &name),
                name,
                admin,
                _dir: None,
            }),
            Err(e) if in_ci() => {
                panic!("CI=true and the {dialect} test server at {admin} cannot be used: {e}")
            }
            Err(e) => {
                skip_notice(&format!(
                    "the {dialect} test server at {admin} cannot be used: {e}"
                ));
                None
            }
        }
    }

    /// Returns a raw connection to this database.
    pub async fn raw(&self) -> Raw {
        match self.dialect {
            Dialect::Postgres => Raw::Pg(sqlx::PgConnection::connect(&self.url).await.unwrap()),
            Dialect::Mysql => Raw::My(sqlx::MySqlConnection::connect(&self.url).await.unwrap()),
            Dialect::Sqlite => Raw::Lite(sqlx::SqliteConnection::connect(&self.url).await.unwrap()),
        }
    }

    /// Runs SQL on a fresh raw connection.
    pub fn exec(&self, sql: &str) {
        block_on(async { self.raw().await.exec(sql).await })
    }

    /// Returns a text query's answer on a fresh raw connection.
    pub fn text(&self, sql: &str) -> Option<String> {
        block_on(async { self.raw().await.text(sql).await })
    }

    /// Creates golang-migrate's tracking table exactly as its driver does.
    pub fn gm_create_table(&self, table: &str) {
        let sql = match self.dialect {
            // database/postgres/postgres.go ensureVersionTable
            Dialect::Postgres => format!("CREATE TABLE IF NOT EXISTS \"public\".\"{table}\" (version bigint not null primary key, dirty boolean not null)"),
            // database/mysql/mysql.go ensureVersionTable
            Dialect::Mysql => format!("CREATE TABLE `{table}` (version bigint not null primary key, dirty boolean not null)"),
            // database/sqlite3/sqlite3.go ensureVersionTable
            Dialect::Sqlite => format!("CREATE TABLE IF NOT EXISTS {table} (version uint64,dirty bool);\n  CREATE UNIQUE INDEX IF NOT EXISTS version_unique ON {table} (version);"),
        };
        self.exec(&sql);
    }

    /// Writes a version row exactly as golang-migrate's `SetVersion` does (in one transaction:
    /// clear, then insert when version >= 0 or (-1 and dirty)).
    pub fn gm_set_version(&self, table: &str, version: i64, dirty: bool) {
        let clear = match self.dialect {
            Dialect::Postgres => format!("TRUNCATE \"public\".\"{table}\""),
            Dialect::Mysql => format!("DELETE FROM `{table}` LIMIT 1"),
            Dialect::Sqlite => format!("DELETE FROM {table}"),
        };
        let d = match self.dialect {
            Dialect::Postgres => dirty.to_string(),
            _ => i64::from(dirty).to_string(),
        };
        let insert = if version >= 0 || (version == -1 && dirty) {
            format!(
                "INSERT INTO {} (version, dirty) VALUES ({version}, {d});",
                self.q(table)
            )
        } else {
            String::new()
        };
        self.exec(&format!("BEGIN; {clear}; {insert} COMMIT;"));
    }

    /// Returns `table` quoted for this dialect.
    pub fn q(&self, table: &str) -> String {
        match self.dialect {
            Dialect::Mysql => format!("`{table}`"),
            _ => format!("\"{table}\""),
        }
    }

    /// Returns a byte-exact dump of `table` — its DDL or columns with types, and every row with
    /// each value's stored type — made by the database itself, not by migdoctor. "absent" when
    /// the table does not exist.
    pub fn dump(&self, table: &str) -> String {
        let cols_sql = match self.dialect {
            Dialect::Postgres => format!("SELECT string_agg(attname::text, ',' ORDER BY attnum) FROM pg_attribute WHERE attrelid = to_regclass('public.\"{table}\"') AND attnum > 0 AND NOT attisdropped"),
            Dialect::Mysql => format!("SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR ',') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'"),
            Dialect::Sqlite => format!("SELECT group_concat(name, ',') FROM pragma_table_info('{table}')"),
        };
        let Some(cols) = self.text(&cols_sql) else {
            return "absent".into();
        };
        let cols: Vec<&str> = cols.split(',').collect();
        let (shape, rows) = match self.dialect {
            Dialect::Postgres => (
                format!("SELECT string_agg(attname || ' ' || format_type(atttypid, atttypmod) || ' ' || attnotnull::text, ', ' ORDER BY attnum) || ' pk:' || coalesce((SELECT string_agg(indexrelid::regclass::text, ',') FROM pg_index WHERE indrelid = to_regclass('public.\"{table}\"')), '') FROM pg_attribute WHERE attrelid = to_regclass('public.\"{table}\"') AND attnum > 0 AND NOT attisdropped"),
                format!("SELECT coalesce(string_agg(t::text, ';' ORDER BY t::text), '') FROM public.\"{table}\" t"),
            ),
            Dialect::Mysql => {
                let vals: Vec<String> = cols.iter().map(|c| format!("IFNULL(CAST(`{c}` AS CHAR), 'NULL')")).collect();
                (
                    format!("SELECT GROUP_CONCAT(CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE, ' ', IS_NULLABLE, ' ', COLUMN_KEY) ORDER BY ORDINAL_POSITION SEPARATOR ', ') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'"),
                    format!("SELECT COALESCE(GROUP_CONCAT(CONCAT_WS(':', {}) ORDER BY 1 SEPARATOR ';'), '') FROM `{table}`", vals.join(", ")),
                )
            }
            Dialect::Sqlite => {
                let vals: Vec<String> = cols.iter().map(|c| format!("quote(\"{c}\") || '/' || typeof(\"{c}\")")).collect();
                (
                    format!("SELECT group_concat(sql, '; ') FROM sqlite_master WHERE tbl_name = '{table}'"),
                    format!("SELECT coalesce(group_concat({}, ';'), '') FROM \"{table}\"", vals.join(" || ':' || ")),
                )
            }
        };
        format!(
            "{} || {}",
            self.text(&shape).unwrap_or_default(),
            self.text(&rows).unwrap_or_default()
        )
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if self.dialect == Dialect::Sqlite {
            return;
        }
        let (dialect, admin, name) = (self.dialect, self.admin.clone(), self.name.clone());
        // Dropping from a fresh thread keeps Drop usable inside or outside a runtime.
        let _ = std::thread::spawn(move || {
            block_on(async move {
                match dialect {
                    Dialect::Postgres => {
                        if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                            let _ = c
                                .execute(sqlx::raw_sql(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                )))
                                .await;
                        }
                    }
                    _ => {
                        if let Ok(mut c) = sqlx::MySqlConnection::connect(&admin).await {
                            let _ = c
                                .execute(sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name}")))
                                .await;
                        }
                    }
                }
            })
        })
        .join();
    }
}

/// Returns nothing; a project folder with golang-migrate migrations.
pub struct Project {
    /// The temp folder.
    pub dir: tempfile::TempDir,
}

impl Project {
    /// Returns a project with `db/migrations/{v}_{name}.up.sql` (and `.down.sql`) for each entry.
    pub fn golang_migrate(migrations: &[(u64, &str, &str)]) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("db/migrations");
        std::fs::create_dir_all(&m).unwrap();
        for (v, name, up) in migrations {
            std::fs::write(m.join(format!("{v:06}_{name}.up.sql")), up).unwrap();
            std::fs::write(m.join(format!("{v:06}_{name}.down.sql")), "-- down\n").unwrap();
        }
        Project { dir }
    }

    /// Returns the folder as a string.
    pub fn path(&self) -> String {
        self.dir.path().display().to_string()
    }
}

/// Returns three users-app migrations used across tests.
pub fn three_migrations() -> Vec<(u64, &'static str, &'static str)> {
    vec![
        (
            1,
            "create_users",
            "CREATE TABLE users (id integer primary key, name text);",
        ),
        (
            2,
            "create_posts",
            "CREATE TABLE posts (id integer primary key, body text);",
        ),
        (3, "add_email", "ALTER TABLE users ADD COLUMN email text;"),
    ]
}

/// Runs the up SQL of every migration with version <= `upto`, as the application's schema would
/// be after those migrations.
pub fn apply_schema(db: &TestDb, migrations: &[(u64, &str, &str)], upto: u64) {
    for (v, _, up) in migrations {
        if *v <= upto {
            db.exec(up);
        }
    }
}

/// Returns (exit code, stdout, stderr) of the migdoctor CLI run in-process.
pub fn cli(args: &[&str]) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let mut full = vec!["migdoctor"];
    full.extend_from_slice(args);
    let code = migdoctor_cli::run(full, &mut out, &mut err);
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

/// Returns every dialect whose server is reachable (SQLite always).
pub fn dialects() -> Vec<Dialect> {
    vec![Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql]
}

/// Returns the npm folder `.build/<folder>` (made by `.ci/run` from
/// `tests/frameworks/<lock_dir>/package-lock.json`) when drizzle-orm is installed there; `None`
/// with the reason printed outside CI, a failure in CI.
pub fn node_folder(folder: &str, lock_dir: &str) -> Option<std::path::PathBuf> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../.build")
        .join(folder);
    if dir.join("node_modules/drizzle-orm").is_dir() {
        return Some(dir);
    }
    let why = format!(
        "drizzle-orm is not installed in {} (run .ci/run, which installs tests/frameworks/{lock_dir}/package-lock.json)",
        dir.display()
    );
    assert!(!in_ci(), "CI=true and {why}");
    skip_notice(&why);
    None
}

/// Returns the Python of `.build/venv` (or `$MIGDOCTOR_DJANGO_PYTHON`) when it has Django 5.2
/// (made by `.ci/run` from tests/frameworks/requirements.txt); `None` with the reason printed
/// outside CI, a failure in CI.
pub fn django_python() -> Option<std::path::PathBuf> {
    let python = std::env::var_os("MIGDOCTOR_DJANGO_PYTHON")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.build/venv/bin/python")
        });
    let version = std::process::Command::new(&python)
        .args(["-c", "import django; print(django.get_version())"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    match version {
        Some(v) if v.starts_with("5.2") => Some(python),
        other => {
            let why = format!(
                "Django 5.2 is not installed in {} (found {other:?}); run: python3 -m venv .build/venv && .build/venv/bin/pip install -r tests/frameworks/requirements.txt",
                python.display()
            );
            assert!(!in_ci(), "CI=true and {why}");
            skip_notice(&why);
            None
        }
    }
}

/// Returns the `alembic` executable of the repository's virtual environment
/// (`.build/venv`, made by `.ci/run`) or `$MIGDOCTOR_ALEMBIC`; `None` (with the reason printed)
/// outside CI when it is missing. In CI a missing Alembic is a failure.
pub fn alembic_bin() -> Option<std::path::PathBuf> {
    let path = std::env::var_os("MIGDOCTOR_ALEMBIC")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../.build/venv/bin/alembic")
        });
    if path.is_file() {
        return Some(path);
    }
    if in_ci() {
        panic!("CI=true and Alembic is not installed at {} (run .ci/run, which installs tests/frameworks/requirements.txt)", path.display());
    }
    skip_notice(&format!("Alembic is not installed at {}; run: python3 -m venv .build/venv && .build/venv/bin/pip install -r tests/frameworks/requirements.txt", path.display()));
    None
}

impl TestDb {
    /// Returns the SQLAlchemy URL of this database.
    pub fn sqlalchemy_url(&self) -> String {
        match self.dialect {
            Dialect::Postgres => self
                .url
                .replacen("postgres://", "postgresql+psycopg2://", 1),
            Dialect::Mysql => self.url.replacen("mysql://", "mysql+pymysql://", 1),
            Dialect::Sqlite => format!("sqlite:///{}", self.name),
        }
    }
}

/// Returns nothing; a real Alembic project in a temporary folder.
pub struct AlembicProject {
    /// The folder.
    pub dir: tempfile::TempDir,
    bin: std::path::PathBuf,
}

/// Returns nothing; the `env.py` of the test projects (online mode only).
pub const ENV_PY: &str = r#"from sqlalchemy import engine_from_config, pool
from alembic import context

config = context.config
target_metadata = None


def run_migrations_online() -> None:
    connectable = engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()
"#;

impl AlembicProject {
    /// Returns a project whose alembic.ini points at `db`, with the given revision files
    /// (file name, text).
    pub fn new(
        bin: std::path::PathBuf,
        db: &TestDb,
        revisions: &[(&str, String)],
    ) -> AlembicProject {
        AlembicProject::with_env(bin, db, revisions, ENV_PY)
    }

    /// Returns a project like [`AlembicProject::new`] with its own `env.py`.
    pub fn with_env(
        bin: std::path::PathBuf,
        db: &TestDb,
        revisions: &[(&str, String)],
        env_py: &str,
    ) -> AlembicProject {
        let dir = tempfile::tempdir().unwrap();
        let ini = format!(
            "[alembic]\nscript_location = %(here)s/alembic\nsqlalchemy.url = {}\n",
            db.sqlalchemy_url().replace('%', "%%")
        );
        std::fs::write(dir.path().join("alembic.ini"), ini).unwrap();
        std::fs::create_dir_all(dir.path().join("alembic/versions")).unwrap();
        std::fs::write(dir.path().join("alembic/env.py"), env_py).unwrap();
        for (name, text) in revisions {
            std::fs::write(dir.path().join("alembic/versions").join(name), text).unwrap();
        }
        AlembicProject { dir, bin }
    }

    /// Returns the folder as a string.
    pub fn path(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// Returns (success, stdout + stderr) of `alembic ARGS` run in the project.
    pub fn run(&self, args: &[&str]) -> (bool, String) {
        let out = std::process::Command::new(&self.bin)
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .expect("run alembic");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// Returns `alembic current`'s output, trimmed.
    pub fn current(&self) -> String {
        let (ok, text) = self.run(&["current"]);
        assert!(ok, "alembic current failed: {text}");
        text.trim().to_string()
    }
}

/// Returns the text of a revision file: `revision`, `down_revision` and an `upgrade()` body.
pub fn revision(rev: &str, down: Option<&str>, upgrade: &str) -> String {
    let down = down
        .map(|d| format!("'{d}'"))
        .unwrap_or_else(|| "None".into());
    format!(
        "\"\"\"{rev}\n\nRevision ID: {rev}\n\"\"\"\nfrom typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\nrevision: str = '{rev}'\ndown_revision: Union[str, None] = {down}\nbranch_labels: Union[str, Sequence[str], None] = None\ndepends_on: Union[str, Sequence[str], None] = None\n\n\ndef upgrade() -> None:\n{upgrade}\n\n\ndef downgrade() -> None:\n    pass\n"
    )
}

/// Returns the exit code and the JSON report of `migdoctor diagnose PATH --db URL` (which must
/// have run: exit 0 or 1).
pub fn diagnose_json(path: &str, url: &str) -> (i32, serde_json::Value) {
    let (code, out, err) = cli(&["diagnose", path, "--db", url, "--format", "json"]);
    assert!(code < 2, "diagnose failed: {out}{err}");
    (
        code,
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}")),
    )
}

/// Returns the finding codes of the first site of a diagnose report, in order.
pub fn codes(report: &serde_json::Value) -> Vec<String> {
    findings_of(report)
        .map(|f| f["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Returns the findings of the first site of a diagnose report, then the database's.
fn findings_of(report: &serde_json::Value) -> impl Iterator<Item = &serde_json::Value> {
    let site = report["sites"][0]["findings"].as_array().expect("findings");
    let database = report["database_findings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    site.iter().chain(database)
}

/// Returns the first finding with `code` of the first site of a diagnose report (or of the
/// database, for drift).
pub fn finding<'a>(report: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    findings_of(report)
        .find(|f| f["code"] == code)
        .unwrap_or_else(|| panic!("no {code} finding in {report}"))
}

/// Runs `migdoctor apply --playbook ID --yes` with default parameters and asserts it worked.
pub fn apply_playbook(project: &str, url: &str, playbook: &str) {
    let (code, out, err) = cli(&[
        "apply",
        "--playbook",
        playbook,
        "--db",
        url,
        "--project",
        project,
        "--yes",
    ]);
    assert_eq!(code, 0, "{playbook}: {out}{err}");
}
