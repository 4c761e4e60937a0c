//! The README's first command: the bundled SQLite example diagnoses and plans without a server.

use migdoctor_tests::cli;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

#[test]
fn bundled_example_is_dirty_and_plannable() {
    let src =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/golang-migrate-dirty");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&src, dir.path());
    let p = dir.path().display().to_string();
    let (code, out, err) = cli(&["diagnose", &p]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("Dirty database version 3. Fix and force version."),
        "{out}"
    );
    assert!(
        err.contains("using the database URL written in Makefile"),
        "{err}"
    );
    let (code, md, err) = cli(&[
        "plan",
        &p,
        "golang-migrate/undirty",
        "--param",
        "version=2",
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(md.contains("INSERT INTO \"schema_migrations\""));
    let (code, out, _) = cli(&["scan", &p, "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sites"][0]["migrations"], 3);
}
