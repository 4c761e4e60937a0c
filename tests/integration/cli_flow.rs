//! The whole user journey through the CLI on each database: diagnose a dirty state, plan with
//! Markdown, apply a saved plan, see it healthy, undo, and get the dirty state back byte for byte.

use migdoctor_tests::{apply_schema, cli, dialects, three_migrations, Dialect, Project, TestDb};

fn journey(dialect: Dialect) {
    let Some(db) = TestDb::create(dialect) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    let p = project.path();
    // Migrations 1 and 2 ran; 3 was marked dirty and then failed without effect.
    apply_schema(&db, &three_migrations(), 2);
    db.gm_create_table("schema_migrations");
    db.gm_set_version("schema_migrations", 3, true);
    let original = db.dump("schema_migrations");

    let (code, out, err) = cli(&["diagnose", &p, "--db", &db.url, "--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = report["sites"][0]["findings"].as_array().unwrap();
    let dirty = findings
        .iter()
        .find(|f| f["code"] == "dirty")
        .expect("dirty finding");
    assert_eq!(
        dirty["message"],
        "Dirty database version 3. Fix and force version."
    );
    assert_eq!(dirty["migrations"][0], "3");
    assert_eq!(dirty["playbooks"][0], "golang-migrate/undirty");

    assert!(
        dirty["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("force 2")),
        "{dirty}"
    );
    // Without a version, schema evidence picks it: 3's column is missing, so force 2.
    let (code, out, err) = cli(&[
        "plan",
        &p,
        "golang-migrate/undirty",
        "--db",
        &db.url,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let auto: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(auto["params"]["version"], "2");
    assert_eq!(auto["choices"].as_array().unwrap().len(), 2);

    let plan_file = project.dir.path().join("plan.json");
    let plan_path = plan_file.display().to_string();
    let (code, md, err) = cli(&[
        "plan",
        &p,
        "golang-migrate/undirty",
        "--param",
        "version=2",
        "--db",
        &db.url,
        "--format",
        "markdown",
        "--out",
        &plan_path,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("# migdoctor plan: Clear the dirty flag"));
    assert!(md.contains("```sql"));
    let expected_sql = match dialect {
        Dialect::Postgres => "TRUNCATE \"public\".\"schema_migrations\";",
        Dialect::Mysql => "DELETE FROM `",
        Dialect::Sqlite => "DELETE FROM \"schema_migrations\";",
    };
    assert!(md.contains(expected_sql), "{md}");
    assert!(md.contains("## Undo") && md.contains("## Risks") && md.contains("Plan fingerprint"));
    // Plans are read-only.
    assert_eq!(db.dump("schema_migrations"), original);

    let (code, out, err) = cli(&["apply", &plan_path, "--db", &db.url, "--project", &p]);
    assert_eq!(
        code, 2,
        "apply without --yes and without a terminal must refuse: {out}{err}"
    );
    assert_eq!(db.dump("schema_migrations"), original);

    let (code, out, err) = cli(&[
        "apply",
        &plan_path,
        "--db",
        &db.url,
        "--project",
        &p,
        "--yes",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let applied: serde_json::Value = serde_json::from_str(&out).unwrap();
    let backup_id = applied["backup_id"].as_str().unwrap().to_string();
    assert!(project
        .dir
        .path()
        .join(".migdoctor/backups")
        .join(format!("{backup_id}.json"))
        .is_file());
    let journal =
        std::fs::read_to_string(project.dir.path().join(".migdoctor/journal.jsonl")).unwrap();
    assert!(journal.contains(&backup_id) && journal.contains("golang-migrate/undirty"));

    let after = db.dump("schema_migrations");
    match dialect {
        Dialect::Postgres => assert!(after.ends_with("|| (2,f)"), "{after}"),
        Dialect::Mysql => assert!(after.ends_with("|| 2:0"), "{after}"),
        Dialect::Sqlite => assert!(after.ends_with("|| 2/integer:0/integer"), "{after}"),
    }
    let (code, out, _) = cli(&["diagnose", &p, "--db", &db.url]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("pending"));

    // Applying the same plan again is refused: the state moved on.
    let (code, _, err) = cli(&[
        "apply",
        &plan_path,
        "--db",
        &db.url,
        "--project",
        &p,
        "--yes",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("changed since the plan was made"), "{err}");

    let (code, out, err) = cli(&[
        "undo",
        &backup_id,
        "--db",
        &db.url,
        "--project",
        &p,
        "--yes",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        db.dump("schema_migrations"),
        original,
        "undo must restore the dirty state exactly"
    );
    let (code, out, _) = cli(&["diagnose", &p, "--db", &db.url]);
    assert_eq!(code, 1);
    assert!(out.contains("Dirty database version 3"));
}

#[test]
fn journey_sqlite() {
    journey(Dialect::Sqlite);
}

#[test]
fn journey_postgres() {
    journey(Dialect::Postgres);
}

#[test]
fn journey_mysql() {
    journey(Dialect::Mysql);
}

#[test]
fn rebuild_tracking_creates_golang_migrates_exact_table() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&three_migrations());
        let p = project.path();
        apply_schema(&db, &three_migrations(), 2);
        let (code, out, _) = cli(&["diagnose", &p, "--db", &db.url]);
        assert_eq!(code, 1);
        assert!(
            out.contains("missing-tracking-table")
                && out.contains("apparent version 2 (confidence high)"),
            "{out}"
        );
        // No --param: the version defaults to the apparent one from schema evidence.
        let (code, out, err) = cli(&[
            "apply",
            "--playbook",
            "golang-migrate/rebuild-tracking",
            "--db",
            &db.url,
            "--project",
            &p,
            "--yes",
        ]);
        assert_eq!(code, 0, "{dialect}: {out}{err}");
        let ours = db.dump("schema_migrations");
        // The same table made by golang-migrate's own DDL and SetVersion in another database.
        let reference = TestDb::create(dialect).unwrap();
        reference.gm_create_table("schema_migrations");
        reference.gm_set_version("schema_migrations", 2, false);
        assert_eq!(
            ours,
            reference
                .dump("schema_migrations")
                .replace(&reference.name, &db.name),
            "{dialect}"
        );
        let backup = out
            .lines()
            .find_map(|l| l.strip_prefix("backup:  "))
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .to_string();
        let (code, out, err) = cli(&["undo", &backup, "--db", &db.url, "--project", &p, "--yes"]);
        assert_eq!(code, 0, "{out}{err}");
        assert_eq!(
            db.dump("schema_migrations"),
            "absent",
            "{dialect}: undo drops the table it created"
        );
    }
}

#[test]
fn custom_table_from_url_and_flag() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&three_migrations());
        let p = project.path();
        db.gm_create_table("my_versions");
        db.gm_set_version("my_versions", 1, true);
        let sep = if db.url.contains('?') { '&' } else { '?' };
        let url = format!("{}{sep}x-migrations-table=my_versions", db.url);
        let (code, out, _) = cli(&["diagnose", &p, "--db", &url]);
        assert_eq!(code, 1);
        assert!(
            out.contains("Dirty database version 1") && out.contains("my_versions"),
            "{out}"
        );
        let (_, out, _) = cli(&[
            "diagnose",
            &p,
            "--db",
            &db.url,
            "--migrations-table",
            "my_versions",
        ]);
        assert!(out.contains("Dirty database version 1"), "{out}");
    }
}
