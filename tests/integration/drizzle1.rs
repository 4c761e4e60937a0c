//! Drizzle 1.0 with the real migrator of the release candidate (drizzle-orm 1.0.0-rc.5-ab785fc)
//! on PostgreSQL, MariaDB and SQLite: `<YYYYMMDDHHMMSS>_<name>/migration.sql` folders generated
//! by real drizzle-kit 1.0 (tests/fixtures/drizzle1, made by
//! tests/frameworks/drizzle1/make-fixtures.mjs) are applied, migdoctor reads the 1.0 table
//! (`name`, `applied_at`) as the migrator wrote it, a lost row is found and recorded again, and
//! the migrator then runs without error and applies nothing.

use migdoctor_tests::{apply_playbook, cli, codes, diagnose_json, finding, Dialect, TestDb};
use std::path::{Path, PathBuf};

pub(crate) fn node1_dir() -> Option<PathBuf> {
    migdoctor_tests::node_folder("node1", "drizzle1")
}

/// A copy of the drizzle-kit 1.0 fixture for one dialect, and a fresh database.
struct Drizzle1Project {
    dir: tempfile::TempDir,
    db: TestDb,
}

impl Drizzle1Project {
    fn new(dialect: Dialect) -> Option<Drizzle1Project> {
        node1_dir()?;
        let db = TestDb::create(dialect)?;
        let name = match dialect {
            Dialect::Postgres => "pg",
            Dialect::Mysql => "mysql",
            Dialect::Sqlite => "sqlite",
        };
        let src = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/drizzle1")
            .join(name);
        let dir = tempfile::tempdir().unwrap();
        copy_dir(&src, dir.path());
        Some(Drizzle1Project { dir, db })
    }

    fn path(&self) -> String {
        self.dir.path().display().to_string()
    }

    /// Returns (success, output) of the real 1.0 migrator on this project's folder.
    fn migrate(&self) -> (bool, String) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("frameworks/drizzle1/migrate.mjs");
        let out = std::process::Command::new("node")
            .arg(script)
            .arg(self.db.dialect.id())
            .arg(&self.db.url)
            .arg(self.dir.path().join("drizzle"))
            .output()
            .expect("run node");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    fn table(&self) -> String {
        match self.db.dialect {
            Dialect::Postgres => "drizzle.__drizzle_migrations".into(),
            Dialect::Mysql => "`__drizzle_migrations`".into(),
            Dialect::Sqlite => "\"__drizzle_migrations\"".into(),
        }
    }

    /// Returns the table's rows as `name hash created_at applied-at-set`, sorted by name.
    fn rows(&self) -> Vec<String> {
        let sql = match self.db.dialect {
            Dialect::Mysql => format!("SELECT COALESCE(GROUP_CONCAT(CONCAT(name, ' ', hash, ' ', created_at, ' ', applied_at IS NOT NULL) ORDER BY name SEPARATOR ';'), '') FROM {}", self.table()),
            Dialect::Postgres => format!("SELECT coalesce(string_agg(name || ' ' || hash || ' ' || created_at || ' ' || (applied_at IS NOT NULL)::int, ';' ORDER BY name), '') FROM {}", self.table()),
            Dialect::Sqlite => format!("SELECT coalesce(group_concat(name || ' ' || hash || ' ' || created_at || ' ' || (applied_at IS NOT NULL), ';'), '') FROM (SELECT * FROM {} ORDER BY name)", self.table()),
        };
        let text = self.db.text(&sql).unwrap_or_default();
        text.split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Returns the migration folder names, in the migrator's order.
    fn folders(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path().join("drizzle"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Returns the row every folder should have, from the files alone: its name, the sha256
    /// of migration.sql, `Date.UTC` of the folder's prefix, and an `applied_at`.
    fn expected_rows(&self) -> Vec<String> {
        self.folders()
            .iter()
            .map(|name| {
                let bytes = std::fs::read(
                    self.dir
                        .path()
                        .join("drizzle")
                        .join(name)
                        .join("migration.sql"),
                )
                .unwrap();
                format!(
                    "{name} {} {} 1",
                    migdoctor_adapter_drizzle::drizzle_hash(&bytes),
                    migdoctor_adapter_drizzle::folder_millis(&name[..14]).unwrap()
                )
            })
            .collect()
    }

    /// Asserts diagnose reports nothing at warning or above.
    fn assert_clean(&self) {
        let (_, report) = diagnose_json(&self.path(), &self.db.url);
        let serious: Vec<String> = report["sites"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .chain(report["database_findings"].as_array().into_iter().flatten())
            .filter(|f| f["severity"] != "info")
            .map(|f| f.to_string())
            .collect();
        assert!(serious.is_empty(), "{:?}: {serious:?}", self.db.dialect);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn each(test: impl Fn(Drizzle1Project)) {
    for d in migdoctor_tests::dialects() {
        if let Some(p) = Drizzle1Project::new(d) {
            let (ok, out) = p.migrate();
            assert!(ok, "{d:?}: first migrate failed: {out}");
            test(p);
        }
    }
}

#[test]
fn the_1_0_table_is_read_as_the_real_migrator_wrote_it() {
    each(|p| {
        assert_eq!(p.rows(), p.expected_rows(), "{:?}", p.db.dialect);
        p.assert_clean();
        let (code, report) = diagnose_json(&p.path(), &p.db.url);
        assert_eq!(code, 0, "{report}");
        // Every row is decoded as the folder its `name` holds.
        let (code, out, err) = cli(&["history", &p.path(), "--db", &p.db.url, "--format", "json"]);
        assert_eq!(code, 0, "{out}{err}");
        let history: serde_json::Value = serde_json::from_str(&out).unwrap();
        let tracked: Vec<&str> = history["migrations"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["tracked"] == true)
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(tracked, p.folders(), "{:?}: {history}", p.db.dialect);
        // The rows' hashes are read too: an edited file is told apart from its row.
        let first = p.folders()[0].clone();
        let file = p
            .dir
            .path()
            .join("drizzle")
            .join(&first)
            .join("migration.sql");
        let original = std::fs::read(&file).unwrap();
        std::fs::write(&file, [original.as_slice(), b"\n-- reviewed\n"].concat()).unwrap();
        let (_, report) = diagnose_json(&p.path(), &p.db.url);
        let f = finding(&report, "checksum-mismatch");
        assert!(f.to_string().contains(&first), "{f}");
        std::fs::write(&file, original).unwrap();
        // And the migrator agrees: nothing more to run.
        let (ok, out) = p.migrate();
        assert!(ok, "{out}");
        assert_eq!(p.rows(), p.expected_rows());
    });
}

#[test]
fn a_lost_newest_row_is_found_recorded_and_the_migrator_applies_nothing() {
    each(|p| {
        let newest = p.folders().last().unwrap().clone();
        p.db.exec(&format!(
            "DELETE FROM {} WHERE name = '{newest}'",
            p.table()
        ));
        let (ok, out) = p.migrate();
        assert!(
            !ok,
            "{:?}: the 1.0 migrator runs {newest} again and fails: {out}",
            p.db.dialect
        );
        let (_, report) = diagnose_json(&p.path(), &p.db.url);
        assert!(codes(&report).contains(&"untracked-applied".to_string()));
        let f = finding(&report, "untracked-applied");
        assert!(
            f["migrations"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m == newest.as_str())
                || f["message"].as_str().unwrap().contains(&newest),
            "{:?}: {f}",
            p.db.dialect
        );
        apply_playbook(&p.path(), &p.db.url, "drizzle/sync-journal");
        assert_eq!(
            p.rows(),
            p.expected_rows(),
            "{:?}: the repaired row is the one the 1.0 migrator writes",
            p.db.dialect
        );
        p.assert_clean();
        let (ok, out) = p.migrate();
        assert!(
            ok,
            "{:?}: the migrator failed after the repair: {out}",
            p.db.dialect
        );
        assert_eq!(
            p.rows(),
            p.expected_rows(),
            "{:?}: nothing applied",
            p.db.dialect
        );
    });
}

#[test]
fn folders_made_in_the_same_second_are_recorded_by_name() {
    for d in migdoctor_tests::dialects() {
        let Some(p) = Drizzle1Project::new(d) else {
            continue;
        };
        // drizzle-kit 1.0 gives two folders generated in the same second the same prefix.
        let folders = p.folders();
        let (prev, last) = (&folders[folders.len() - 2], &folders[folders.len() - 1]);
        let renamed = format!("{}{}", &prev[..14], &last[14..]);
        let root = p.dir.path().join("drizzle");
        std::fs::rename(root.join(last), root.join(&renamed)).unwrap();
        let (ok, out) = p.migrate();
        assert!(ok, "{d:?}: {out}");
        p.db.exec(&format!(
            "DELETE FROM {} WHERE name = '{renamed}'",
            p.table()
        ));
        let (_, report) = diagnose_json(&p.path(), &p.db.url);
        let f = finding(&report, "untracked-applied");
        assert!(f.to_string().contains(&renamed), "{d:?}: {f}");
        apply_playbook(&p.path(), &p.db.url, "drizzle/sync-journal");
        assert_eq!(p.rows(), p.expected_rows(), "{d:?}");
        p.assert_clean();
        let (ok, out) = p.migrate();
        assert!(ok, "{d:?}: {out}");
        assert_eq!(p.rows(), p.expected_rows(), "{d:?}: nothing applied");
    }
}
