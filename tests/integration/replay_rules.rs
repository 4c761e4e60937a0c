//! The replay's rules checked against the real databases (PostgreSQL 15, MariaDB 10.11, the
//! SQLite that sqlx bundles): what each database does implicitly when a table or column is
//! dropped or renamed, asserted on its own catalog; then `migdoctor diagnose` must report
//! nothing at warning or above on the healthy result. Rules 1–3 here, 4–6 in
//! `replay_rules_names.rs`.

use crate::rules_support::{
    apply_all, assert_refused, columns_sql, constraints_sql, indexes_sql, mig, Mig, Problems,
};
use migdoctor_tests::{dialects, Dialect};

/// Rule 1, PostgreSQL: a table with a serial, a bigserial, a sequence made `OWNED BY` one of its
/// columns, a UNIQUE and a CHECK constraint, an index and a trigger; dropped, created again
/// bare, and every old name reused on another table.
fn drop_table_pg() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_items",
            "CREATE TABLE items (
    id serial PRIMARY KEY,
    code text CONSTRAINT items_code_key UNIQUE,
    qty integer CONSTRAINT items_qty_check CHECK (qty >= 0),
    serial_no bigserial,
    ref bigint
);
CREATE INDEX items_qty_idx ON items (qty);
CREATE SEQUENCE items_ref_seq OWNED BY items.ref;
ALTER TABLE items ALTER COLUMN ref SET DEFAULT nextval('items_ref_seq');
CREATE FUNCTION items_touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.qty := coalesce(NEW.qty, 0);
    RETURN NEW;
END
$$;
CREATE TRIGGER items_touch_trg BEFORE INSERT OR UPDATE ON items
    FOR EACH ROW EXECUTE FUNCTION items_touch();
",
        ),
        mig(2, "drop_items", "DROP TABLE items;"),
        mig(
            3,
            "recreate_items",
            "CREATE TABLE items (id integer PRIMARY KEY, code text);",
        ),
        mig(
            4,
            "reuse_names",
            "CREATE TABLE stock (id integer PRIMARY KEY, qty integer, ref bigint);
CREATE INDEX items_qty_idx ON stock (qty);
CREATE UNIQUE INDEX items_code_key ON stock (ref);
ALTER TABLE stock ADD CONSTRAINT items_qty_check CHECK (qty >= 0);
CREATE SEQUENCE items_ref_seq;
",
        ),
    ]
}

/// Rule 1, MariaDB: AUTO_INCREMENT is no separate object, so there is no sequence to lose.
fn drop_table_my() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_items",
            "CREATE TABLE items (
    id integer NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code varchar(50),
    qty integer,
    CONSTRAINT items_code_key UNIQUE (code),
    CONSTRAINT items_qty_check CHECK (qty >= 0)
);
CREATE INDEX items_qty_idx ON items (qty);
CREATE TRIGGER items_touch_trg BEFORE INSERT ON items FOR EACH ROW SET NEW.qty = COALESCE(NEW.qty, 0);
",
        ),
        mig(2, "drop_items", "DROP TABLE items;"),
        mig(
            3,
            "recreate_items",
            "CREATE TABLE items (id integer PRIMARY KEY, code varchar(50));",
        ),
        mig(
            4,
            "reuse_names",
            "CREATE TABLE stock (id integer PRIMARY KEY, qty integer, ref bigint);
CREATE INDEX items_qty_idx ON stock (qty);
CREATE UNIQUE INDEX items_code_key ON stock (ref);
ALTER TABLE stock ADD CONSTRAINT items_qty_check CHECK (qty >= 0);
",
        ),
    ]
}

/// Rule 1, SQLite: AUTOINCREMENT keeps its counter in `sqlite_sequence`, a table SQLite creates
/// by itself and never drops.
fn drop_table_lite() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_items",
            "CREATE TABLE items (
    id integer PRIMARY KEY AUTOINCREMENT,
    code text CONSTRAINT items_code_key UNIQUE,
    qty integer CONSTRAINT items_qty_check CHECK (qty >= 0)
);
CREATE INDEX items_qty_idx ON items (qty);
CREATE TRIGGER items_touch_trg AFTER INSERT ON items BEGIN
    UPDATE items SET qty = coalesce(qty, 0) WHERE id = NEW.id;
END;
INSERT INTO items (code, qty) VALUES ('a', NULL);
",
        ),
        mig(2, "drop_items", "DROP TABLE items;"),
        mig(
            3,
            "recreate_items",
            "CREATE TABLE items (id integer PRIMARY KEY, code text);",
        ),
        mig(
            4,
            "reuse_names",
            "CREATE TABLE stock (id integer PRIMARY KEY, qty integer, ref integer);
CREATE INDEX items_qty_idx ON stock (qty);
CREATE UNIQUE INDEX items_code_key ON stock (ref);
",
        ),
    ]
}

/// Rule 1. PostgreSQL: DROP TABLE takes the table's indexes, constraints, triggers and every
/// sequence it owns (serial, bigserial, `CREATE SEQUENCE … OWNED BY`), not the trigger's function.
/// MariaDB: indexes, constraints and triggers go (no sequences: AUTO_INCREMENT is a column
/// attribute). SQLite: indexes (and UNIQUE autoindexes) and triggers go; `sqlite_sequence` stays.
/// Everywhere the table created again under the same name is a new, bare table, and every old
/// name can be used again on another table.
#[test]
fn rule1_dropping_a_table_drops_its_indexes_constraints_triggers_and_owned_sequences() {
    let mut problems = Problems::default();
    for dialect in dialects() {
        let migs = match dialect {
            Dialect::Postgres => drop_table_pg(),
            Dialect::Mysql => drop_table_my(),
            Dialect::Sqlite => drop_table_lite(),
        };
        let Some(a) = apply_all(dialect, &migs) else {
            continue;
        };
        match dialect {
            Dialect::Postgres => {
                // The re-created items is a new table: only its own primary key; the old index
                // and constraint names now belong to stock.
                a.expect(&indexes_sql(dialect, "items"), "items_pkey(id)");
                a.expect(
                    &indexes_sql(dialect, "stock"),
                    "items_code_key(ref) items_qty_idx(qty) stock_pkey(id)",
                );
                a.expect(&constraints_sql(dialect, "items"), "items_pkey");
                a.expect(
                    &constraints_sql(dialect, "stock"),
                    "items_qty_check stock_pkey",
                );
                a.expect(
                    "SELECT count(*)::text FROM pg_trigger WHERE NOT tgisinternal",
                    "0",
                );
                // serial's items_id_seq, bigserial's items_serial_no_seq and the OWNED BY
                // items_ref_seq went with the table; items_ref_seq is a new, unowned sequence.
                a.expect(
                    "SELECT string_agg(schemaname || '.' || sequencename, ' ' ORDER BY sequencename) FROM pg_sequences",
                    "public.items_ref_seq",
                );
                a.expect("SELECT count(*)::text FROM pg_depend WHERE objid = 'items_ref_seq'::regclass AND deptype = 'a'", "0");
                // The trigger's function is not the table's: it stays.
                a.expect(
                    "SELECT count(*)::text FROM pg_proc WHERE proname = 'items_touch'",
                    "1",
                );
            }
            Dialect::Mysql => {
                a.expect(&indexes_sql(dialect, "items"), "PRIMARY(id)");
                a.expect(
                    &indexes_sql(dialect, "stock"),
                    "items_code_key(ref) items_qty_idx(qty) PRIMARY(id)",
                );
                a.expect(&constraints_sql(dialect, "items"), "PRIMARY");
                a.expect(
                    &constraints_sql(dialect, "stock"),
                    "items_code_key items_qty_check PRIMARY",
                );
                a.expect("SELECT CAST(COUNT(*) AS CHAR) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()", "0");
            }
            Dialect::Sqlite => {
                a.expect(&indexes_sql(dialect, "items"), "");
                a.expect(
                    &indexes_sql(dialect, "stock"),
                    "items_code_key(ref) items_qty_idx(qty)",
                );
                // Indexes, the UNIQUE's autoindex and the trigger went with the table;
                // sqlite_sequence stays (empty: the dropped table's counter row is deleted).
                a.expect(
                    "SELECT group_concat(type || ':' || name || '@' || tbl_name, ' ') FROM (SELECT * FROM sqlite_master WHERE tbl_name <> 'schema_migrations' ORDER BY name)",
                    "table:items@items index:items_code_key@stock index:items_qty_idx@stock table:sqlite_sequence@sqlite_sequence table:stock@stock",
                );
                a.expect("SELECT CAST(count(*) AS TEXT) FROM sqlite_sequence", "0");
            }
        }
        problems.check(&format!("rule 1 {dialect}"), &a);
    }
    problems.finish("rule 1 (drop table)");
}

/// Rule 2 on PostgreSQL: `DROP COLUMN` drops every index and constraint that uses the column,
/// multi-column ones entirely (including a foreign key and a two-column CHECK).
fn drop_column_pg() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_orders",
            "CREATE TABLE parents (id integer PRIMARY KEY);
CREATE TABLE orders (
    id integer PRIMARY KEY,
    a integer,
    b integer,
    c integer,
    parent_id integer,
    CONSTRAINT orders_a_check CHECK (a > 0),
    CONSTRAINT orders_ab_check CHECK (a < b),
    CONSTRAINT orders_ac_key UNIQUE (a, c),
    CONSTRAINT orders_parent_fk FOREIGN KEY (parent_id) REFERENCES parents (id)
);
CREATE INDEX orders_a_idx ON orders (a);
CREATE INDEX orders_ab_idx ON orders (a, b);
CREATE INDEX orders_c_idx ON orders (c);
",
        ),
        mig(
            2,
            "drop_a",
            "ALTER TABLE orders DROP COLUMN a;\nALTER TABLE orders DROP COLUMN parent_id;",
        ),
    ]
}

/// Rule 2 on MariaDB: the column leaves a non-unique multi-column index (which shrinks), a
/// single-column index is dropped, a CHECK naming only that column is dropped.
fn drop_column_my() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_orders",
            "CREATE TABLE orders (
    id integer PRIMARY KEY,
    a integer,
    b integer,
    c integer,
    CONSTRAINT orders_a_check CHECK (a > 0)
);
CREATE INDEX orders_a_idx ON orders (a);
CREATE INDEX orders_ab_idx ON orders (a, b);
CREATE INDEX orders_c_idx ON orders (c);
CREATE UNIQUE INDEX orders_bc_key ON orders (b, c);
",
        ),
        mig(2, "drop_a", "ALTER TABLE orders DROP COLUMN a;"),
    ]
}

/// Rule 2 on SQLite: the indexes must go first; a column's own CHECK goes with it.
fn drop_column_lite() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_orders",
            "CREATE TABLE orders (id integer PRIMARY KEY, a integer CHECK (a > 0), b integer, c integer);
CREATE INDEX orders_a_idx ON orders (a);
CREATE INDEX orders_ab_idx ON orders (a, b);
CREATE INDEX orders_c_idx ON orders (c);
",
        ),
        mig(
            2,
            "drop_a",
            "DROP INDEX orders_a_idx;\nDROP INDEX orders_ab_idx;\nALTER TABLE orders DROP COLUMN a;",
        ),
    ]
}

/// Rule 2. PostgreSQL: DROP COLUMN drops every index and constraint using the column, a
/// multi-column one entirely. MariaDB: a single-column index is dropped, the column leaves a
/// non-unique multi-column index (which shrinks), a CHECK naming only that column is dropped;
/// it refuses for a multi-column UNIQUE index, a CHECK naming another column too, and a foreign
/// key's column. SQLite refuses while an index, a UNIQUE, a PRIMARY KEY or a table CHECK uses
/// the column, accepts once the indexes are dropped first, and drops a column's own CHECK.
#[test]
fn rule2_dropping_a_column_drops_or_shrinks_what_uses_it() {
    let mut problems = Problems::default();
    for dialect in dialects() {
        let migs = match dialect {
            Dialect::Postgres => drop_column_pg(),
            Dialect::Mysql => drop_column_my(),
            Dialect::Sqlite => drop_column_lite(),
        };
        let Some(a) = apply_all(dialect, &migs) else {
            continue;
        };
        match dialect {
            Dialect::Postgres => {
                a.expect(&columns_sql(dialect, "orders"), "id,b,c");
                a.expect(
                    &indexes_sql(dialect, "orders"),
                    "orders_c_idx(c) orders_pkey(id)",
                );
                a.expect(&constraints_sql(dialect, "orders"), "orders_pkey");
            }
            Dialect::Mysql => {
                a.expect(&columns_sql(dialect, "orders"), "id,b,c");
                a.expect(
                    &indexes_sql(dialect, "orders"),
                    "orders_ab_idx(b) orders_bc_key(b,c) orders_c_idx(c) PRIMARY(id)",
                );
                a.expect(&constraints_sql(dialect, "orders"), "orders_bc_key PRIMARY");
                // What MariaDB refuses instead of shrinking or dropping: a multi-column UNIQUE
                // index, a CHECK naming another column too, a foreign key's column.
                assert_refused(
                    dialect,
                    "CREATE TABLE o (id int PRIMARY KEY, a int, c int, CONSTRAINT o_ac_key UNIQUE (a, c))",
                    "ALTER TABLE o DROP COLUMN a",
                    "Key column 'a' doesn't exist in table",
                );
                assert_refused(
                    dialect,
                    "CREATE TABLE o (id int PRIMARY KEY, a int, b int, CONSTRAINT o_ab_check CHECK (a < b))",
                    "ALTER TABLE o DROP COLUMN a",
                    "Unknown column 'a' in 'CHECK'",
                );
                assert_refused(
                    dialect,
                    "CREATE TABLE p (id int PRIMARY KEY); CREATE TABLE o (id int PRIMARY KEY, pid int, CONSTRAINT o_pid_fk FOREIGN KEY (pid) REFERENCES p (id))",
                    "ALTER TABLE o DROP COLUMN pid",
                    "Cannot drop index 'o_pid_fk': needed in a foreign key constraint",
                );
            }
            Dialect::Sqlite => {
                a.expect(&columns_sql(dialect, "orders"), "id,b,c");
                a.expect(&indexes_sql(dialect, "orders"), "orders_c_idx(c)");
                a.expect(
                    "SELECT sql FROM sqlite_master WHERE name = 'orders'",
                    "CREATE TABLE orders (id integer PRIMARY KEY, b integer, c integer)",
                );
                let setup = "CREATE TABLE orders (id integer PRIMARY KEY, a integer, b integer, c integer);";
                assert_refused(
                    dialect,
                    &format!("{setup} CREATE INDEX orders_a_idx ON orders (a);"),
                    "ALTER TABLE orders DROP COLUMN a",
                    "error in index orders_a_idx after drop column: no such column: a",
                );
                assert_refused(
                    dialect,
                    &format!("{setup} CREATE INDEX orders_ab_idx ON orders (a, b);"),
                    "ALTER TABLE orders DROP COLUMN a",
                    "error in index orders_ab_idx after drop column: no such column: a",
                );
                assert_refused(
                    dialect,
                    "CREATE TABLE orders (id integer PRIMARY KEY, a integer UNIQUE);",
                    "ALTER TABLE orders DROP COLUMN a",
                    "cannot drop UNIQUE column: \"a\"",
                );
                assert_refused(
                    dialect,
                    "CREATE TABLE orders (id integer PRIMARY KEY, a integer, b integer, CONSTRAINT ab CHECK (a < b));",
                    "ALTER TABLE orders DROP COLUMN a",
                    "error in table orders after drop column: no such column: a",
                );
            }
        }
        problems.check(&format!("rule 2 {dialect}"), &a);
    }
    problems.finish("rule 2 (drop column)");
}

/// Rule 3: the same on every dialect: a table with a UNIQUE and a CHECK constraint and an index,
/// renamed, then one of its columns renamed.
fn rename() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_people",
            "CREATE TABLE people (
    id integer PRIMARY KEY,
    email varchar(100),
    age integer,
    CONSTRAINT people_email_key UNIQUE (email),
    CONSTRAINT people_age_check CHECK (age >= 0)
);
CREATE INDEX people_age_idx ON people (age);
",
        ),
        mig(
            2,
            "rename_people",
            "ALTER TABLE people RENAME TO persons;\nALTER TABLE persons RENAME COLUMN age TO years;",
        ),
    ]
}

/// Rule 3. On all three, renaming a table keeps the names of its indexes and constraints
/// (SQLite renames a UNIQUE's `sqlite_autoindex_<table>_N` with the table), and renaming a
/// column renames it inside indexes and CHECKs.
#[test]
fn rule3_renaming_a_table_keeps_index_and_constraint_names_and_indexes_follow_renamed_columns() {
    let mut problems = Problems::default();
    for dialect in dialects() {
        let Some(a) = apply_all(dialect, &rename()) else {
            continue;
        };
        a.expect(&columns_sql(dialect, "persons"), "id,email,years");
        match dialect {
            Dialect::Postgres => {
                a.expect(
                    &indexes_sql(dialect, "persons"),
                    "people_age_idx(years) people_email_key(email) people_pkey(id)",
                );
                a.expect("SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), ', ' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'persons'::regclass",
                    "people_age_check CHECK ((years >= 0)), people_email_key UNIQUE (email), people_pkey PRIMARY KEY (id)");
            }
            Dialect::Mysql => {
                a.expect(
                    &indexes_sql(dialect, "persons"),
                    "people_age_idx(years) people_email_key(email) PRIMARY(id)",
                );
                a.expect(
                    &constraints_sql(dialect, "persons"),
                    "people_age_check people_email_key PRIMARY",
                );
                a.expect("SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'persons'", "`years` >= 0");
            }
            Dialect::Sqlite => {
                // The UNIQUE's autoindex is renamed with the table; the index's SQL follows
                // both renames.
                a.expect(
                    &indexes_sql(dialect, "persons"),
                    "people_age_idx(years) sqlite_autoindex_persons_1(email)",
                );
                a.expect(
                    "SELECT sql FROM sqlite_master WHERE name = 'people_age_idx'",
                    "CREATE INDEX people_age_idx ON \"persons\" (years)",
                );
            }
        }
        problems.check(&format!("rule 3 {dialect}"), &a);
    }
    problems.finish("rule 3 (rename table and column)");
}

/// Rule 3's two table-rebuild patterns (SQLite's way of changing a column, used on every
/// database): build `tasks_new`, copy, drop `tasks`, rename `tasks_new` to `tasks`; and rename
/// `notes` to `_notes_old`, build `notes`, copy, drop `_notes_old`.
fn rebuilds() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_tasks_and_notes",
            "CREATE TABLE tasks (id integer PRIMARY KEY, title varchar(100), done integer);
CREATE INDEX tasks_title_idx ON tasks (title);
CREATE INDEX tasks_done_idx ON tasks (done);
INSERT INTO tasks (id, title, done) VALUES (1, 'write tests', 0);
CREATE TABLE notes (id integer PRIMARY KEY, body varchar(200), author varchar(50));
CREATE INDEX notes_author_idx ON notes (author);
CREATE INDEX notes_body_idx ON notes (body);
INSERT INTO notes (id, body, author) VALUES (1, 'hello', NULL);
",
        ),
        mig(
            2,
            "rebuild_tasks",
            "CREATE TABLE tasks_new (id integer PRIMARY KEY, title varchar(100) NOT NULL, done integer NOT NULL DEFAULT 0, due varchar(20));
CREATE INDEX tasks_new_due_idx ON tasks_new (due);
INSERT INTO tasks_new (id, title, done) SELECT id, title, done FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_title_idx ON tasks (title);
",
        ),
        mig(
            3,
            "rebuild_notes",
            "ALTER TABLE notes RENAME TO _notes_old;
CREATE TABLE notes (id integer PRIMARY KEY, body varchar(200), author varchar(50) NOT NULL DEFAULT '');
INSERT INTO notes (id, body, author) SELECT id, body, coalesce(author, '') FROM _notes_old;
DROP TABLE _notes_old;
CREATE INDEX notes_author_idx ON notes (author);
",
        ),
    ]
}

/// Rule 3, rebuilds. On all three a renamed table takes its indexes along and a dropped one
/// loses them. PostgreSQL only: a table renamed away keeps its `<old>_pkey` index, so the new
/// table's primary key is named `notes_pkey1` — and keeps that name after the old table goes.
#[test]
fn rule3_table_rebuilds_keep_the_renamed_tables_indexes_and_lose_the_dropped_ones() {
    let mut problems = Problems::default();
    for dialect in dialects() {
        let Some(a) = apply_all(dialect, &rebuilds()) else {
            continue;
        };
        a.expect(&columns_sql(dialect, "tasks"), "id,title,done,due");
        match dialect {
            Dialect::Postgres => {
                // tasks_new's primary key keeps its name through the rename. notes' new primary
                // key could not be called notes_pkey (that index still belonged to _notes_old
                // when notes was created), so PostgreSQL named it notes_pkey1.
                a.expect(
                    &indexes_sql(dialect, "tasks"),
                    "tasks_new_due_idx(due) tasks_new_pkey(id) tasks_title_idx(title)",
                );
                a.expect(
                    &indexes_sql(dialect, "notes"),
                    "notes_author_idx(author) notes_pkey1(id)",
                );
            }
            Dialect::Mysql => {
                a.expect(
                    &indexes_sql(dialect, "tasks"),
                    "PRIMARY(id) tasks_new_due_idx(due) tasks_title_idx(title)",
                );
                a.expect(
                    &indexes_sql(dialect, "notes"),
                    "notes_author_idx(author) PRIMARY(id)",
                );
            }
            Dialect::Sqlite => {
                a.expect(
                    &indexes_sql(dialect, "tasks"),
                    "tasks_new_due_idx(due) tasks_title_idx(title)",
                );
                a.expect(&indexes_sql(dialect, "notes"), "notes_author_idx(author)");
                a.expect(
                    "SELECT sql FROM sqlite_master WHERE name = 'tasks_new_due_idx'",
                    "CREATE INDEX tasks_new_due_idx ON \"tasks\" (due)",
                );
            }
        }
        let tables = match dialect {
            Dialect::Postgres => "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
            _ => crate::rules_support::tables_sql(dialect),
        };
        a.expect(tables, "notes tasks");
        problems.check(&format!("rule 3 rebuild {dialect}"), &a);
    }
    problems.finish("rule 3 (table rebuilds)");
}
