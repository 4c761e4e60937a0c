//! Drizzle 0.x in the conformance suite: the generated history is written as a drizzle-kit
//! journal folder (`drizzle/NNNN_<name>.sql` with `--> statement-breakpoint` between
//! statements, `drizzle/meta/_journal.json` as drizzle-kit writes it for the dialect) with a
//! `drizzle.config.json`, and applied by the real migrator (drizzle-orm 0.45.4 through
//! tests/frameworks/drizzle/migrate.mjs).
//!
//! Besides the shared cases (`run`: schema breakages, rows deleted, set back, table dropped),
//! [`breaks`] checks what only Drizzle's table can show, each with exactly the codes the
//! adapter gives (adapters/drizzle/src/findings.rs and the core's ledger):
//! - the newest row deleted while its objects stay: `untracked-applied` naming that entry
//!   (the migrator would run it again; `pending` is info); repaired with
//!   `drizzle/sync-journal`, after which the real migrator applies nothing;
//! - the table dropped: `missing-tracking-table` and `untracked-applied` (the adapter adds
//!   nothing while the journal's `when`s increase: `journal_order` stays silent);
//! - a row duplicated: `duplicate-rows`;
//! - a row matching no entry, below the newest: nothing (`unknown-tracked` is info: ignored);
//! - a file edited after it ran: `checksum-mismatch` (a warning: Drizzle never compares);
//! - an entry's `when` lowered below the newest row while its row is deleted and its object
//!   dropped: `out-of-order` ("will never run … run it by hand"), naming that entry only.

use super::breaks::{self, SchemaBreak, TrackingBreak};
use super::gen::{self, Features, History, Rng};
use super::model::Op;
use super::{sql, Deployment, FrameworkUnderTest};
use migdoctor_adapter_drizzle::drizzle_hash;
use migdoctor_tests::{cli, Dialect, TestDb};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

const TABLE: &str = "__drizzle_migrations";
/// The first entry's `when`: drizzle-kit writes `Date.now()` at generation.
const FIRST_WHEN: i64 = 1_795_938_958_782;

pub struct Drizzle;

impl FrameworkUnderTest for Drizzle {
    fn name(&self) -> &'static str {
        "drizzle"
    }

    fn history_size(&self, _: Dialect) -> usize {
        40
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
        seed: u64,
    ) -> Option<Box<dyn Deployment + 'a>> {
        Some(Box::new(Dz::new(history, db, seed)?))
    }
}

struct Entry {
    tag: String,
    when: i64,
    text: String,
}

pub struct Dz<'a> {
    dir: tempfile::TempDir,
    db: &'a TestDb,
    entries: Vec<Entry>,
}

/// Returns a migration file as drizzle-kit writes it: `;` after each statement and the marker
/// between statements.
fn file_text(d: Dialect, ops: &[Op]) -> String {
    let stmts: Vec<String> = ops
        .iter()
        .flat_map(|op| sql::render(d, op))
        .map(|s| format!("{s};"))
        .collect();
    if stmts.is_empty() {
        return "SELECT 1;".into();
    }
    stmts.join("--> statement-breakpoint\n")
}

impl<'a> Dz<'a> {
    fn new(history: &History, db: &'a TestDb, seed: u64) -> Option<Dz<'a>> {
        crate::drizzle::node_dir()?;
        let mut rng = Rng::new(seed ^ 0x00d1_2122);
        let mut when = FIRST_WHEN + rng.below(1_000_000) as i64;
        let entries = history
            .migrations
            .iter()
            .enumerate()
            .map(|(k, m)| {
                when += 300 + rng.below(5_000) as i64;
                Entry {
                    tag: format!("{k:04}_{}", m.slug),
                    when,
                    text: file_text(db.dialect, &m.ops),
                }
            })
            .collect();
        let dz = Dz {
            dir: tempfile::tempdir().unwrap(),
            db,
            entries,
        };
        let out = dz.folder();
        std::fs::create_dir_all(out.join("meta")).unwrap();
        for e in &dz.entries {
            std::fs::write(out.join(format!("{}.sql", e.tag)), &e.text).unwrap();
        }
        dz.write_journal(None);
        let url = match db.dialect {
            Dialect::Sqlite => db.name.clone(),
            _ => db.url.clone(),
        };
        let config = json!({
            "dialect": journal_dialect(db.dialect),
            "schema": "./schema.ts",
            "out": "./drizzle",
            "dbCredentials": { "url": url },
        });
        std::fs::write(
            dz.dir.path().join("drizzle.config.json"),
            serde_json::to_string_pretty(&config).unwrap(),
        )
        .unwrap();
        Some(dz)
    }

    fn folder(&self) -> PathBuf {
        self.dir.path().join("drizzle")
    }

    fn sql_path(&self, k: usize) -> PathBuf {
        self.folder().join(format!("{}.sql", self.entries[k].tag))
    }

    /// Writes `meta/_journal.json`, with entry `k`'s `when` replaced when `lowered` says so.
    fn write_journal(&self, lowered: Option<(usize, i64)>) {
        let version = match self.db.dialect {
            Dialect::Postgres => "7",
            Dialect::Mysql => "5",
            Dialect::Sqlite => "6",
        };
        let entries: Vec<Value> = self
            .entries
            .iter()
            .enumerate()
            .map(|(k, e)| {
                let when = match lowered {
                    Some((j, w)) if j == k => w,
                    _ => e.when,
                };
                json!({"idx": k, "version": version, "when": when, "tag": e.tag, "breakpoints": true})
            })
            .collect();
        let journal = json!({
            "version": "7",
            "dialect": journal_dialect(self.db.dialect),
            "entries": entries,
        });
        std::fs::write(
            self.folder().join("meta/_journal.json"),
            serde_json::to_string_pretty(&journal).unwrap(),
        )
        .unwrap();
    }

    fn hash(&self, k: usize) -> String {
        drizzle_hash(self.entries[k].text.as_bytes())
    }

    fn table(&self) -> String {
        match self.db.dialect {
            Dialect::Postgres => format!("drizzle.{TABLE}"),
            Dialect::Mysql => format!("`{TABLE}`"),
            Dialect::Sqlite => format!("\"{TABLE}\""),
        }
    }

    /// Creates the table exactly as the migrator does (docs/tracking-formats.md §5.1).
    fn create_table(&self) {
        let sql = match self.db.dialect {
            Dialect::Postgres => format!("CREATE SCHEMA IF NOT EXISTS \"drizzle\";\nCREATE TABLE IF NOT EXISTS \"drizzle\".\"{TABLE}\" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)"),
            Dialect::Mysql => format!("create table if not exists `{TABLE}` (id serial primary key, hash text not null, created_at bigint)"),
            Dialect::Sqlite => format!("CREATE TABLE IF NOT EXISTS \"{TABLE}\" (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)"),
        };
        self.db.exec(&sql);
    }

    fn insert_row(&self, k: usize) {
        self.db.exec(&format!(
            "INSERT INTO {} (hash, created_at) VALUES ('{}', {})",
            self.table(),
            self.hash(k),
            self.entries[k].when
        ));
    }

    fn delete_row(&self, k: usize) {
        self.db.exec(&format!(
            "DELETE FROM {} WHERE hash = '{}' AND created_at = {}",
            self.table(),
            self.hash(k),
            self.entries[k].when
        ));
    }

    /// Puts back one row per entry, in journal order.
    fn reset_rows(&self) {
        self.db.exec(&format!("DELETE FROM {}", self.table()));
        for k in 0..self.entries.len() {
            self.insert_row(k);
        }
    }

    /// Returns the table's rows as `hash when`, sorted.
    fn rows(&self) -> Vec<String> {
        let t = self.table();
        let sql = match self.db.dialect {
            Dialect::Mysql => format!("SELECT COALESCE(GROUP_CONCAT(CONCAT(hash, ' ', created_at) SEPARATOR ';'), '') FROM {t}"),
            Dialect::Postgres => format!("SELECT coalesce(string_agg(hash || ' ' || created_at, ';'), '') FROM {t}"),
            Dialect::Sqlite => format!("SELECT coalesce(group_concat(hash || ' ' || created_at, ';'), '') FROM {t}"),
        };
        let mut rows: Vec<String> = self
            .db
            .text(&sql)
            .unwrap_or_default()
            .split(';')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        rows.sort();
        rows
    }

    fn expected_rows(&self) -> Vec<String> {
        let mut rows: Vec<String> = (0..self.entries.len())
            .map(|k| format!("{} {}", self.hash(k), self.entries[k].when))
            .collect();
        rows.sort();
        rows
    }

    /// Runs the real migrator on the folder; `Err` holds its output.
    fn migrate(&self) -> Result<(), String> {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("frameworks/drizzle/migrate.mjs");
        let out = std::process::Command::new("node")
            .arg(script)
            .arg(self.db.dialect.id())
            .arg(&self.db.url)
            .arg(self.folder())
            .output()
            .expect("run node");
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ))
        }
    }
}

fn journal_dialect(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "postgresql",
        Dialect::Mysql => "mysql",
        Dialect::Sqlite => "sqlite",
    }
}

impl Deployment for Dz<'_> {
    fn path(&self) -> String {
        self.dir.path().display().to_string()
    }

    fn run(&self) -> Result<(), String> {
        self.migrate()?;
        let (rows, expected) = (self.rows(), self.expected_rows());
        if rows != expected {
            return Err(format!(
                "the migrator wrote {} row(s), not one per entry: {rows:?}",
                rows.len()
            ));
        }
        Ok(())
    }

    fn id(&self, k: usize) -> String {
        self.entries[k].tag.clone()
    }

    fn source(&self, k: usize) -> String {
        format!("{}.sql:\n{}\n", self.entries[k].tag, self.entries[k].text)
    }

    fn own_tables(&self) -> Vec<&'static str> {
        vec![TABLE]
    }

    fn unknown_id(&self, seed: u64) -> String {
        format!("{:04}_unknown_{}", self.entries.len(), seed % 1000)
    }

    /// Drizzle has no dirty flag, and ignores rows that match no entry.
    fn supports(&self, b: &TrackingBreak) -> bool {
        matches!(
            b,
            TrackingBreak::DeleteRows | TrackingBreak::SetEarlier(_) | TrackingBreak::DropTable
        )
    }

    fn break_tracking(&self, b: &TrackingBreak) {
        match b {
            TrackingBreak::DeleteRows => self.db.exec(&format!("DELETE FROM {}", self.table())),
            TrackingBreak::SetEarlier(j) => {
                (j + 1..self.entries.len()).for_each(|k| self.delete_row(k))
            }
            TrackingBreak::DropTable => self.db.exec(&format!("DROP TABLE {}", self.table())),
            other => panic!("drizzle cannot express {other:?}"),
        }
    }

    fn restore_tracking(&self, b: &TrackingBreak) {
        if *b == TrackingBreak::DropTable {
            self.create_table();
        }
        self.reset_rows();
    }
}

#[test]
fn breaks_postgres() {
    breaks(Dialect::Postgres);
}

#[test]
fn breaks_mysql() {
    breaks(Dialect::Mysql);
}

#[test]
fn breaks_sqlite() {
    breaks(Dialect::Sqlite);
}

/// Returns why `found` is not exactly one finding per code of `want` (sorted), each naming
/// exactly the migrations given (when given).
fn exactly(found: &[Value], want: &[(&str, Option<&str>)]) -> Result<(), String> {
    let mut codes: Vec<&str> = found.iter().map(super::code).collect();
    codes.sort();
    let mut wanted: Vec<&str> = want.iter().map(|(c, _)| *c).collect();
    wanted.sort();
    if codes != wanted {
        return Err(format!("codes {codes:?}"));
    }
    for (c, id) in want {
        let f = found.iter().find(|f| super::code(f) == *c).unwrap();
        if let Some(id) = id {
            if super::ids(f) != [id.to_string()] {
                return Err(format!("{c} names {:?}", super::ids(f)));
            }
        } else if *c == "untracked-applied" && super::ids(f).is_empty() {
            return Err(format!("{c} names no migration"));
        }
    }
    Ok(())
}

/// Runs the Drizzle-only breakages on one dialect (see the module's comment).
pub fn breaks(d: Dialect) {
    let (seed, scale) = (super::seed(), super::scale());
    let ctx = format!(
        "conformance drizzle breaks/{d} (reproduce: MIGDOCTOR_SEED={seed} MIGDOCTOR_CONFORMANCE_SIZE={scale} cargo test -p migdoctor-tests --test integration conformance::drizzle::breaks_{})",
        super::slug(d)
    );
    let fw = Drizzle;
    let cseed = super::case_seed(seed, "drizzle-breaks", d);
    let h = gen::generate(cseed, fw.history_size(d) * scale, &fw.features(d));
    let Some(db) = TestDb::create(d) else { return };
    let Some(dz) = Dz::new(&h, &db, cseed) else {
        return;
    };
    if let Err(e) = dz.run() {
        let path = dz.path();
        std::mem::forget(dz);
        panic!("{ctx}: the generated history does not run (project kept in {path}):\n{e}");
    }
    super::self_check(&db, &h, &dz, &ctx, "after the run");
    let mut rng = Rng::new(cseed ^ 0x00b4_ea45);
    let n = dz.entries.len();
    let last = n - 1;
    let checkable = breaks::checkable(&h);
    let failures = std::cell::RefCell::new(Vec::new());
    let check = |what: &str, want: &[(&str, Option<&str>)]| {
        let verdict = super::diagnose(&dz, &db)
            .and_then(|f| exactly(&f, want).map_err(|why| format!("{why}:\n{}", super::show(&f))));
        if let Err(why) = verdict {
            failures
                .borrow_mut()
                .push(format!("--- {what}\nexpected: {want:?}\ngot: {why}\n"));
        }
    };
    check("healthy", &[]);

    // The newest row deleted, its objects kept. The model knows the objects an entry made
    // that survive (`checkable`), not the tables it dropped: an entry that only renames and
    // drops may be seen (untracked-applied) or not (nothing at warning), nothing else.
    let last_id = dz.id(last);
    dz.delete_row(last);
    let want = [("untracked-applied", Some(last_id.as_str()))];
    let what = format!("newest row ({last_id}) deleted");
    let (seen, verdict) = match super::diagnose(&dz, &db) {
        Ok(f) => match exactly(&f, &want) {
            Ok(()) => (true, Ok(())),
            Err(_) if !checkable[last] && f.is_empty() => (false, Ok(())),
            Err(why) => (false, Err(format!("{why}:\n{}", super::show(&f)))),
        },
        Err(e) => (false, Err(e)),
    };
    if let Err(why) = verdict {
        let or = if checkable[last] { "" } else { " or nothing" };
        let src = dz.source(last);
        failures.borrow_mut().push(format!(
            "--- {what}\n{src}expected: {want:?}{or}\ngot: {why}\n"
        ));
    }
    if !seen {
        dz.insert_row(last);
    } else {
        let project = dz.path();
        let args = ["apply", "--playbook", "drizzle/sync-journal", "--yes"];
        let (code, out, err) =
            cli(&[&args[..], &["--db", &db.url, "--project", &project]].concat());
        if code != 0 {
            failures.borrow_mut().push(format!(
                "--- sync-journal after the newest row was deleted exited {code}:\n{out}{err}\n"
            ));
            dz.reset_rows();
        } else if let Err(e) = dz.migrate() {
            failures
                .borrow_mut()
                .push(format!("--- the migrator fails after sync-journal:\n{e}\n"));
        }
        let rows = dz.rows();
        if rows != dz.expected_rows() {
            failures.borrow_mut().push(format!(
                "--- after sync-journal and migrate, the rows are not one per entry: {rows:?}\n"
            ));
            dz.reset_rows();
        }
        super::self_check(&db, &h, &dz, &ctx, "after sync-journal and migrate");
        check("after sync-journal and migrate", &[]);
    }

    dz.break_tracking(&TrackingBreak::DropTable);
    check(
        "tracking table dropped",
        &[
            ("missing-tracking-table", None),
            ("untracked-applied", None),
        ],
    );
    dz.restore_tracking(&TrackingBreak::DropTable);

    let k = rng.below(n);
    dz.insert_row(k);
    check(
        &format!("row of {} duplicated", dz.id(k)),
        &[("duplicate-rows", None)],
    );
    dz.delete_row(k);
    dz.insert_row(k);

    // A row no entry has (hash and created_at match none), below the high-water mark: the
    // migrator ignores it, and so `unknown-tracked` is info (the core's ledger), nothing above.
    let stray = format!("{:064x}", rng.next());
    db.exec(&format!(
        "INSERT INTO {} (hash, created_at) VALUES ('{stray}', {})",
        dz.table(),
        dz.entries[0].when - 7
    ));
    check("a row matching no entry", &[]);
    db.exec(&format!(
        "DELETE FROM {} WHERE hash = '{stray}'",
        dz.table()
    ));

    let k = rng.below(n);
    let path = dz.sql_path(k);
    std::fs::write(&path, format!("{}\n-- reviewed\n", dz.entries[k].text)).unwrap();
    let id = dz.id(k);
    check(
        &format!("{id}.sql edited"),
        &[("checksum-mismatch", Some(&id))],
    );
    std::fs::write(&path, &dz.entries[k].text).unwrap();

    // An entry's `when` lowered below the newest row, its row deleted and one object it made
    // dropped: when that was its only checkable object, the entry is simply missing and only
    // `out-of-order` is right; when it made more, the rest are still there and the core's
    // `partial` says so too (both true, about the same entry).
    let cands: Vec<breaks::Candidate> = breaks::schema_candidates(&h, d)
        .into_iter()
        .filter(|c| {
            matches!(
                c.brk,
                SchemaBreak::DropIndex(_)
                    | SchemaBreak::DropColumn { .. }
                    | SchemaBreak::DropConstraint { .. }
            ) && c.mig > 0
        })
        .collect();
    // One object: the entry is one statement that adds it (anything else it did, a rename or
    // a drop, would still show). More: it made other objects that are still there.
    let alone = |m: usize| {
        matches!(
            h.migrations[m].ops.as_slice(),
            [Op::AddColumn { .. } | Op::CreateIndex(_) | Op::AddConstraint { .. }]
        ) && sql::render(d, &h.migrations[m].ops[0]).len() == 1
    };
    let one: Vec<_> = cands.iter().filter(|c| alone(c.mig)).cloned().collect();
    let more: Vec<_> = cands
        .into_iter()
        .filter(|c| objects(&h, c.mig) > 1)
        .collect();
    for (group, partial) in [(one, false), (more, true)] {
        if group.is_empty() {
            super::note(&format!(
                "{ctx}: no candidate for out-of-order (partial: {partial})"
            ));
            continue;
        }
        let c = rng.pick(&group);
        let id = dz.id(c.mig);
        db.exec(&c.brk.break_sql(d));
        dz.delete_row(c.mig);
        dz.write_journal(Some((c.mig, dz.entries[0].when - 1)));
        let mut want = vec![("out-of-order", Some(id.as_str()))];
        if partial {
            want.push(("partial", Some(id.as_str())));
        }
        check(
            &format!(
                "{id}: row deleted, {} by hand, `when` lowered below entry 0000's",
                c.brk.kind()
            ),
            &want,
        );
        dz.write_journal(None);
        dz.insert_row(c.mig);
        db.exec(&c.brk.restore_sql(d));
    }

    super::self_check(&db, &h, &dz, &ctx, "after restoring every breakage");
    check("after restoring every breakage", &[]);
    let (runs, spent) = super::DIAGNOSING.with(|d| d.take());
    super::note(&format!(
        "{ctx}: {n} migrations, {runs} diagnoses in {spent:.1?}, {} disagreement(s)",
        failures.borrow().len()
    ));
    assert!(
        failures.borrow().is_empty(),
        "{ctx}:\n{}",
        failures.borrow().join("\n")
    );
}

/// Returns how many objects of the final schema migration `m` made in statements the parser
/// reads (as `breaks::checkable` counts them).
fn objects(h: &History, m: usize) -> usize {
    let mut n = 0;
    let mut count = |o: &super::model::Origin| n += usize::from(!o.opaque && o.mig == m);
    for t in &h.schema.tables {
        count(&t.origin);
        t.cols.iter().for_each(|c| count(&c.origin));
        t.indexes.iter().for_each(|i| count(&i.origin));
        t.cons
            .iter()
            .filter(|k| k.name.is_some())
            .for_each(|k| count(&k.origin));
    }
    n
}
