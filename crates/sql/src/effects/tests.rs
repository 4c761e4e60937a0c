use super::*;
use migdoctor_model::QName;

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
    let SchemaEffect::CreateTable {
        table,
        columns,
        constraints,
        if_not_exists: false,
    } = &e[0]
    else {
        panic!("{:?}", e[0])
    };
    assert_eq!(table, &q("users"));
    assert_eq!(columns, &["id", "Email"]);
    assert_eq!(constraints[0].kind, "primary key");
    assert_eq!(constraints[0].columns, vec!["id"]);
    assert_eq!(constraints[1].name.as_deref(), Some("users_name_chk"));
    assert_eq!(
        e[1],
        SchemaEffect::AddColumn {
            table: q("users"),
            column: "age".into(),
            if_not_exists: false
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
            unique: true,
            columns: vec!["Email".into()],
            if_not_exists: true
        }
    );
    assert_eq!(
        e[4],
        SchemaEffect::DropTable {
            table: q("old_stuff"),
            if_exists: true,
            cascade: true
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
            unique: false,
            columns: vec!["id".into()],
            if_not_exists: false
        }),
        "{e:?}"
    );
    assert!(e.contains(&SchemaEffect::RenameColumn {
        table: q("t"),
        from: "old".into(),
        to: "new".into()
    }));
    assert!(e.contains(&SchemaEffect::DropIndex {
        index: q("t_id"),
        table: Some(q("t")),
        if_exists: false
    }));
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
            constraints: vec![],
            if_not_exists: false
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
    assert_eq!(
        e[3],
        SchemaEffect::CreateSequence {
            name: q("s"),
            owned_by: None
        }
    );
    assert_eq!(e[4], SchemaEffect::CreateFunction { name: q("f") });
    assert_eq!(
        e[5],
        SchemaEffect::DropObject {
            kind: "view".into(),
            name: q("v"),
            if_exists: false,
            cascade: false
        }
    );
    assert_eq!(
        e[6],
        SchemaEffect::RenameIndex {
            from: q("i"),
            to: q("j"),
            table: None
        }
    );
}

#[test]
fn constraints_carry_columns_and_references() {
    let sql = "CREATE TABLE orders (id int PRIMARY KEY, user_id int CONSTRAINT orders_user_fk REFERENCES users(id), \
               a int, b int, CONSTRAINT orders_ab_key UNIQUE (a, b), CONSTRAINT orders_a_chk CHECK (a > b));\n\
               ALTER TABLE orders ADD CONSTRAINT orders_b_fk FOREIGN KEY (b) REFERENCES public.b (id), \
               DROP COLUMN IF EXISTS a CASCADE, DROP CONSTRAINT IF EXISTS orders_x, RENAME CONSTRAINT orders_ab_key TO orders_ab_uq;";
    let e = effects(Some(Dialect::Postgres), sql);
    let SchemaEffect::CreateTable { constraints, .. } = &e[0] else {
        panic!("{:?}", e[0])
    };
    let fk = constraints
        .iter()
        .find(|c| c.name.as_deref() == Some("orders_user_fk"))
        .unwrap();
    assert_eq!(
        (fk.kind.as_str(), fk.columns.clone()),
        ("foreign key", vec!["user_id".to_string()])
    );
    assert_eq!(fk.references, Some(q("users")));
    let uq = constraints
        .iter()
        .find(|c| c.name.as_deref() == Some("orders_ab_key"))
        .unwrap();
    assert_eq!(uq.columns, vec!["a", "b"]);
    let chk = constraints
        .iter()
        .find(|c| c.name.as_deref() == Some("orders_a_chk"))
        .unwrap();
    assert!(chk.columns.contains(&"a".to_string()) && chk.columns.contains(&"b".to_string()));
    assert!(
        matches!(&e[1], SchemaEffect::AddConstraint { kind, columns, references: Some(r), .. }
        if kind == "foreign key" && columns == &["b"] && r.schema.as_deref() == Some("public"))
    );
    assert_eq!(
        e[2],
        SchemaEffect::DropColumn {
            table: q("orders"),
            column: "a".into(),
            if_exists: true,
            cascade: true
        }
    );
    assert!(matches!(
        &e[3],
        SchemaEffect::DropConstraint {
            if_exists: true,
            ..
        }
    ));
    assert!(
        matches!(&e[4], SchemaEffect::RenameConstraint { from, to, .. } if from == "orders_ab_key" && to == "orders_ab_uq")
    );
}

#[test]
fn statements_sqlparser_rejects_but_databases_accept() {
    // SQLite (stash-style): free-form types and IS NOT in a check; AFTER is part of the type.
    let e = effects(
        Some(Dialect::Sqlite),
        "CREATE TABLE folders (id integer primary key, parent_id integer, path varchar[10], CHECK ( id IS NOT parent_id ));\n\
         ALTER TABLE scenes ADD COLUMN attachment TEXT AFTER description;",
    );
    assert!(
        matches!(&e[0], SchemaEffect::CreateTable { columns, .. } if columns == &["id", "parent_id", "path"])
    );
    assert!(matches!(&e[1], SchemaEffect::AddColumn { column, .. } if column == "attachment"));
    // PostgreSQL: ALTER SEQUENCE … AS BIGINT changes nothing checkable; SET SCHEMA moves.
    let s = extract(
        Some(Dialect::Postgres),
        "m.sql",
        "ALTER SEQUENCE jobs_id_seq AS BIGINT;\nALTER TABLE jobs SET SCHEMA archive;\nSET search_path TO archive, public;",
    );
    assert_eq!(s[0].kind, StatementKind::Ddl);
    assert!(s[0].effects.is_empty());
    assert!(
        matches!(&s[1].effects[0], SchemaEffect::RenameTable { to, .. } if to.schema.as_deref() == Some("archive"))
    );
    assert_eq!(s[2].kind, StatementKind::Control);
    assert_eq!(
        s[2].effects,
        vec![SchemaEffect::SetSearchPath {
            schemas: vec!["archive".into(), "public".into()]
        }]
    );
    // MariaDB: RENAME INDEX, ADD INDEX IF NOT EXISTS, temporary tables never reach the schema.
    let e = effects(
        Some(Dialect::Mysql),
        "ALTER TABLE cats RENAME INDEX a TO b;\nALTER TABLE cats ADD INDEX IF NOT EXISTS cats_x (x, y);\nCREATE TEMPORARY TABLE tmp (x int);",
    );
    assert!(matches!(&e[0], SchemaEffect::RenameIndex { table: Some(t), .. } if t.name == "cats"));
    assert!(
        matches!(&e[1], SchemaEffect::CreateIndex { if_not_exists: true, columns, .. } if columns == &["x", "y"])
    );
    assert_eq!(e.len(), 2);
    // ALTER TABLE IF EXISTS guards its effects.
    let e = effects(
        Some(Dialect::Postgres),
        "ALTER TABLE IF EXISTS gone ADD COLUMN x int;",
    );
    assert!(matches!(&e[0], SchemaEffect::IfTableExists { .. }));
}
