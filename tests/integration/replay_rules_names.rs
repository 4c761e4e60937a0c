//! The replay's rules about names, checked against the real databases (rules 4–6; 1–3 are in
//! `replay_rules.rs`): `IF [NOT] EXISTS` with nothing to do, PostgreSQL schemas and the search
//! path, where each database keeps index names unique, and names reused or renamed. Each test
//! asserts the database's own catalog, then requires a clean `migdoctor diagnose`.

use crate::rules_support::{
    apply_all, assert_refused, columns_sql, constraints_sql, indexes_sql, mig, tables_sql, Mig,
    Problems,
};
use migdoctor_tests::{dialects, Dialect};

/// Rule 4: a second migration full of `IF EXISTS` / `IF NOT EXISTS` statements that find
/// nothing to do, plus one of each that does something.
fn if_exists(dialect: Dialect) -> Vec<Mig> {
    let create = "CREATE TABLE widgets (id integer PRIMARY KEY, name varchar(50));
CREATE INDEX widgets_name_idx ON widgets (name);";
    // A present table with another shape, a present index on another column, absent objects.
    let common = "CREATE TABLE IF NOT EXISTS widgets (id integer PRIMARY KEY, name varchar(50), colour varchar(20));
CREATE INDEX IF NOT EXISTS widgets_name_idx ON widgets (id);
CREATE TABLE IF NOT EXISTS gadgets (id integer PRIMARY KEY);
DROP TABLE IF EXISTS sprockets;";
    let more = match dialect {
        Dialect::Postgres => {
            "DROP INDEX IF EXISTS sprockets_idx;
ALTER TABLE widgets ADD COLUMN IF NOT EXISTS name varchar(99);
ALTER TABLE widgets DROP COLUMN IF EXISTS colour;
ALTER TABLE widgets ADD COLUMN IF NOT EXISTS size integer;
ALTER TABLE IF EXISTS sprockets ADD COLUMN teeth integer;
ALTER TABLE widgets DROP CONSTRAINT IF EXISTS widgets_colour_check;
CREATE SEQUENCE IF NOT EXISTS widgets_id_seq;
CREATE SEQUENCE IF NOT EXISTS widgets_id_seq;"
        }
        Dialect::Mysql => {
            "DROP INDEX IF EXISTS sprockets_idx ON widgets;
ALTER TABLE widgets ADD COLUMN IF NOT EXISTS name varchar(99);
ALTER TABLE widgets DROP COLUMN IF EXISTS colour;
ALTER TABLE widgets ADD COLUMN IF NOT EXISTS size integer;
ALTER TABLE IF EXISTS sprockets ADD COLUMN teeth integer;
ALTER TABLE widgets ADD INDEX IF NOT EXISTS widgets_name_idx (size);
ALTER TABLE widgets DROP INDEX IF EXISTS sprockets_idx;"
        }
        // SQLite has no ADD/DROP COLUMN IF [NOT] EXISTS (refusals asserted below).
        Dialect::Sqlite => "DROP INDEX IF EXISTS sprockets_idx;",
    };
    vec![
        mig(1, "create_widgets", create),
        mig(2, "idempotent", format!("{common}\n{more}\n")),
    ]
}

/// Rule 4. All three: CREATE TABLE/INDEX IF NOT EXISTS of a present object does nothing (even
/// with another shape), DROP TABLE/INDEX IF EXISTS of an absent one does nothing. PostgreSQL and
/// MariaDB also have ADD COLUMN IF NOT EXISTS, DROP COLUMN IF EXISTS and ALTER TABLE IF EXISTS
/// (MariaDB also ADD INDEX IF NOT EXISTS / DROP INDEX IF EXISTS); SQLite refuses the column
/// forms as a syntax error.
#[test]
fn rule4_if_exists_and_if_not_exists_do_nothing_when_there_is_nothing_to_do() {
    let mut problems = Problems::default();
    for dialect in dialects() {
        let Some(a) = apply_all(dialect, &if_exists(dialect)) else {
            continue;
        };
        let (cols, idx) = match dialect {
            Dialect::Postgres => ("id,name,size", "widgets_name_idx(name) widgets_pkey(id)"),
            Dialect::Mysql => ("id,name,size", "PRIMARY(id) widgets_name_idx(name)"),
            Dialect::Sqlite => ("id,name", "widgets_name_idx(name)"),
        };
        // No colour (the second CREATE TABLE did nothing), name still varchar(50), the index
        // still on name; gadgets created, nothing named sprockets.
        a.expect(&columns_sql(dialect, "widgets"), cols);
        a.expect(&indexes_sql(dialect, "widgets"), idx);
        let name_type = match dialect {
            Dialect::Postgres => "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'widgets'::regclass AND attname = 'name'",
            Dialect::Mysql => "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'widgets' AND COLUMN_NAME = 'name'",
            Dialect::Sqlite => "SELECT type FROM pragma_table_info('widgets') WHERE name = 'name'",
        };
        let expected = if dialect == Dialect::Postgres {
            "character varying(50)"
        } else {
            "varchar(50)"
        };
        a.expect(name_type, expected);
        let tables = if dialect == Dialect::Postgres {
            "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S') AND relname <> 'schema_migrations'"
        } else {
            tables_sql(dialect)
        };
        // PostgreSQL: the first CREATE SEQUENCE IF NOT EXISTS made widgets_id_seq, the second
        // did nothing.
        let expected = if dialect == Dialect::Postgres {
            "gadgets widgets widgets_id_seq"
        } else {
            "gadgets widgets"
        };
        a.expect(tables, expected);
        if dialect == Dialect::Sqlite {
            let setup = "CREATE TABLE widgets (id integer PRIMARY KEY, name varchar(50));";
            assert_refused(
                dialect,
                setup,
                "ALTER TABLE widgets ADD COLUMN IF NOT EXISTS name varchar(99)",
                "near \"EXISTS\": syntax error",
            );
            assert_refused(
                dialect,
                setup,
                "ALTER TABLE widgets DROP COLUMN IF EXISTS colour",
                "near \"EXISTS\": syntax error",
            );
        }
        problems.check(&format!("rule 4 {dialect}"), &a);
    }
    problems.finish("rule 4 (IF [NOT] EXISTS)");
}

/// Rule 5 on PostgreSQL: a table moved to another schema with SET SCHEMA, a new table of the
/// same name in public, schema-qualified names, and a migration that changes the search path.
fn schemas_pg() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_events",
            "CREATE SCHEMA archive;
CREATE TABLE events (id bigserial PRIMARY KEY, kind text CONSTRAINT events_kind_check CHECK (kind <> ''));
CREATE INDEX events_kind_idx ON events (kind);
",
        ),
        mig(2, "archive_events", "ALTER TABLE events SET SCHEMA archive;"),
        mig(
            3,
            "new_events",
            "CREATE TABLE events (id integer PRIMARY KEY, kind text);
CREATE INDEX events_kind_idx ON public.events (kind);
",
        ),
        mig(
            4,
            "qualified",
            "CREATE TABLE archive.audit (id integer PRIMARY KEY, at timestamptz);
CREATE INDEX audit_at_idx ON archive.audit (at);
",
        ),
        // Unqualified names resolve through the search path: notes lands in archive and
        // events means archive.events. The file resets the path before it ends (golang-migrate
        // keeps one connection, so a SET would otherwise reach the next files too).
        mig(
            5,
            "search_path",
            "SET search_path TO archive, public;
CREATE TABLE notes (id integer PRIMARY KEY, body text);
CREATE INDEX notes_body_idx ON notes (body);
ALTER TABLE events ADD COLUMN note_id integer;
SET search_path TO \"$user\", public;
",
        ),
    ]
}

/// Rule 5, PostgreSQL: SET SCHEMA moves the table with its indexes, constraints and owned
/// sequence; an unqualified CREATE (or ALTER) resolves through the first schema of the search
/// path; indexes always live in their table's schema.
#[test]
fn rule5_set_schema_moves_indexes_constraints_and_sequences_and_the_search_path_places_tables() {
    let mut problems = Problems::default();
    let dialect = Dialect::Postgres;
    if let Some(a) = apply_all(dialect, &schemas_pg()) {
        a.expect(
            tables_sql(dialect),
            "archive.audit archive.events archive.notes public.events",
        );
        a.expect(&columns_sql(dialect, "archive.events"), "id,kind,note_id");
        a.expect(&columns_sql(dialect, "public.events"), "id,kind");
        a.expect(
            &indexes_sql(dialect, "archive.events"),
            "events_kind_idx(kind) events_pkey(id)",
        );
        a.expect(
            &indexes_sql(dialect, "public.events"),
            "events_kind_idx(kind) events_pkey(id)",
        );
        a.expect(
            &indexes_sql(dialect, "archive.notes"),
            "notes_body_idx(body) notes_pkey(id)",
        );
        a.expect(
            &indexes_sql(dialect, "archive.audit"),
            "audit_at_idx(at) audit_pkey(id)",
        );
        a.expect(
            "SELECT string_agg(n.nspname || '.' || conname, ' ' ORDER BY n.nspname, conname) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE conrelid = 'archive.events'::regclass",
            "archive.events_kind_check archive.events_pkey",
        );
        // bigserial's sequence moved with the table and is still owned by archive.events.id.
        a.expect(
            "SELECT string_agg(schemaname || '.' || sequencename, ' ') FROM pg_sequences",
            "archive.events_id_seq",
        );
        a.expect("SELECT refobjid::regclass::text FROM pg_depend WHERE objid = 'archive.events_id_seq'::regclass AND deptype = 'a'", "archive.events");
        problems.check("rule 5 PostgreSQL", &a);
    }
    problems.finish("rule 5 (schemas and search path)");
}

/// Rule 5's namespaces: PostgreSQL keeps index names unique per schema (with tables, views and
/// sequences), MySQL per table, SQLite per database (with tables).
fn index_namespace(dialect: Dialect) -> Vec<Mig> {
    let sql = match dialect {
        Dialect::Postgres => {
            "CREATE SCHEMA other;
CREATE TABLE a (id integer PRIMARY KEY, x integer);
CREATE INDEX idx_a ON a (x);
CREATE TABLE other.b (id integer PRIMARY KEY, x integer);
CREATE INDEX idx_a ON other.b (x);
CREATE INDEX a ON other.b (id);
"
        }
        Dialect::Mysql => {
            "CREATE TABLE a (id integer PRIMARY KEY, x integer, y integer);
CREATE TABLE b (id integer PRIMARY KEY, x integer);
CREATE INDEX idx_a ON a (x);
CREATE INDEX idx_a ON b (x);
CREATE INDEX a ON a (y);
"
        }
        Dialect::Sqlite => {
            "CREATE TABLE a (id integer PRIMARY KEY, x integer);
CREATE TABLE b (id integer PRIMARY KEY, x integer);
CREATE INDEX idx_a ON a (x);
CREATE INDEX idx_b ON b (x);
"
        }
    };
    vec![mig(1, "create_a_and_b", sql)]
}

/// Rule 5, namespaces. PostgreSQL: an index name is unique per schema among relations (it
/// cannot repeat a table's name, another schema can reuse it). MariaDB: per table (two tables
/// each have `idx_a`, an index may be named like its table). SQLite: per database, shared with
/// tables.
#[test]
fn rule5_index_names_are_unique_per_schema_on_postgres_per_table_on_mysql_per_database_on_sqlite() {
    let mut problems = Problems::default();
    for dialect in dialects() {
        let Some(a) = apply_all(dialect, &index_namespace(dialect)) else {
            continue;
        };
        let setup = "CREATE TABLE a (id integer PRIMARY KEY, x integer); CREATE TABLE b (id integer PRIMARY KEY, x integer); CREATE INDEX idx_a ON a (x);";
        match dialect {
            Dialect::Postgres => {
                a.expect(&indexes_sql(dialect, "a"), "a_pkey(id) idx_a(x)");
                a.expect(
                    &indexes_sql(dialect, "other.b"),
                    "a(id) b_pkey(id) idx_a(x)",
                );
                assert_refused(
                    dialect,
                    setup,
                    "CREATE INDEX idx_a ON b (x)",
                    "relation \"idx_a\" already exists",
                );
                assert_refused(
                    dialect,
                    setup,
                    "CREATE INDEX a ON b (x)",
                    "relation \"a\" already exists",
                );
            }
            Dialect::Mysql => {
                a.expect(&indexes_sql(dialect, "a"), "a(y) idx_a(x) PRIMARY(id)");
                a.expect(&indexes_sql(dialect, "b"), "idx_a(x) PRIMARY(id)");
                assert_refused(
                    dialect,
                    setup,
                    "CREATE INDEX idx_a ON a (id)",
                    "Duplicate key name 'idx_a'",
                );
            }
            Dialect::Sqlite => {
                a.expect(&indexes_sql(dialect, "a"), "idx_a(x)");
                a.expect(&indexes_sql(dialect, "b"), "idx_b(x)");
                assert_refused(
                    dialect,
                    setup,
                    "CREATE INDEX idx_a ON b (x)",
                    "index idx_a already exists",
                );
                assert_refused(
                    dialect,
                    setup,
                    "CREATE INDEX a ON b (x)",
                    "there is already a table named a",
                );
                assert_refused(
                    dialect,
                    setup,
                    "CREATE TABLE idx_a (x integer)",
                    "there is already an index named idx_a",
                );
            }
        }
        problems.check(&format!("rule 5 namespaces {dialect}"), &a);
    }
    problems.finish("rule 5 (index namespaces)");
}

/// Rule 6: the same constraint and index names on two tables where the database allows it,
/// then renamed the way each database can.
fn reuse(dialect: Dialect) -> Vec<Mig> {
    match dialect {
        // CHECK and FOREIGN KEY names are per table; UNIQUE/PRIMARY KEY names are index names,
        // per schema. Renaming a UNIQUE constraint renames its index and the reverse.
        Dialect::Postgres => vec![
            mig(
                1,
                "create_pets",
                "CREATE TABLE owners (id integer PRIMARY KEY);
CREATE TABLE cats (id integer PRIMARY KEY, lives integer, owner_id integer, tag varchar(20),
    CONSTRAINT positive CHECK (lives > 0),
    CONSTRAINT owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id),
    CONSTRAINT cats_tag_key UNIQUE (tag));
CREATE INDEX by_owner ON cats (owner_id);
CREATE TABLE dogs (id integer PRIMARY KEY, lives integer, owner_id integer, chip varchar(20),
    CONSTRAINT positive CHECK (lives > 0),
    CONSTRAINT owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id),
    CONSTRAINT dogs_chip_key UNIQUE (chip));
",
            ),
            mig(
                2,
                "rename",
                "ALTER TABLE cats RENAME CONSTRAINT positive TO cats_positive;
ALTER TABLE cats RENAME CONSTRAINT cats_tag_key TO cats_tag_uniq;
ALTER INDEX dogs_chip_key RENAME TO dogs_chip_uniq;
ALTER INDEX by_owner RENAME TO cats_by_owner;
CREATE INDEX by_owner ON dogs (owner_id);
",
            ),
        ],
        // CHECK and UNIQUE names and index names are per table; FOREIGN KEY names per database.
        Dialect::Mysql => vec![
            mig(
                1,
                "create_pets",
                "CREATE TABLE owners (id integer PRIMARY KEY);
CREATE TABLE cats (id integer PRIMARY KEY, lives integer, owner_id integer, tag varchar(20),
    CONSTRAINT positive CHECK (lives > 0),
    CONSTRAINT cats_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id),
    CONSTRAINT tag_key UNIQUE (tag),
    INDEX by_owner (owner_id));
CREATE TABLE dogs (id integer PRIMARY KEY, lives integer, owner_id integer, tag varchar(20),
    CONSTRAINT positive CHECK (lives > 0),
    CONSTRAINT dogs_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id),
    CONSTRAINT tag_key UNIQUE (tag),
    INDEX by_owner (owner_id));
",
            ),
            mig(
                2,
                "rename",
                "ALTER TABLE cats RENAME INDEX by_owner TO cats_by_owner;
ALTER TABLE cats RENAME INDEX tag_key TO cats_tag_key;
",
            ),
        ],
        // Constraint names are not kept in a catalog: any reuse is fine. There is no RENAME for
        // an index: drop and create.
        Dialect::Sqlite => vec![
            mig(
                1,
                "create_pets",
                "CREATE TABLE owners (id integer PRIMARY KEY);
CREATE TABLE cats (id integer PRIMARY KEY, lives integer, owner_id integer,
    CONSTRAINT positive CHECK (lives > 0),
    CONSTRAINT owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id));
CREATE INDEX by_owner ON cats (owner_id);
CREATE TABLE dogs (id integer PRIMARY KEY, lives integer, owner_id integer,
    CONSTRAINT positive CHECK (lives > 0),
    CONSTRAINT owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id));
",
            ),
            mig(
                2,
                "rename",
                "DROP INDEX by_owner;
CREATE INDEX cats_by_owner ON cats (owner_id);
CREATE INDEX by_owner ON dogs (owner_id);
",
            ),
        ],
    }
}

/// Rule 6. PostgreSQL: CHECK and FOREIGN KEY names can repeat across tables, UNIQUE names
/// cannot (they are index names); RENAME CONSTRAINT of a UNIQUE renames its index and ALTER
/// INDEX … RENAME of a constraint's index renames the constraint. MariaDB: CHECK, UNIQUE and
/// index names can repeat across tables, FOREIGN KEY names cannot (per database); RENAME INDEX
/// works, RENAME CONSTRAINT is a syntax error. SQLite: constraint names are not catalogued and
/// repeat freely; there is no ALTER INDEX.
#[test]
fn rule6_constraint_and_index_names_reused_across_tables_and_renamed() {
    let mut problems = Problems::default();
    for dialect in dialects() {
        let Some(a) = apply_all(dialect, &reuse(dialect)) else {
            continue;
        };
        match dialect {
            Dialect::Postgres => {
                a.expect(
                    &constraints_sql(dialect, "cats"),
                    "cats_pkey cats_positive cats_tag_uniq owner_fk",
                );
                a.expect(
                    &constraints_sql(dialect, "dogs"),
                    "dogs_chip_uniq dogs_pkey owner_fk positive",
                );
                a.expect(
                    &indexes_sql(dialect, "cats"),
                    "cats_by_owner(owner_id) cats_pkey(id) cats_tag_uniq(tag)",
                );
                a.expect(
                    &indexes_sql(dialect, "dogs"),
                    "by_owner(owner_id) dogs_chip_uniq(chip) dogs_pkey(id)",
                );
                assert_refused(
                    dialect,
                    "CREATE TABLE cats (id integer PRIMARY KEY, tag text CONSTRAINT tag_key UNIQUE); CREATE TABLE dogs (id integer PRIMARY KEY, tag text);",
                    "ALTER TABLE dogs ADD CONSTRAINT tag_key UNIQUE (tag)",
                    "relation \"tag_key\" already exists",
                );
            }
            Dialect::Mysql => {
                a.expect(
                    &constraints_sql(dialect, "cats"),
                    "cats_owner_fk cats_tag_key positive PRIMARY",
                );
                a.expect(
                    &constraints_sql(dialect, "dogs"),
                    "dogs_owner_fk positive PRIMARY tag_key",
                );
                a.expect(
                    &indexes_sql(dialect, "cats"),
                    "cats_by_owner(owner_id) cats_tag_key(tag) PRIMARY(id)",
                );
                a.expect(
                    &indexes_sql(dialect, "dogs"),
                    "by_owner(owner_id) PRIMARY(id) tag_key(tag)",
                );
                let setup = "CREATE TABLE owners (id integer PRIMARY KEY); CREATE TABLE cats (id integer PRIMARY KEY, owner_id integer, CONSTRAINT owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id));";
                assert_refused(
                    dialect,
                    setup,
                    "CREATE TABLE dogs (id integer PRIMARY KEY, owner_id integer, CONSTRAINT owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id))",
                    "Can't create table `{db}`.`dogs` (errno: 121 \"Duplicate key on write or update\")",
                );
                assert_refused(
                    dialect,
                    "CREATE TABLE cats (id integer PRIMARY KEY, lives integer, CONSTRAINT positive CHECK (lives > 0));",
                    "ALTER TABLE cats RENAME CONSTRAINT positive TO cats_positive",
                    "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'CONSTRAINT positive TO cats_positive' at line 1",
                );
            }
            Dialect::Sqlite => {
                a.expect(&indexes_sql(dialect, "cats"), "cats_by_owner(owner_id)");
                a.expect(&indexes_sql(dialect, "dogs"), "by_owner(owner_id)");
                assert_refused(
                    dialect,
                    "CREATE TABLE cats (id integer PRIMARY KEY, owner_id integer); CREATE INDEX by_owner ON cats (owner_id);",
                    "ALTER INDEX by_owner RENAME TO cats_by_owner",
                    "near \"INDEX\": syntax error",
                );
            }
        }
        problems.check(&format!("rule 6 {dialect}"), &a);
    }
    problems.finish("rule 6 (name reuse and renames)");
}
