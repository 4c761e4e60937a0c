use super::*;
use crate::{ConstraintDef, LiveConstraint, QName, SchemaEffect};
use crate::{
    Dialect, Framework, LiveColumn, LiveIndex, LiveTable, Migration, MigrationStatement, Site,
};

fn q(n: &str) -> QName {
    QName::new(n)
}

fn stmt(line: usize, effects: Vec<SchemaEffect>) -> MigrationStatement {
    MigrationStatement {
        file: "m.sql".into(),
        line,
        sql: format!("stmt at {line}"),
        kind: StatementKind::Ddl,
        effects,
    }
}

fn history(ms: Vec<(&str, Vec<MigrationStatement>)>) -> History {
    let mut h = History::new(Site::new(Framework::GolangMigrate, "m"));
    let mut prev: Option<String> = None;
    for (id, stmts) in ms {
        let mut m = Migration::new(id, id);
        m.statements = stmts;
        if let Some(p) = prev.take() {
            m.parents.push(MigrationId(p));
        }
        prev = Some(id.to_string());
        h.migrations.push(m);
    }
    h
}

fn table(name: &str, cols: &[&str], idx: &[&str]) -> LiveTable {
    LiveTable {
        schema: "public".into(),
        name: name.into(),
        columns: cols
            .iter()
            .map(|c| LiveColumn {
                name: c.to_string(),
                data_type: "text".into(),
                nullable: true,
                default: None,
            })
            .collect(),
        indexes: idx
            .iter()
            .map(|i| LiveIndex {
                name: i.to_string(),
                columns: vec![],
                unique: false,
                constraint_backed: false,
            })
            .collect(),
        constraints: vec![],
    }
}

fn live(tables: Vec<LiveTable>) -> LiveSchema {
    let mut l = LiveSchema::empty(Dialect::Postgres, "public");
    l.schemas.push("public".into());
    l.tables = tables;
    l
}

fn create_table(name: &str, cols: &[&str]) -> SchemaEffect {
    SchemaEffect::CreateTable {
        table: q(name),
        columns: cols.iter().map(|c| c.to_string()).collect(),
        constraints: vec![],
        if_not_exists: false,
    }
}

fn add_column(t: &str, c: &str) -> SchemaEffect {
    SchemaEffect::AddColumn {
        table: q(t),
        column: c.into(),
        if_not_exists: false,
    }
}

fn drop_column(t: &str, c: &str) -> SchemaEffect {
    SchemaEffect::DropColumn {
        table: q(t),
        column: c.into(),
        if_exists: false,
        cascade: false,
    }
}

fn create_index(name: &str, t: &str, cols: &[&str]) -> SchemaEffect {
    SchemaEffect::CreateIndex {
        index: q(name),
        table: q(t),
        unique: false,
        columns: cols.iter().map(|c| c.to_string()).collect(),
        if_not_exists: false,
    }
}

fn drop_table(t: &str) -> SchemaEffect {
    SchemaEffect::DropTable {
        table: q(t),
        if_exists: false,
        cascade: false,
    }
}

fn rename_table(a: &str, b: &str) -> SchemaEffect {
    SchemaEffect::RenameTable {
        from: q(a),
        to: q(b),
    }
}

fn add_constraint(t: &str, name: &str, cols: &[&str]) -> SchemaEffect {
    SchemaEffect::AddConstraint {
        table: q(t),
        name: Some(name.into()),
        kind: "foreign key".into(),
        columns: cols.iter().map(|c| c.to_string()).collect(),
        references: None,
    }
}

fn opaque(line: usize, sql: &str) -> MigrationStatement {
    MigrationStatement {
        file: "m.sql".into(),
        line,
        sql: sql.into(),
        kind: StatementKind::Opaque,
        effects: vec![SchemaEffect::Opaque {
            file: "m.sql".into(),
            line,
            reason: "DO is not understood".into(),
            inner: Vec::new(),
        }],
    }
}

/// One statement per effect, one migration per list.
fn simple(ms: Vec<Vec<SchemaEffect>>) -> History {
    history(
        ms.into_iter()
            .enumerate()
            .map(|(i, effects)| {
                let id: &'static str = Box::leak((i + 1).to_string().into_boxed_str());
                let stmts = effects
                    .into_iter()
                    .enumerate()
                    .map(|(j, e)| stmt(j + 1, vec![e]))
                    .collect();
                (id, stmts)
            })
            .collect(),
    )
}

fn statuses(ev: &SiteEvidence) -> Vec<EvidenceStatus> {
    ev.migrations.iter().map(|e| e.status).collect()
}

fn index_on(mut t: LiveTable, name: &str, cols: &[&str]) -> LiveTable {
    t.indexes.push(LiveIndex {
        name: name.into(),
        columns: cols.iter().map(|c| c.to_string()).collect(),
        unique: false,
        constraint_backed: false,
    });
    t
}

fn users_history() -> History {
    history(vec![
        ("1", vec![stmt(1, vec![create_table("users", &["id"])])]),
        (
            "2",
            vec![
                stmt(1, vec![add_column("users", "email")]),
                stmt(
                    2,
                    vec![create_index("users_email_idx", "users", &["email"])],
                ),
            ],
        ),
        ("3", vec![stmt(1, vec![create_table("posts", &["id"])])]),
    ])
}

#[test]
fn partial_migration_lists_present_and_missing_objects() {
    let ev = infer(
        &users_history(),
        &live(vec![table("users", &["id", "email"], &[])]),
    );
    assert_eq!(ev.migrations[0].status, EvidenceStatus::Present);
    let m2 = &ev.migrations[1];
    assert_eq!(m2.status, EvidenceStatus::Partial);
    assert_eq!(
        m2.summary(),
        "2 partial: column users.email present, index users_email_idx missing"
    );
    assert_eq!(m2.statements[0].status, EvidenceStatus::Present);
    assert_eq!(m2.statements[1].status, EvidenceStatus::Absent);
    assert_eq!(ev.migrations[2].status, EvidenceStatus::Absent);
    assert_eq!(ev.apparent.version, Some(MigrationId::from("1")));
    assert_eq!(ev.apparent.confidence, Confidence::Medium);
}

#[test]
fn later_drops_and_renames_cancel_earlier_creates() {
    let h = history(vec![
        ("1", vec![stmt(1, vec![create_table("tmp", &["a"])])]),
        (
            "2",
            vec![stmt(
                1,
                vec![SchemaEffect::RenameTable {
                    from: q("tmp"),
                    to: q("final"),
                }],
            )],
        ),
        ("3", vec![stmt(1, vec![drop_column("final", "a")])]),
    ]);
    // Database at version 2: final exists with column a.
    let ev = infer(&h, &live(vec![table("final", &["a"], &[])]));
    assert_eq!(
        ev.migrations[1].status,
        EvidenceStatus::Present,
        "{:?}",
        ev.migrations[1]
    );
    assert_eq!(ev.migrations[2].status, EvidenceStatus::Absent);
    assert_eq!(
        ev.migrations[2].missing,
        vec!["column final.a still exists"]
    );
    assert_eq!(ev.apparent.version, Some(MigrationId::from("2")));
    let l = live(vec![table("final", &["a"], &[])]);
    let drift = database_drift(&SchemaLookup::new(&l), &[&ev.explained], &[]);
    assert!(drift.unexplained.is_empty(), "{drift:?}");
}

#[test]
fn fully_applied_untracked_and_drift() {
    let l = live(vec![
        table(
            "users",
            &["id", "email", "nickname"],
            &["users_email_idx", "by_hand_idx"],
        ),
        table("posts", &["id"], &[]),
        table("audit", &["x"], &[]),
    ]);
    let ev = infer(&users_history(), &l);
    assert!(ev
        .migrations
        .iter()
        .all(|e| e.status == EvidenceStatus::Present));
    assert_eq!(ev.apparent.version, Some(MigrationId::from("3")));
    assert_eq!(ev.apparent.confidence, Confidence::High);
    let drift = database_drift(&SchemaLookup::new(&l), &[&ev.explained], &[]);
    assert_eq!(
        drift.unexplained,
        vec![
            "column users.nickname",
            "index by_hand_idx on users",
            "table audit"
        ]
    );
}

#[test]
fn nothing_applied() {
    let ev = infer(&users_history(), &live(vec![]));
    assert!(ev
        .migrations
        .iter()
        .all(|e| e.status == EvidenceStatus::Absent));
    assert_eq!(ev.apparent.version, None);
    assert_eq!(ev.apparent.confidence, Confidence::High);
}

#[test]
fn opaque_and_case_folding() {
    let h = history(vec![(
        "1",
        vec![
            stmt(
                1,
                vec![SchemaEffect::CreateTable {
                    table: q("Users"),
                    columns: vec!["ID".into()],
                    constraints: vec![],
                    if_not_exists: false,
                }],
            ),
            MigrationStatement {
                file: "m.sql".into(),
                line: 5,
                sql: "DO $$ … $$".into(),
                kind: StatementKind::Opaque,
                effects: vec![SchemaEffect::Opaque {
                    file: "m.sql".into(),
                    line: 5,
                    reason: "x".into(),
                    inner: Vec::new(),
                }],
            },
        ],
    )]);
    // MySQL compares case-insensitively.
    let mut l = live(vec![table("users", &["id"], &[])]);
    l.dialect = Dialect::Mysql;
    let ev = infer(&h, &l);
    assert_eq!(ev.migrations[0].status, EvidenceStatus::Present);
    assert_eq!(ev.migrations[0].opaque, 1);
    assert_eq!(ev.apparent.confidence, Confidence::Medium);
    // PostgreSQL does not: a quoted "Users" is not users.
    let ev = infer(&h, &live(vec![table("users", &["id"], &[])]));
    assert_eq!(ev.migrations[0].status, EvidenceStatus::Absent);
}

#[test]
fn dropping_a_table_drops_its_indexes_and_a_new_table_of_that_name_is_new() {
    // 1 creates files with an index; 2 drops files; 3 creates files again without it and
    // puts an index of the same name on another table.
    let h = simple(vec![
        vec![
            create_table("files", &["id", "size"]),
            create_index("files_size_idx", "files", &["size"]),
        ],
        vec![drop_table("files")],
        vec![
            create_table("files", &["id"]),
            create_table("archives", &["size"]),
            create_index("files_size_idx", "archives", &["size"]),
        ],
    ]);
    let l = live(vec![
        table("files", &["id"], &[]),
        index_on(
            table("archives", &["size"], &[]),
            "files_size_idx",
            &["size"],
        ),
    ]);
    let ev = infer(&h, &l);
    assert_eq!(
        statuses(&ev),
        vec![
            EvidenceStatus::Unknown,
            EvidenceStatus::Unknown,
            EvidenceStatus::Present
        ],
        "{:?}",
        ev.migrations
    );
}

#[test]
fn sqlite_rebuild_renamed_table_takes_its_indexes_the_dropped_one_loses_them() {
    let h = simple(vec![
        vec![
            create_table("tasks", &["id", "done"]),
            create_index("tasks_done_idx", "tasks", &["done"]),
        ],
        vec![
            create_table("tasks_new", &["id", "done", "due"]),
            create_index("tasks_new_due_idx", "tasks_new", &["due"]),
            drop_table("tasks"),
            rename_table("tasks_new", "tasks"),
        ],
        vec![
            rename_table("tasks", "_tasks_old"),
            drop_table("_tasks_old"),
            create_table("tasks", &["id"]),
        ],
    ]);
    let sqlite = |tables: Vec<LiveTable>| {
        let mut l = live(tables);
        l.dialect = Dialect::Sqlite;
        l.default_schema = "main".into();
        l.schemas = vec!["main".into()];
        for t in &mut l.tables {
            t.schema = "main".into();
        }
        l
    };
    let ev = infer(&h, &sqlite(vec![table("tasks", &["id"], &[])]));
    assert!(
        ev.migrations.iter().all(|e| e.missing.is_empty()),
        "{:?}",
        ev.migrations
    );
    assert_eq!(ev.migrations[2].status, EvidenceStatus::Present);
    // Before the last migration: the renamed table keeps tasks_new_due_idx.
    let l2 = sqlite(vec![index_on(
        table("tasks", &["id", "done", "due"], &[]),
        "tasks_new_due_idx",
        &["due"],
    )]);
    let ev = infer(
        &simple(vec![
            h.migrations[0].effects().cloned().collect(),
            h.migrations[1].effects().cloned().collect(),
        ]),
        &l2,
    );
    assert_eq!(
        statuses(&ev)[1],
        EvidenceStatus::Present,
        "{:?}",
        ev.migrations
    );
}

#[test]
fn dropping_a_column_drops_or_shrinks_its_indexes_per_database() {
    let h = simple(vec![
        vec![
            create_table("orders", &["a", "b"]),
            create_index("orders_ab_idx", "orders", &["a", "b"]),
            create_index("orders_a_idx", "orders", &["a"]),
            add_constraint("orders", "orders_a_fk", &["a"]),
        ],
        vec![drop_column("orders", "a")],
    ]);
    // PostgreSQL drops every index and constraint that uses the column.
    let ev = infer(&h, &live(vec![table("orders", &["b"], &[])]));
    assert!(
        ev.migrations.iter().all(|e| e.missing.is_empty()),
        "{:?}",
        ev.migrations
    );
    // MySQL keeps the multi-column index, shrunk to (b), and drops the single-column one.
    let mut l = live(vec![index_on(
        table("orders", &["b"], &[]),
        "orders_ab_idx",
        &["b"],
    )]);
    l.dialect = Dialect::Mysql;
    let ev = infer(&h, &l);
    assert!(
        ev.migrations.iter().all(|e| e.missing.is_empty()),
        "{:?}",
        ev.migrations
    );
    assert!(ev.migrations[0]
        .present
        .contains(&"index orders_ab_idx on orders present".to_string()));
}

#[test]
fn if_not_exists_of_something_there_does_nothing() {
    let h = simple(vec![
        vec![create_table("widgets", &["id", "size"])],
        vec![SchemaEffect::CreateTable {
            table: q("widgets"),
            columns: vec!["id".into(), "colour".into()],
            constraints: vec![ConstraintDef::default()],
            if_not_exists: true,
        }],
    ]);
    let ev = infer(&h, &live(vec![table("widgets", &["id", "size"], &[])]));
    assert_eq!(
        statuses(&ev),
        vec![EvidenceStatus::Present, EvidenceStatus::Unknown]
    );
}

#[test]
fn a_statement_not_understood_after_a_drop_makes_it_uncertain_not_missing() {
    let mut h = simple(vec![
        vec![
            create_table("accounts", &["id", "owner_id"]),
            add_constraint("accounts", "accounts_owner_fk", &["owner_id"]),
        ],
        vec![SchemaEffect::DropConstraint {
            table: q("accounts"),
            name: "accounts_owner_fk".into(),
            if_exists: false,
        }],
    ]);
    h.migrations[1].statements.push(opaque(
        7,
        "DO $$ BEGIN ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE CASCADE; END $$",
    ));
    let mut t = table("accounts", &["id", "owner_id"], &[]);
    t.constraints.push(LiveConstraint {
        name: "accounts_owner_fk".into(),
        kind: "foreign key".into(),
        columns: vec!["owner_id".into()],
        references: Some("users".into()),
    });
    let ev = infer(&h, &live(vec![t]));
    let m2 = &ev.migrations[1];
    assert!(m2.missing.is_empty(), "{m2:?}");
    assert_eq!(m2.uncertain.len(), 1, "{m2:?}");
    assert!(m2.uncertain[0].contains("m.sql:7"), "{m2:?}");
    assert_eq!(m2.opaque_at, vec!["m.sql:7: DO is not understood"]);
    assert_eq!(ev.apparent.confidence, Confidence::Medium);
}

#[test]
fn drift_is_judged_across_sites_and_untouched_schemas_are_counted() {
    let a = simple(vec![vec![create_table("billing", &["id"])]]);
    let b = simple(vec![vec![create_table("accounts", &["id"])]]);
    let mut l = live(vec![
        table("billing", &["id"], &[]),
        table("accounts", &["id"], &[]),
        table("schema_migrations", &["version", "dirty"], &[]),
        table("django_migrations", &["id"], &[]),
        table("by_hand", &["x"], &[]),
    ]);
    let mut other = table("t", &["x"], &[]);
    other.schema = "reporting".into();
    l.tables.push(other);
    let lookup = SchemaLookup::new(&l);
    let (ea, eb) = (infer_in(&a, &lookup), infer_in(&b, &lookup));
    let drift = database_drift(
        &lookup,
        &[&ea.explained, &eb.explained],
        &[("public".into(), "schema_migrations".into())],
    );
    assert_eq!(drift.unexplained, vec!["table by_hand"]);
    assert_eq!(drift.untouched, vec![("reporting".to_string(), 1)]);
    assert_eq!(drift.unowned_tracking, vec!["django_migrations"]);
}

#[test]
fn a_do_block_that_only_reads_a_column_does_not_excuse_its_absence() {
    // 1 renames c58 to c221; 2's DO block creates an index on c221 (it reads the column, it
    // does not drop it). With c221 gone, 1 is not fully applied — no excuse.
    let mut h = simple(vec![
        vec![
            create_table("t53", &["id", "c58"]),
            SchemaEffect::RenameColumn {
                table: q("t53"),
                from: "c58".into(),
                to: "c221".into(),
            },
        ],
        vec![],
    ]);
    let mut block = opaque(
        3,
        "DO $$ BEGIN EXECUTE 'CREATE INDEX ix_523 ON t53 (c221)'; END $$",
    );
    if let SchemaEffect::Opaque { inner, .. } = &mut block.effects[0] {
        inner.push(create_index("ix_523", "t53", &["c221"]));
    }
    h.migrations[1].statements.push(block);
    let ev = infer(
        &h,
        &live(vec![index_on(table("t53", &["id"], &[]), "ix_523", &[])]),
    );
    assert_eq!(
        ev.migrations[0].status,
        EvidenceStatus::Partial,
        "{:?}",
        ev.migrations
    );
    assert!(ev.migrations[0].uncertain.is_empty());
    // The index the block may create is explained, not drift.
    let l = live(vec![index_on(
        table("t53", &["id", "c221"], &[]),
        "ix_523",
        &[],
    )]);
    let drift = database_drift(&SchemaLookup::new(&l), &[&infer(&h, &l).explained], &[]);
    assert!(drift.unexplained.is_empty(), "{drift:?}");
}
