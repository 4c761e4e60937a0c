//! What `live_schema` must report for the schema `catalog.rs` creates on each dialect, written
//! out object by object, and the DDL that creates it.

use migdoctor_model::{
    Dialect, LiveColumn, LiveConstraint, LiveEnum, LiveIndex, LiveObject, LiveSchema, LiveTable,
};

pub(crate) fn col(
    name: &str,
    data_type: &str,
    nullable: bool,
    default: Option<&str>,
) -> LiveColumn {
    LiveColumn {
        name: name.into(),
        data_type: data_type.into(),
        nullable,
        default: default.map(str::to_string),
    }
}

pub(crate) fn idx(
    name: &str,
    columns: &[&str],
    unique: bool,
    constraint_backed: bool,
) -> LiveIndex {
    LiveIndex {
        name: name.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        unique,
        constraint_backed,
    }
}

pub(crate) fn con(
    name: &str,
    kind: &str,
    columns: &[&str],
    references: Option<&str>,
) -> LiveConstraint {
    LiveConstraint {
        name: name.into(),
        kind: kind.into(),
        columns: columns.iter().map(|c| c.to_string()).collect(),
        references: references.map(str::to_string),
    }
}

pub(crate) fn table(
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

pub(crate) fn obj(schema: &str, name: &str) -> LiveObject {
    LiveObject {
        schema: schema.into(),
        name: name.into(),
    }
}

pub(crate) const PG: &str = "
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
pub(crate) const MY: &str = "
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

pub(crate) const LITE: &str = "
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

pub(crate) fn expected_pg() -> LiveSchema {
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

pub(crate) fn expected_mysql(s: &str) -> LiveSchema {
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

pub(crate) fn expected_sqlite() -> LiveSchema {
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
pub(crate) fn with_tracking_table(live: &mut LiveSchema, t: migdoctor_model::LiveTable) {
    let at = live
        .tables
        .iter()
        .position(|x| x.name.to_lowercase() > t.name.to_lowercase())
        .unwrap_or(live.tables.len());
    live.tables.insert(at, t);
}
