//! What a PostgreSQL `DO` block may do: the DDL statements inside its PL/pgSQL body, including
//! those behind `IF … THEN` and in `EXECUTE '…'` strings. They may run conditionally, so they
//! are never replayed as fact; they tell which earlier expectations the block may overturn
//! (a constraint dropped, then re-added inside a `DO` block).

use super::extract;
use migdoctor_model::{Dialect, SchemaEffect};

/// Returns the body of `DO [LANGUAGE plpgsql] $tag$ … $tag$ [LANGUAGE plpgsql]` or
/// `DO '…'`.
fn body(raw: &str) -> Option<String> {
    let rest = raw.trim_start();
    if !rest.get(..2)?.eq_ignore_ascii_case("do") {
        return None;
    }
    let mut rest = rest[2..].trim_start();
    if rest.len() > 8
        && rest
            .get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case("language"))
    {
        rest = rest[8..].trim_start();
        rest = rest.trim_start_matches(|c: char| c.is_alphanumeric() || c == '_');
        rest = rest.trim_start();
    }
    if let Some(after) = rest.strip_prefix('$') {
        let tag_end = after.find('$')?;
        let tag = &rest[..tag_end + 2];
        let inner = &rest[tag.len()..];
        let end = inner.find(tag)?;
        return Some(inner[..end].to_string());
    }
    unquote(rest).map(|(text, _)| text)
}

/// Returns the text of the single-quoted literal `s` starts with (`''` is one quote) and what
/// follows it.
fn unquote(s: &str) -> Option<(String, &str)> {
    let q = s.strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = q.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '\'' {
            out.push(c);
        } else if chars.peek().is_some_and(|(_, n)| *n == '\'') {
            chars.next();
            out.push('\'');
        } else {
            return Some((out, &q[i + 1..]));
        }
    }
    None
}

/// Strips PL/pgSQL control words from the front of one body statement: `BEGIN`, `DECLARE …`,
/// `END [IF|LOOP|CASE]`, `ELSE`, `EXCEPTION`, and `IF|ELSIF|WHEN … THEN`.
fn strip_control(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        let upper: String = s.chars().take(12).collect::<String>().to_ascii_uppercase();
        let word = upper
            .split(|c: char| !c.is_ascii_alphabetic())
            .next()
            .unwrap_or("");
        match word {
            "BEGIN" | "ELSE" | "EXCEPTION" | "LOOP" => s = &s[word.len()..],
            "END" => {
                s = s[3..].trim_start();
                for w in ["IF", "LOOP", "CASE"] {
                    if s.len() >= w.len() && s[..w.len()].eq_ignore_ascii_case(w) {
                        s = &s[w.len()..];
                    }
                }
            }
            "IF" | "ELSIF" | "WHEN" => match find_then(s) {
                Some(i) => s = &s[i + 4..],
                None => return "",
            },
            _ => return s,
        }
    }
}

/// Returns where the top-level `THEN` of an `IF …` is (outside quotes and parentheses).
fn find_then(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let (mut depth, mut quote) = (0i32, false);
    for i in 0..b.len() {
        match b[i] {
            b'\'' => quote = !quote,
            b'(' if !quote => depth += 1,
            b')' if !quote => depth -= 1,
            _ if !quote
                && depth == 0
                && b.len() >= i + 4
                && s[i..i + 4].eq_ignore_ascii_case("then")
                && (i == 0 || !b[i - 1].is_ascii_alphanumeric())
                && b.get(i + 4).is_none_or(|c| !c.is_ascii_alphanumeric()) =>
            {
                return Some(i);
            }
            _ => {}
        }
    }
    None
}

/// Returns the SQL of `EXECUTE '…'` when the string is one literal (no concatenation).
fn execute_literal(s: &str) -> Option<String> {
    let rest = s.trim_start();
    if rest.len() < 7 || !rest[..7].eq_ignore_ascii_case("execute") {
        return None;
    }
    let lit = rest[7..].trim();
    if lit.starts_with('\'') {
        let (text, tail) = unquote(lit)?;
        return tail.trim().is_empty().then_some(text);
    }
    if lit.starts_with('$') {
        return body(&format!("do {lit}"));
    }
    None
}

/// Returns the effects of the DDL inside a `DO` block, or `None` when it is not one. Anything
/// inside that cannot be read is an `Opaque` effect in the list.
pub(super) fn do_block_effects(raw: &str) -> Option<Vec<SchemaEffect>> {
    let text = body(raw)?;
    let mut out = Vec::new();
    // DECLARE … BEGIN: the declarations are not statements to read.
    let text = match (find_word(&text, "declare"), find_word(&text, "begin")) {
        (Some(d), Some(b)) if d < b => text[b..].to_string(),
        _ => text,
    };
    for piece in crate::split_statements(Some(Dialect::Postgres), &text) {
        let stmt = strip_control(&text[piece.start..piece.end]);
        if stmt.trim().is_empty() {
            continue;
        }
        let first = stmt
            .split(|c: char| !c.is_alphanumeric() && c != '_')
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let sql = match first.as_str() {
            "EXECUTE" => match execute_literal(stmt) {
                Some(sql) => sql,
                None => {
                    out.push(SchemaEffect::Opaque {
                        file: String::new(),
                        line: 0,
                        reason: "EXECUTE of a computed string".into(),
                        inner: Vec::new(),
                    });
                    continue;
                }
            },
            "RAISE" | "PERFORM" | "RETURN" | "NULL" | "GET" | "FOR" | "WHILE" | "CONTINUE"
            | "EXIT" => continue,
            _ => stmt.to_string(),
        };
        for s in extract(Some(Dialect::Postgres), "", &sql) {
            out.extend(s.effects);
        }
    }
    Some(out)
}

fn find_word(text: &str, word: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    let mut from = 0;
    while let Some(i) = lower[from..].find(word) {
        let at = from + i;
        let before = at == 0 || !b[at - 1].is_ascii_alphanumeric();
        let after = b
            .get(at + word.len())
            .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'_');
        if before && after {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn do_blocks_read_their_ddl_behind_if_and_execute() {
        let e = do_block_effects(
            "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'fk_a') THEN\n    \
             ALTER TABLE accounts ADD CONSTRAINT fk_a FOREIGN KEY (owner_id) REFERENCES users(id);\n  END IF;\n  \
             EXECUTE 'CREATE INDEX ix_b ON t381 (c221)';\n  RAISE NOTICE 'done';\nEND $$",
        )
        .unwrap();
        assert!(
            matches!(&e[0], SchemaEffect::AddConstraint { name: Some(n), .. } if n == "fk_a"),
            "{e:?}"
        );
        assert!(
            matches!(&e[1], SchemaEffect::CreateIndex { index, .. } if index.name == "ix_b"),
            "{e:?}"
        );
        assert_eq!(e.len(), 2);
        let e = do_block_effects(
            "DO $x$ DECLARE n int; BEGIN EXECUTE 'DROP TABLE ' || quote_ident('t'); END $x$",
        )
        .unwrap();
        assert!(matches!(&e[0], SchemaEffect::Opaque { .. }), "{e:?}");
        assert!(do_block_effects("CREATE TABLE t (x int)").is_none());
    }
}
