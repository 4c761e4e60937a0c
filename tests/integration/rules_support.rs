//! Support for `replay_rules.rs` and `real_patterns.rs`: run a golang-migrate project's
//! migrations for real (as golang-migrate's driver sends them), read catalog facts with plain
//! SQL, ask a database for the exact text with which it refuses a statement, and collect what
//! `migdoctor diagnose` reports at warning or above on the healthy result.
//!
//! A rule's test checks the database facts first, for every dialect, and only then fails on the
//! diagnose problems of all dialects together, so a false finding on one database never hides a
//! fact about another.

use migdoctor_tests::{block_on, cli, Dialect, Project, Raw, TestDb};
use sqlx::Executor;

/// One migration file: version, name, up SQL (owned, so each dialect can spell it its own way).
pub type Mig = (u64, &'static str, String);

/// A database after every migration of a project ran for real and the tracking row says so.
pub struct Applied {
    /// The database.
    pub db: TestDb,
    /// The golang-migrate project folder.
    pub project: Project,
}

/// Returns the project written for `migs` and a fresh `dialect` database on which every
/// migration ran in order on one connection (as golang-migrate holds one connection for a whole
/// `migrate up`), with `schema_migrations` at the last version and clean; `None` when the server
/// cannot be reached outside CI. Panics naming the file and the database's error when a
/// migration fails.
pub fn apply_all(dialect: Dialect, migs: &[Mig]) -> Option<Applied> {
    let db = TestDb::create(dialect)?;
    let files: Vec<(u64, &str, &str)> = migs.iter().map(|(v, n, s)| (*v, *n, s.as_str())).collect();
    let project = Project::golang_migrate(&files);
    db.gm_create_table("schema_migrations");
    block_on(async {
        let mut raw = db.raw().await;
        for (v, name, sql) in migs {
            if let Some(err) = raw.run_migration(sql).await {
                panic!("{dialect}: {v:06}_{name}.up.sql failed unexpectedly: {err}\n--- SQL ---\n{sql}");
            }
        }
    });
    let last = migs.last().map(|m| m.0 as i64).unwrap_or(-1);
    db.gm_set_version("schema_migrations", last, false);
    Some(Applied { db, project })
}

impl Applied {
    /// Returns the first column of the first row of `sql` as text ("" for no row or NULL).
    pub fn fact(&self, sql: &str) -> String {
        self.db.text(sql).unwrap_or_default()
    }

    /// Asserts that `sql`'s first value is `expected`.
    #[track_caller]
    pub fn expect(&self, sql: &str, expected: &str) {
        assert_eq!(self.fact(sql), expected, "{}: {sql}", self.db.dialect);
    }
}

/// Returns the catalog query listing `table`'s indexes as `name(col,col)` sorted by name, one
/// string, for `dialect` (PostgreSQL: in the schemas of the search path; MySQL: in the current
/// database; SQLite: `sqlite_autoindex_*` included).
pub fn indexes_sql(dialect: Dialect, table: &str) -> String {
    match dialect {
        Dialect::Postgres => format!(
            "SELECT coalesce(string_agg(i.relname || '(' || (SELECT string_agg(a.attname, ',' ORDER BY k.n) \
             FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n) JOIN pg_attribute a ON a.attrelid = x.indrelid \
             AND a.attnum = k.attnum) || ')', ' ' ORDER BY i.relname), '') FROM pg_index x \
             JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass('{table}')"
        ),
        Dialect::Mysql => format!(
            "SELECT COALESCE(GROUP_CONCAT(s ORDER BY INDEX_NAME SEPARATOR ' '), '') FROM \
             (SELECT INDEX_NAME, CONCAT(INDEX_NAME, '(', GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX \
             SEPARATOR ','), ')') AS s FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() \
             AND TABLE_NAME = '{table}' GROUP BY INDEX_NAME) i"
        ),
        Dialect::Sqlite => format!(
            "SELECT coalesce(group_concat(s, ' '), '') FROM (SELECT l.name || '(' || \
             (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno)) \
             || ')' AS s FROM pragma_index_list('{table}') l ORDER BY l.name)"
        ),
    }
}

/// Returns the names of every table in the database (PostgreSQL: `schema.table` outside the
/// system schemas), sorted, space separated, without golang-migrate's own table.
pub fn tables_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Postgres => "SELECT coalesce(string_agg(schemaname || '.' || tablename, ' ' ORDER BY schemaname, tablename), '') FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename <> 'schema_migrations'",
        Dialect::Mysql => "SELECT COALESCE(GROUP_CONCAT(TABLE_NAME ORDER BY TABLE_NAME SEPARATOR ' '), '') FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> 'schema_migrations'",
        Dialect::Sqlite => "SELECT coalesce(group_concat(name, ' '), '') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'schema_migrations' ORDER BY name)",
    }
}

/// Returns the name of a fresh `dialect` database and the message with which it refuses `stmt`
/// after `setup`: the server's own text (`DatabaseError::message`, without sqlx's prefix or the
/// error code); `None` when the server cannot be reached outside CI. Panics when the statement
/// succeeds.
pub fn refusal(dialect: Dialect, setup: &str, stmt: &str) -> Option<(String, String)> {
    let db = TestDb::create(dialect)?;
    db.exec(setup);
    let err = block_on(async {
        let r = match db.raw().await {
            Raw::Pg(mut c) => c.execute(sqlx::raw_sql(stmt)).await.map(|_| ()),
            Raw::My(mut c) => c.execute(sqlx::raw_sql(stmt)).await.map(|_| ()),
            Raw::Lite(mut c) => c.execute(sqlx::raw_sql(stmt)).await.map(|_| ()),
        };
        r.err()
    });
    let err = err.unwrap_or_else(|| panic!("{dialect} accepted what it should refuse: {stmt}"));
    let text = match err.as_database_error() {
        Some(d) => d.message().to_string(),
        None => err.to_string(),
    };
    Some((db.name.clone(), text))
}

/// Asserts that `dialect` refuses `stmt` after `setup` with exactly `expected` (the server's
/// message; `{db}` stands for the throw-away database's name). Does nothing when the server
/// cannot be reached outside CI.
pub fn assert_refused(dialect: Dialect, setup: &str, stmt: &str, expected: &str) {
    if let Some((db, got)) = refusal(dialect, setup, stmt) {
        assert_eq!(
            got,
            expected.replace("{db}", &db),
            "{dialect} refusing: {stmt}"
        );
    }
}

/// Returns every finding at warning or above in a diagnose report: the sites' findings and the
/// report-level `database_findings` (per-database drift) when present.
pub fn serious(report: &serde_json::Value) -> Vec<serde_json::Value> {
    let sites = report["sites"].as_array().cloned().unwrap_or_default();
    let mut all: Vec<serde_json::Value> = sites
        .iter()
        .flat_map(|s| s["findings"].as_array().cloned().unwrap_or_default())
        .collect();
    if let Some(db) = report["database_findings"].as_array() {
        all.extend(db.iter().cloned());
    }
    all.into_iter()
        .filter(|f| f["severity"] == "warning" || f["severity"] == "error")
        .collect()
}

/// Returns the JSON report of `migdoctor diagnose` on an applied case, or the reason it could
/// not run.
pub fn diagnose(a: &Applied) -> Result<serde_json::Value, String> {
    let p = a.project.path();
    let (code, out, err) = cli(&["diagnose", &p, "--db", &a.db.url, "--format", "json"]);
    if code >= 2 {
        return Err(format!("diagnose exited {code}: {out}{err}"));
    }
    serde_json::from_str(&out).map_err(|e| format!("diagnose printed no JSON ({e}): {out}{err}"))
}

/// Returns what is wrong with migdoctor's diagnose of a healthy case (empty when nothing is):
/// every finding at warning or above, in full, with the evidence of each migration that is not
/// `present` or has statements migdoctor could not read, as context.
pub fn diagnose_problems(a: &Applied) -> Vec<String> {
    let report = match diagnose(a) {
        Ok(r) => r,
        Err(e) => return vec![e],
    };
    let bad = serious(&report);
    if bad.is_empty() {
        return Vec::new();
    }
    let mut out: Vec<String> = bad
        .iter()
        .map(|f| serde_json::to_string_pretty(f).unwrap())
        .collect();
    for site in report["sites"].as_array().cloned().unwrap_or_default() {
        for m in site["evidence"]["migrations"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            if m["status"] != "present" || m["opaque"].as_u64().unwrap_or(0) > 0 {
                out.push(format!(
                    "context: migration {} is {}: present {} missing {} opaque {}",
                    m["migration"], m["status"], m["present"], m["missing"], m["opaque"]
                ));
            }
        }
        if let Some(u) = site["evidence"]["unexplained"].as_array() {
            if !u.is_empty() {
                out.push(format!(
                    "context: unexplained {}",
                    serde_json::Value::from(u.clone())
                ));
            }
        }
    }
    out
}

/// Collects per-dialect diagnose problems of one rule and fails once, listing all of them.
#[derive(Default)]
pub struct Problems(Vec<String>);

impl Problems {
    /// Adds the diagnose problems of one applied case.
    pub fn check(&mut self, label: &str, a: &Applied) {
        self.add(label, diagnose_problems(a));
    }

    /// Adds problems found another way (one line each).
    pub fn add(&mut self, label: &str, problems: Vec<String>) {
        for p in problems {
            self.0.push(format!("[{label}] {p}"));
        }
    }

    /// Panics listing every problem collected, if any.
    pub fn finish(self, rule: &str) {
        assert!(
            self.0.is_empty(),
            "{rule}: migdoctor diagnose reports findings at warning or above on a healthy database:\n{}",
            self.0.join("\n")
        );
    }
}

/// Returns one migration.
pub fn mig(v: u64, name: &'static str, sql: impl Into<String>) -> Mig {
    (v, name, sql.into())
}

/// Returns the catalog query listing `table`'s columns in their order, comma separated.
pub fn columns_sql(dialect: Dialect, table: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("SELECT coalesce(string_agg(attname, ',' ORDER BY attnum), '') FROM pg_attribute WHERE attrelid = to_regclass('{table}') AND attnum > 0 AND NOT attisdropped"),
        Dialect::Mysql => format!("SELECT COALESCE(GROUP_CONCAT(COLUMN_NAME ORDER BY ORDINAL_POSITION SEPARATOR ','), '') FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'"),
        Dialect::Sqlite => format!("SELECT coalesce(group_concat(name, ','), '') FROM (SELECT name FROM pragma_table_info('{table}') ORDER BY cid)"),
    }
}

/// Returns the catalog query listing the names of `table`'s constraints, sorted, space
/// separated (PostgreSQL and MySQL; SQLite keeps no constraint names in a catalog).
pub fn constraints_sql(dialect: Dialect, table: &str) -> String {
    match dialect {
        Dialect::Postgres => format!("SELECT coalesce(string_agg(conname, ' ' ORDER BY conname), '') FROM pg_constraint WHERE conrelid = to_regclass('{table}')"),
        Dialect::Mysql => format!("SELECT COALESCE(GROUP_CONCAT(CONSTRAINT_NAME ORDER BY CONSTRAINT_NAME SEPARATOR ' '), '') FROM information_schema.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}'"),
        Dialect::Sqlite => unreachable!("SQLite has no constraint catalog"),
    }
}
