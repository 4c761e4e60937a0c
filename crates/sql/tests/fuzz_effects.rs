//! Property-based fuzzing of the effect extractor: any bytes, and SQL-shaped soup built from
//! the characters that matter to splitting (quotes, dollar quotes, comments, semicolons),
//! never panic, and every statement points at a real line of its file.

use migdoctor_model::{Dialect, SchemaEffect, StatementKind};
use migdoctor_sql::{extract, extract_bytes};
use proptest::prelude::*;

fn dialects() -> impl Strategy<Value = Option<Dialect>> {
    prop_oneof![
        Just(None),
        Just(Some(Dialect::Postgres)),
        Just(Some(Dialect::Mysql)),
        Just(Some(Dialect::Sqlite)),
    ]
}

fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("CREATE TABLE ".to_string()),
        Just("ALTER TABLE t ADD COLUMN ".to_string()),
        Just("CREATE UNIQUE INDEX i ON t (x)".to_string()),
        Just("DROP TABLE ".to_string()),
        Just("INSERT INTO t VALUES (".to_string()),
        Just("CREATE TRIGGER tr BEGIN ".to_string()),
        Just(" END".to_string()),
        Just("DO $$ ".to_string()),
        Just("$$".to_string()),
        Just("$tag$".to_string()),
        Just("'".to_string()),
        Just("''".to_string()),
        Just("\"".to_string()),
        Just("`".to_string()),
        Just("\\".to_string()),
        Just("E'".to_string()),
        Just("--".to_string()),
        Just("#".to_string()),
        Just("/*".to_string()),
        Just("*/".to_string()),
        Just(";".to_string()),
        Just("\n".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        "[ \t]{1,3}",
        "\\PC{1,4}",
    ]
}

fn check(dialect: Option<Dialect>, text: &str, statements: &[migdoctor_model::MigrationStatement]) {
    let lines = text.split('\n').count().max(1);
    for s in statements {
        assert!(s.line >= 1 && s.line <= lines, "line {} of {lines}", s.line);
        for e in &s.effects {
            if let SchemaEffect::Opaque { line, file, .. } = e {
                assert_eq!(*line, s.line);
                assert_eq!(file, "f.sql");
            }
        }
        if s.kind == StatementKind::Ddl && !s.sql.contains('\u{FFFD}') {
            let body = s.sql.trim_end_matches(';');
            assert!(
                text.contains(body),
                "{dialect:?}: statement text {body:?} not in source"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(d in dialects(), bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = extract_bytes(d, "f.sql", &bytes);
        let text = String::from_utf8_lossy(&bytes);
        check(d, &text, &s);
    }

    #[test]
    fn sql_soup_never_panics(d in dialects(), parts in proptest::collection::vec(fragment(), 0..60)) {
        let text: String = parts.concat();
        let s = extract(d, "f.sql", &text);
        check(d, &text, &s);
    }
}
