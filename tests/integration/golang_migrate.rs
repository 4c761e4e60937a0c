//! golang-migrate findings on real databases, from states written the way golang-migrate writes
//! them (see `TestDb::gm_create_table` / `gm_set_version` for the cited driver code).

use migdoctor_tests::{apply_schema, cli, dialects, three_migrations, Dialect, Project, TestDb};

fn codes(json: &str) -> Vec<String> {
    migdoctor_tests::codes(&serde_json::from_str(json).unwrap_or_else(|e| panic!("{e}: {json}")))
}

#[test]
fn unknown_tracked_when_database_is_ahead_of_code() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&three_migrations());
        apply_schema(&db, &three_migrations(), 3);
        db.gm_create_table("schema_migrations");
        db.gm_set_version("schema_migrations", 9, false);
        let (code, out, _) = cli(&[
            "diagnose",
            &project.path(),
            "--db",
            &db.url,
            "--format",
            "json",
        ]);
        assert_eq!(code, 1);
        assert_eq!(codes(&out), vec!["unknown-tracked"], "{dialect}");
        assert!(out.contains("ahead of the code"));
    }
}

#[test]
fn healthy_state_exits_zero_and_pending_is_info() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&three_migrations());
        apply_schema(&db, &three_migrations(), 2);
        db.gm_create_table("schema_migrations");
        db.gm_set_version("schema_migrations", 2, false);
        let (code, out, _) = cli(&[
            "diagnose",
            &project.path(),
            "--db",
            &db.url,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{out}");
        assert_eq!(codes(&out), vec!["pending"]);
        let (code, _, _) = cli(&[
            "diagnose",
            &project.path(),
            "--db",
            &db.url,
            "--fail-on",
            "info",
        ]);
        assert_eq!(code, 1);
        let (code, out, _) = cli(&[
            "status",
            &project.path(),
            "--db",
            &db.url,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        // The quick look reads files and tracking tables only.
        assert_eq!(v["sites"][0]["apparent"], serde_json::Value::Null);
        let (code, out, _) = cli(&[
            "status",
            &project.path(),
            "--db",
            &db.url,
            "--evidence",
            "--format",
            "json",
        ]);
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["sites"][0]["applied"], "2");
        assert_eq!(v["sites"][0]["pending"], 1);
        assert_eq!(v["sites"][0]["dirty"], false);
        assert_eq!(v["sites"][0]["apparent"], "2 (high)");
        assert_eq!(v["sites"][0]["apparent"], "2 (high)");
    }
}

#[test]
fn duplicate_rows_are_reported() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&three_migrations());
        apply_schema(&db, &three_migrations(), 3);
        db.gm_create_table("schema_migrations");
        let t = db.q("schema_migrations");
        let f = if dialect == Dialect::Postgres {
            "false"
        } else {
            "0"
        };
        db.exec(&format!("INSERT INTO {t} (version, dirty) VALUES (1, {f}); INSERT INTO {t} (version, dirty) VALUES (3, {f});"));
        let (code, out, _) = cli(&[
            "diagnose",
            &project.path(),
            "--db",
            &db.url,
            "--format",
            "json",
        ]);
        assert_eq!(code, 1);
        assert!(
            codes(&out).contains(&"duplicate-rows".to_string()),
            "{dialect}: {out}"
        );
        // Forcing the version the schema proves leaves exactly one row.
        migdoctor_tests::apply_playbook(&project.path(), &db.url, "golang-migrate/force");
        let (code, out, _) = cli(&[
            "diagnose",
            &project.path(),
            "--db",
            &db.url,
            "--format",
            "json",
        ]);
        assert_eq!(code, 0, "{dialect}: {out}");
        let dump = db.dump("schema_migrations");
        let rows = dump.split(" || ").nth(1).unwrap_or_default();
        assert!(
            rows.starts_with("(3,") || rows.starts_with('3'),
            "{dialect}: {dump}"
        );
        assert!(!rows.contains(';'), "{dialect}: one row left: {dump}");
    }
}

#[test]
fn rails_and_dbmate_tables_are_not_golang_migrates() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&three_migrations());
        let t = db.q("schema_migrations");
        db.exec(&format!("CREATE TABLE {t} (version varchar(255) NOT NULL PRIMARY KEY); INSERT INTO {t} (version) VALUES ('20240101000000');"));
        let (code, out, _) = cli(&[
            "diagnose",
            &project.path(),
            "--db",
            &db.url,
            "--format",
            "json",
        ]);
        assert_eq!(code, 1);
        assert_eq!(
            codes(&out),
            vec!["unrecognized-tracking-table"],
            "{dialect}"
        );
        assert!(out.contains("Rails or dbmate"));
        let before = db.dump("schema_migrations");
        let (code, _, err) = cli(&[
            "apply",
            "--playbook",
            "golang-migrate/undirty",
            "--param",
            "version=2",
            "--db",
            &db.url,
            "--project",
            &project.path(),
            "--yes",
        ]);
        assert_eq!(code, 2);
        assert!(
            err.contains("does not write to tables it does not recognise"),
            "{err}"
        );
        let (code, _, err) = cli(&[
            "apply",
            "--playbook",
            "golang-migrate/rebuild-tracking",
            "--param",
            "version=2",
            "--db",
            &db.url,
            "--project",
            &project.path(),
            "--yes",
        ]);
        assert_eq!(code, 2, "{err}");
        assert_eq!(db.dump("schema_migrations"), before);
    }
}

#[test]
fn extra_columns_are_unrecognized() {
    let Some(db) = TestDb::create(Dialect::Postgres) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    db.exec("CREATE TABLE schema_migrations (version bigint not null primary key, dirty boolean not null, applied_by text)");
    let (code, out, _) = cli(&["diagnose", &project.path(), "--db", &db.url]);
    assert_eq!(code, 1);
    assert!(
        out.contains("unrecognized-tracking-table") && out.contains("extra columns"),
        "{out}"
    );
}

#[test]
fn file_problems_are_findings() {
    let project = Project::golang_migrate(&three_migrations());
    let m = project.dir.path().join("db/migrations");
    std::fs::write(m.join("000002_again.up.sql"), "SELECT 1;").unwrap();
    std::fs::write(m.join("000004_forgot_direction.sql"), "SELECT 1;").unwrap();
    std::fs::write(m.join("000005_no_down.up.sql"), "SELECT 1;").unwrap();
    let (code, out, err) = cli(&["diagnose", &project.path(), "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let c = codes(&out);
    for expected in [
        "version-collision",
        "invalid-migration-file",
        "missing-down",
    ] {
        assert!(
            c.contains(&expected.to_string()),
            "{expected} missing in {c:?}"
        );
    }
    assert!(err.contains("looking at the files only"));
}

#[test]
fn search_path_in_the_url_moves_table_and_schema() {
    let Some(db) = TestDb::create(Dialect::Postgres) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    db.exec("CREATE SCHEMA app; SET search_path TO app;");
    // golang-migrate with ?search_path=app creates its table in current_schema() = app.
    db.exec(
        "SET search_path TO app; \
         CREATE TABLE users (id integer primary key, name text); \
         CREATE TABLE posts (id integer primary key, body text); \
         CREATE TABLE IF NOT EXISTS \"app\".\"schema_migrations\" (version bigint not null primary key, dirty boolean not null); \
         INSERT INTO app.schema_migrations VALUES (2, false);",
    );
    let url = format!("{}?search_path=app", db.url);
    let (code, out, err) = cli(&[
        "diagnose",
        &project.path(),
        "--db",
        &url,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sites"][0]["tracking_table"], "app.schema_migrations");
    assert_eq!(v["sites"][0]["evidence"]["apparent"]["version"], "2");
}
