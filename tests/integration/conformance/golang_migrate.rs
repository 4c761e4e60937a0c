//! golang-migrate in the conformance suite: `{version}_{name}.up.sql` files run the way its
//! drivers run them (`Raw::run_migration`), tracked with its exact table and writes
//! (`TestDb::gm_create_table` / `gm_set_version`).

use super::breaks::TrackingBreak;
use super::gen::{Features, History};
use super::{sql, Deployment, FrameworkUnderTest};
use migdoctor_tests::{block_on, Dialect, Project, TestDb};

const TABLE: &str = "schema_migrations";

pub struct GolangMigrate;

impl FrameworkUnderTest for GolangMigrate {
    fn name(&self) -> &'static str {
        "golang-migrate"
    }

    fn history_size(&self, _: Dialect) -> usize {
        300
    }

    fn features(&self, dialect: Dialect) -> Features {
        let pg = dialect == Dialect::Postgres;
        Features {
            dialect,
            alter_constraints: dialect != Dialect::Sqlite,
            rebuild: true,
            do_blocks: pg,
            cascade: pg,
            branches: false,
        }
    }

    fn deploy<'a>(
        &self,
        history: &History,
        db: &'a TestDb,
        _seed: u64,
    ) -> Option<Box<dyn Deployment + 'a>> {
        let files: Vec<(u64, String, String)> = history
            .migrations
            .iter()
            .enumerate()
            .map(|(k, m)| (k as u64 + 1, m.slug.clone(), sql::file(db.dialect, &m.ops)))
            .collect();
        let refs: Vec<(u64, &str, &str)> = files
            .iter()
            .map(|(v, n, s)| (*v, n.as_str(), s.as_str()))
            .collect();
        let project = Project::golang_migrate(&refs);
        Some(Box::new(Gm { project, db, files }))
    }
}

struct Gm<'a> {
    project: Project,
    db: &'a TestDb,
    files: Vec<(u64, String, String)>,
}

impl Gm<'_> {
    fn last(&self) -> i64 {
        self.files.len() as i64
    }
}

impl Deployment for Gm<'_> {
    fn path(&self) -> String {
        self.project.path()
    }

    fn run(&self) -> Result<(), String> {
        self.db.gm_create_table(TABLE);
        block_on(async {
            let mut raw = self.db.raw().await;
            for (v, name, text) in &self.files {
                if let Some(e) = raw.run_migration(text).await {
                    return Err(format!("{v:06}_{name}.up.sql failed: {e}\n{text}"));
                }
            }
            Ok(())
        })?;
        self.db.gm_set_version(TABLE, self.last(), false);
        Ok(())
    }

    fn id(&self, k: usize) -> String {
        self.files[k].0.to_string()
    }

    fn source(&self, k: usize) -> String {
        let (v, name, text) = &self.files[k];
        format!("{v:06}_{name}.up.sql:\n{text}")
    }

    fn own_tables(&self) -> Vec<&'static str> {
        vec![TABLE]
    }

    fn unknown_id(&self, seed: u64) -> String {
        (self.last() + 1 + (seed % 1000) as i64).to_string()
    }

    fn supports(&self, _: &TrackingBreak) -> bool {
        true
    }

    fn break_tracking(&self, b: &TrackingBreak) {
        match b {
            TrackingBreak::DeleteRows => self.db.gm_set_version(TABLE, -1, false),
            TrackingBreak::SetEarlier(j) => self.db.gm_set_version(TABLE, *j as i64 + 1, false),
            TrackingBreak::SetUnknown(v) => {
                self.db.gm_set_version(TABLE, v.parse().unwrap(), false)
            }
            TrackingBreak::Dirty => self.db.gm_set_version(TABLE, self.last(), true),
            TrackingBreak::DropTable => self.db.exec(&format!("DROP TABLE {TABLE}")),
        }
    }

    fn restore_tracking(&self, b: &TrackingBreak) {
        if *b == TrackingBreak::DropTable {
            self.db.gm_create_table(TABLE);
        }
        self.db.gm_set_version(TABLE, self.last(), false);
    }
}
