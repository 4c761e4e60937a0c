//! Patterns seen in real public projects, written here as our own migrations (rules 7–12): run
//! for real, their effects asserted on the database's catalog, then `migdoctor diagnose` must
//! report nothing at warning or above (and `scan` must name an Alembic site's true head).

use crate::rules_support::{
    apply_all, assert_refused, columns_sql, constraints_sql, diagnose_problems, indexes_sql, mig,
    tables_sql, Mig, Problems,
};
use migdoctor_tests::{alembic_bin, cli, dialects, revision, AlembicProject, Dialect, TestDb};

/// Rule 7: a golang-migrate project whose first migration makes a table called
/// `alembic_version` of its own (a service that moved off Alembic keeps the table and its last
/// revision); there is no Alembic site in the project.
fn own_alembic_version() -> Vec<Mig> {
    vec![
        mig(
            1,
            "init",
            "CREATE TABLE alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version (version_num) VALUES ('3f2a9c1d7b44');
CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);
",
        ),
        mig(
            2,
            "add_accounts_name",
            "ALTER TABLE accounts ADD COLUMN name text;",
        ),
    ]
}

/// Rule 7, PostgreSQL: `alembic_version` is just a table here; migdoctor must count it as the
/// golang-migrate migration's object.
#[test]
fn rule7_a_golang_migrate_table_called_alembic_version_is_an_ordinary_table() {
    let mut problems = Problems::default();
    let dialect = Dialect::Postgres;
    if let Some(a) = apply_all(dialect, &own_alembic_version()) {
        a.expect(
            tables_sql(dialect),
            "public.accounts public.alembic_version",
        );
        a.expect("SELECT version_num FROM alembic_version", "3f2a9c1d7b44");
        let mut found = diagnose_problems(&a);
        // Beyond findings: migration 1 must read as present, alembic_version among its proof.
        match crate::rules_support::diagnose(&a) {
            Ok(report) => {
                let sites = report["sites"].as_array().cloned().unwrap_or_default();
                if sites.len() != 1 || sites[0]["framework"] != "golang-migrate" {
                    found.push(format!(
                        "expected one golang-migrate site, got {}",
                        serde_json::Value::from(sites.clone())
                    ));
                }
                let ev = &report["sites"][0]["evidence"]["migrations"][0];
                if ev["status"] != "present"
                    || !ev["present"]
                        .to_string()
                        .contains("table alembic_version present")
                {
                    found.push(format!(
                        "migration 1 must be present with table alembic_version present: {ev}"
                    ));
                }
            }
            Err(e) => found.push(e),
        }
        problems.add("rule 7 PostgreSQL", found);
    }
    problems.finish("rule 7 (a project's own alembic_version)");
}

/// Rule 8: drop a foreign key, then add it back inside a `DO $$ … $$` block that swallows
/// `duplicate_object` (the idempotent-migration idiom); the block's body is PL/pgSQL, which a
/// SQL parser cannot read.
fn constraint_in_do_block() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_accounts",
            "CREATE TABLE users (id integer PRIMARY KEY);
CREATE TABLE accounts (
    id integer PRIMARY KEY,
    owner_id integer,
    CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) REFERENCES users (id)
);
",
        ),
        mig(
            2,
            "owner_cascade",
            "ALTER TABLE accounts DROP CONSTRAINT accounts_owner_fk;
DO $$
BEGIN
    ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk
        FOREIGN KEY (owner_id) REFERENCES users (id) ON DELETE CASCADE;
EXCEPTION
    WHEN duplicate_object THEN NULL;
END $$;
",
        ),
    ]
}

/// Rule 8, PostgreSQL: the DO block re-adds the dropped constraint; diagnose may lower its
/// confidence for the unreadable block but must not call anything wrong.
#[test]
fn rule8_a_constraint_dropped_and_re_added_in_a_do_block_is_no_error() {
    let mut problems = Problems::default();
    let dialect = Dialect::Postgres;
    if let Some(a) = apply_all(dialect, &constraint_in_do_block()) {
        a.expect(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'accounts_owner_fk'",
            "FOREIGN KEY (owner_id) REFERENCES users(id) ON DELETE CASCADE",
        );
        a.expect(
            &constraints_sql(dialect, "accounts"),
            "accounts_owner_fk accounts_pkey",
        );
        problems.check("rule 8 PostgreSQL", &a);
    }
    problems.finish("rule 8 (constraint re-added in a DO block)");
}

/// Rule 9: a serial column outgrows integer: the column and its sequence become bigint
/// (`ALTER SEQUENCE … AS BIGINT`), and a standalone sequence too.
fn sequence_as_bigint() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_counters",
            "CREATE TABLE counters (id serial PRIMARY KEY, n integer);
CREATE SEQUENCE ticket_seq AS integer;
",
        ),
        mig(
            2,
            "bigint_ids",
            "ALTER TABLE counters ALTER COLUMN id TYPE bigint;
ALTER SEQUENCE counters_id_seq AS BIGINT;
ALTER SEQUENCE ticket_seq AS BIGINT;
",
        ),
    ]
}

/// Rule 9, PostgreSQL: `ALTER SEQUENCE … AS BIGINT` changes the sequence's type in place.
#[test]
fn rule9_alter_sequence_as_bigint_is_understood() {
    let mut problems = Problems::default();
    let dialect = Dialect::Postgres;
    if let Some(a) = apply_all(dialect, &sequence_as_bigint()) {
        a.expect(
            "SELECT string_agg(sequencename || ':' || data_type::text, ' ' ORDER BY sequencename) FROM pg_sequences",
            "counters_id_seq:bigint ticket_seq:bigint",
        );
        a.expect(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'counters'::regclass AND attname = 'id'",
            "bigint",
        );
        problems.check("rule 9 PostgreSQL", &a);
    }
    problems.finish("rule 9 (ALTER SEQUENCE AS BIGINT)");
}

/// Rule 10: SQLite as Go projects of the stash kind write it: `CHECK ( id IS NOT parent_id )`,
/// a bracketed type `varchar[10]`, and MySQL's `ADD COLUMN … AFTER col`, which SQLite accepts
/// because a type name is any sequence of words: the column's type becomes
/// `TEXT AFTER description` and the column goes at the end.
fn stash_like() -> Vec<Mig> {
    vec![
        mig(
            1,
            "initial",
            "CREATE TABLE folders (
    id integer not null primary key autoincrement,
    path varchar(255) not null,
    parent_folder_id integer,
    created_at datetime not null,
    foreign key(parent_folder_id) references folders(id) on delete SET NULL,
    CHECK ( id IS NOT parent_folder_id )
);
CREATE UNIQUE INDEX index_folders_on_path_unique on folders (path);
CREATE TABLE tags (
    id integer not null primary key autoincrement,
    name varchar[10] not null,
    description text,
    created_at datetime not null,
    updated_at datetime not null
);
CREATE UNIQUE INDEX index_tags_on_name on tags (name);
",
        ),
        mig(
            2,
            "tag_attachment",
            "ALTER TABLE tags ADD COLUMN attachment TEXT AFTER description;",
        ),
    ]
}

/// Rule 10, SQLite: all of it is accepted; `AFTER description` becomes part of the declared type
/// and the column is appended last.
#[test]
fn rule10_sqlite_free_form_types_check_is_not_and_add_column_after() {
    let mut problems = Problems::default();
    let dialect = Dialect::Sqlite;
    if let Some(a) = apply_all(dialect, &stash_like()) {
        // sqlx bundles its own SQLite (libsqlite3-sys); migdoctor reads through the same one.
        a.expect("SELECT sqlite_version()", "3.46.0");
        a.expect(
            &columns_sql(dialect, "tags"),
            "id,name,description,created_at,updated_at,attachment",
        );
        a.expect(
            "SELECT group_concat(name || ':' || type, ', ') FROM pragma_table_info('tags')",
            "id:INTEGER, name:varchar[10], description:TEXT, created_at:datetime, updated_at:datetime, attachment:TEXT AFTER description",
        );
        a.expect(
            "SELECT sql FROM sqlite_master WHERE name = 'tags'",
            "CREATE TABLE tags (
    id integer not null primary key autoincrement,
    name varchar[10] not null,
    description text,
    created_at datetime not null,
    updated_at datetime not null
, attachment TEXT AFTER description)",
        );
        a.expect(
            &indexes_sql(dialect, "folders"),
            "index_folders_on_path_unique(path)",
        );
        // The CHECK is real: a folder cannot be its own parent.
        assert_refused(
            dialect,
            &stash_like()[0].2,
            "INSERT INTO folders (id, path, parent_folder_id, created_at) VALUES (1, '/', 1, '2024-01-01')",
            "CHECK constraint failed: id IS NOT parent_folder_id",
        );
        problems.check("rule 10 SQLite", &a);
    }
    problems.finish("rule 10 (SQLite stash-like DDL)");
}

/// Rule 11: indexes made on a table that a later migration drops and creates again without
/// them; one of the names is then used on a different table.
fn dropped_and_recreated() -> Vec<Mig> {
    vec![
        mig(
            1,
            "create_files",
            "CREATE TABLE files (id integer PRIMARY KEY, name varchar(100), size integer);
CREATE INDEX files_name_idx ON files (name);
CREATE INDEX files_size_idx ON files (size);
",
        ),
        mig(
            2,
            "recreate_files",
            "DROP TABLE files;
CREATE TABLE files (id integer PRIMARY KEY, name varchar(100), size integer, checksum varchar(64));
",
        ),
        mig(
            3,
            "create_archives",
            "CREATE TABLE archives (id integer PRIMARY KEY, name varchar(100));
CREATE INDEX files_name_idx ON archives (name);
",
        ),
    ]
}

/// Rule 11, all three: the re-created table has none of the old indexes, and the old index name
/// can be used on another table (PostgreSQL and SQLite need the old one gone; MariaDB would not).
#[test]
fn rule11_indexes_of_a_dropped_and_recreated_table_are_gone_and_their_names_free() {
    let mut problems = Problems::default();
    for dialect in dialects() {
        let Some(a) = apply_all(dialect, &dropped_and_recreated()) else {
            continue;
        };
        let (files, archives) = match dialect {
            Dialect::Postgres => ("files_pkey(id)", "archives_pkey(id) files_name_idx(name)"),
            Dialect::Mysql => ("PRIMARY(id)", "files_name_idx(name) PRIMARY(id)"),
            Dialect::Sqlite => ("", "files_name_idx(name)"),
        };
        a.expect(&indexes_sql(dialect, "files"), files);
        a.expect(&indexes_sql(dialect, "archives"), archives);
        a.expect(&columns_sql(dialect, "files"), "id,name,size,checksum");
        problems.check(&format!("rule 11 {dialect}"), &a);
    }
    problems.finish("rule 11 (dropped and re-created table)");
}

/// Rule 12, Alembic: the head is found by following `down_revision`, never by file name order;
/// `alembic heads` agrees.
#[test]
fn rule12_alembic_scan_names_the_head_not_the_alphabetically_last_file() {
    let Some(bin) = alembic_bin() else {
        return;
    };
    let Some(db) = TestDb::create(Dialect::Sqlite) else {
        return;
    };
    // File names sort the other way round from the chain, and so do the revision ids.
    let revisions = vec![
        (
            "zz_first.py",
            revision(
                "9c1e5a7d2b30",
                None,
                "    op.create_table('users', sa.Column('id', sa.Integer, primary_key=True))",
            ),
        ),
        (
            "mm_middle.py",
            revision(
                "5b2d8e4f1a60",
                Some("9c1e5a7d2b30"),
                "    op.add_column('users', sa.Column('email', sa.String(100)))",
            ),
        ),
        (
            "aa_last.py",
            revision(
                "1a3f6c9e0d42",
                Some("5b2d8e4f1a60"),
                "    op.create_table('posts', sa.Column('id', sa.Integer, primary_key=True))",
            ),
        ),
    ];
    let p = AlembicProject::new(bin, &db, &revisions);
    let (ok, heads) = p.run(&["heads"]);
    assert!(ok, "{heads}");
    assert_eq!(heads.trim(), "1a3f6c9e0d42 (head)");
    let (ok, text) = p.run(&["upgrade", "head"]);
    assert!(ok, "{text}");
    assert_eq!(p.current(), "1a3f6c9e0d42 (head)");

    let mut problems = Vec::new();
    let (code, out, err) = cli(&["scan", &p.path(), "--format", "json"]);
    assert_eq!(code, 0, "{out}{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let site = &v["sites"][0];
    assert_eq!(site["framework"], "alembic", "{v}");
    if site["newest"] != "1a3f6c9e0d42" {
        problems.push(format!(
            "scan's newest is {} (expected the head 1a3f6c9e0d42): {site}",
            site["newest"]
        ));
    }
    let (code, out, err) = cli(&["diagnose", &p.path(), "--db", &db.url, "--format", "json"]);
    if code != 0 {
        problems.push(format!(
            "diagnose after a real upgrade exited {code}: {out}{err}"
        ));
    }
    assert!(problems.is_empty(), "rule 12:\n{}", problems.join("\n"));
}
