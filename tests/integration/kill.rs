//! Killed at any instant: the real binary is aborted at each step of the apply protocol (the
//! hidden `MIGDOCTOR_ABORT_AT` hook calls `std::process::abort`) and killed with SIGKILL at
//! random instants, on each database. The next command (`journal --db`, or `apply` again) must
//! find the tracking table exactly as before or exactly as planned, the journal must record
//! every committed change (nothing left pending), `undo` from the backup must restore the rows
//! before, no temporary backup file may remain, and `journal --verify` must pass.

use migdoctor_engine::{read_journal, Entry, Status, ABORT_ENV};
use migdoctor_tests::{apply_schema, cli, three_migrations, Dialect, Project, TestDb};
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_migdoctor-under-test");
const TABLE: &str = "schema_migrations";

/// Returns nothing; a dirty golang-migrate database, a plan that clears it, and the table's
/// dump before and after the plan.
struct Scene {
    dialect: Dialect,
    db: TestDb,
    project: Project,
    plan: String,
    before: String,
    after: String,
}

/// Returns nothing; what the next command after a killed run is.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Next {
    /// `migdoctor journal DIR --db URL`.
    Journal,
    /// `migdoctor apply plan.json` again.
    Apply,
}

fn command(args: &[&str], abort_at: Option<&str>) -> Command {
    let mut c = Command::new(BIN);
    c.args(args)
        .env_remove("DATABASE_URL")
        .env_remove(ABORT_ENV)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(step) = abort_at {
        c.env(ABORT_ENV, step);
    }
    c
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

impl Scene {
    fn new(dialect: Dialect) -> Option<Scene> {
        let db = TestDb::create(dialect)?;
        let project = Project::golang_migrate(&three_migrations());
        apply_schema(&db, &three_migrations(), 2);
        db.gm_create_table(TABLE);
        db.gm_set_version(TABLE, 3, true);
        let before = db.dump(TABLE);
        let plan = project.dir.path().join("plan.json").display().to_string();
        let (code, _, err) = cli(&[
            "plan",
            &project.path(),
            "golang-migrate/undirty",
            "--param",
            "version=2",
            "--db",
            &db.url,
            "--out",
            &plan,
        ]);
        assert_eq!(code, 0, "{err}");
        let mut s = Scene {
            dialect,
            db,
            project,
            plan,
            before,
            after: String::new(),
        };
        // The state after: the plan applied once by the binary, then undone.
        let out = s.run(&s.apply_args(), None);
        assert!(out.status.success(), "{}", text(&out));
        s.after = s.db.dump(TABLE);
        assert_ne!(s.after, s.before);
        let id = s.entries().last().unwrap().backup_id.clone().unwrap();
        s.undo(&id);
        Some(s)
    }

    fn p(&self) -> String {
        self.project.path()
    }

    fn apply_args(&self) -> Vec<String> {
        [
            "apply",
            &self.plan,
            "--db",
            &self.db.url,
            "--project",
            &self.p(),
            "--yes",
        ]
        .map(str::to_string)
        .to_vec()
    }

    fn run(&self, args: &[String], abort_at: Option<&str>) -> Output {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        command(&args, abort_at).output().expect("start migdoctor")
    }

    fn entries(&self) -> Vec<Entry> {
        read_journal(&self.project.dir.path().join(".migdoctor/journal.jsonl"))
            .unwrap()
            .entries()
    }

    fn temp_files(&self) -> Vec<String> {
        std::fs::read_dir(self.project.dir.path().join(".migdoctor/backups"))
            .map(|d| {
                d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".tmp"))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn undo(&self, backup: &str) {
        let args = [
            "undo",
            backup,
            "--db",
            &self.db.url,
            "--project",
            &self.p(),
            "--yes",
        ]
        .map(str::to_string);
        let out = self.run(&args, None);
        assert!(out.status.success(), "undo {backup}: {}", text(&out));
        assert_eq!(
            self.db.dump(TABLE),
            self.before,
            "{}: undo {backup} must restore the rows before",
            self.dialect
        );
    }

    /// Returns the stderr of the next command after a killed run (started when the journal had
    /// `n0` entries), after checking everything the module documentation lists; the table is
    /// back to `before` afterwards. `expect_in` says whether the killed run's change must be
    /// in (`None`: either, for random kills).
    fn next_and_check(&self, n0: usize, next: Next, expect_in: Option<bool>, ctx: &str) -> String {
        let (found, out) = match next {
            Next::Journal => {
                let args = [
                    "journal",
                    &self.p(),
                    "--db",
                    &self.db.url,
                    "--format",
                    "json",
                ]
                .map(str::to_string);
                let out = self.run(&args, None);
                assert!(out.status.success(), "{ctx}: {}", text(&out));
                let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                assert!(report["entries"].is_array(), "{ctx}: {report}");
                (self.db.dump(TABLE), out)
            }
            Next::Apply => {
                let found = self.db.dump(TABLE);
                let out = self.run(&self.apply_args(), None);
                if found == self.before {
                    assert!(out.status.success(), "{ctx}: {}", text(&out));
                } else {
                    assert_eq!(out.status.code(), Some(2), "{ctx}: {}", text(&out));
                    assert!(
                        String::from_utf8_lossy(&out.stderr)
                            .contains("changed since the plan was made"),
                        "{ctx}: {}",
                        text(&out)
                    );
                }
                (found, out)
            }
        };
        assert!(
            found == self.before || found == self.after,
            "{ctx}: torn state {found}\nbefore {}\nafter {}",
            self.before,
            self.after
        );
        let is_in = found == self.after;
        if let Some(want) = expect_in {
            assert_eq!(is_in, want, "{ctx}: {found}");
        }
        let journal =
            read_journal(&self.project.dir.path().join(".migdoctor/journal.jsonl")).unwrap();
        assert!(
            journal.pending().is_empty(),
            "{ctx}: still pending {:?}",
            journal.pending()
        );
        assert!(
            journal.problems.iter().all(|p| p.torn),
            "{ctx}: {:?}",
            journal.problems
        );
        let entries = journal.entries();
        let new = &entries[n0..];
        let committed: Vec<&Entry> = new
            .iter()
            .filter(|e| e.status == Status::Committed)
            .collect();
        // A killed run that changed the table has its committed record; a rerun of the plan
        // that found the table as before committed its own.
        let want = usize::from(is_in) + usize::from(next == Next::Apply && !is_in);
        assert_eq!(committed.len(), want, "{ctx}: {new:#?}");
        for e in &committed {
            let id = e.backup_id.as_deref().unwrap();
            assert!(
                self.project
                    .dir
                    .path()
                    .join(format!(".migdoctor/backups/{id}.json"))
                    .is_file(),
                "{ctx}: the backup of {id}"
            );
            assert!(e.undo_command.is_some(), "{ctx}: {e:?}");
        }
        assert!(
            new.iter().all(|e| e.status != Status::Unknown),
            "{ctx}: {new:#?}"
        );
        assert!(
            self.temp_files().is_empty(),
            "{ctx}: {:?}",
            self.temp_files()
        );
        let args = ["journal", &self.p(), "--verify"].map(str::to_string);
        let verified = self.run(&args, None);
        assert!(
            verified.status.success(),
            "{ctx}: journal --verify: {}",
            text(&verified)
        );
        if let Some(last) = committed.last() {
            self.undo(last.backup_id.as_deref().unwrap());
        }
        assert_eq!(self.db.dump(TABLE), self.before, "{ctx}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    }
}

/// Returns nothing; aborts `apply` at each named step, and `undo` after its intent and after
/// its COMMIT, checking the next command each time.
fn abort_at_each_step(dialect: Dialect) {
    let Some(s) = Scene::new(dialect) else {
        return;
    };
    // (step, the change is in, a pending record is settled, a temp file is left)
    let steps = [
        ("after-lock", false, false, false),
        ("after-fingerprint", false, false, false),
        ("after-backup-temp", false, false, true),
        ("after-backup", false, false, false),
        ("after-pending", false, true, false),
        ("mid-statements", false, true, false),
        ("after-statements", false, true, false),
        ("after-verify", false, true, false),
        ("after-commit", true, true, false),
        ("after-outcome", true, false, false),
    ];
    for (step, is_in, settles, leftover) in steps {
        for next in [Next::Journal, Next::Apply] {
            let ctx = format!("{dialect}: apply aborted at {step}, then {next:?}");
            let n0 = s.entries().len();
            let out = s.run(&s.apply_args(), Some(step));
            assert_eq!(
                out.status.signal(),
                Some(6),
                "{ctx}: must die of SIGABRT: {}",
                text(&out)
            );
            if leftover {
                assert_eq!(s.temp_files().len(), 1, "{ctx}");
            }
            let err = s.next_and_check(n0, next, Some(is_in), &ctx);
            assert_eq!(
                err.contains("reconciled the pending apply"),
                settles,
                "{ctx}: {err}"
            );
            assert_eq!(
                err.contains("removed leftover backup temp file"),
                leftover,
                "{ctx}: {err}"
            );
            if settles || step == "after-outcome" {
                let killed = &s.entries()[n0];
                let status = if is_in {
                    Status::Committed
                } else {
                    Status::RolledBack
                };
                assert_eq!(
                    (killed.status, killed.reconciled),
                    (status, settles),
                    "{ctx}: {killed:?}"
                );
            }
        }
    }
    // Undo killed after its intent (nothing changed) and after its COMMIT (the rows before are
    // back, and the journal says so once the next command has looked).
    for (step, is_in) in [("after-pending", false), ("after-commit", true)] {
        let ctx = format!("{dialect}: undo aborted at {step}");
        let out = s.run(&s.apply_args(), None);
        assert!(out.status.success(), "{ctx}: {}", text(&out));
        let id = s.entries().last().unwrap().backup_id.clone().unwrap();
        let args =
            ["undo", &id, "--db", &s.db.url, "--project", &s.p(), "--yes"].map(str::to_string);
        let n0 = s.entries().len();
        let out = s.run(&args, Some(step));
        assert_eq!(out.status.signal(), Some(6), "{ctx}: {}", text(&out));
        let args = ["journal", &s.p(), "--db", &s.db.url].map(str::to_string);
        let out = s.run(&args, None);
        assert!(out.status.success(), "{ctx}: {}", text(&out));
        let undone = s.entries()[n0].clone();
        assert_eq!(undone.operation, "undo", "{ctx}");
        assert_eq!(
            (undone.status, undone.reconciled),
            (
                if is_in {
                    Status::Committed
                } else {
                    Status::RolledBack
                },
                true
            ),
            "{ctx}: {undone:?}"
        );
        let found = s.db.dump(TABLE);
        assert_eq!(&found, if is_in { &s.before } else { &s.after }, "{ctx}");
        if !is_in {
            s.undo(&id);
        }
        let args = ["journal", &s.p(), "--verify"].map(str::to_string);
        let out = s.run(&args, None);
        assert!(out.status.success(), "{ctx}: {}", text(&out));
    }
}

/// Returns a pseudo-random number generator seeded from the clock (xorshift; the seed is in
/// every failure message).
fn rng() -> (u64, impl FnMut() -> u64) {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut x = seed;
    (seed, move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    })
}

/// Returns nothing; `runs` applies killed with SIGKILL 5–120 ms after they start.
fn random_kills(dialect: Dialect, runs: usize) {
    let Some(s) = Scene::new(dialect) else {
        return;
    };
    let (seed, mut next) = rng();
    for run in 0..runs {
        let delay = 5 + next() % 116;
        let ctx = format!("{dialect}: SIGKILL after {delay} ms (run {run}, seed {seed})");
        let n0 = s.entries().len();
        let args: Vec<String> = s.apply_args();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let mut child = command(&args, None).spawn().expect("start migdoctor");
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        s.next_and_check(n0, Next::Journal, None, &ctx);
    }
}

#[test]
fn abort_at_each_step_sqlite() {
    abort_at_each_step(Dialect::Sqlite);
}

#[test]
fn abort_at_each_step_postgres() {
    abort_at_each_step(Dialect::Postgres);
}

#[test]
fn abort_at_each_step_mysql() {
    abort_at_each_step(Dialect::Mysql);
}

#[test]
fn random_kills_sqlite() {
    random_kills(Dialect::Sqlite, 5);
}

#[test]
fn random_kills_postgres() {
    random_kills(Dialect::Postgres, 5);
}

#[test]
fn random_kills_mysql() {
    random_kills(Dialect::Mysql, 5);
}
