//! Compatibility with real Alembic on PostgreSQL, MariaDB and SQLite: real `alembic upgrade`
//! makes the state, the state is broken the way incidents break it, migdoctor repairs it, and
//! Alembic's own `current` and `upgrade head` agree afterwards.

use migdoctor_tests::{
    alembic_bin, apply_playbook, cli, codes, diagnose_json, dialects, finding, revision,
    AlembicProject, Dialect, TestDb,
};

const A1: &str = "    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True), sa.Column('name', sa.String(50)))";
const B2: &str = "    op.add_column('users', sa.Column('email', sa.String(100)))\n    op.create_index('ix_users_email', 'users', ['email'], unique=True)";
const C3: &str = "    op.create_table('posts', sa.Column('id', sa.Integer, primary_key=True), sa.Column('body', sa.Text))";

fn revisions(b2: &str) -> Vec<(&'static str, String)> {
    vec![
        ("a1_create_users.py", revision("a1", None, A1)),
        ("b2_add_email.py", revision("b2", Some("a1"), b2)),
        ("c3_create_posts.py", revision("c3", Some("b2"), C3)),
    ]
}

fn setup(dialect: Dialect, b2: &str) -> Option<(TestDb, AlembicProject)> {
    let bin = alembic_bin()?;
    let db = TestDb::create(dialect)?;
    let p = AlembicProject::new(bin, &db, &revisions(b2));
    Some((db, p))
}

fn diagnose(p: &AlembicProject, db: &TestDb) -> (i32, serde_json::Value) {
    diagnose_json(&p.path(), &db.url)
}

fn apply(p: &AlembicProject, db: &TestDb, playbook: &str) {
    apply_playbook(&p.path(), &db.url, playbook);
}

#[test]
fn dropped_alembic_version_is_rebuilt_and_alembic_agrees() {
    for dialect in dialects() {
        let Some((db, p)) = setup(dialect, B2) else {
            return;
        };
        let (ok, text) = p.run(&["upgrade", "head"]);
        assert!(ok, "{text}");
        assert_eq!(
            diagnose(&p, &db).0,
            0,
            "{dialect}: healthy after a real upgrade"
        );
        db.exec("DROP TABLE alembic_version");
        let (code, v) = diagnose(&p, &db);
        assert_eq!(code, 1);
        assert!(codes(&v).contains(&"missing-tracking-table".into()), "{v}");
        apply(&p, &db, "alembic/rebuild-tracking");
        assert_eq!(p.current(), "c3 (head)", "{dialect}");
        let (ok, text) = p.run(&["upgrade", "head"]);
        assert!(ok, "{dialect}: {text}");
        assert_eq!(diagnose(&p, &db).0, 0);
    }
}

#[test]
fn revisions_run_by_hand_are_stamped() {
    for dialect in dialects() {
        let Some((db, p)) = setup(dialect, B2) else {
            return;
        };
        assert!(p.run(&["upgrade", "head"]).0);
        // Someone stamped back to a1 although b2 and c3 ran (incident 24: a startup script
        // stamping the wrong revision).
        assert!(p.run(&["stamp", "a1"]).0);
        let (_, v) = diagnose(&p, &db);
        // One root cause, told once: the row leaves out b2 and c3, which the schema proves.
        assert_eq!(codes(&v), vec!["untracked-applied"], "{dialect}: {v}");
        assert_eq!(
            finding(&v, "untracked-applied")["migrations"],
            serde_json::json!(["b2", "c3"]),
            "{dialect}: {v}"
        );
        // Alembic itself would now fail: it re-runs b2.
        let (ok, text) = p.run(&["upgrade", "head"]);
        assert!(!ok, "{dialect}: {text}");
        apply(&p, &db, "alembic/stamp");
        assert_eq!(p.current(), "c3 (head)", "{dialect}");
        assert!(p.run(&["upgrade", "head"]).0);
    }
}

#[test]
fn failed_half_upgrade_on_mariadb_is_partial() {
    // The index names a misspelt column: on MariaDB add_column commits, create_index fails,
    // and alembic_version stays at a1.
    let broken = "    op.add_column('users', sa.Column('email', sa.String(100)))\n    op.create_index('ix_users_email', 'users', ['emial'], unique=True)";
    let Some((db, p)) = setup(Dialect::Mysql, broken) else {
        return;
    };
    let (ok, text) = p.run(&["upgrade", "head"]);
    assert!(!ok, "{text}");
    assert_eq!(p.current(), "a1");
    let (_, v) = diagnose(&p, &db);
    let partial = v["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "partial")
        .expect("partial");
    assert_eq!(
        partial["message"],
        "revision b2 partial: column users.email present, index ix_users_email on users missing"
    );
    // A human finishes b2 by hand, then the stamp follows the evidence to b2.
    db.exec("CREATE UNIQUE INDEX ix_users_email ON users (email)");
    apply(&p, &db, "alembic/stamp");
    assert_eq!(p.current(), "b2");
    let (ok, text) = p.run(&["upgrade", "head"]);
    assert!(ok, "{text}");
    assert_eq!(p.current(), "c3 (head)");
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn deleted_revision_file_is_found_in_git_and_restamped() {
    let Some((db, p)) = setup(Dialect::Sqlite, B2) else {
        return;
    };
    assert!(p.run(&["upgrade", "head"]).0);
    git(p.dir.path(), &["init", "-q", "-b", "main"]);
    git(p.dir.path(), &["add", "."]);
    git(p.dir.path(), &["commit", "-q", "-m", "add revisions"]);
    git(
        p.dir.path(),
        &["rm", "-q", "alembic/versions/c3_create_posts.py"],
    );
    git(p.dir.path(), &["commit", "-q", "-m", "drop posts revision"]);
    let (ok, text) = p.run(&["current"]);
    assert!(
        !ok && text.contains("Can't locate revision identified by 'c3'"),
        "{text}"
    );
    let (_, v) = diagnose(&p, &db);
    let unknown = v["sites"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "unknown-tracked")
        .expect("unknown-tracked");
    assert!(unknown["message"]
        .as_str()
        .unwrap()
        .starts_with("Can't locate revision identified by 'c3'"));
    // One root cause: c3's ancestors are not findings of their own; git says where it came
    // from and which revision in the files the database descends from. c3's table is drift
    // from the files' point of view, attributed to c3.
    assert_eq!(codes(&v), vec!["unknown-tracked", "schema-drift"], "{v}");
    assert!(finding(&v, "schema-drift")["evidence"]
        .to_string()
        .contains("may come from c3"));
    let evidence = unknown["evidence"].to_string();
    assert!(
        evidence.contains("c3 is defined in commit")
            && evidence.contains("the database descends from b2"),
        "{evidence}"
    );
    let (code, md, err) = cli(&[
        "plan",
        &p.path(),
        "alembic/unknown-revision",
        "--db",
        &db.url,
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        md.contains("deleted alembic/versions/c3_create_posts.py") && md.contains("branches: main"),
        "{md}"
    );
    assert!(md.contains("revision = b2"), "{md}");
    apply(&p, &db, "alembic/unknown-revision");
    assert_eq!(p.current(), "b2 (head)");
    assert!(p.run(&["upgrade", "head"]).0);
}

#[test]
fn multiple_heads_get_the_merge_revision_alembic_would_write() {
    let Some((db, p)) = setup(Dialect::Sqlite, B2) else {
        return;
    };
    assert!(p.run(&["upgrade", "head"]).0);
    let d4 = revision(
        "d4",
        Some("b2"),
        "    op.add_column('users', sa.Column('age', sa.Integer))",
    );
    std::fs::write(p.dir.path().join("alembic/versions/d4_add_age.py"), d4).unwrap();
    let (ok, text) = p.run(&["upgrade", "head"]);
    assert!(
        !ok && text.contains("Multiple head revisions are present"),
        "{text}"
    );
    let (_, v) = diagnose(&p, &db);
    assert!(codes(&v).contains(&"multiple-heads".into()), "{v}");
    let (code, out, err) = cli(&[
        "plan",
        &p.path(),
        "alembic/merge-heads",
        "--db",
        &db.url,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        plan["steps"].as_array().unwrap().is_empty(),
        "advice writes nothing"
    );
    let advice = plan["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .find(|e| e.contains("alembic merge heads"))
        .unwrap();
    let file = &advice[advice.find('\n').unwrap() + 1..];
    assert!(
        file.contains("down_revision: Union[str, Sequence[str], None] = ('c3', 'd4')"),
        "{file}"
    );
    // The file it shows is one Alembic accepts: with it there is one head again.
    std::fs::write(p.dir.path().join("alembic/versions/merge.py"), file).unwrap();
    let (ok, text) = p.run(&["heads"]);
    assert!(ok && text.lines().count() == 1, "{text}");
    assert!(p.run(&["upgrade", "head"]).0);
    assert_eq!(diagnose(&p, &db).0, 0);
    let plan_path = p.dir.path().join("advice.json");
    std::fs::write(&plan_path, &out).unwrap();
    let (code, _, err) = cli(&[
        "apply",
        &plan_path.display().to_string(),
        "--db",
        &db.url,
        "--project",
        &p.path(),
        "--yes",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("advice"), "{err}");
}

#[test]
fn alembic_bad_input_is_named_and_nothing_is_written() {
    // Needs no Alembic binary: the files and the table are written by hand.
    let Some(db) = TestDb::create(Dialect::Sqlite) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().display().to_string();
    let versions = dir.path().join("alembic/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = %(here)s/alembic\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("alembic/env.py"),
        "from alembic import context\n",
    )
    .unwrap();
    for (name, rev) in revisions(B2) {
        std::fs::write(versions.join(name), rev).unwrap();
    }
    std::fs::write(
        versions.join("zz_broken.py"),
        "revision = 'zz'\ndef upgrade(:\n    pass\n",
    )
    .unwrap();
    std::fs::write(
        versions.join("b2_copy.py"),
        revision("b2", Some("a1"), "    pass"),
    )
    .unwrap();
    std::fs::write(
        versions.join("s1_self.py"),
        revision("s1", Some("s1"), "    pass"),
    )
    .unwrap();
    db.exec("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)); INSERT INTO alembic_version VALUES ('a1'), ('c3');");
    let (code, out, err) = cli(&["diagnose", &p, "--db", &db.url]);
    assert_eq!(code, 1, "{err}");
    for expected in [
        "zz_broken.py looks like a migration but is ignored: Python syntax error at line 2",
        "2 files claim version b2",
        "down_revision points to its own revision s1",
        "holds a1 and its descendant c3: not a valid stamp",
        "cycle",
    ] {
        assert!(out.contains(expected), "{expected:?} missing in:\n{out}");
    }
    // A version_num Alembic could never have written.
    db.exec(&format!(
        "DELETE FROM alembic_version; INSERT INTO alembic_version VALUES ('{}')",
        "x".repeat(40)
    ));
    let before = db.dump("alembic_version");
    let (code, _, err) = cli(&["diagnose", &p, "--db", &db.url]);
    assert_eq!(code, 2);
    assert!(
        err.contains("alembic_version, row 1") && err.contains("longer than 32"),
        "{err}"
    );
    let (code, _, _) = cli(&[
        "apply",
        "--playbook",
        "alembic/stamp",
        "--param",
        "revision=c3",
        "--db",
        &db.url,
        "--project",
        &p,
        "--yes",
    ]);
    assert_eq!(code, 2);
    assert_eq!(db.dump("alembic_version"), before);
    // An interpolation alembic.ini cannot resolve names the file and the option.
    std::fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = %(nowhere)s/alembic\n",
    )
    .unwrap();
    let (code, _, err) = cli(&["status", &p]);
    assert_eq!(code, 2);
    assert!(
        err.contains("alembic.ini") && err.contains("%(nowhere)s cannot be resolved"),
        "{err}"
    );
}

#[test]
fn version_table_moved_by_env_py_is_found() {
    let Some(bin) = alembic_bin() else { return };
    let Some(db) = TestDb::create(Dialect::Postgres) else {
        return;
    };
    db.exec("CREATE SCHEMA ops");
    let env = migdoctor_tests::ENV_PY.replace(
        "context.configure(connection=connection, target_metadata=target_metadata)",
        "context.configure(connection=connection, target_metadata=target_metadata, version_table='app_versions', version_table_schema='ops')",
    );
    assert!(env.contains("app_versions"));
    let p = AlembicProject::with_env(bin, &db, &revisions(B2), &env);
    let (ok, text) = p.run(&["upgrade", "head"]);
    assert!(ok, "{text}");
    let (code, v) = diagnose(&p, &db);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["sites"][0]["tracking_table"], "ops.app_versions");
    db.exec("DROP TABLE ops.app_versions");
    apply(&p, &db, "alembic/rebuild-tracking");
    assert_eq!(p.current(), "c3 (head)");
    assert!(p.run(&["upgrade", "head"]).0);
}

#[test]
fn a_revision_run_by_hand_is_stamped_and_upgrade_continues() {
    for dialect in dialects() {
        let Some((db, p)) = setup(dialect, B2) else {
            return;
        };
        assert!(p.run(&["upgrade", "a1"]).0);
        // An operator ran b2's SQL by hand during an incident and never stamped.
        db.exec("ALTER TABLE users ADD COLUMN email VARCHAR(100)");
        db.exec("CREATE UNIQUE INDEX ix_users_email ON users (email)");
        let (_, v) = diagnose(&p, &db);
        assert!(
            codes(&v).contains(&"untracked-applied".into()),
            "{dialect}: {v}"
        );
        let (ok, text) = p.run(&["upgrade", "head"]);
        assert!(!ok, "{dialect}: Alembic re-runs b2 and fails: {text}");
        apply(&p, &db, "alembic/stamp");
        assert_eq!(p.current(), "b2", "{dialect}");
        let (ok, text) = p.run(&["upgrade", "head"]);
        assert!(ok, "{dialect}: {text}");
        assert_eq!(p.current(), "c3 (head)");
        assert_eq!(diagnose(&p, &db).0, 0, "{dialect}");
    }
}
