//! The live schema as each database's catalog reports it: the same small application (a
//! multi-column unique constraint, a named foreign key over two columns listed out of table
//! order, a check constraint, secondary and unique indexes, a view, a tracking table; on
//! PostgreSQL also an expression index, a sequence, an enum and a function) read back object by
//! object. These values pin what `Db::live_schema` reports, so a faster catalog read must
//! report exactly the same. MySQL expectations are MariaDB 10.x's (`int(11)`, `'NULL'` as the
//! default of a nullable column).

use migdoctor_db::{Db, DbUrl, Mode};
use migdoctor_model::{
    LiveColumn, LiveConstraint, LiveEnum, LiveIndex, LiveObject, LiveSchema, LiveTable,
};
use migdoctor_tests::{block_on, dialects, Dialect, TestDb};

fn read_live(url: &str) -> LiveSchema {
    block_on(async {
        let url = DbUrl::parse(url).unwrap();
        let mut db = Db::connect(&url, Mode::ReadOnly).await.unwrap();
        let live = db.live_schema().await.unwrap();
        db.close().await;
        live
    })
}

fn col(name: &str, data_type: &str, nullable: bool, default: Option<&str>) -> LiveColumn {
    LiveColumn {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        default: default.map(str::to_string),
    }
}

fn idx(name: &str, columns: &[&str], unique: bool, constraint_backed: bool) -> LiveIndex {
    LiveIndex {
        name: name.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        unique,
        constraint_backed,
    }
}

fn con(name: &str, kind: &str, columns: &[&str], references: Option<&str>) -> LiveConstraint {
    LiveConstraint {
        name: name.into(),
        kind: kind.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        references: references.map(str::to_string),
    }
}

fn table(
    schema: &str,
    name: &str,
    columns: Vec<LiveColumn>,
    indexes: Vec<LiveIndex>,
    constraints: Vec<LiveConstraint>,
) -> LiveTable {
    LiveTable {
        schema: schema.into(),
        name: name.into(),
        columns,
        indexes,
        constraints,
    }
}

fn obj(schema: &str, name: &str) -> LiveObject {
    LiveObject {
        schema: schema.into(),
        name: name.into(),
    }
}

const PG: &str = "
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE SEQUENCE invoice_no START 100;
CREATE TABLE customers (
  id integer PRIMARY KEY,
  email varchar(200) NOT NULL,
  region text,
  mood mood DEFAULT 'ok',
  CONSTRAINT customers_region_email_key UNIQUE (region, email),
  CONSTRAINT customers_region_check CHECK (region <> '')
);
CREATE INDEX customers_lower_email_idx ON customers (lower(email));
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_id integer NOT NULL,
  placed_on date,
  total numeric(10,2) NOT NULL DEFAULT 0,
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
);
CREATE INDEX orders_placed_customer_idx ON orders (placed_on, customer_id);
CREATE TABLE order_lines (order_id bigint, line integer, sku text NOT NULL, PRIMARY KEY (order_id, line));
CREATE TABLE shipments (
  id integer PRIMARY KEY,
  line integer,
  order_id bigint,
  CONSTRAINT shipments_line_fk FOREIGN KEY (order_id, line) REFERENCES order_lines (order_id, line)
);
CREATE UNIQUE INDEX shipments_order_line_idx ON shipments (order_id, line);
CREATE VIEW recent_orders AS SELECT id, placed_on FROM orders;
CREATE FUNCTION order_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM orders';
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
";

// Mixed-case names check that MySQL's identifiers come back as stored.
const MY: &str = "
CREATE TABLE customers (
  id int PRIMARY KEY,
  email varchar(200) NOT NULL,
  region varchar(50),
  CONSTRAINT customers_region_email_key UNIQUE (region, email),
  CONSTRAINT customers_region_check CHECK (region <> '')
);
CREATE TABLE orders (
  id bigint PRIMARY KEY,
  customer_id int NOT NULL,
  placed_on date,
  total decimal(10,2) NOT NULL DEFAULT 0,
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
);
CREATE INDEX orders_placed_customer_idx ON orders (placed_on, customer_id);
CREATE TABLE OrderLines (OrderId bigint, Line int, sku varchar(20) NOT NULL, PRIMARY KEY (OrderId, Line));
CREATE TABLE shipments (
  id int PRIMARY KEY,
  line int,
  order_id bigint,
  CONSTRAINT Shipments_Line_FK FOREIGN KEY (order_id, line) REFERENCES OrderLines (OrderId, Line)
);
CREATE UNIQUE INDEX shipments_order_line_idx ON shipments (order_id, line);
CREATE VIEW recent_orders AS SELECT id, placed_on FROM orders;
CREATE FUNCTION order_count() RETURNS bigint READS SQL DATA RETURN (SELECT count(*) FROM orders);
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
";

const LITE: &str = "
CREATE TABLE customers (
  id integer PRIMARY KEY,
  email varchar(200) NOT NULL,
  region text,
  CONSTRAINT customers_region_email_key UNIQUE (region, email),
  CONSTRAINT customers_region_check CHECK (region <> '')
);
CREATE TABLE orders (
  id integer PRIMARY KEY,
  customer_id integer NOT NULL,
  placed_on date,
  total numeric(10,2) NOT NULL DEFAULT 0,
  CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers (id)
);
CREATE INDEX orders_placed_customer_idx ON orders (placed_on, customer_id);
CREATE TABLE order_lines (order_id integer, line integer, sku text NOT NULL, PRIMARY KEY (order_id, line));
CREATE TABLE shipments (
  id integer PRIMARY KEY,
  line integer,
  order_id integer,
  CONSTRAINT shipments_line_fk FOREIGN KEY (order_id, line) REFERENCES order_lines (order_id, line)
);
CREATE UNIQUE INDEX shipments_order_line_idx ON shipments (order_id, line);
CREATE VIEW recent_orders AS SELECT id, placed_on FROM orders;
CREATE TABLE schema_migrations (version uint64, dirty bool);
";

fn expected_pg() -> LiveSchema {
    let s = "public";
    let mut live = LiveSchema::empty(Dialect::Postgres, s);
    live.search_path = vec![s.into()];
    live.schemas = vec![s.into()];
    live.tables = vec![
        table(
            s,
            "customers",
            vec![
                col("id", "integer", false, None),
                col("email", "character varying(200)", false, None),
                col("region", "text", true, None),
                col("mood", "mood", true, Some("'ok'::mood")),
            ],
            vec![
                idx(
                    "customers_lower_email_idx",
                    &["lower(email::text)"],
                    false,
                    false,
                ),
                idx("customers_pkey", &["id"], true, true),
                idx(
                    "customers_region_email_key",
                    &["region", "email"],
                    true,
                    true,
                ),
            ],
            vec![
                con("customers_pkey", "primary key", &["id"], None),
                con("customers_region_check", "check", &["region"], None),
                con(
                    "customers_region_email_key",
                    "unique",
                    &["region", "email"],
                    None,
                ),
            ],
        ),
        table(
            s,
            "order_lines",
            vec![
                col("order_id", "bigint", false, None),
                col("line", "integer", false, None),
                col("sku", "text", false, None),
            ],
            vec![idx("order_lines_pkey", &["order_id", "line"], true, true)],
            vec![con(
                "order_lines_pkey",
                "primary key",
                &["order_id", "line"],
                None,
            )],
        ),
        table(
            s,
            "orders",
            vec![
                col("id", "bigint", false, None),
                col("customer_id", "integer", false, None),
                col("placed_on", "date", true, None),
                col("total", "numeric(10,2)", false, Some("0")),
            ],
            vec![
                idx("orders_pkey", &["id"], true, true),
                idx(
                    "orders_placed_customer_idx",
                    &["placed_on", "customer_id"],
                    false,
                    false,
                ),
            ],
            vec![
                con(
                    "orders_customer_fk",
                    "foreign key",
                    &["customer_id"],
                    Some("customers"),
                ),
                con("orders_pkey", "primary key", &["id"], None),
            ],
        ),
        table(
            s,
            "shipments",
            vec![
                col("id", "integer", false, None),
                col("line", "integer", true, None),
                col("order_id", "bigint", true, None),
            ],
            vec![
                // A unique index made by CREATE INDEX backs no constraint, even when a foreign
                // key uses it.
                idx(
                    "shipments_order_line_idx",
                    &["order_id", "line"],
                    true,
                    false,
                ),
                idx("shipments_pkey", &["id"], true, true),
            ],
            vec![
                con(
                    "shipments_line_fk",
                    "foreign key",
                    &["order_id", "line"],
                    Some("order_lines"),
                ),
                con("shipments_pkey", "primary key", &["id"], None),
            ],
        ),
    ];
    live.views = vec![obj(s, "recent_orders")];
    live.sequences = vec![obj(s, "invoice_no")];
    live.enums = vec![LiveEnum {
        schema: s.into(),
        name: "mood".into(),
        values: vec!["sad".into(), "ok".into(), "happy".into()],
    }];
    live.functions = vec![obj(s, "order_count")];
    live.tracking_tables = vec!["public.schema_migrations".into()];
    with_tracking_table(
        &mut live,
        table(
            s,
            "schema_migrations",
            vec![
                col("version", "bigint", false, None),
                col("dirty", "boolean", false, None),
            ],
            vec![idx("schema_migrations_pkey", &["version"], true, true)],
            vec![con(
                "schema_migrations_pkey",
                "primary key",
                &["version"],
                None,
            )],
        ),
    );
    live
}

fn expected_mysql(s: &str) -> LiveSchema {
    let mut live = LiveSchema::empty(Dialect::Mysql, s);
    live.search_path = vec![s.into()];
    live.schemas = vec![s.into()];
    // Names sort as the catalog's collation does (case-insensitively).
    live.tables = vec![
        table(
            s,
            "customers",
            vec![
                col("id", "int(11)", false, None),
                col("email", "varchar(200)", false, None),
                col("region", "varchar(50)", true, Some("NULL")),
            ],
            vec![
                idx(
                    "customers_region_email_key",
                    &["region", "email"],
                    true,
                    true,
                ),
                idx("PRIMARY", &["id"], true, true),
            ],
            vec![
                // KEY_COLUMN_USAGE lists no columns for check constraints.
                con("customers_region_check", "check", &[], None),
                con(
                    "customers_region_email_key",
                    "unique",
                    &["region", "email"],
                    None,
                ),
                con("PRIMARY", "primary key", &["id"], None),
            ],
        ),
        table(
            s,
            "OrderLines",
            vec![
                col("OrderId", "bigint(20)", false, None),
                col("Line", "int(11)", false, None),
                col("sku", "varchar(20)", false, None),
            ],
            vec![idx("PRIMARY", &["OrderId", "Line"], true, true)],
            vec![con("PRIMARY", "primary key", &["OrderId", "Line"], None)],
        ),
        table(
            s,
            "orders",
            vec![
                col("id", "bigint(20)", false, None),
                col("customer_id", "int(11)", false, None),
                col("placed_on", "date", true, Some("NULL")),
                col("total", "decimal(10,2)", false, Some("0.00")),
            ],
            vec![
                // InnoDB made this index for the foreign key: no index started with its column.
                idx("orders_customer_fk", &["customer_id"], false, true),
                idx(
                    "orders_placed_customer_idx",
                    &["placed_on", "customer_id"],
                    false,
                    false,
                ),
                idx("PRIMARY", &["id"], true, true),
            ],
            vec![
                con(
                    "orders_customer_fk",
                    "foreign key",
                    &["customer_id"],
                    Some("customers"),
                ),
                con("PRIMARY", "primary key", &["id"], None),
            ],
        ),
        table(
            s,
            "shipments",
            vec![
                col("id", "int(11)", false, None),
                col("line", "int(11)", true, Some("NULL")),
                col("order_id", "bigint(20)", true, Some("NULL")),
            ],
            vec![
                // The foreign key's own index was dropped when this one could serve it; on
                // MySQL every unique index is a UNIQUE constraint.
                idx("PRIMARY", &["id"], true, true),
                idx(
                    "shipments_order_line_idx",
                    &["order_id", "line"],
                    true,
                    true,
                ),
            ],
            vec![
                con("PRIMARY", "primary key", &["id"], None),
                con(
                    "Shipments_Line_FK",
                    "foreign key",
                    &["order_id", "line"],
                    Some("OrderLines"),
                ),
                con(
                    "shipments_order_line_idx",
                    "unique",
                    &["order_id", "line"],
                    None,
                ),
            ],
        ),
    ];
    live.views = vec![obj(s, "recent_orders")];
    live.functions = vec![obj(s, "order_count")];
    live.tracking_tables = vec![format!("{s}.schema_migrations")];
    with_tracking_table(
        &mut live,
        table(
            s,
            "schema_migrations",
            vec![
                col("version", "bigint(20)", false, None),
                col("dirty", "tinyint(1)", false, None),
            ],
            vec![idx("PRIMARY", &["version"], true, true)],
            vec![con("PRIMARY", "primary key", &["version"], None)],
        ),
    );
    live
}

fn expected_sqlite() -> LiveSchema {
    let s = "main";
    let mut live = LiveSchema::empty(Dialect::Sqlite, s);
    live.search_path = vec![s.into()];
    live.schemas = vec![s.into()];
    // SQLite's pragmas name neither constraints nor checks; unique constraints show as
    // sqlite_autoindex indexes, and an INTEGER PRIMARY KEY (the rowid) has no index.
    live.tables = vec![
        table(
            s,
            "customers",
            vec![
                col("id", "INTEGER", true, None),
                col("email", "varchar(200)", false, None),
                col("region", "TEXT", true, None),
            ],
            vec![idx(
                "sqlite_autoindex_customers_1",
                &["region", "email"],
                true,
                true,
            )],
            vec![con("", "primary key", &["id"], None)],
        ),
        table(
            s,
            "order_lines",
            vec![
                col("order_id", "INTEGER", true, None),
                col("line", "INTEGER", true, None),
                col("sku", "TEXT", false, None),
            ],
            vec![idx(
                "sqlite_autoindex_order_lines_1",
                &["order_id", "line"],
                true,
                true,
            )],
            vec![con("", "primary key", &["order_id", "line"], None)],
        ),
        table(
            s,
            "orders",
            vec![
                col("id", "INTEGER", true, None),
                col("customer_id", "INTEGER", false, None),
                col("placed_on", "date", true, None),
                col("total", "numeric(10,2)", false, Some("0")),
            ],
            vec![idx(
                "orders_placed_customer_idx",
                &["placed_on", "customer_id"],
                false,
                false,
            )],
            vec![
                con("", "primary key", &["id"], None),
                con("", "foreign key", &["customer_id"], Some("customers")),
            ],
        ),
        table(
            s,
            "shipments",
            vec![
                col("id", "INTEGER", true, None),
                col("line", "INTEGER", true, None),
                col("order_id", "INTEGER", true, None),
            ],
            vec![idx(
                "shipments_order_line_idx",
                &["order_id", "line"],
                true,
                false,
            )],
            vec![
                con("", "primary key", &["id"], None),
                con(
                    "",
                    "foreign key",
                    &["order_id", "line"],
                    Some("order_lines"),
                ),
            ],
        ),
    ];
    live.views = vec![obj(s, "recent_orders")];
    live.tracking_tables = vec!["main.schema_migrations".into()];
    with_tracking_table(
        &mut live,
        table(
            "main",
            "schema_migrations",
            vec![
                col("version", "uint64", true, None),
                col("dirty", "bool", true, None),
            ],
            vec![],
            vec![],
        ),
    );
    live
}

/// Adds golang-migrate's table where the catalog lists it: a table named like a tracking table
/// stays among the tables (only a site of that framework leaves it out).
fn with_tracking_table(live: &mut LiveSchema, t: migdoctor_model::LiveTable) {
    let at = live
        .tables
        .iter()
        .position(|x| x.name.to_lowercase() > t.name.to_lowercase())
        .unwrap_or(live.tables.len());
    live.tables.insert(at, t);
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
