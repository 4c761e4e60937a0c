//! Django in the conformance suite: a seeded generator writes a project of several apps with
//! migrations across apps and to the contrib apps (`django/gen.rs`), real `manage.py migrate`
//! runs it on each database, and `diagnose` must report nothing at warning or above. Then
//! `django_migrations` is broken one way at a time, as incidents break it, and `diagnose` must
//! report exactly what is wrong:
//!
//! - an app's last row deleted → `untracked-applied` naming it (repair: `django/fake`);
//! - the row of a migration others depend on deleted → `untracked-applied` naming it and one
//!   `inconsistent-history` per recorded migration that depends on it directly, naming both,
//!   as Django raises `InconsistentMigrationHistory` for each (repair: `django/fix-inconsistent`);
//! - a row duplicated → `duplicate-rows` naming it (repair: `django/dedupe`);
//! - a row for a migration no file defines → nothing at warning or above (Django ignores it);
//! - `django_migrations` dropped → `missing-tracking-table` and `untracked-applied`, which names
//!   every migration that made an object still there and nothing else
//!   (repair: `django/rebuild-tracking`);
//! - an app migrated back with real `migrate <app> <n>`, then the rows Django deleted put back →
//!   `tracked-not-applied` naming every one of them that made an object still in the final
//!   schema, and none that Django did not unapply (repair: `django/unfake`, then `migrate`).
//!
//! After each repair real `manage.py migrate --check` must pass, and diagnose must be healthy
//! again. Seeds and sizes as for the other frameworks (`MIGDOCTOR_SEED`,
//! `MIGDOCTOR_CONFORMANCE_SIZE`, `MIGDOCTOR_CONFORMANCE_KEEP`). What migdoctor is known to get
//! wrong is marked KNOWN BUG / KNOWN GAP where it is left out or tolerated;
//! `MIGDOCTOR_CONFORMANCE_KNOWN_BUGS=1` generates and judges it strictly.

mod gen;

use super::{case_seed, note, scale, seed, serious, show, slug};
use crate::conformance::gen::Rng;
use crate::django::database_settings;
use gen::DjProject;
use migdoctor_tests::django_python;
use migdoctor_tests::{cli, Dialect, TestDb};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

#[test]
fn django_postgres() {
    run(Dialect::Postgres);
}

#[test]
fn django_mysql() {
    run(Dialect::Mysql);
}

#[test]
fn django_sqlite() {
    run(Dialect::Sqlite);
}

struct Site<'a> {
    dir: tempfile::TempDir,
    python: PathBuf,
    db: &'a TestDb,
    p: DjProject,
}

impl Site<'_> {
    fn path(&self) -> String {
        self.dir.path().display().to_string()
    }

    fn write(&self) {
        let w = |rel: &str, text: &str| {
            let p = self.dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        w("manage.py", "#!/usr/bin/env python\nimport os, sys\n\nif __name__ == '__main__':\n    os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_conf.settings')\n    from django.core.management import execute_from_command_line\n    execute_from_command_line(sys.argv)\n");
        w("site_conf/__init__.py", "");
        let apps: Vec<String> = self.p.apps.iter().map(|a| format!("'{a}'")).collect();
        w(
            "site_conf/settings.py",
            &format!(
                "import pymysql\npymysql.version_info = (2, 2, 1, 'final', 0)\npymysql.install_as_MySQLdb()\nSECRET_KEY = 'conformance'\nUSE_TZ = True\nDEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'\nINSTALLED_APPS = ['django.contrib.contenttypes', 'django.contrib.auth', {}]\nDATABASES = {{'default': {}}}\n",
                apps.join(", "),
                database_settings(self.db)
            ),
        );
        for a in &self.p.apps {
            w(&format!("{a}/__init__.py"), "");
            w(&format!("{a}/migrations/__init__.py"), "");
        }
        for k in 0..self.p.migs.len() {
            let (rel, text) = self.p.file(k);
            w(&rel, &text);
        }
    }

    fn manage(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(&self.python)
            .arg("manage.py")
            .args(args)
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .current_dir(self.dir.path())
            .output()
            .expect("python runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), text)
    }

    /// Returns the rows of django_migrations as `app.name`, sorted (copies kept).
    fn rows(&self) -> Vec<String> {
        let sql = match self.db.dialect {
            Dialect::Postgres => {
                "SELECT string_agg(app || '.' || name, ',') FROM django_migrations"
            }
            Dialect::Mysql => {
                "SELECT GROUP_CONCAT(CONCAT(app, '.', name) SEPARATOR ',') FROM django_migrations"
            }
            Dialect::Sqlite => {
                "SELECT group_concat(app || '.' || name, ',') FROM django_migrations"
            }
        };
        let mut rows: Vec<String> = self
            .db
            .text(sql)
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        rows.sort();
        rows
    }

    fn insert(&self, id: &str) {
        let (app, name) = id.split_once('.').unwrap();
        self.db.exec(&format!("INSERT INTO django_migrations (app, name, applied) VALUES ('{app}', '{name}', CURRENT_TIMESTAMP)"));
    }

    fn delete(&self, id: &str) {
        let (app, name) = id.split_once('.').unwrap();
        self.db.exec(&format!(
            "DELETE FROM django_migrations WHERE app = '{app}' AND name = '{name}'"
        ));
    }

    fn diagnose(&self) -> Result<Vec<Value>, String> {
        let (code, out, err) = cli(&[
            "diagnose",
            &self.path(),
            "--db",
            &self.db.url,
            "--format",
            "json",
        ]);
        if code > 1 {
            return Err(format!("diagnose exited {code}: {err}{out}"));
        }
        let report: Value = serde_json::from_str(&out).map_err(|e| format!("{e}: {out}"))?;
        Ok(serious(&report))
    }

    /// Runs a playbook with its defaults; returns why it failed.
    fn apply(&self, playbook: &str) -> Result<(), String> {
        let path = self.path();
        let (code, out, err) = cli(&[
            "apply",
            "--playbook",
            playbook,
            "--db",
            &self.db.url,
            "--project",
            &path,
            "--yes",
        ]);
        if code == 0 {
            Ok(())
        } else {
            Err(format!("apply {playbook} exited {code}: {out}{err}"))
        }
    }
}

/// One expected finding at warning or above.
enum Want {
    /// Exactly this code naming exactly these migrations (in any order).
    Exact(&'static str, Vec<String>),
    /// This code naming all of `must` (not empty) and otherwise only some of `may`.
    Range(&'static str, Vec<String>, Vec<String>),
    /// This code, whatever it names.
    Code(&'static str),
}

impl Want {
    fn describe(&self) -> String {
        match self {
            Want::Exact(c, ids) => format!("{c} naming exactly {ids:?}"),
            Want::Range(c, must, may) => {
                format!("{c} naming all of {must:?} and otherwise only some of {may:?}")
            }
            Want::Code(c) => c.to_string(),
        }
    }

    fn fits(&self, f: &Value) -> bool {
        let code = f["code"].as_str().unwrap_or_default();
        let ids: BTreeSet<String> = f["migrations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str().map(String::from))
            .collect();
        match self {
            Want::Exact(c, want) => *c == code && ids == want.iter().cloned().collect(),
            Want::Range(c, must, may) => {
                *c == code
                    && must.iter().all(|m| ids.contains(m))
                    && ids.iter().all(|m| must.contains(m) || may.contains(m))
            }
            Want::Code(c) => *c == code,
        }
    }
}

/// Returns why `found` is not exactly `want`, one finding per expectation.
fn check(want: &[Want], found: &Result<Vec<Value>, String>) -> Result<(), String> {
    let found = found.as_ref().map_err(Clone::clone)?;
    let mut left: Vec<&Value> = found.iter().collect();
    let mut missing = Vec::new();
    for w in want {
        match left.iter().position(|f| w.fits(f)) {
            Some(i) => {
                left.remove(i);
            }
            None => missing.push(w.describe()),
        }
    }
    if missing.is_empty() && left.is_empty() {
        return Ok(());
    }
    let extra: Vec<Value> = left.into_iter().cloned().collect();
    Err(format!(
        "missing: {missing:?}\nunexpected:\n{}\nall findings:\n{}",
        show(&extra),
        show(found)
    ))
}

struct Run<'a> {
    site: Site<'a>,
    healthy: Vec<String>,
    failures: Vec<String>,
    ctx: String,
}

impl Run<'_> {
    fn fail(&mut self, what: &str, why: String) {
        self.failures.push(format!("--- {what}\n{why}\n"));
    }

    /// Runs a playbook, then requires `migrate` (when `then_migrate`) to work, `migrate
    /// --check` to pass and diagnose to be healthy.
    fn repair(&mut self, what: &str, playbook: &str, then_migrate: bool) {
        let s = &self.site;
        let mut why = s.apply(playbook).err();
        if why.is_none() && then_migrate {
            let (ok, text) = s.manage(&["migrate"]);
            if !ok {
                why = Some(format!(
                    "manage.py migrate after {playbook} failed:\n{text}"
                ));
            }
        }
        if why.is_none() {
            let (ok, text) = s.manage(&["migrate", "--check"]);
            if !ok {
                let (_, plan) = s.manage(&["showmigrations", "--plan"]);
                let left: Vec<&str> = plan
                    .lines()
                    .filter_map(|l| l.trim().strip_prefix("[ ]").map(str::trim))
                    .collect();
                why = Some(format!(
                    "manage.py migrate --check after {playbook} fails ({text}); unapplied: {left:?}"
                ));
            }
        }
        if why.is_none() {
            if let Err(e) = check(&[], &s.diagnose()) {
                why = Some(format!("after {playbook}, diagnose is not healthy: {e}"));
            }
        }
        if let Some(why) = why {
            self.fail(&format!("{what}: repair with {playbook}"), why);
        }
        self.restore();
    }

    /// Puts django_migrations back to the healthy rows (Django's own `migrate --fake` records
    /// every migration when the rows went astray).
    fn restore(&mut self) {
        let s = &self.site;
        let mut now = s.rows();
        now.dedup();
        if now != self.healthy {
            s.db.exec("DROP TABLE IF EXISTS django_migrations");
            let (ok, text) = s.manage(&["migrate", "--fake"]);
            assert!(ok, "{}: restoring with migrate --fake: {text}", self.ctx);
        }
        assert_eq!(s.rows(), self.healthy, "{}: restore", self.ctx);
    }

    fn expect(&mut self, what: &str, want: &[Want]) -> bool {
        match check(want, &self.site.diagnose()) {
            Ok(()) => true,
            Err(e) => {
                self.fail(what, e);
                false
            }
        }
    }

    /// Deletes the row of migration `k` and expects it untracked, with one inconsistency per
    /// recorded migration depending on it.
    fn delete_row(&mut self, k: usize) {
        let p = &self.site.p;
        let id = p.id(k);
        let dependents = p.dependents(k);
        let mut want = vec![Want::Exact("untracked-applied", vec![id.clone()])];
        for j in &dependents {
            want.push(Want::Exact(
                "inconsistent-history",
                vec![p.id(*j), id.clone()],
            ));
        }
        let what = format!("row of {id} deleted ({} dependent(s))", dependents.len());
        self.site.delete(&id);
        if self.expect(&what, &want) {
            let playbook = if dependents.is_empty() {
                "django/fake"
            } else {
                "django/fix-inconsistent"
            };
            self.repair(&what, playbook, false);
        } else {
            self.restore();
        }
    }

    fn duplicate(&mut self, id: &str) {
        let what = format!("row of {id} duplicated");
        self.site.insert(id);
        if self.expect(&what, &[Want::Exact("duplicate-rows", vec![id.into()])]) {
            self.repair(&what, "django/dedupe", false);
        } else {
            self.restore();
        }
    }

    fn unknown(&mut self, id: &str) {
        self.site.insert(id);
        self.expect(&format!("row for {id}, which no file defines"), &[]);
        self.site.delete(id);
        self.restore();
    }

    fn drop_table(&mut self) {
        let p = &self.site.p;
        let strong: Vec<String> = (0..p.migs.len())
            .filter(|&k| p.migs[k].strong)
            .map(|k| p.id(k))
            .collect();
        let what = "django_migrations dropped";
        self.site.db.exec("DROP TABLE django_migrations");
        let want = [
            Want::Code("missing-tracking-table"),
            Want::Range("untracked-applied", strong, self.healthy.clone()),
        ];
        if self.expect(what, &want) {
            self.repair(what, "django/rebuild-tracking", false);
        } else {
            self.restore();
        }
    }

    /// Migrates app `a` back to `target` with real Django, then puts back the rows Django
    /// deleted. Returns false when that unapplied nothing the schema can show.
    fn rollback(&mut self, a: usize, target: &str) -> bool {
        let s = &self.site;
        let app = s.p.apps[a].clone();
        let (ok, text) = s.manage(&["migrate", &app, target]);
        assert!(ok, "{}: migrate {app} {target}: {text}", self.ctx);
        let now: BTreeSet<String> = s.rows().into_iter().collect();
        let gone: Vec<String> = self
            .healthy
            .iter()
            .filter(|r| !now.contains(*r))
            .cloned()
            .collect();
        let strong: Vec<String> = (0..s.p.migs.len())
            .filter(|&k| s.p.migs[k].strong)
            .map(|k| s.p.id(k))
            .filter(|id| gone.contains(id))
            .collect();
        // KNOWN BUG (reported): evidence checks what earlier migrations made under the names
        // a later rename gives it, so with the rename undone they read as not applied.
        let renames = (0..s.p.migs.len()).any(|k| {
            gone.contains(&s.p.id(k))
                && s.p.migs[k]
                    .ops
                    .iter()
                    .any(|o| o.contains("migrations.Rename"))
        });
        if renames && !gen::known_bugs() {
            let (ok, text) = s.manage(&["migrate"]);
            assert!(ok, "{}: migrate after the rollback: {text}", self.ctx);
            self.restore();
            return false;
        }
        for id in &gone {
            s.insert(id);
        }
        let what = format!(
            "{app} migrated back to {target}, the {} deleted row(s) put back",
            gone.len()
        );
        let want = if strong.is_empty() {
            vec![]
        } else {
            vec![Want::Range(
                "tracked-not-applied",
                strong.clone(),
                gone.clone(),
            )]
        };
        let found = self.site.diagnose();
        let mut verdict = check(&want, &found);
        let gap = verdict.is_err() && !gen::known_bugs() && partial_gap(&found, &strong, &gone);
        if gap {
            note(&format!(
                "{}: known gap, {what}: partial instead of tracked-not-applied",
                self.ctx
            ));
            verdict = Ok(());
        }
        if let Err(e) = &verdict {
            self.fail(&what, e.clone());
        }
        // With the gap the evidence is of low confidence and unfake has no default.
        if verdict.is_ok() && !strong.is_empty() && !gap {
            self.repair(&what, "django/unfake", true);
        } else {
            for id in &gone {
                self.site.delete(id);
            }
            let (ok, text) = self.site.manage(&["migrate"]);
            assert!(ok, "{}: migrate after the rollback: {text}", self.ctx);
            self.restore();
        }
        !strong.is_empty()
    }
}

/// KNOWN GAP (reported): a migration that drops or renames what an earlier migration made
/// counts "column … dropped" as present evidence when the table is missing altogether, so a
/// migration that never ran reads as `partial` (e.g. CreateModel then RenameField of the new
/// model in one migration, both unapplied). Returns whether `found` is right up to that: only
/// `partial` and one `tracked-not-applied`, naming only unapplied migrations, all of `strong`.
fn partial_gap(found: &Result<Vec<Value>, String>, strong: &[String], gone: &[String]) -> bool {
    let Ok(found) = found else { return false };
    let ids = |f: &Value| -> Vec<String> {
        f["migrations"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str().map(String::from))
            .collect()
    };
    let named: Vec<String> = found.iter().flat_map(ids).collect();
    found.iter().any(|f| f["code"] == "partial")
        && found
            .iter()
            .filter(|f| f["code"] == "tracked-not-applied")
            .count()
            <= 1
        && found
            .iter()
            .all(|f| f["code"] == "partial" || f["code"] == "tracked-not-applied")
        && named.iter().all(|m| gone.contains(m))
        && strong.iter().all(|m| named.contains(m))
}

fn run(d: Dialect) {
    let (seed, scale) = (seed(), scale());
    let reproduce = format!(
        "reproduce: MIGDOCTOR_SEED={seed} MIGDOCTOR_CONFORMANCE_SIZE={scale} cargo test -p migdoctor-tests --test integration conformance::django::django_{}",
        slug(d)
    );
    let ctx = format!("conformance django/{d} (seed {seed}; {reproduce})");
    let cseed = case_seed(seed, "django", d);
    let project = gen::generate(cseed, 16 * scale, d);
    let Some(python) = django_python() else {
        return;
    };
    let Some(db) = TestDb::create(d) else { return };
    let site = Site {
        dir: tempfile::tempdir().unwrap(),
        python,
        db: &db,
        p: project,
    };
    site.write();
    let start = Instant::now();
    let (ok, text) = site.manage(&["migrate"]);
    if !ok || std::env::var_os("MIGDOCTOR_CONFORMANCE_KEEP").is_some() {
        let path = site.path();
        std::mem::forget(site.dir);
        assert!(ok, "{ctx}: the generated project does not migrate (a generator bug; project kept in {path}):\n{text}");
        note(&format!("{ctx}: project kept in {path}"));
        return;
    }
    let ran = start.elapsed();
    let healthy = site.rows();
    let mut r = Run {
        site,
        healthy,
        failures: Vec::new(),
        ctx: ctx.clone(),
    };
    let mut rng = Rng::new(cseed ^ 0xd1a9_0c0f);
    let mut cases = 1;
    if !r.expect("healthy", &[]) {
        let f = r.failures.join("\n");
        panic!("{ctx}: diagnose is not quiet on the healthy result:\n{f}");
    }
    let p = &r.site.p;
    let n = p.migs.len();
    let apps = p.apps.len();
    // An app's last migration that the schema proves, and one with dependents.
    let last: Vec<usize> = (0..apps)
        .filter_map(|a| (0..n).rev().find(|&k| p.migs[k].app == a))
        .filter(|&k| p.migs[k].strong)
        .collect();
    let with_deps: Vec<usize> = (0..n)
        .filter(|&k| p.migs[k].strong && !p.dependents(k).is_empty())
        .collect();
    let healthy = r.healthy.clone();
    for _ in 0..scale {
        if !last.is_empty() {
            r.delete_row(*rng.pick(&last));
            cases += 1;
        }
        if !with_deps.is_empty() {
            r.delete_row(*rng.pick(&with_deps));
            cases += 1;
        }
        let dup = rng.pick(&healthy).clone();
        r.duplicate(&dup);
        let app = r.site.p.apps[rng.below(apps)].clone();
        r.unknown(&format!("{app}.0999_gone"));
        r.drop_table();
        cases += 3;
        // Back to a migration of an app with later ones that the schema shows.
        for _ in 0..20 {
            let k = rng.below(n);
            let p = &r.site.p;
            let a = p.migs[k].app;
            if (k + 1..n).any(|j| p.migs[j].app == a) {
                let name = p.migs[k].name.clone();
                cases += 1;
                if r.rollback(a, &name) {
                    break;
                }
            }
        }
    }
    note(&format!(
        "{ctx}: {n} migrations in {apps} apps migrated in {ran:.1?}; {cases} case(s) in {:.1?}, {} disagreement(s)",
        start.elapsed(),
        r.failures.len()
    ));
    assert!(
        r.failures.is_empty(),
        "{ctx}: diagnose or a playbook disagrees with Django in {} of {cases} case(s)\n{}",
        r.failures.len(),
        r.failures.join("\n")
    );
}
