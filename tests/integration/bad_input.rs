//! Bad input gets a clear error naming the file, table or (redacted) URL, exit code 2, and
//! never a write.

use migdoctor_tests::{cli, three_migrations, Dialect, Project, TestDb};

fn diagnose_error(db: &TestDb, project: &Project) -> String {
    let (code, out, err) = cli(&["diagnose", &project.path(), "--db", &db.url]);
    assert_eq!(code, 2, "{out}{err}");
    err
}

#[test]
fn impossible_tracking_values_name_the_table_and_row() {
    if let Some(db) = TestDb::create(Dialect::Postgres) {
        let project = Project::golang_migrate(&three_migrations());
        db.gm_create_table("schema_migrations");
        db.exec("INSERT INTO schema_migrations VALUES (-5, false)");
        let err = diagnose_error(&db, &project);
        assert!(
            err.contains("public.schema_migrations, row 1") && err.contains("negative"),
            "{err}"
        );
    }
    let Some(db) = TestDb::create(Dialect::Sqlite) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    db.gm_create_table("schema_migrations");
    db.exec("INSERT INTO schema_migrations VALUES (2, NULL)");
    assert!(diagnose_error(&db, &project).contains("dirty is NULL"));
    db.exec("DELETE FROM schema_migrations; INSERT INTO schema_migrations VALUES (18446744073709551615, 0)");
    assert!(diagnose_error(&db, &project).contains("REAL"));
}

#[test]
fn no_permission_to_read_the_table() {
    let Some(db) = TestDb::create(Dialect::Postgres) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    db.gm_create_table("schema_migrations");
    db.gm_set_version("schema_migrations", 1, false);
    let role = format!("{}_ro", db.name);
    db.exec(&format!(
        "CREATE ROLE {role} LOGIN; GRANT CONNECT ON DATABASE {} TO {role}",
        db.name
    ));
    let url = db
        .url
        .replacen("postgres://postgres@", &format!("postgres://{role}@"), 1);
    let (code, _, err) = cli(&["diagnose", &project.path(), "--db", &url]);
    // Drop the database (and its grant) before the role.
    let name = db.name.clone();
    drop(db);
    if let Some(admin) = TestDb::create(Dialect::Postgres) {
        admin.exec(&format!("DROP ROLE IF EXISTS {role}"));
    }
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("permission denied") && err.contains("schema_migrations"),
        "{name}: {err}"
    );
    assert!(err.contains("hint:"), "{err}");
}

#[test]
fn wrong_password_and_unreachable_server_are_redacted() {
    let project = Project::golang_migrate(&three_migrations());
    let (code, out, err) = cli(&[
        "diagnose",
        &project.path(),
        "--db",
        "postgres://app:Sup3rSecretPw@127.0.0.1:1/prod",
    ]);
    assert_eq!(code, 2);
    assert!(
        !out.contains("Sup3rSecretPw") && !err.contains("Sup3rSecretPw"),
        "{err}"
    );
    assert!(err.contains("postgres://app:***@127.0.0.1:1/prod"), "{err}");
    if TestDb::create(Dialect::Mysql).is_some() {
        let url =
            migdoctor_tests::admin_url(Dialect::Mysql).replacen("root@", "root:WrongPassw0rd@", 1);
        let (code, _, err) = cli(&["diagnose", &project.path(), "--db", &url]);
        assert_eq!(code, 2);
        assert!(!err.contains("WrongPassw0rd"), "{err}");
        assert!(
            err.contains("Access denied") && err.contains("***"),
            "{err}"
        );
        assert!(err.contains("hint: check the user and password"), "{err}");
    }
    let (code, _, err) = cli(&["diagnose", &project.path(), "--db", "oracle://x:y@h/db"]);
    assert_eq!(code, 2);
    assert!(err.contains("unsupported scheme"));
}

#[test]
fn missing_sqlite_file_is_not_created() {
    let project = Project::golang_migrate(&three_migrations());
    let path = project.dir.path().join("nope.db");
    let (code, _, err) = cli(&[
        "diagnose",
        &project.path(),
        "--db",
        &format!("sqlite://{}", path.display()),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("does not exist"), "{err}");
    assert!(!path.exists());
}

#[test]
fn unreadable_migration_files_name_the_file() {
    let project = Project::golang_migrate(&three_migrations());
    let m = project.dir.path().join("db/migrations");
    // Latin-1 bytes: read what can be read, name the file and line, never crash.
    std::fs::write(
        m.join("000009_latin1.up.sql"),
        b"CREATE TABLE t9 (x int);\n-- caf\xe9\nSELECT 1;",
    )
    .unwrap();
    let (code, out, err) = cli(&["diagnose", &project.path()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("000009_latin1.up.sql") && out.contains("not valid UTF-8 at line 2"),
        "{out}"
    );
    std::fs::remove_file(m.join("000009_latin1.up.sql")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let f = m.join("000008_secret.up.sql");
        std::fs::write(&f, "SELECT 1;").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
        // root reads anything; the check only means something where the permission bites.
        if std::fs::read(&f).is_err() {
            let (code, _, err) = cli(&["scan", &project.path()]);
            assert_eq!(code, 2);
            assert!(err.contains("000008_secret.up.sql"), "{err}");
        }
        std::fs::remove_file(&f).unwrap();
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(project.dir.path(), m.join("loop")).unwrap();
        let (code, _, err) = cli(&["diagnose", &project.path()]);
        assert_eq!(code, 2);
        assert!(
            err.contains("symlink loop") && err.contains("loop"),
            "{err}"
        );
    }
}

#[test]
fn edited_or_foreign_plans_are_refused() {
    let (Some(db), Some(other)) = (
        TestDb::create(Dialect::Sqlite),
        TestDb::create(Dialect::Sqlite),
    ) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    for d in [&db, &other] {
        d.gm_create_table("schema_migrations");
        d.gm_set_version("schema_migrations", 3, true);
    }
    let plan = project.dir.path().join("plan.json");
    let plan_s = plan.display().to_string();
    let (code, _, err) = cli(&[
        "plan",
        &project.path(),
        "golang-migrate/undirty",
        "--param",
        "version=2",
        "--db",
        &db.url,
        "--out",
        &plan_s,
    ]);
    assert_eq!(code, 0, "{err}");
    let before = other.dump("schema_migrations");
    let (code, _, err) = cli(&[
        "apply",
        &plan_s,
        "--db",
        &other.url,
        "--project",
        &project.path(),
        "--yes",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("refusing to apply it here"), "{err}");
    assert_eq!(other.dump("schema_migrations"), before);
    let edited = std::fs::read_to_string(&plan)
        .unwrap()
        .replace("\"version\": \"2\"", "\"version\": \"1\"");
    std::fs::write(&plan, edited).unwrap();
    let (code, _, err) = cli(&[
        "apply",
        &plan_s,
        "--db",
        &db.url,
        "--project",
        &project.path(),
        "--yes",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("edited"), "{err}");
    std::fs::write(&plan, "not json").unwrap();
    let (code, _, err) = cli(&[
        "apply",
        &plan_s,
        "--db",
        &db.url,
        "--project",
        &project.path(),
        "--yes",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("not a migdoctor plan"), "{err}");
}

#[test]
fn versions_without_files_are_refused_with_the_choices() {
    let Some(db) = TestDb::create(Dialect::Sqlite) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    db.gm_create_table("schema_migrations");
    db.gm_set_version("schema_migrations", 3, true);
    let (code, _, err) = cli(&[
        "plan",
        &project.path(),
        "golang-migrate/undirty",
        "--param",
        "version=7",
        "--db",
        &db.url,
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no migration found for version 7") && err.contains("3 or 2"),
        "{err}"
    );
    let (code, _, err) = cli(&[
        "plan",
        &project.path(),
        "golang-migrate/undirty",
        "--param",
        "verison=2",
        "--db",
        &db.url,
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("verison"), "{err}");
}
