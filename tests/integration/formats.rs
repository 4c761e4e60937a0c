//! Every command renders in every format: table, JSON (which parses) and Markdown.

use migdoctor_tests::{apply_schema, cli, three_migrations, Dialect, Project, TestDb};

#[test]
fn every_command_in_every_format() {
    let Some(db) = TestDb::create(Dialect::Sqlite) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    let p = project.path();
    apply_schema(&db, &three_migrations(), 2);
    db.gm_create_table("schema_migrations");
    db.gm_set_version("schema_migrations", 3, true);
    let commands: Vec<Vec<&str>> = vec![
        vec!["scan", &p],
        vec!["status", &p, "--db", &db.url],
        vec!["status", &p],
        vec!["diagnose", &p, "--db", &db.url],
        vec!["plan", &p, "--db", &db.url],
        vec!["history", &p, "--db", &db.url],
        vec!["history", &p],
        vec!["plan", &p, "golang-migrate/undirty", "--db", &db.url],
        vec!["playbooks", "list"],
        vec!["playbooks", "show", "alembic/stamp"],
    ];
    for cmd in &commands {
        for format in ["table", "json", "markdown"] {
            let mut args = cmd.clone();
            args.extend(["--format", format, "--fail-on", "never"]);
            let (code, out, err) = cli(&args);
            assert_eq!(code, 0, "{args:?}: {err}");
            assert!(!out.trim().is_empty(), "{args:?} printed nothing");
            assert!(
                !out.contains('\u{1b}'),
                "{args:?}: no colour when stdout is not a terminal"
            );
            if format == "json" {
                let v: serde_json::Value =
                    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{args:?}: {e}\n{out}"));
                assert!(v.is_object(), "{args:?}");
            }
        }
    }
    // history joins files, tracking and schema per migration.
    let (_, out, _) = cli(&[
        "history",
        &p,
        "--db",
        &db.url,
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let h: serde_json::Value = serde_json::from_str(&out).unwrap();
    let m = h["migrations"].as_array().unwrap();
    assert_eq!(m.len(), 3);
    assert_eq!(
        (m[0]["tracked"].as_bool(), m[0]["schema"].as_str()),
        (Some(true), Some("present"))
    );
    assert_eq!(
        (
            m[2]["dirty"].as_bool(),
            m[2]["schema"].as_str(),
            m[2]["head"].as_bool()
        ),
        (Some(true), Some("absent"), Some(true))
    );
    // --help carries examples; --color always colours the table.
    let (code, out, _) = cli(&["--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Examples:") && out.contains("Exit codes"));
    let (_, out, _) = cli(&["diagnose", &p, "--db", &db.url, "--color", "always"]);
    assert!(out.contains("\u{1b}["), "{out}");
    let (code, _, err) = cli(&["diagnose", &p, "--format", "yaml"]);
    assert_eq!(code, 2, "{err}");
}
