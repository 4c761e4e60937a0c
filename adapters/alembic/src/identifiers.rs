//! The fast path of a history-only run: a revision's identifiers without parsing the whole
//! file. Only the module-level part is looked at; plain literals are read from Python tokens,
//! anything else goes back to the real parser.

use crate::history::RevisionFile;
use rustpython_parser::Mode;

/// Returns the module-level part of a revision file: everything before the first top-level
/// `def`/`class`/decorator/compound statement outside a triple-quoted string. Identifiers live
/// there; `upgrade()` does not.
pub(crate) fn module_prefix(text: &str) -> &str {
    let mut offset = 0;
    let mut in_triple: Option<&str> = None;
    for line in text.split_inclusive('\n') {
        // Cheap tests first: this runs on every line of thousands of files.
        let first = line.as_bytes().first().copied().unwrap_or(b' ');
        let starts_block = matches!(first, b'd' | b'a' | b'c' | b'@' | b'i' | b'f' | b'w' | b't')
            && [
                "def ",
                "async def ",
                "class ",
                "@",
                "if ",
                "for ",
                "with ",
                "try:",
                "while ",
            ]
            .iter()
            .any(|k| line.starts_with(k));
        if in_triple.is_none() && starts_block {
            return &text[..offset];
        }
        if line.contains(['"', '\'']) {
            for q in ["\"\"\"", "'''"] {
                if line.matches(q).count() % 2 == 1 {
                    in_triple = match in_triple {
                        Some(open) if open == q => None,
                        None => Some(q),
                        other => other,
                    };
                }
            }
        }
        offset += line.len();
    }
    text
}

/// Returns the parts of the module-level prefix that hold what a history-only run needs: the
/// module docstring and the `revision` / `down_revision` / `branch_labels` / `depends_on`
/// statements (with their continuation lines), each line kept whole so the parser sees real
/// Python. Everything else at module level (imports, helpers) is left out.
pub(crate) fn identifier_source(prefix: &str) -> String {
    const NAMES: [&str; 4] = ["revision", "down_revision", "branch_labels", "depends_on"];
    let mut out = String::new();
    let mut lines = prefix.split_inclusive('\n').peekable();
    // The docstring, when the module starts with one.
    while let Some(&line) = lines.peek() {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            lines.next();
            continue;
        }
        for q in ["\"\"\"", "'''"] {
            if let Some(rest) = t.strip_prefix(q) {
                out.push_str(line);
                let mut closed = rest.contains(q);
                lines.next();
                while !closed {
                    let Some(l) = lines.next() else { break };
                    out.push_str(l);
                    closed = l.contains(q);
                }
            }
        }
        break;
    }
    let mut depth: i32 = 0;
    let mut capturing = false;
    for line in lines {
        if !capturing {
            let starts = NAMES.iter().any(|n| {
                line.strip_prefix(n).is_some_and(|rest| {
                    let rest = rest.trim_start();
                    rest.starts_with('=') || rest.starts_with(':')
                })
            });
            if !starts {
                continue;
            }
            capturing = true;
            depth = 0;
        }
        out.push_str(line);
        for c in line.chars() {
            match c {
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                '#' => break,
                _ => {}
            }
        }
        if depth <= 0 && !line.trim_end().ends_with('\\') {
            capturing = false;
        }
    }
    out
}

/// Returns the module facts read from Python tokens (rustpython's lexer) when every statement
/// of `source` that names them is one of the literal forms Alembic writes — a string, `None`,
/// or a tuple/list of strings, after an optional annotation. `None` means "read it with the
/// parser": anything unusual (escapes, f-strings, concatenation, expressions) goes to the AST.
pub(crate) fn facts_from_tokens(source: &str) -> Option<RevisionFile> {
    use rustpython_parser::lexer::lex;
    use rustpython_parser::{StringKind, Tok};
    let mut toks = Vec::new();
    // Without the `full-lexer` feature comments and non-logical newlines are already dropped.
    for t in lex(source, Mode::Module) {
        toks.push(t.ok()?.0);
    }
    let plain = |t: &Tok| match t {
        Tok::String {
            value,
            kind: StringKind::String,
            ..
        } if !value.contains('\\') => Some(value.clone()),
        _ => None,
    };
    let mut rf = RevisionFile::default();
    let mut i = 0;
    // A module docstring: a lone string statement first.
    if let (Some(Tok::String { value, .. }), Some(Tok::Newline)) = (toks.first(), toks.get(1)) {
        rf.message = value
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_string);
        i = 2;
    }
    while i < toks.len() {
        let name = match &toks[i] {
            Tok::Name { name }
                if matches!(
                    name.as_str(),
                    "revision" | "down_revision" | "branch_labels" | "depends_on"
                ) =>
            {
                name.clone()
            }
            Tok::EndOfFile => break,
            _ => return None,
        };
        i += 1;
        if toks.get(i) == Some(&Tok::Colon) {
            // skip the annotation up to `=` at bracket depth 0
            let mut depth = 0;
            loop {
                i += 1;
                match toks.get(i)? {
                    Tok::Lsqb | Tok::Lpar => depth += 1,
                    Tok::Rsqb | Tok::Rpar => depth -= 1,
                    Tok::Equal if depth == 0 => break,
                    Tok::Newline => return None,
                    _ => {}
                }
            }
        }
        if toks.get(i) != Some(&Tok::Equal) {
            return None;
        }
        i += 1;
        let mut values = Vec::new();
        match toks.get(i)? {
            Tok::None => i += 1,
            t @ Tok::String { .. } => {
                values.push(plain(t)?);
                i += 1;
            }
            open @ (Tok::Lpar | Tok::Lsqb) => {
                let close = if *open == Tok::Lpar {
                    Tok::Rpar
                } else {
                    Tok::Rsqb
                };
                i += 1;
                loop {
                    match toks.get(i)? {
                        t if *t == close => {
                            i += 1;
                            break;
                        }
                        t @ Tok::String { .. } => {
                            values.push(plain(t)?);
                            i += 1;
                            match toks.get(i)? {
                                Tok::Comma => i += 1,
                                t if *t == close => {}
                                _ => return None,
                            }
                        }
                        _ => return None,
                    }
                }
            }
            _ => return None,
        }
        if !matches!(
            toks.get(i),
            Some(Tok::Newline) | Some(Tok::EndOfFile) | None
        ) {
            return None;
        }
        i += 1;
        match name.as_str() {
            "revision" => rf.revision = values.first().cloned(),
            "down_revision" => rf.down = values,
            "branch_labels" => rf.labels = values,
            _ => rf.depends_on = values,
        }
    }
    Some(rf)
}

/// Returns one plain string literal (`'x'` or `"x"`, no escapes, no prefix), or `None`.
fn plain_literal(s: &str) -> Option<String> {
    let q = s.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let inner = s[1..].strip_suffix(q)?;
    (!inner.contains(q) && !inner.contains('\\')).then(|| inner.to_string())
}

/// Returns the module facts from the reduced source (see [`identifier_source`]) when every
/// statement in it is one line of the exact forms Alembic's template writes —
/// `name[: annotation] = 'x' | None | ('a', 'b') | ['a']` — read without a lexer, the
/// fastest path of a history-only run. `None` means "use the tokens".
pub(crate) fn facts_from_lines(source: &str) -> Option<RevisionFile> {
    let mut rf = RevisionFile::default();
    let mut lines = source.lines().peekable();
    // The docstring's first non-empty line is the message.
    if let Some(first) = lines.peek() {
        let t = first.trim_start();
        if let Some(q) = ["\"\"\"", "'''"].into_iter().find(|q| t.starts_with(q)) {
            let mut rest = t[3..].to_string();
            let mut closed = rest.contains(q);
            lines.next();
            let mut message = None;
            loop {
                let text = rest.split(q).next().unwrap_or("");
                if message.is_none() && !text.trim().is_empty() {
                    message = Some(text.trim().to_string());
                }
                if closed {
                    break;
                }
                rest = lines.next()?.to_string();
                closed = rest.contains(q);
            }
            rf.message = message;
        }
    }
    for line in lines {
        if line.trim().is_empty() {
            continue;
        }
        let (target, value) = line.split_once('=')?;
        let name = target.split(':').next()?.trim();
        let value = value.split('#').next()?.trim();
        let values = if value == "None" {
            Vec::new()
        } else if let Some(inner) = value
            .strip_prefix('(')
            .and_then(|v| v.strip_suffix(')'))
            .or_else(|| value.strip_prefix('[').and_then(|v| v.strip_suffix(']')))
        {
            inner
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(plain_literal)
                .collect::<Option<Vec<String>>>()?
        } else {
            vec![plain_literal(value)?]
        };
        match name {
            "revision" => rf.revision = values.into_iter().next(),
            "down_revision" => rf.down = values,
            "branch_labels" => rf.labels = values,
            "depends_on" => rf.depends_on = values,
            _ => return None,
        }
    }
    Some(rf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_lines_read_without_a_lexer_and_anything_else_falls_back() {
        let src = "\"\"\"add email\n\nRevision ID: b2\n\"\"\"\nrevision: str = 'b2'\ndown_revision: Union[str, Sequence[str], None] = ('a1', \"x9\")\nbranch_labels = None\ndepends_on = ['c3']  # why\n";
        let rf = facts_from_lines(src).unwrap();
        assert_eq!(rf.revision.as_deref(), Some("b2"));
        assert_eq!(rf.down, vec!["a1", "x9"]);
        assert!(rf.labels.is_empty());
        assert_eq!(rf.depends_on, vec!["c3"]);
        assert_eq!(rf.message.as_deref(), Some("add email"));
        assert_eq!(
            facts_from_lines("\"\"\"\n  one line\n\"\"\"\nrevision = 'a'\n")
                .unwrap()
                .message
                .as_deref(),
            Some("one line")
        );
        // Escapes, concatenation, calls and continuation lines are the lexer's.
        for odd in [
            "revision = 'a\\'b'\n",
            "revision = 'a' + 'b'\n",
            "revision = make()\n",
            "down_revision = (\n  'a',\n)\n",
            "revision = f'x'\n",
        ] {
            assert!(facts_from_lines(odd).is_none(), "{odd}");
        }
        // The same answer as the tokens on the template's form.
        assert_eq!(facts_from_lines(src), facts_from_tokens(src));
    }
}
