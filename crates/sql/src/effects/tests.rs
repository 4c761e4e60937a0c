use super::*;

fn effects(d: Option<Dialect>, sql: &str) -> Vec<SchemaEffect> {
    extract(d, "m.sql", sql)
        .into_iter()
        .flat_map(|s| s.effects)
        .collect()
}

fn q(s: &str) -> QName {
    QName::new(s)
}

#[test]
fn create_alter_index_drop() {
    let sql = "CREATE TABLE Users (ID serial PRIMARY KEY, \"Email\" text, CONSTRAINT users_name_chk CHECK (true));\n\
               ALTER TABLE users ADD COLUMN age int, RENAME COLUMN age TO years;\n\
               CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON public.users (\"Email\");\n\
               DROP TABLE IF EXISTS old_stuff, other CASCADE;";
    let e = effects(Some(Dialect::Postgres), sql);
    assert_eq!(
        e[0],
        SchemaEffect::CreateTable {
            table: q("users"),
            columns: vec!["id".into(), "Email".into()],
            constraints: vec!["users_name_chk".into()]
        }
    );
    assert_eq!(
        e[1],
        SchemaEffect::AddColumn {
            table: q("users"),
            column: "age".into()
        }
    );
    assert_eq!(
        e[2],
        SchemaEffect::RenameColumn {
            table: q("users"),
            from: "age".into(),
            to: "years".into()
        }
    );
    assert_eq!(
        e[3],
        SchemaEffect::CreateIndex {
            index: QName {
                schema: Some("public".into()),
                name: "users_email_idx".into()
            },
            table: QName {
                schema: Some("public".into()),
                name: "users".into()
            },
            unique: true
        }
    );
    assert_eq!(
        e[4],
        SchemaEffect::DropTable {
            table: q("old_stuff")
        }
    );
    assert_eq!(e.len(), 6);
}

#[test]
fn mysql_keys_change_and_rename() {
    let sql = "CREATE TABLE `t` (id INT, KEY `t_id` (id));\nALTER TABLE t CHANGE old new INT, ADD INDEX t_x (x), DROP INDEX t_id;\nRENAME TABLE t TO t2;";
    let e = effects(Some(Dialect::Mysql), sql);
    assert!(
        e.contains(&SchemaEffect::CreateIndex {
            index: q("t_id"),
            table: q("t"),
            unique: false
        }),
        "{e:?}"
    );
    assert!(e.contains(&SchemaEffect::RenameColumn {
        table: q("t"),
        from: "old".into(),
        to: "new".into()
    }));
    assert!(e.contains(&SchemaEffect::DropIndex { index: q("t_id") }));
    assert!(e.contains(&SchemaEffect::RenameTable {
        from: q("t"),
        to: q("t2")
    }));
}

#[test]
fn opaque_keeps_file_and_line_and_does_not_hide_later_statements() {
    let sql = "CREATE TABLE a (x int);\nDO $$ BEGIN RAISE NOTICE 'hi'; END $$;\nFROBNICATE the widgets;\nCREATE TABLE b (y int);\nINSERT INTO a VALUES (1);";
    let s = extract(Some(Dialect::Postgres), "m.sql", sql);
    assert_eq!(s.len(), 5);
    assert_eq!(s[1].kind, StatementKind::Opaque);
    assert!(
        matches!(&s[1].effects[0], SchemaEffect::Opaque { line: 2, file, .. } if file == "m.sql")
    );
    assert!(matches!(
        &s[2].effects[0],
        SchemaEffect::Opaque { line: 3, .. }
    ));
    assert_eq!(
        s[3].effects,
        vec![SchemaEffect::CreateTable {
            table: q("b"),
            columns: vec!["y".into()],
            constraints: vec![]
        }]
    );
    assert_eq!(s[4].kind, StatementKind::Data);
}

#[test]
fn truncated_and_invalid_utf8_files() {
    let s = extract(
        Some(Dialect::Postgres),
        "m.sql",
        "CREATE TABLE a (x int);\nCREATE TABLE b (y text DEFAULT 'oops",
    );
    assert_eq!(s.len(), 2);
    assert!(
        matches!(&s[1].effects[0], SchemaEffect::Opaque { line: 2, reason, .. } if reason.contains("unterminated"))
    );
    let s = extract_bytes(
        Some(Dialect::Mysql),
        "m.sql",
        b"CREATE TABLE a (x int);\nCREATE TABLE caf\xe9 (y int);",
    );
    assert_eq!(s[0].kind, StatementKind::Ddl);
    assert!(
        matches!(&s[1].effects[0], SchemaEffect::Opaque { reason, .. } if reason.contains("UTF-8"))
    );
}

#[test]
fn ten_megabytes_of_inserts_with_a_truncated_tail() {
    let row = "INSERT INTO events (id, payload) VALUES (1, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa');\n";
    let mut sql = String::with_capacity(10 * 1024 * 1024 + 200);
    sql.push_str("CREATE TABLE events (id int, payload text);\n");
    while sql.len() < 10 * 1024 * 1024 {
        sql.push_str(row);
    }
    sql.push_str("INSERT INTO events VALUES (2, 'cut off mid-stri");
    let s = extract(Some(Dialect::Postgres), "seed.sql", &sql);
    assert_eq!(s[0].kind, StatementKind::Ddl);
    let last = s.last().unwrap();
    assert!(
        matches!(&last.effects[0], SchemaEffect::Opaque { reason, .. } if reason.contains("unterminated string"))
    );
    assert_eq!(last.line, sql.matches('\n').count() + 1);
    assert!(s.iter().all(|x| x.sql.len() <= MAX_DATA_TEXT + 40));
}

#[test]
fn big_data_files_are_cheap_and_cut() {
    let mut sql = String::from("CREATE TABLE t (x int);\n");
    for i in 0..20_000 {
        sql.push_str(&format!(
            "INSERT INTO t VALUES ({i}, 'some text here to make it longer');\n"
        ));
    }
    let s = extract(Some(Dialect::Postgres), "big.sql", &sql);
    assert_eq!(s.len(), 20_001);
    assert!(s[1..]
        .iter()
        .all(|x| x.kind == StatementKind::Data && x.effects.is_empty()));
}

#[test]
fn schemas_types_views_sequences_functions() {
    let sql = "CREATE SCHEMA billing; CREATE TYPE mood AS ENUM ('a'); CREATE VIEW v AS SELECT 1; CREATE SEQUENCE s; \
               CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql; DROP VIEW v; ALTER INDEX i RENAME TO j;";
    let e = effects(Some(Dialect::Postgres), sql);
    assert_eq!(
        e[0],
        SchemaEffect::CreateSchema {
            name: "billing".into()
        }
    );
    assert_eq!(e[1], SchemaEffect::CreateType { name: q("mood") });
    assert_eq!(e[2], SchemaEffect::CreateView { view: q("v") });
    assert_eq!(e[3], SchemaEffect::CreateSequence { name: q("s") });
    assert_eq!(e[4], SchemaEffect::CreateFunction { name: q("f") });
    assert_eq!(
        e[5],
        SchemaEffect::DropObject {
            kind: "view".into(),
            name: q("v")
        }
    );
    assert_eq!(e[6], SchemaEffect::DropIndex { index: q("i") });
}
