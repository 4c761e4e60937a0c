//! Schema evidence on real databases: what really ran, proven by the objects in the schema.

use migdoctor_tests::{
    apply_schema, block_on, cli, codes, diagnose_json, dialects, finding, Dialect, Project, TestDb,
};

const USERS: (u64, &str, &str) = (
    1,
    "create_users",
    "CREATE TABLE users (id integer primary key, name varchar(100));",
);
const POSTS: (u64, &str, &str) = (
    2,
    "create_posts",
    "CREATE TABLE posts (id integer primary key, body text);",
);
// The index names a misspelt column, so the second statement fails.
const BROKEN_EMAIL: (u64, &str, &str) = (
    3,
    "add_email",
    "ALTER TABLE users ADD COLUMN email varchar(200);\nCREATE UNIQUE INDEX users_email_idx ON users (emial);",
);

fn findings(p: &str, url: &str) -> serde_json::Value {
    diagnose_json(p, url).1
}

/// A failed deploy of migration 3 exactly as golang-migrate runs it: dirty first, then the file.
fn failed_deploy(db: &TestDb) -> Option<String> {
    apply_schema(db, &[USERS, POSTS], 2);
    db.gm_create_table("schema_migrations");
    db.gm_set_version("schema_migrations", 3, true);
    block_on(async { db.raw().await.run_migration(BROKEN_EMAIL.2).await })
}

#[test]
fn half_applied_migration_on_mariadb_is_partial_and_needs_a_human() {
    let Some(db) = TestDb::create(Dialect::Mysql) else {
        return;
    };
    let project = Project::golang_migrate(&[USERS, POSTS, BROKEN_EMAIL]);
    let p = project.path();
    let err = failed_deploy(&db).expect("the migration must fail");
    assert!(err.contains("emial"), "{err}");

    let v = findings(&p, &db.url);
    let partial = finding(&v, "partial");
    assert_eq!(
        partial["message"],
        "version 3 partial: column users.email present, index users_email_idx on users missing"
    );
    let dirty = finding(&v, "dirty");
    assert!(
        dirty["evidence"].to_string().contains("ran part-way"),
        "{dirty}"
    );

    // No automatic target: the plan lists what took effect and what did not, and the SQL left.
    let (code, _, err) = cli(&["plan", &p, "golang-migrate/undirty", "--db", &db.url]);
    assert_eq!(code, 2);
    assert!(
        err.contains("took effect") && err.contains("ALTER TABLE users ADD COLUMN email"),
        "{err}"
    );
    assert!(
        err.contains("did NOT take effect")
            && err.contains("CREATE UNIQUE INDEX users_email_idx ON users (emial);"),
        "{err}"
    );
    let before = db.dump("schema_migrations");
    assert_eq!(db.dump("schema_migrations"), before);

    // A human finishes the migration by hand; now the evidence says force 3.
    db.exec("CREATE UNIQUE INDEX users_email_idx ON users (email)");
    let (code, out, err) = cli(&[
        "apply",
        "--playbook",
        "golang-migrate/undirty",
        "--db",
        &db.url,
        "--project",
        &p,
        "--yes",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        db.dump("schema_migrations").ends_with("|| 3:0"),
        "{}",
        db.dump("schema_migrations")
    );
    assert!(codes(&findings(&p, &db.url)).is_empty());
}

#[test]
fn failed_migration_that_rolled_back_is_forced_to_the_previous_version() {
    // PostgreSQL runs the file as one implicit transaction; golang-migrate wraps SQLite files in
    // a transaction: either way nothing of 3 is left.
    for dialect in [Dialect::Postgres, Dialect::Sqlite] {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&[USERS, POSTS, BROKEN_EMAIL]);
        let p = project.path();
        assert!(failed_deploy(&db).is_some());
        let v = findings(&p, &db.url);
        assert_eq!(codes(&v), vec!["dirty"], "{dialect}: {v}");
        assert!(finding(&v, "dirty")["evidence"]
            .to_string()
            .contains("none of 3's effects are present: force 2"));
        let (code, out, err) = cli(&[
            "apply",
            "--playbook",
            "golang-migrate/undirty",
            "--db",
            &db.url,
            "--project",
            &p,
            "--yes",
        ]);
        assert_eq!(code, 0, "{dialect}: {out}{err}");
        let after = db.dump("schema_migrations");
        assert!(
            after.ends_with("|| (2,f)") || after.ends_with("|| 2/integer:0/integer"),
            "{dialect}: {after}"
        );
    }
}

#[test]
fn migration_that_ran_but_was_killed_before_clearing_dirty_is_forced_to_itself() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let fixed = (3, "add_email", "ALTER TABLE users ADD COLUMN email varchar(200);\nCREATE UNIQUE INDEX users_email_idx ON users (email);");
        let project = Project::golang_migrate(&[USERS, POSTS, fixed]);
        let p = project.path();
        apply_schema(&db, &[USERS, POSTS, fixed], 3);
        db.gm_create_table("schema_migrations");
        db.gm_set_version("schema_migrations", 3, true);
        let (code, out, err) = cli(&[
            "plan",
            &p,
            "golang-migrate/undirty",
            "--db",
            &db.url,
            "--format",
            "markdown",
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("version = 3")
                && out.contains("## Evidence")
                && out.contains("3 fully applied"),
            "{out}"
        );
        let (code, _, err) = cli(&[
            "apply",
            "--playbook",
            "golang-migrate/undirty",
            "--db",
            &db.url,
            "--project",
            &p,
            "--yes",
        ]);
        assert_eq!(code, 0, "{dialect}: {err}");
        assert!(codes(&findings(&p, &db.url)).is_empty(), "{dialect}");
    }
}

#[test]
fn untracked_applied_tracked_not_applied_and_drift() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let fixed = (
            3,
            "add_email",
            "ALTER TABLE users ADD COLUMN email varchar(200);",
        );
        let all = [USERS, POSTS, fixed];
        let project = Project::golang_migrate(&all);
        let p = project.path();
        apply_schema(&db, &all, 3);
        db.gm_create_table("schema_migrations");
        db.gm_set_version("schema_migrations", 1, false);
        let v = findings(&p, &db.url);
        // One root cause, told once: the row stops at 1, the schema proves 2 and 3.
        assert_eq!(codes(&v), vec!["untracked-applied"], "{dialect}: {v}");
        assert_eq!(
            finding(&v, "untracked-applied")["migrations"],
            serde_json::json!(["2", "3"]),
            "{dialect}: {v}"
        );
        assert!(finding(&v, "untracked-applied")["evidence"]
            .to_string()
            .contains("table posts present"));
        assert_eq!(
            finding(&v, "untracked-applied")["playbooks"][0],
            "golang-migrate/force"
        );
        let (code, _, err) = cli(&[
            "plan",
            &p,
            "golang-migrate/force",
            "--db",
            &db.url,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{err}");

        // Someone created a table by hand: orphaned schema.
        db.exec("CREATE TABLE audit_log (id integer, note text)");
        db.gm_set_version("schema_migrations", 3, false);
        let v = findings(&p, &db.url);
        assert_eq!(codes(&v), vec!["schema-drift"], "{dialect}: {v}");
        assert!(finding(&v, "schema-drift")["evidence"]
            .to_string()
            .contains("unexplained: table audit_log"));

        // Tracking says 3, but 3's column is gone.
        let drop = match dialect {
            Dialect::Sqlite => "ALTER TABLE users DROP COLUMN email",
            _ => "ALTER TABLE users DROP COLUMN email",
        };
        db.exec(drop);
        db.exec("DROP TABLE audit_log");
        let v = findings(&p, &db.url);
        assert_eq!(codes(&v), vec!["tracked-not-applied"], "{dialect}: {v}");
        assert!(finding(&v, "tracked-not-applied")["evidence"]
            .to_string()
            .contains("column users.email missing"));
    }
}

#[test]
fn snapshot_diagnoses_offline_with_the_same_findings() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&[USERS, POSTS, BROKEN_EMAIL]);
        let p = project.path();
        failed_deploy(&db);
        let snap = project.dir.path().join("state.json").display().to_string();
        let (code, _, err) = cli(&["snapshot", &p, "--db", &db.url, "--out", &snap]);
        assert_eq!(code, 0, "{err}");
        let online = findings(&p, &db.url);
        drop(db);
        let (code, out, err) = cli(&["diagnose", &p, "--from-snapshot", &snap, "--format", "json"]);
        assert_eq!(code, 1, "{err}");
        let offline: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            online["sites"][0]["findings"], offline["sites"][0]["findings"],
            "{dialect}"
        );
        let (code, _, err) = cli(&[
            "diagnose",
            &p,
            "--from-snapshot",
            &format!("{snap}.missing"),
        ]);
        assert_eq!(code, 2);
        assert!(err.contains("state.json.missing"), "{err}");
    }
}

#[test]
fn names_that_need_quoting() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let (q1, q2) = if dialect == Dialect::Mysql {
            ('`', '`')
        } else {
            ('"', '"')
        };
        // A quote inside a quoted name is doubled, except a " inside MySQL backticks.
        let quote_in_name = if dialect == Dialect::Mysql {
            "it\"s"
        } else {
            "it\"\"s"
        };
        let sql = format!(
            "CREATE TABLE {q1}Order Items{q2} ({q1}select{q2} integer, {q1}naïve ünïcode{q2} text, {q1}{quote_in_name}{q2} integer);\nCREATE INDEX {q1}weird idx{q2} ON {q1}Order Items{q2} ({q1}select{q2});"
        );
        let m = [(1u64, "weird", sql.as_str())];
        let project = Project::golang_migrate(&m);
        apply_schema(&db, &m, 1);
        db.gm_create_table("schema_migrations");
        db.gm_set_version("schema_migrations", 1, false);
        let v = findings(&project.path(), &db.url);
        assert!(codes(&v).is_empty(), "{dialect}: {v}");
        let ev = &v["sites"][0]["evidence"]["migrations"][0];
        assert_eq!(ev["status"], "present", "{dialect}: {ev}");
        assert!(ev["present"].to_string().contains("naïve ünïcode"), "{ev}");
    }
}

#[test]
fn a_schema_the_role_cannot_use_lowers_confidence() {
    let Some(db) = TestDb::create(Dialect::Postgres) else {
        return;
    };
    let project = Project::golang_migrate(&[USERS, POSTS]);
    apply_schema(&db, &[USERS, POSTS], 2);
    db.gm_create_table("schema_migrations");
    db.gm_set_version("schema_migrations", 2, false);
    let role = format!("{}_limited", db.name);
    db.exec(&format!(
        "CREATE SCHEMA secret; CREATE TABLE secret.stuff (x int); CREATE ROLE {role} LOGIN; \
         GRANT CONNECT ON DATABASE {} TO {role}; GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role};",
        db.name
    ));
    let url = db
        .url
        .replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
    let (code, out, err) = cli(&[
        "status",
        &project.path(),
        "--db",
        &url,
        "--evidence",
        "--format",
        "json",
    ]);
    let name = db.name.clone();
    drop(db);
    if let Some(admin) = TestDb::create(Dialect::Postgres) {
        admin.exec(&format!("DROP ROLE IF EXISTS {role}"));
    }
    assert_eq!(code, 0, "{name}: {out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sites"][0]["apparent"], "2 (medium)", "{v}");
}
