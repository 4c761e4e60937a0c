//! The differential conformance suite "that cannot be tuned to": a seeded generator writes a
//! random history, the framework under test runs it for real into a database, and `diagnose`
//! must report nothing at warning or above on the healthy result, then exactly the one thing
//! broken after each single breakage (a statement of one migration undone by hand, the
//! tracking row deleted or changed, the tracking table dropped).
//!
//! Every framework plugs in by implementing [`FrameworkUnderTest`] (write the project, run it,
//! break and restore its tracking table); the cases are the same for all, parameterized by
//! framework and dialect, the way golang-migrate's drivers share `database/testing`.
//!
//! - `MIGDOCTOR_SEED=<n>` reproduces a run (`random` picks a seed and prints it); the default
//!   seed is fixed so CI is deterministic.
//! - `MIGDOCTOR_CONFORMANCE_SIZE=<n>` multiplies history length and number of breakages (for
//!   the benchmark); the default keeps each case well under a minute on two cores.
//! - `MIGDOCTOR_CONFORMANCE_SHOW=<n>` prints up to n findings per failing case (default 10).
//! - `MIGDOCTOR_CONFORMANCE_KEEP=1` runs the history, keeps the project folder (and prints
//!   where) and stops, for reading the generated files.
//! - `MIGDOCTOR_CONFORMANCE_RUN_ONLY=1` only runs the history and checks the real schema against
//!   the generator's model (for trying many seeds on the generator).
//!
//! Django has a generator and cases of its own (`django.rs`): its histories are models, not
//! SQL, and its tracking table breaks row by row.

mod alembic;
mod breaks;
mod catalog;
mod django;
mod drizzle;
mod gen;
mod golang_migrate;
mod model;
mod sql;

use breaks::{Candidate, TrackingBreak};
use gen::{Features, History, Rng};
use migdoctor_tests::{cli, Dialect, TestDb};
use serde_json::Value;
use std::time::Instant;

const DEFAULT_SEED: u64 = 20_261_129;

/// A migration framework the suite can drive: it writes a project folder for a generated
/// history, runs it for real, and breaks and restores its own tracking table.
///
/// To add a framework (Django, Drizzle, native): implement this and [`Deployment`]; say in
/// `features` which operations its files can express on each dialect (the generator emits only
/// those); write each [`model::Op`] in the framework's own file format in `deploy`; add one line
/// per dialect to `conformance!` below. The cases and their expected verdicts are shared.
pub trait FrameworkUnderTest {
    /// The framework's id, as `diagnose` names it.
    fn name(&self) -> &'static str;
    /// The number of migrations to generate on `dialect` at size 1.
    fn history_size(&self, dialect: Dialect) -> usize;
    /// What the framework can express on `dialect`.
    fn features(&self, dialect: Dialect) -> Features;
    /// Returns the project for `history` against `db`, or `None` (with the reason printed) when
    /// a tool it needs is missing outside CI.
    fn deploy<'a>(
        &self,
        history: &History,
        db: &'a TestDb,
        seed: u64,
    ) -> Option<Box<dyn Deployment + 'a>>;
}

/// A generated history written as one framework's project, bound to one database.
pub trait Deployment {
    /// The project folder `diagnose` is pointed at.
    fn path(&self) -> String;
    /// Runs every migration for real, and tracks them the way the framework does. `Err` names
    /// the migration and the database's error.
    fn run(&self) -> Result<(), String>;
    /// The id `diagnose` uses for migration `k`.
    fn id(&self, k: usize) -> String;
    /// The file name and text of migration `k`.
    fn source(&self, k: usize) -> String;
    /// Tables that are the framework's, not the application's.
    fn own_tables(&self) -> Vec<&'static str>;
    /// An id no file defines.
    fn unknown_id(&self, seed: u64) -> String;
    /// Whether the framework's table can express `b` (only some have a dirty flag).
    fn supports(&self, b: &TrackingBreak) -> bool;
    fn break_tracking(&self, b: &TrackingBreak);
    /// Puts the tracking table back to "everything applied" after `b`.
    fn restore_tracking(&self, b: &TrackingBreak);
}

macro_rules! conformance {
    ($($test:ident: $fw:expr, $dialect:expr;)*) => {$(
        #[test]
        fn $test() {
            run(&$fw, $dialect);
        }
    )*};
}

conformance! {
    golang_migrate_postgres: golang_migrate::GolangMigrate, Dialect::Postgres;
    golang_migrate_mysql: golang_migrate::GolangMigrate, Dialect::Mysql;
    golang_migrate_sqlite: golang_migrate::GolangMigrate, Dialect::Sqlite;
    alembic_postgres: alembic::Alembic, Dialect::Postgres;
    alembic_mysql: alembic::Alembic, Dialect::Mysql;
    alembic_sqlite: alembic::Alembic, Dialect::Sqlite;
    drizzle_postgres: drizzle::Drizzle, Dialect::Postgres;
    drizzle_mysql: drizzle::Drizzle, Dialect::Mysql;
    drizzle_sqlite: drizzle::Drizzle, Dialect::Sqlite;
}

#[allow(clippy::print_stderr)]
fn note(text: &str) {
    eprintln!("{text}");
}

fn seed() -> u64 {
    match std::env::var("MIGDOCTOR_SEED") {
        Ok(s) if s == "random" => {
            let seed = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64;
            note(&format!("MIGDOCTOR_SEED=random: using seed {seed}"));
            seed
        }
        Ok(s) => s
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("MIGDOCTOR_SEED must be a number or `random`, not {s:?}")),
        Err(_) => DEFAULT_SEED,
    }
}

fn scale() -> usize {
    std::env::var("MIGDOCTOR_CONFORMANCE_SIZE")
        .ok()
        .map(|s| {
            s.trim()
                .parse()
                .expect("MIGDOCTOR_CONFORMANCE_SIZE must be a number")
        })
        .unwrap_or(1)
        .max(1)
}

/// Returns a seed of its own for one framework and dialect, so each case differs but one
/// printed seed reproduces them all.
fn case_seed(seed: u64, framework: &str, dialect: Dialect) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in format!("{framework}/{dialect}").bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    Rng::new(seed ^ h).next()
}

fn slug(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "postgres",
        Dialect::Mysql => "mysql",
        Dialect::Sqlite => "sqlite",
    }
}

/// Folds numeric ids (golang-migrate versions) so `000007` and `7` compare equal.
fn norm(id: &str) -> String {
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        let t = id.trim_start_matches('0');
        if t.is_empty() { "0" } else { t }.to_string()
    } else {
        id.to_string()
    }
}

/// Returns every finding at warning or above: each site's and, when present, the report's
/// per-database ones.
fn serious(report: &Value) -> Vec<Value> {
    let sites = report["sites"].as_array().into_iter().flatten();
    let per_site = sites.flat_map(|s| s["findings"].as_array().into_iter().flatten());
    let per_db = report["database_findings"].as_array().into_iter().flatten();
    per_site
        .chain(per_db)
        .filter(|f| f["severity"] != "info")
        .cloned()
        .collect()
}

thread_local! {
    static DIAGNOSING: std::cell::Cell<(u32, std::time::Duration)> = Default::default();
}

fn diagnose(dep: &dyn Deployment, db: &TestDb) -> Result<Vec<Value>, String> {
    let path = dep.path();
    let start = Instant::now();
    let (code, out, err) = cli(&["diagnose", &path, "--db", &db.url, "--format", "json"]);
    DIAGNOSING.with(|d| {
        let (n, t) = d.get();
        d.set((n + 1, t + start.elapsed()));
    });
    if code > 1 {
        return Err(format!("diagnose exited {code}: {err}{out}"));
    }
    let report: Value = serde_json::from_str(&out).map_err(|e| format!("{e}: {out}"))?;
    Ok(serious(&report))
}

/// Returns what identifies a finding across two reports: its code, migrations and message.
fn key(f: &Value) -> String {
    format!("{} {:?} {}", code(f), ids(f), f["message"])
}

fn code(f: &Value) -> &str {
    f["code"].as_str().unwrap_or_default()
}

fn ids(f: &Value) -> Vec<String> {
    f["migrations"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| norm(m.as_str().unwrap_or_default()))
        .collect()
}

/// What `diagnose` must report at warning or above.
enum Expect {
    Nothing,
    /// Exactly one `partial` or `tracked-not-applied` naming exactly this migration.
    Broken(String),
    /// Exactly one `untracked-applied` naming some migrations, none of these.
    Untracked(Vec<String>),
    /// Exactly `missing-tracking-table` and `untracked-applied`, once each.
    MissingTable,
    /// Exactly one `unknown-tracked` naming this id.
    Unknown(String),
    /// Exactly one `dirty`.
    Dirty,
}

impl Expect {
    fn describe(&self) -> String {
        match self {
            Expect::Nothing => "no finding at warning or above".into(),
            Expect::Broken(id) => format!("exactly one finding, partial or tracked-not-applied, migrations [{id}]"),
            Expect::Untracked(_) => "exactly one finding, untracked-applied, naming a non-empty set of migrations after the tracked one".into(),
            Expect::MissingTable => "exactly missing-tracking-table and untracked-applied (non-empty), once each".into(),
            Expect::Unknown(id) => format!("exactly one finding, unknown-tracked, naming {id}"),
            Expect::Dirty => "exactly one finding, dirty".into(),
        }
    }

    /// Returns why `found` does not meet the expectation.
    fn check(&self, found: &[Value]) -> Result<(), String> {
        let one = |want: &[&str]| -> Result<&Value, String> {
            match found {
                [f] if want.contains(&code(f)) => Ok(f),
                _ => Err(format!("{} finding(s) instead", found.len())),
            }
        };
        match self {
            Expect::Nothing if found.is_empty() => Ok(()),
            Expect::Nothing => Err(format!("{} finding(s)", found.len())),
            Expect::Broken(id) => {
                let f = one(&["partial", "tracked-not-applied"])?;
                if ids(f) == [norm(id)] {
                    Ok(())
                } else {
                    Err(format!("names {:?}", ids(f)))
                }
            }
            Expect::Untracked(excluded) => {
                let f = one(&["untracked-applied"])?;
                let named = ids(f);
                let wrong: Vec<&String> = named.iter().filter(|m| excluded.contains(m)).collect();
                if named.is_empty() {
                    Err("names no migration".into())
                } else if !wrong.is_empty() {
                    Err(format!("names tracked migrations {wrong:?}"))
                } else {
                    Ok(())
                }
            }
            Expect::MissingTable => {
                let mut codes: Vec<&str> = found.iter().map(code).collect();
                codes.sort();
                let untracked = found.iter().find(|f| code(f) == "untracked-applied");
                if codes != ["missing-tracking-table", "untracked-applied"] {
                    Err(format!("codes {codes:?}"))
                } else if untracked.is_some_and(|f| ids(f).is_empty()) {
                    Err("untracked-applied names no migration".into())
                } else {
                    Ok(())
                }
            }
            Expect::Unknown(id) => {
                let f = one(&["unknown-tracked"])?;
                if ids(f).contains(&norm(id)) {
                    Ok(())
                } else {
                    Err(format!("names {:?}", ids(f)))
                }
            }
            Expect::Dirty => one(&["dirty"]).map(|_| ()),
        }
    }
}

enum Case {
    Schema(Candidate),
    Tracking(TrackingBreak),
}

/// Returns the breakages of one run: each kind of tracking breakage the framework supports,
/// and schema breakages spread over their kinds.
fn plan(h: &History, dep: &dyn Deployment, d: Dialect, rng: &mut Rng, scale: usize) -> Vec<Case> {
    let mut cases = Vec::new();
    let checkable = breaks::checkable(h);
    // Set back to j: some migration not at or before j must have checkable effects.
    let earlier: Vec<usize> = (0..h.migrations.len().saturating_sub(1))
        .filter(|&j| {
            let before = h.ancestors(j);
            (0..h.migrations.len()).any(|k| checkable[k] && !before[k])
        })
        .collect();
    for _ in 0..scale {
        let mut tracking = vec![
            TrackingBreak::DeleteRows,
            TrackingBreak::SetUnknown(dep.unknown_id(rng.next())),
            TrackingBreak::Dirty,
            TrackingBreak::DropTable,
        ];
        if !earlier.is_empty() {
            tracking.push(TrackingBreak::SetEarlier(*rng.pick(&earlier)));
        }
        cases.extend(
            tracking
                .into_iter()
                .filter(|b| dep.supports(b))
                .map(Case::Tracking),
        );
    }
    let mut by_kind: Vec<Vec<Candidate>> = Vec::new();
    for c in breaks::schema_candidates(h, d) {
        match by_kind.iter_mut().find(|g| g[0].brk.kind() == c.brk.kind()) {
            Some(g) => g.push(c),
            None => by_kind.push(vec![c]),
        }
    }
    let mut left = 5 * scale;
    while left > 0 && by_kind.iter().any(|g| !g.is_empty()) {
        for g in by_kind.iter_mut().filter(|g| !g.is_empty()) {
            if left > 0 {
                cases.push(Case::Schema(g.swap_remove(rng.below(g.len()))));
                left -= 1;
            }
        }
    }
    cases
}

/// Returns the findings in full, the first `MIGDOCTOR_CONFORMANCE_SHOW` (default 10) of them.
fn show(found: &[Value]) -> String {
    let max = std::env::var("MIGDOCTOR_CONFORMANCE_SHOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10);
    let mut out: Vec<String> = found
        .iter()
        .take(max)
        .map(|f| serde_json::to_string_pretty(f).unwrap())
        .collect();
    if found.len() > max {
        out.push(format!("… and {} more finding(s)", found.len() - max));
    }
    out.join("\n")
}

fn self_check(db: &TestDb, h: &History, dep: &dyn Deployment, ctx: &str, when: &str) {
    let real = catalog::read(db, &dep.own_tables());
    let diff = catalog::diff(&h.schema.shape(), &real);
    assert!(
        diff.is_empty(),
        "{ctx}: {when}, the database differs from the generator's model (a generator bug):\n{}",
        diff.join("\n")
    );
}

/// Runs the suite for one framework on one dialect.
pub fn run(fw: &dyn FrameworkUnderTest, d: Dialect) {
    let (seed, scale) = (seed(), scale());
    let reproduce = format!(
        "reproduce: MIGDOCTOR_SEED={seed} MIGDOCTOR_CONFORMANCE_SIZE={scale} cargo test -p migdoctor-tests --test integration conformance::{}_{}",
        fw.name().replace('-', "_"),
        slug(d)
    );
    let ctx = format!("conformance {}/{d} (seed {seed}; {reproduce})", fw.name());
    let cseed = case_seed(seed, fw.name(), d);
    let h = gen::generate(cseed, fw.history_size(d) * scale, &fw.features(d));
    let Some(db) = TestDb::create(d) else { return };
    let Some(dep) = fw.deploy(&h, &db, cseed) else {
        return;
    };
    let start = Instant::now();
    if let Err(e) = dep.run() {
        let path = dep.path();
        // Keep the project folder to look at.
        std::mem::forget(dep);
        panic!("{ctx}: the generated history does not run (a generator bug; project kept in {path}):\n{e}");
    }
    if std::env::var_os("MIGDOCTOR_CONFORMANCE_KEEP").is_some() {
        note(&format!("{ctx}: project kept in {}", dep.path()));
        std::mem::forget(dep);
        return;
    }
    let dep = dep.as_ref();
    let ran = start.elapsed();
    self_check(&db, &h, dep, &ctx, "after the run");
    if std::env::var_os("MIGDOCTOR_CONFORMANCE_RUN_ONLY").is_some() {
        note(&format!(
            "{ctx}: {} migrations ran in {ran:.1?}",
            h.migrations.len()
        ));
        return;
    }
    let mut rng = Rng::new(cseed ^ 0x00b4_ea4a);
    let cases = plan(&h, dep, d, &mut rng, scale);
    let healthy = diagnose(dep, &db);
    let baseline: Vec<String> = healthy.iter().flatten().map(key).collect();
    let mut failures = Vec::new();
    let mut record = |what: String,
                      expect: &Expect,
                      sql: String,
                      found: Result<Vec<Value>, String>| {
        let verdict = found.and_then(|f| {
            expect.check(&f).map_err(|why| {
                // What the breakage added, for telling a wrong verdict from noise the healthy
                // result already had.
                let added: Vec<Value> = f.iter().filter(|x| !baseline.contains(&key(x))).cloned().collect();
                let beyond = match (baseline.is_empty() || what == "healthy", expect.check(&added)) {
                    (true, _) => String::new(),
                    (false, Ok(())) => "\n(without the findings the healthy result also has, the verdict would hold)".into(),
                    (false, Err(e)) => format!("\n(without the findings the healthy result also has, still wrong: {e})"),
                };
                format!("{why}:\n{}{beyond}", show(&f))
            })
        });
        if let Err(why) = verdict {
            failures.push(format!(
                "--- {what}\nexpected: {}\n{sql}got: {why}\n",
                expect.describe()
            ));
        }
    };
    record(
        "healthy".into(),
        &Expect::Nothing,
        String::new(),
        healthy.clone(),
    );
    let total = cases.len();
    for case in cases {
        match case {
            Case::Schema(c) => {
                let id = dep.id(c.mig);
                let what = format!("undo by hand: {} (migration {id})", c.brk.kind());
                let brk = c.brk.break_sql(d);
                db.exec(&brk);
                let found = diagnose(dep, &db);
                db.exec(&c.brk.restore_sql(d));
                let sql = format!("migration {}\nbroken with:\n{brk}", dep.source(c.mig));
                record(what, &Expect::Broken(id), sql, found);
            }
            Case::Tracking(b) => {
                let (what, expect, sql) = match &b {
                    TrackingBreak::DeleteRows => (
                        "tracking rows deleted".to_string(),
                        Expect::Untracked(Vec::new()),
                        String::new(),
                    ),
                    TrackingBreak::SetEarlier(j) => {
                        let before = h.ancestors(*j);
                        let excluded = (0..h.migrations.len())
                            .filter(|&k| before[k])
                            .map(|k| norm(&dep.id(k)))
                            .collect();
                        (
                            format!("tracking set back to {}", dep.id(*j)),
                            Expect::Untracked(excluded),
                            format!("migration {}\n", dep.source(*j)),
                        )
                    }
                    TrackingBreak::SetUnknown(id) => (
                        format!("tracking set to unknown id {id}"),
                        Expect::Unknown(id.clone()),
                        String::new(),
                    ),
                    TrackingBreak::Dirty => (
                        "current version marked dirty".into(),
                        Expect::Dirty,
                        String::new(),
                    ),
                    TrackingBreak::DropTable => (
                        "tracking table dropped".into(),
                        Expect::MissingTable,
                        String::new(),
                    ),
                };
                dep.break_tracking(&b);
                let found = diagnose(dep, &db);
                dep.restore_tracking(&b);
                record(what, &expect, sql, found);
            }
        }
    }
    // Every breakage was restored: the schema is the model's again and diagnose says what it
    // said at first.
    self_check(&db, &h, dep, &ctx, "after restoring every breakage");
    let again = diagnose(dep, &db);
    let summary = |r: &Result<Vec<Value>, String>| match r {
        Ok(f) => f.iter().map(key).collect::<Vec<_>>(),
        Err(e) => vec![e.clone()],
    };
    assert_eq!(
        summary(&healthy),
        summary(&again),
        "{ctx}: a breakage was not fully restored"
    );
    let (runs, spent) = DIAGNOSING.with(|d| d.take());
    note(&format!(
        "{ctx}: {} migrations ran in {ran:.1?}, {total} breakages, {runs} diagnoses in {spent:.1?}, {:.1?} in all, {} disagreement(s)",
        h.migrations.len(),
        start.elapsed(),
        failures.len()
    ));
    assert!(
        failures.is_empty(),
        "{ctx}: diagnose disagrees in {} of {} case(s)\n{}",
        failures.len(),
        total + 1,
        failures.join("\n")
    );
}
