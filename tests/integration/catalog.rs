//! The live schema as each database's catalog reports it: the same small application (a
//! multi-column unique constraint, a named foreign key over two columns listed out of table
//! order, a check constraint, secondary and unique indexes, a view, a tracking table; on
//! PostgreSQL also an expression index, a sequence, an enum and a function) read back object by
//! object. These values pin what `Db::live_schema` reports, so a faster catalog read must
//! report exactly the same. MySQL expectations are MariaDB 10.x's (`int(11)`, `'NULL'` as the
//! default of a nullable column).

use migdoctor_db::{Db, DbUrl, Mode};
use migdoctor_model::{LiveSchema, LiveTable};
use migdoctor_tests::{block_on, dialects, Dialect, TestDb};

use super::catalog_expected::*;

fn read_live(url: &str) -> LiveSchema {
    block_on(async {
        let url = DbUrl::parse(url).unwrap();
        let mut db = Db::connect(&url, Mode::ReadOnly).await.unwrap();
        let live = db.live_schema().await.unwrap();
        db.close().await;
        live
    })
}

/// Compares table by table first, so a failure names the table that differs.
fn assert_live_eq(dialect: Dialect, got: &LiveSchema, want: &LiveSchema) {
    let names = |l: &LiveSchema| l.tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(got), names(want), "{dialect}: tables");
    for (g, w) in got.tables.iter().zip(&want.tables) {
        assert_eq!(g.columns, w.columns, "{dialect}: columns of {}", w.name);
        assert_eq!(g.indexes, w.indexes, "{dialect}: indexes of {}", w.name);
        assert_eq!(
            g.constraints, w.constraints,
            "{dialect}: constraints of {}",
            w.name
        );
    }
    assert_eq!(got, want, "{dialect}");
}

#[test]
fn live_schema_reports_every_object_as_the_catalog_stores_it() {
    for dialect in dialects() {
        let Some(db) = TestDb::create(dialect) else {
            continue;
        };
        let (setup, want) = match dialect {
            Dialect::Postgres => (PG, expected_pg()),
            Dialect::Mysql => (MY, expected_mysql(&db.name)),
            Dialect::Sqlite => (LITE, expected_sqlite()),
        };
        db.exec(setup);
        assert_live_eq(dialect, &read_live(&db.url), &want);
    }
}

#[test]
fn postgres_search_path_is_the_sessions_and_references_follow_it() {
    let Some(db) = TestDb::create(Dialect::Postgres) else {
        return;
    };
    db.exec(
        "CREATE SCHEMA app;
         CREATE SCHEMA audit;
         CREATE TABLE public.accounts (id integer PRIMARY KEY);
         CREATE TABLE app.users (id integer PRIMARY KEY, account_id integer REFERENCES public.accounts (id));
         CREATE TABLE audit.events (id integer PRIMARY KEY, user_id integer CONSTRAINT events_user_fk REFERENCES app.users (id));",
    );
    // `missing` names no schema, so current_schemas(false) leaves it out.
    let live = read_live(&format!("{}?search_path=app%2Cmissing%2Cpublic", db.url));
    assert_eq!(live.default_schema, "app");
    assert_eq!(live.search_path, vec!["app", "public"]);
    assert_eq!(live.schemas, vec!["app", "audit", "public"]);
    let tables: Vec<String> = live
        .tables
        .iter()
        .map(|t| format!("{}.{}", t.schema, t.name))
        .collect();
    assert_eq!(tables, vec!["app.users", "audit.events", "public.accounts"]);
    // A referenced table is named as the session would resolve it: bare when on the path.
    let refs = |t: &LiveTable| {
        t.constraints
            .iter()
            .filter_map(|c| c.references.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(refs(&live.tables[0]), vec!["accounts"]);
    assert_eq!(refs(&live.tables[1]), vec!["users"]);
    assert_eq!(
        live.tables[1].constraints,
        vec![
            con("events_pkey", "primary key", &["id"], None),
            con("events_user_fk", "foreign key", &["user_id"], Some("users")),
        ]
    );

    let live = read_live(&db.url);
    assert_eq!(live.default_schema, "public");
    assert_eq!(live.search_path, vec!["public"]);
    assert_eq!(refs(&live.tables[1]), vec!["app.users"]);
}

#[test]
fn postgres_defaults_expression_columns_and_system_columns_read_as_printed() {
    let Some(db) = TestDb::create(Dialect::Postgres) else {
        return;
    };
    db.exec(
        "CREATE TABLE gen (
           a integer NOT NULL,
           gone integer,
           b integer GENERATED ALWAYS AS (a * 2) STORED,
           c text DEFAULT 'it''s',
           d timestamptz DEFAULT now(),
           \"Mixed Case\" text,
           during tstzrange,
           CONSTRAINT gen_tableoid_check CHECK (tableoid <> 0),
           CONSTRAINT gen_always CHECK (true),
           CONSTRAINT gen_during_excl EXCLUDE USING gist (during WITH &&)
         );
         ALTER TABLE gen DROP COLUMN gone;
         CREATE INDEX gen_mixed_idx ON gen (a, lower(c), \"Mixed Case\") INCLUDE (d);
         CREATE INDEX gen_partial_idx ON gen (b) WHERE b > 0;
         CREATE UNIQUE INDEX gen_expr_only_idx ON gen ((a + b));
         CREATE SCHEMA \"Odd Schema\";
         CREATE TABLE \"Odd Schema\".\"Weird Table\" (id serial PRIMARY KEY);
         CREATE TYPE \"Odd Schema\".pair AS (x int, y int);
         CREATE DOMAIN posint AS integer CHECK (VALUE > 0);
         CREATE TABLE parted (id int, k int) PARTITION BY RANGE (k);
         CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);
         CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;
         CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';
         CREATE FUNCTION f(text) RETURNS text LANGUAGE sql AS 'SELECT $1';",
    );
    let live = read_live(&db.url);
    assert_eq!(live.schemas, vec!["Odd Schema", "public"]);
    let names: Vec<String> = live
        .tables
        .iter()
        .map(|t| format!("{}.{}", t.schema, t.name))
        .collect();
    // Partitions are their parent's business.
    assert_eq!(
        names,
        vec!["Odd Schema.Weird Table", "public.gen", "public.parted"]
    );
    let weird = &live.tables[0];
    assert_eq!(
        weird.columns,
        vec![col(
            "id",
            "integer",
            false,
            Some("nextval('\"Odd Schema\".\"Weird Table_id_seq\"'::regclass)")
        )]
    );
    let gen = &live.tables[1];
    assert_eq!(
        gen.columns,
        vec![
            col("a", "integer", false, None),
            // A generated column's expression refers to other columns.
            col("b", "integer", true, Some("(a * 2)")),
            col("c", "text", true, Some("'it''s'::text")),
            col("d", "timestamp with time zone", true, Some("now()")),
            col("Mixed Case", "text", true, None),
            col("during", "tstzrange", true, None),
        ]
    );
    assert_eq!(
        gen.indexes,
        vec![
            idx("gen_during_excl", &["during"], false, true),
            idx("gen_expr_only_idx", &["(a + b)"], true, false),
            // Key columns, then INCLUDE columns; names unquoted, expressions as printed.
            idx(
                "gen_mixed_idx",
                &["a", "lower(c)", "Mixed Case", "d"],
                false,
                false
            ),
            idx("gen_partial_idx", &["b"], false, false),
        ]
    );
    assert_eq!(
        gen.constraints,
        vec![
            con("gen_always", "check", &[], None),
            con("gen_during_excl", "exclusion", &["during"], None),
            con("gen_tableoid_check", "check", &["tableoid"], None),
        ]
    );
    assert_eq!(live.views, vec![obj("public", "mv")]);
    assert_eq!(
        live.sequences,
        vec![obj("Odd Schema", "Weird Table_id_seq")]
    );
    assert_eq!(
        live.types,
        vec![obj("Odd Schema", "pair"), obj("public", "posint")]
    );
    // Overloads are one name.
    assert_eq!(live.functions, vec![obj("public", "f")]);
}

#[test]
fn mysql_keys_of_one_name_stay_apart_and_foreign_key_indexes_are_constraint_backed() {
    // `other` is declared first so that it is dropped last: MariaDB refuses to drop a
    // database whose table another database's foreign key still references.
    let Some(other) = TestDb::create(Dialect::Mysql) else {
        return;
    };
    let Some(db) = TestDb::create(Dialect::Mysql) else {
        return;
    };
    other.exec("CREATE TABLE accounts (id int PRIMARY KEY);");
    db.exec(&format!(
        "CREATE TABLE parents (id int PRIMARY KEY);
         CREATE TABLE children (
           id int PRIMARY KEY,
           parent_id int,
           q int,
           account_id int,
           FOREIGN KEY (parent_id) REFERENCES parents (id),
           CONSTRAINT dual_name FOREIGN KEY (q) REFERENCES parents (id),
           UNIQUE KEY dual_name (q),
           FOREIGN KEY (account_id) REFERENCES {}.accounts (id)
         );",
        other.name
    ));
    let live = read_live(&db.url);
    let children = live.tables.iter().find(|t| t.name == "children").unwrap();
    assert_eq!(
        children.constraints,
        vec![
            // Named by InnoDB; a UNIQUE key and a foreign key may share a name.
            con(
                "children_ibfk_1",
                "foreign key",
                &["parent_id"],
                Some("parents")
            ),
            con(
                "children_ibfk_2",
                "foreign key",
                &["account_id"],
                Some(&format!("{}.accounts", other.name))
            ),
            con("dual_name", "foreign key", &["q"], Some("parents")),
            con("dual_name", "unique", &["q"], None),
            con("PRIMARY", "primary key", &["id"], None),
        ]
    );
    assert_eq!(
        children.indexes,
        vec![
            // InnoDB names the index of an unnamed foreign key after its first column.
            idx("account_id", &["account_id"], false, true),
            idx("dual_name", &["q"], true, true),
            idx("parent_id", &["parent_id"], false, true),
            idx("PRIMARY", &["id"], true, true),
        ]
    );
}

#[test]
fn sqlite_odd_names_and_defaults_read_back_exactly() {
    let Some(db) = TestDb::create(Dialect::Sqlite) else {
        return;
    };
    // Colons, commas, dashes and non-ASCII letters in names and defaults: SQLite's column
    // rows come packed, and these must survive the unpacking.
    db.exec(
        "CREATE TABLE \"odd:table\" (
           \"a:b\" text DEFAULT 'x:1,2',
           untyped,
           \"größe\" varchar(3) DEFAULT 'ü',
           n integer DEFAULT -1,
           z text DEFAULT NULL,
           k1 int,
           k2 int NOT NULL,
           PRIMARY KEY (k2, k1)
         );",
    );
    let live = read_live(&db.url);
    assert_eq!(
        live.tables,
        vec![table(
            "main",
            "odd:table",
            vec![
                col("a:b", "TEXT", true, Some("'x:1,2'")),
                col("untyped", "", true, None),
                col("größe", "varchar(3)", true, Some("'ü'")),
                col("n", "INTEGER", true, Some("-1")),
                col("z", "TEXT", true, Some("NULL")),
                col("k1", "INT", true, None),
                col("k2", "INT", false, None),
            ],
            vec![idx(
                "sqlite_autoindex_odd:table_1",
                &["k2", "k1"],
                true,
                true
            )],
            // Key order, not column order.
            vec![con("", "primary key", &["k2", "k1"], None)],
        )]
    );
}
