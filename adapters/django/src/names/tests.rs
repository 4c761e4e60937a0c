//! Worked examples; the expected names were printed by Django 5.2's own functions
//! (`_create_index_name`, `truncate_name`, `Index.set_name_with_model`) or read from databases
//! Django migrated.

use super::*;
use Dialect::{Mysql, Postgres, Sqlite};

#[test]
fn digests_are_md5_prefixes() {
    assert_eq!(names_digest(&["a", "b"], 8), "187ef443");
    assert_eq!(names_digest(&[], 32), "d41d8cd98f00b204e9800998ecf8427e");
}

#[test]
fn truncate_name_keeps_namespace_and_adds_digest() {
    let long = "x".repeat(70);
    assert_eq!(
        truncate_name(&long, Some(63), 4),
        format!("{}7d56", "x".repeat(59))
    );
    assert_eq!(truncate_name(&long, None, 4), long);
    assert_eq!(truncate_name("short", Some(63), 4), "short");
    // Django's quirk: the namespace keeps only its inner quotes.
    assert_eq!(
        truncate_name(&format!("\"ns\".\"{}\"", "y".repeat(70)), Some(64), 4),
        format!("ns\".\"{}0e3d", "y".repeat(60))
    );
    assert_eq!(split_identifier("\"a\".\"b\""), ("a".into(), "b".into()));
    assert_eq!(split_identifier("plain"), ("".into(), "plain".into()));
}

#[test]
fn index_names_fit_each_backend() {
    assert_eq!(max_name_length(Postgres), Some(63));
    assert_eq!(max_name_length(Mysql), Some(64));
    assert_eq!(max_name_length(Sqlite), None);
    for d in [Postgres, Mysql, Sqlite] {
        assert_eq!(
            index_name(d, "auth_permission", &["content_type_id"], ""),
            "auth_permission_content_type_id_2f476e4b"
        );
        assert_eq!(
            unique_together_name(d, "auth_group_permissions", &["group_id", "permission_id"]),
            "auth_group_permissions_group_id_permission_id_0cd325b0_uniq"
        );
        assert_eq!(
            index_name(d, "django_session", &["session_key"], "_like"),
            "django_session_session_key_c0390e0f_like"
        );
        // Not shortened, so a leading digit stays.
        assert_eq!(index_name(d, "9lives", &["col"], ""), "9lives_col_15fdfd64");
    }
    let (a, b) = ("a".repeat(70), "b".repeat(70));
    assert_eq!(
        index_name(Postgres, &a, &[&b], ""),
        format!("{}_{}_1b194834", "a".repeat(26), "b".repeat(26))
    );
    assert_eq!(
        index_name(Mysql, &a, &[&b], ""),
        format!("{}_{}_1b194834", "a".repeat(27), "b".repeat(27))
    );
    assert_eq!(
        index_name(Sqlite, &a, &[&b], ""),
        format!("{a}_{b}_1b194834")
    );
    let c = "c".repeat(80);
    assert_eq!(
        index_together_name(Postgres, "t", &[&c]),
        format!("t_{}_91b887cc_idx", "c".repeat(24))
    );
    assert_eq!(
        index_together_name(Mysql, "t", &[&c]),
        format!("t_{}_91b887cc_idx", "c".repeat(25))
    );
}

#[test]
fn fk_names_shorten_the_suffix_and_avoid_a_leading_underscore() {
    let d = Postgres;
    assert_eq!(
        fk_constraint_name(
            d,
            "auth_permission",
            "content_type_id",
            "django_content_type",
            "id"
        ),
        "auth_permission_content_type_id_2f476e4b_fk_django_co"
    );
    assert_eq!(
        fk_constraint_name(
            d,
            "auth_group_permissions",
            "permission_id",
            "auth_permission",
            "id"
        ),
        "auth_group_permissio_permission_id_84c5c92e_fk_auth_perm"
    );
    assert_eq!(
        fk_constraint_name(
            Sqlite,
            "auth_group_permissions",
            "permission_id",
            "auth_permission",
            "id"
        ),
        "auth_group_permissions_permission_id_84c5c92e_fk_auth_permission_id"
    );
    let t = format!("_t{}", "x".repeat(70));
    let to = "y".repeat(60);
    assert_eq!(
        fk_constraint_name(Mysql, &t, "c", &to, "id"),
        "D_txxxxxxxxxxxxxxxxxx_c_2457340c_fk_yyyyyyyy"
    );
}

#[test]
fn meta_index_names() {
    assert_eq!(
        meta_index_name("library_book", &["title"], "idx"),
        "library_boo_title_c38ef2_idx"
    );
    assert_eq!(
        meta_index_name("library_book", &["-published", "title"], "idx"),
        "library_boo_publish_2073da_idx"
    );
    assert_eq!(
        meta_index_name("library_book", &["_x"], "idx"),
        "library_boo__x_505147_idx"
    );
}

#[test]
fn postgres_implicit_names_cut_the_longer_part() {
    assert_eq!(
        pg_implicit_name("auth_user", None, "pkey"),
        "auth_user_pkey"
    );
    assert_eq!(
        pg_implicit_name("auth_user", Some("username"), "key"),
        "auth_user_username_key"
    );
    let (t, c) = ("t".repeat(50), "c".repeat(30));
    let n = pg_implicit_name(&t, Some(&c), "key");
    assert_eq!(n.len(), 63);
    // 63 - 5 = 58 for the names: the longer is cut until they are even, then alternately.
    assert_eq!(n, format!("{}_{}_key", "t".repeat(29), "c".repeat(29)));
    assert_eq!(pg_identifier(&"é".repeat(40)).len(), 62);
}

#[test]
fn m2m_tables_and_columns() {
    assert_eq!(
        m2m_table_name(Postgres, "auth_user", "groups"),
        "auth_user_groups"
    );
    assert_eq!(
        m2m_columns("User", "Group"),
        ("user_id".into(), "group_id".into())
    );
    assert_eq!(
        m2m_columns("Person", "person"),
        ("from_person_id".into(), "to_person_id".into())
    );
    let long = "t".repeat(60);
    let name = m2m_table_name(Postgres, &long, "friends");
    assert_eq!(name.len(), 63);
    assert_eq!(name, truncate_name(&format!("{long}_friends"), Some(63), 4));
    assert_eq!(
        m2m_table_name(Sqlite, &long, "friends"),
        format!("{long}_friends")
    );
}

fn names(effects: &[SchemaEffect]) -> Vec<String> {
    effects
        .iter()
        .map(|e| match e {
            SchemaEffect::CreateIndex { index, .. } => format!("index {}", index.name),
            SchemaEffect::AddConstraint { name, kind, .. } => {
                format!("{kind} {}", name.as_deref().unwrap_or("-"))
            }
            SchemaEffect::CreateSequence { name, .. } => format!("sequence {}", name.name),
            other => format!("{other:?}"),
        })
        .collect()
}

fn field<'a>(table: &'a str, column: &'a str, t: &'a str) -> FieldFacts<'a> {
    FieldFacts {
        table,
        column,
        internal_type: t,
        primary_key: false,
        unique: false,
        db_index: false,
        foreign_key: None,
    }
}

#[test]
fn char_primary_key_gets_postgres_like_index() {
    let f = FieldFacts {
        primary_key: true,
        ..field("django_session", "session_key", "CharField")
    };
    assert_eq!(
        names(&field_objects(Postgres, &f, true)),
        [
            "primary key django_session_pkey",
            "index django_session_session_key_c0390e0f_like"
        ]
    );
    assert_eq!(
        names(&field_objects(Mysql, &f, true)),
        ["primary key PRIMARY"]
    );
    assert_eq!(names(&field_objects(Sqlite, &f, true)), ["primary key -"]);
}

#[test]
fn foreign_keys_per_backend() {
    let f = FieldFacts {
        db_index: true,
        foreign_key: Some(("django_content_type", "id")),
        ..field("auth_permission", "content_type_id", "ForeignKey")
    };
    assert_eq!(
        names(&field_objects(Postgres, &f, true)),
        [
            "foreign key auth_permission_content_type_id_2f476e4b_fk_django_co",
            "index auth_permission_content_type_id_2f476e4b"
        ]
    );
    // InnoDB's own index, named after the constraint, instead of Django's.
    assert_eq!(
        names(&field_objects(Mysql, &f, false)),
        [
            "index auth_permission_content_type_id_2f476e4b_fk_django_co",
            "foreign key auth_permission_content_type_id_2f476e4b_fk_django_co"
        ]
    );
    assert_eq!(
        names(&field_objects(Sqlite, &f, true)),
        [
            "foreign key -",
            "index auth_permission_content_type_id_2f476e4b"
        ]
    );
    // A OneToOneField is unique: no separate index anywhere; to a varchar key, PostgreSQL's
    // `_like` index.
    let o = FieldFacts {
        unique: true,
        internal_type: "OneToOneField",
        ..f
    };
    assert_eq!(
        names(&field_objects_to(Postgres, &o, true, Some("CharField"))),
        [
            "unique auth_permission_content_type_id_key",
            "foreign key auth_permission_content_type_id_2f476e4b_fk_django_co",
            "index auth_permission_content_type_id_2f476e4b_like"
        ]
    );
    assert_eq!(
        names(&field_objects(Mysql, &o, true)),
        [
            "unique content_type_id",
            "foreign key auth_permission_content_type_id_2f476e4b_fk_django_co"
        ]
    );
}

#[test]
fn mysql_skips_text_indexes_and_postgres_checks_positive_fields() {
    let t = FieldFacts {
        db_index: true,
        ..field("notes", "body", "TextField")
    };
    assert!(field_objects(Mysql, &t, true).is_empty());
    assert_eq!(
        names(&field_objects(Postgres, &t, true)),
        [
            "index notes_body_9cf4a2b6",
            "index notes_body_9cf4a2b6_like"
        ]
        .map(|s| s.replace("9cf4a2b6", &names_digest(&["notes", "body"], 8)))
    );
    let p = field(
        "django_admin_log",
        "action_flag",
        "PositiveSmallIntegerField",
    );
    assert_eq!(
        names(&field_objects(Postgres, &p, true)),
        ["check django_admin_log_action_flag_check"]
    );
    assert_eq!(names(&field_objects(Mysql, &p, true)), ["check -"]);
    let id = FieldFacts {
        primary_key: true,
        ..field("auth_user", "id", "AutoField")
    };
    assert_eq!(
        names(&field_objects(Postgres, &id, true)),
        ["primary key auth_user_pkey", "sequence auth_user_id_seq"]
    );
}

#[test]
fn m2m_objects_per_backend() {
    let pg = m2m_objects(
        Postgres,
        "auth_group_permissions",
        "group_id",
        "auth_group",
        "permission_id",
        "auth_permission",
    );
    assert_eq!(
        names(&pg),
        [
            "primary key auth_group_permissions_pkey",
            "sequence auth_group_permissions_id_seq",
            "unique auth_group_permissions_group_id_permission_id_0cd325b0_uniq",
            "foreign key auth_group_permissions_group_id_b120cbf9_fk_auth_group_id",
            "foreign key auth_group_permissio_permission_id_84c5c92e_fk_auth_perm",
            "index auth_group_permissions_group_id_b120cbf9",
            "index auth_group_permissions_permission_id_84c5c92e",
        ]
    );
    let my = m2m_objects(
        Mysql,
        "auth_group_permissions",
        "group_id",
        "auth_group",
        "permission_id",
        "auth_permission",
    );
    // The unique key starts with group_id, so only permission_id gets InnoDB's index.
    assert_eq!(
        names(&my),
        [
            "primary key PRIMARY",
            "unique auth_group_permissions_group_id_permission_id_0cd325b0_uniq",
            "foreign key auth_group_permissions_group_id_b120cbf9_fk_auth_group_id",
            "index auth_group_permissio_permission_id_84c5c92e_fk_auth_perm",
            "foreign key auth_group_permissio_permission_id_84c5c92e_fk_auth_perm",
        ]
    );
    let lite = m2m_objects(
        Sqlite,
        "auth_group_permissions",
        "group_id",
        "auth_group",
        "permission_id",
        "auth_permission",
    );
    assert_eq!(
        names(&lite),
        [
            "primary key -",
            "index auth_group_permissions_group_id_permission_id_0cd325b0_uniq",
            "foreign key -",
            "foreign key -",
            "index auth_group_permissions_group_id_b120cbf9",
            "index auth_group_permissions_permission_id_84c5c92e",
        ]
    );
}

#[test]
fn sqlite_numbers_its_autoindexes_in_field_order() {
    let id = FieldFacts {
        primary_key: true,
        ..field("t", "id", "BigAutoField")
    };
    let code = FieldFacts {
        primary_key: true,
        ..field("t", "code", "CharField")
    };
    let u = FieldFacts {
        unique: true,
        ..field("t", "slug", "SlugField")
    };
    let got = |fields: &[(FieldFacts, Option<&str>)]| names(&sqlite_autoindexes("t", fields, true));
    assert_eq!(
        got(&[(id, None), (u, None)]),
        ["index sqlite_autoindex_t_1"]
    );
    assert_eq!(
        got(&[(code, None), (u, None)]),
        ["index sqlite_autoindex_t_1", "index sqlite_autoindex_t_2"]
    );
    // A rebuilt table has its self-referencing fields last.
    let sequel = FieldFacts {
        unique: true,
        foreign_key: Some(("t", "id")),
        ..field("t", "sequel_id", "OneToOneField")
    };
    let fields = [(id, None), (sequel, None), (u, None)];
    let at = |remade| {
        sqlite_autoindexes("t", &fields, remade)
            .iter()
            .map(|e| match e {
                SchemaEffect::CreateIndex { index, columns, .. } => {
                    format!("{} {}", index.name, columns[0])
                }
                _ => unreachable!(),
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        at(false),
        [
            "sqlite_autoindex_t_1 sequel_id",
            "sqlite_autoindex_t_2 slug"
        ]
    );
    assert_eq!(
        at(true),
        [
            "sqlite_autoindex_t_1 slug",
            "sqlite_autoindex_t_2 sequel_id"
        ]
    );
}

#[test]
fn postgres_numbers_implicit_names_already_taken() {
    // Names read from PostgreSQL after Django created these tables in this order.
    let t = "library_model_with_an_extremely_long_name_forcing_shortening";
    let m2m = m2m_table_name(Postgres, t, "publishers");
    assert_eq!(
        m2m,
        "library_model_with_an_extremely_long_name_forcing_shortenina45f"
    );
    let id = |table| FieldFacts {
        primary_key: true,
        ..field(table, "id", "BigAutoField")
    };
    let mut taken = Taken::default();
    let first = model_objects_in(Postgres, &mut taken, t, &[(id(t), None)], &[], &[]);
    assert_eq!(
        names(&first),
        [
            "primary key library_model_with_an_extremely_long_name_forcing_shorteni_pkey",
            "sequence library_model_with_an_extremely_long_name_forcing_shorte_id_seq"
        ]
    );
    let second = model_objects_in(Postgres, &mut taken, &m2m, &[(id(&m2m), None)], &[], &[]);
    assert_eq!(
        names(&second),
        [
            "primary key library_model_with_an_extremely_long_name_forcing_shorten_pkey1",
            "sequence library_model_with_an_extremely_long_name_forcing_short_id_seq1"
        ]
    );
}
