use super::*;
use crate::{
    Dialect, Framework, LiveColumn, LiveIndex, LiveTable, Migration, MigrationStatement, Site,
};
use crate::{QName, SchemaEffect};

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

fn users_history() -> History {
    history(vec![
        (
            "1",
            vec![stmt(
                1,
                vec![SchemaEffect::CreateTable {
                    table: q("users"),
                    columns: vec!["id".into()],
                    constraints: vec![],
                }],
            )],
        ),
        (
            "2",
            vec![
                stmt(
                    1,
                    vec![SchemaEffect::AddColumn {
                        table: q("users"),
                        column: "email".into(),
                    }],
                ),
                stmt(
                    2,
                    vec![SchemaEffect::CreateIndex {
                        index: q("users_email_idx"),
                        table: q("users"),
                        unique: true,
                    }],
                ),
            ],
        ),
        (
            "3",
            vec![stmt(
                1,
                vec![SchemaEffect::CreateTable {
                    table: q("posts"),
                    columns: vec!["id".into()],
                    constraints: vec![],
                }],
            )],
        ),
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
        (
            "1",
            vec![stmt(
                1,
                vec![SchemaEffect::CreateTable {
                    table: q("tmp"),
                    columns: vec!["a".into()],
                    constraints: vec![],
                }],
            )],
        ),
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
        (
            "3",
            vec![stmt(
                1,
                vec![SchemaEffect::DropColumn {
                    table: q("final"),
                    column: "a".into(),
                }],
            )],
        ),
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
    assert!(ev.unexplained.is_empty(), "{:?}", ev.unexplained);
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
    assert_eq!(
        ev.unexplained,
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
