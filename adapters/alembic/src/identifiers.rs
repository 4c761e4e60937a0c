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
        let starts_block = [
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
        for q in ["\"\"\"", "'''"] {
            if line.matches(q).count() % 2 == 1 {
                in_triple = match in_triple {
                    Some(open) if open == q => None,
                    None => Some(q),
                    other => other,
                };
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
