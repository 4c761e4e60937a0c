//! The apply protocol under failure: a failure injected after each step leaves the tracking
//! table byte-for-byte as it was (the backup, once written, stays) and the journal says so
//! (`failed` before the intent record, `rolled-back` after it); a crash after COMMIT leaves a
//! pending record that the next command settles as committed, and is undone from the backup;
//! a held lock makes apply wait and then give up without writing.

use migdoctor_db::{Db, DbError, DbUrl, Mode};
use migdoctor_engine::{
    adapter_for, append_journal, apply, read_journal, undo, ApplyOptions, EngineError, FaultPoint,
    Record, Status,
};
use migdoctor_model::{Framework, Plan, Value};
use migdoctor_tests::{block_on, cli, dialects, three_migrations, Dialect, Project, TestDb};
use std::time::Duration;

const BEFORE_COMMIT: &[FaultPoint] = &[
    FaultPoint::AfterLock,
    FaultPoint::AfterFingerprint,
    FaultPoint::AfterBackupTemp,
    FaultPoint::AfterBackup,
    FaultPoint::AfterPending,
    FaultPoint::MidSteps,
    FaultPoint::SeverMidSteps,
    FaultPoint::AfterSteps,
    FaultPoint::AfterVerify,
];

fn make_plan(db: &TestDb, project: &Project, playbook: &str, version: &str) -> Plan {
    let out = project.dir.path().join("plan.json");
    let (code, _, err) = cli(&[
        "plan",
        &project.path(),
        playbook,
        "--param",
        &format!("version={version}"),
        "--db",
        &db.url,
        "--out",
        &out.display().to_string(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap()
}

async fn run(
    db: &TestDb,
    plan: &Plan,
    opts: &ApplyOptions,
) -> Result<migdoctor_engine::ApplyReport, EngineError> {
    let url = DbUrl::parse(&db.url).unwrap();
    let mut conn = Db::connect(&url, Mode::ReadWrite).await?;
    let adapter = adapter_for(Framework::GolangMigrate).unwrap();
    apply(&mut conn, adapter, plan, opts).await
}

fn names(opts: &ApplyOptions) -> Vec<String> {
    std::fs::read_dir(opts.backups())
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Returns the number of backup files (temporary files of interrupted writes not counted).
fn backups(opts: &ApplyOptions) -> usize {
    names(opts).iter().filter(|n| !n.starts_with('.')).count()
}

fn temp_files(opts: &ApplyOptions) -> Vec<String> {
    names(opts)
        .into_iter()
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

fn faults_for(dialect: Dialect, playbook: &str, setup: impl Fn(&TestDb), version: &str) {
    let Some(db) = TestDb::create(dialect) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    setup(&db);
    let before = db.dump("schema_migrations");
    let plan = make_plan(&db, &project, playbook, version);
    let mut opts = ApplyOptions::new(project.dir.path().join(".migdoctor"));
    opts.lock_timeout = Duration::from_secs(5);
    for &point in BEFORE_COMMIT {
        if point == FaultPoint::SeverMidSteps && dialect == Dialect::Sqlite {
            continue;
        }
        let had = backups(&opts);
        opts.fault = Some(point);
        let err = block_on(run(&db, &plan, &opts)).expect_err("a fault must fail the apply");
        match point {
            FaultPoint::SeverMidSteps => assert!(
                match &err {
                    EngineError::Db(DbError::Lost { .. }) => true,
                    EngineError::StepFailed { source, .. } =>
                        matches!(**source, DbError::Lost { .. }),
                    _ => false,
                },
                "{dialect} {point:?}: {err}"
            ),
            _ => assert!(
                matches!(err, EngineError::Injected(p) if p == point),
                "{dialect} {point:?}: {err}"
            ),
        }
        assert_eq!(
            db.dump("schema_migrations"),
            before,
            "{dialect} {playbook}: state changed after a failure at {point:?}"
        );
        let wrote_backup = !matches!(
            point,
            FaultPoint::AfterLock | FaultPoint::AfterFingerprint | FaultPoint::AfterBackupTemp
        );
        assert_eq!(
            backups(&opts),
            had + usize::from(wrote_backup),
            "{dialect} {point:?}: backup"
        );
        // The temporary file an interrupted backup write leaves is there until the next run
        // opens the backups folder, which removes it.
        assert_eq!(
            temp_files(&opts).len(),
            usize::from(point == FaultPoint::AfterBackupTemp),
            "{dialect} {point:?}: {:?}",
            names(&opts)
        );
        let entries = read_journal(&opts.journal()).unwrap().entries();
        let last = entries.last().unwrap();
        let intent_written = !matches!(
            point,
            FaultPoint::AfterLock
                | FaultPoint::AfterFingerprint
                | FaultPoint::AfterBackupTemp
                | FaultPoint::AfterBackup
        );
        assert_eq!(
            last.status,
            if intent_written {
                Status::RolledBack
            } else {
                Status::Failed
            },
            "{dialect} {point:?}: {last:?}"
        );
        // On MySQL, rebuild-tracking's CREATE TABLE commits by itself: after it ran, the
        // outcome is read from the table (the table was dropped again: rolled back) rather
        // than known.
        let ddl_ran = dialect == Dialect::Mysql
            && playbook.ends_with("rebuild-tracking")
            && matches!(
                point,
                FaultPoint::MidSteps
                    | FaultPoint::SeverMidSteps
                    | FaultPoint::AfterSteps
                    | FaultPoint::AfterVerify
            );
        assert_eq!(last.reconciled, ddl_ran, "{dialect} {point:?}: {last:?}");
    }
    let journal = read_journal(&opts.journal()).unwrap();
    assert!(journal.problems.is_empty(), "{:?}", journal.problems);
    assert!(journal.pending().is_empty());
    assert!(
        journal
            .entries()
            .iter()
            .any(|e| e.error.as_deref() == Some("injected failure at AfterVerify")),
        "{:?}",
        journal.entries()
    );
    // A crash after COMMIT but before the outcome: the change is in, only the intent records
    // it; the undo's first act settles it as committed, then the backup undoes it.
    opts.fault = Some(FaultPoint::AfterCommit);
    let err = block_on(run(&db, &plan, &opts)).expect_err("fault");
    assert!(matches!(
        err,
        EngineError::Injected(FaultPoint::AfterCommit)
    ));
    assert!(temp_files(&opts).is_empty(), "{:?}", names(&opts));
    assert_ne!(db.dump("schema_migrations"), before);
    let journal = read_journal(&opts.journal()).unwrap();
    assert_eq!(journal.pending().len(), 1, "{dialect}");
    let pending_id = journal.pending()[0].backup_id.clone().unwrap();
    opts.fault = None;
    let url = DbUrl::parse(&db.url).unwrap();
    block_on(async {
        let mut conn = Db::connect(&url, Mode::ReadWrite).await.unwrap();
        let r = undo(&mut conn, &pending_id, &opts).await.unwrap();
        assert_eq!(r.recovered.reconciled.len(), 1, "{:?}", r.recovered);
    });
    assert_eq!(
        db.dump("schema_migrations"),
        before,
        "{dialect}: undo after a post-commit crash"
    );
    let journal = read_journal(&opts.journal()).unwrap();
    assert!(journal.pending().is_empty());
    let entries = journal.entries();
    let settled = entries
        .iter()
        .find(|e| e.backup_id.as_deref() == Some(pending_id.as_str()))
        .unwrap();
    assert_eq!(
        (settled.status, settled.reconciled),
        (Status::Committed, true),
        "{dialect}: {settled:?}"
    );
    assert_eq!(entries.last().unwrap().operation, "undo");
    assert_eq!(entries.last().unwrap().status, Status::Committed);
    // And with no fault the same plan applies: every failure above released its locks.
    block_on(run(&db, &plan, &opts)).unwrap();
    assert_ne!(db.dump("schema_migrations"), before);
}

fn dirty(db: &TestDb) {
    db.gm_create_table("schema_migrations");
    db.gm_set_version("schema_migrations", 3, true);
}

#[test]
fn undirty_faults_sqlite() {
    faults_for(Dialect::Sqlite, "golang-migrate/undirty", dirty, "2");
}

#[test]
fn undirty_faults_postgres() {
    faults_for(Dialect::Postgres, "golang-migrate/undirty", dirty, "2");
}

#[test]
fn undirty_faults_mysql() {
    faults_for(Dialect::Mysql, "golang-migrate/undirty", dirty, "2");
}

// rebuild-tracking creates the table: on MySQL that DDL commits implicitly, so a failure after
// it must drop the table again for the state to be as before ("absent").
#[test]
fn rebuild_faults_sqlite() {
    faults_for(
        Dialect::Sqlite,
        "golang-migrate/rebuild-tracking",
        |_| {},
        "3",
    );
}

#[test]
fn rebuild_faults_postgres() {
    faults_for(
        Dialect::Postgres,
        "golang-migrate/rebuild-tracking",
        |_| {},
        "3",
    );
}

#[test]
fn rebuild_faults_mysql() {
    faults_for(
        Dialect::Mysql,
        "golang-migrate/rebuild-tracking",
        |_| {},
        "3",
    );
}

#[test]
fn apply_refuses_while_a_pending_record_of_this_database_cannot_be_settled() {
    let Some(db) = TestDb::create(Dialect::Sqlite) else {
        return;
    };
    let project = Project::golang_migrate(&three_migrations());
    dirty(&db);
    let before = db.dump("schema_migrations");
    let plan = make_plan(&db, &project, "golang-migrate/undirty", "2");
    let opts = ApplyOptions::new(project.dir.path().join(".migdoctor"));
    // An intent whose table cannot be read (it names none): its outcome cannot be decided.
    let database = std::fs::canonicalize(&db.name).unwrap();
    let intent = Record {
        status: Some(Status::Pending),
        backup_id: Some("20261129T000000.000Z-00000000".into()),
        dialect: Some(Dialect::Sqlite),
        database: Some(database.display().to_string()),
        target: Some(db.url.clone()),
        ..Record::now("apply")
    };
    append_journal(&opts.journal(), &intent).unwrap();
    let err = block_on(run(&db, &plan, &opts)).expect_err("must refuse");
    assert!(
        matches!(err, EngineError::Unsettled { ref backup, .. } if backup == "20261129T000000.000Z-00000000"),
        "{err}"
    );
    assert!(err.to_string().contains("it names no framework"), "{err}");
    assert_eq!(db.dump("schema_migrations"), before);
    // Once its outcome is recorded (by a person, here), apply goes ahead.
    let settled = Record {
        status: Some(Status::RolledBack),
        ..intent
    };
    append_journal(&opts.journal(), &settled).unwrap();
    block_on(run(&db, &plan, &opts)).unwrap();
    assert_ne!(db.dump("schema_migrations"), before);
}

#[test]
fn apply_waits_for_golang_migrates_lock_and_gives_up_without_writing() {
    for dialect in [Dialect::Postgres, Dialect::Mysql] {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let project = Project::golang_migrate(&three_migrations());
        dirty(&db);
        let before = db.dump("schema_migrations");
        let plan = make_plan(&db, &project, "golang-migrate/undirty", "2");
        let key = plan
            .lock
            .clone()
            .expect("golang-migrate has a lock on servers");
        let mut opts = ApplyOptions::new(project.dir.path().join(".migdoctor"));
        opts.lock_timeout = Duration::from_secs(1);
        let err = block_on(async {
            // A migrator holding the lock, exactly as golang-migrate takes it.
            let mut holder = db.raw().await;
            match &key {
                migdoctor_model::LockKey::PgAdvisory { key } => {
                    holder
                        .exec(&format!("SELECT pg_advisory_lock({key})"))
                        .await
                }
                migdoctor_model::LockKey::MysqlNamed { name } => {
                    holder.exec(&format!("SELECT GET_LOCK('{name}', 10)")).await
                }
                other => panic!("unexpected lock {other:?}"),
            }
            run(&db, &plan, &opts).await.expect_err("must time out")
        });
        let text = err.to_string();
        assert!(
            text.contains("can't acquire lock") && text.contains("held by"),
            "{dialect}: {text}"
        );
        assert_eq!(db.dump("schema_migrations"), before);
    }
}

#[test]
fn read_only_sessions_refuse_writes() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let url = DbUrl::parse(&db.url).unwrap();
        block_on(async {
            let mut conn = Db::connect(&url, Mode::ReadOnly).await.unwrap();
            assert!(matches!(
                conn.lock(None, Duration::from_secs(1)).await,
                Err(DbError::NotWritable(_))
            ));
            if dialect == Dialect::Postgres {
                let r = conn
                    .fetch_rows(
                        "test",
                        &migdoctor_model::Sql::new("SHOW transaction_read_only"),
                    )
                    .await
                    .unwrap();
                assert_eq!(r.rows[0][0], Value::Text("on".into()));
            }
        });
    }
}
