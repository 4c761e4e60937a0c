//! Splitting migration files into statements without a full parse: quotes, comments, dollar
//! quotes and trigger bodies are respected, so a statement that the parser cannot read never
//! hides the ones after it. A byte loop, so 10 MB of INSERTs splits quickly.

use migdoctor_model::Dialect;

/// Returns nothing; one statement's place in the source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chunk {
    /// Byte range of the statement text, without the terminating `;`.
    pub start: usize,
    /// End (exclusive).
    pub end: usize,
    /// 1-based line of the first significant character.
    pub line: usize,
    /// Set when a string, identifier or comment is still open at the end of the file.
    pub unterminated: Option<&'static str>,
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Returns the statements of `text`, each starting at its first significant character (comments
/// and blank space before it skipped). Statements that hold only comments are left out.
pub fn split_statements(dialect: Option<Dialect>, text: &str) -> Vec<Chunk> {
    let b = text.as_bytes();
    let mysql = dialect == Some(Dialect::Mysql);
    let pg = dialect == Some(Dialect::Postgres) || dialect.is_none();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    // current statement
    let mut start: Option<(usize, usize)> = None; // (byte, line) of first significant char
    let mut words: Vec<String> = Vec::new(); // first words, upper-cased, to spot CREATE TRIGGER
    let mut depth: i32 = 0; // BEGIN … END nesting inside trigger bodies
    let mut in_trigger = false;
    let mut unterminated: Option<&'static str> = None;

    macro_rules! mark {
        () => {
            if start.is_none() {
                start = Some((i, line));
            }
        };
    }

    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' if mysql => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let mut nest = 1;
                i += 2;
                while i < b.len() && nest > 0 {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                        nest -= 1;
                        i += 2;
                    } else if pg && b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                        nest += 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                if nest > 0 {
                    unterminated = Some("comment");
                }
            }
            b'\'' | b'"' | b'`' => {
                mark!();
                let quote = c;
                // Backslash escapes: MySQL strings, and PostgreSQL E'…' strings.
                let backslash = (mysql && quote != b'`')
                    || (quote == b'\''
                        && i > 0
                        && (b[i - 1] == b'E' || b[i - 1] == b'e')
                        && (i < 2 || !is_ident_byte(b[i - 2])));
                i += 1;
                let mut closed = false;
                while i < b.len() {
                    let d = b[i];
                    if d == b'\n' {
                        line += 1;
                    }
                    if backslash && d == b'\\' {
                        if b.get(i + 1) == Some(&b'\n') {
                            line += 1;
                        }
                        i += 2;
                        continue;
                    }
                    if d == quote {
                        if b.get(i + 1) == Some(&quote) {
                            i += 2;
                            continue;
                        }
                        i += 1;
                        closed = true;
                        break;
                    }
                    i += 1;
                }
                if !closed {
                    unterminated = Some(match quote {
                        b'\'' => "string",
                        _ => "quoted identifier",
                    });
                }
            }
            b'$' if pg && (i == 0 || !is_ident_byte(b[i - 1])) => {
                mark!();
                // $tag$ … $tag$
                let mut j = i + 1;
                while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                    j += 1;
                }
                let tag_ok =
                    j < b.len() && b[j] == b'$' && !b.get(i + 1).is_some_and(u8::is_ascii_digit);
                if tag_ok {
                    let tag = &text[i..=j];
                    match text[j + 1..].find(tag) {
                        Some(rel) => {
                            let end = j + 1 + rel + tag.len();
                            line += text[i..end].bytes().filter(|&x| x == b'\n').count();
                            i = end;
                        }
                        None => {
                            line += text[i..].bytes().filter(|&x| x == b'\n').count();
                            i = b.len();
                            unterminated = Some("dollar-quoted string");
                        }
                    }
                } else {
                    i += 1;
                }
            }
            b';' if depth <= 0 => {
                if let Some((s, l)) = start.take() {
                    out.push(Chunk {
                        start: s,
                        end: i,
                        line: l,
                        unterminated: None,
                    });
                }
                words.clear();
                depth = 0;
                in_trigger = false;
                i += 1;
            }
            _ if c.is_ascii_whitespace() => i += 1,
            _ if is_ident_byte(c) => {
                mark!();
                let s = i;
                while i < b.len() && is_ident_byte(b[i]) {
                    i += 1;
                }
                let word = &text[s..i];
                if words.len() < 4 {
                    words.push(word.to_ascii_uppercase());
                    in_trigger = words.first().is_some_and(|w| w == "CREATE")
                        && words.iter().any(|w| w == "TRIGGER");
                }
                if in_trigger {
                    if word.eq_ignore_ascii_case("BEGIN") {
                        depth += 1;
                    } else if word.eq_ignore_ascii_case("END") {
                        depth -= 1;
                    } else if word.eq_ignore_ascii_case("CASE") {
                        depth += 1;
                    }
                }
            }
            _ => {
                mark!();
                i += 1;
            }
        }
    }
    if let Some((s, l)) = start {
        out.push(Chunk {
            start: s,
            end: b.len(),
            line: l,
            unterminated,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(d: Option<Dialect>, sql: &str) -> Vec<(String, usize)> {
        split_statements(d, sql)
            .into_iter()
            .map(|c| (sql[c.start..c.end].to_string(), c.line))
            .collect()
    }

    #[test]
    fn splits_on_top_level_semicolons_with_lines() {
        let sql = "-- header\nCREATE TABLE a (x int);\n\n/* c; */ INSERT INTO a VALUES ('x;y');\nSELECT 1";
        assert_eq!(
            texts(Some(Dialect::Postgres), sql),
            vec![
                ("CREATE TABLE a (x int)".into(), 2),
                ("INSERT INTO a VALUES ('x;y')".into(), 4),
                ("SELECT 1".into(), 5)
            ]
        );
    }

    #[test]
    fn dollar_quotes_and_nested_comments() {
        let sql = "DO $$ BEGIN PERFORM 1; END $$;\nCREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;\n/* a /* b */ ; */ SELECT 2;";
        let t = texts(Some(Dialect::Postgres), sql);
        assert_eq!(t.len(), 3, "{t:?}");
        assert_eq!(t[1].1, 2);
        assert_eq!(t[2].0, "SELECT 2");
    }

    #[test]
    fn mysql_escapes_and_hash_comments() {
        let sql = "INSERT INTO t VALUES ('it\\'s; fine');\n# comment;\nCREATE TABLE `a;b` (x int);";
        let t = texts(Some(Dialect::Mysql), sql);
        assert_eq!(t.len(), 2, "{t:?}");
        assert_eq!(t[1], ("CREATE TABLE `a;b` (x int)".into(), 3));
    }

    #[test]
    fn trigger_bodies_stay_whole() {
        let sql = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = 1; UPDATE t SET y = 2; END;\nCREATE TABLE z (a int);";
        let t = texts(Some(Dialect::Sqlite), sql);
        assert_eq!(t.len(), 2, "{t:?}");
        assert!(t[0].0.ends_with("END"));
    }

    #[test]
    fn unterminated_string_is_marked() {
        let c = split_statements(
            Some(Dialect::Postgres),
            "CREATE TABLE a (x int);\nINSERT INTO a VALUES ('oops",
        );
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].unterminated, Some("string"));
        assert_eq!(c[1].line, 2);
    }
}
