//! One test binary for every real-database test (PostgreSQL, MariaDB/MySQL, SQLite).

mod alembic;
mod apply_faults;
mod bad_input;
mod catalog;
mod catalog_expected;
mod cli_flow;
mod conformance;
mod django;
mod django_cases;
mod django_names;
mod drizzle;
mod drizzle1;
mod evidence;
mod example;
mod formats;
mod golang_migrate;
mod kill;
mod real_patterns;
mod replay_rules;
mod replay_rules_names;
mod rules_support;

#[test]
fn every_test_file_is_listed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("integration");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if let Some(module) = name.strip_suffix(".rs") {
            if module != "main" {
                assert!(
                    main.contains(&format!("mod {module};")),
                    "tests/integration/{name} is not listed in main.rs"
                );
            }
        }
    }
}
