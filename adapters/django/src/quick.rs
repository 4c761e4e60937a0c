//! A line reader for the graph facts of migration files written as `makemigrations` writes
//! them, for when only the graph is wanted; anything unusual goes to the Python parser.

use crate::parse::{Dep, Parsed};

/// Returns the graph facts of a migration file read line by line, without the Python parser,
/// when the file is as `makemigrations` writes it (literal `dependencies`, `replaces`,
/// `run_before` of string pairs, `initial`); `None` sends the file to [`parse_migration`].
/// Used when only the graph is wanted (`status`, `scan`), where parsing every file dominated.
pub fn quick_facts(text: &str) -> Option<Parsed> {
    if !text.contains("class Migration(") {
        return None;
    }
    let mut p = Parsed {
        atomic: true,
        ..Parsed::default()
    };
    if let Some(inner) = assigned_list(text, "dependencies")? {
        p.dependencies = quick_deps(inner)?;
    }
    if let Some(inner) = assigned_list(text, "replaces")? {
        p.replaces = quick_pairs(inner)?;
    }
    if let Some(inner) = assigned_list(text, "run_before")? {
        p.run_before = quick_pairs(inner)?;
    }
    for line in text.lines() {
        let t = line.trim();
        if let Some(v) = t.strip_prefix("initial = ") {
            p.initial = match v.trim() {
                "True" => Some(true),
                "False" => Some(false),
                _ => return None,
            };
        }
        if t.starts_with("atomic = ") {
            p.atomic = t.ends_with("True");
        }
    }
    Some(p)
}

/// Returns the text inside the brackets of the one `name = [...]` / `(...)` class attribute:
/// `Some(None)` when there is none, `None` when it is written in a way this reader does not
/// follow (twice, computed, strings with escapes).
fn assigned_list<'a>(text: &'a str, name: &str) -> Option<Option<&'a str>> {
    let mut found = None;
    let mut from = 0;
    while let Some(at) = text[from..].find(name) {
        let start = from + at;
        from = start + name.len();
        let line_start = text[..start].rfind('\n').map(|i| i + 1).unwrap_or(0);
        if !text[line_start..start].trim().is_empty() {
            continue;
        }
        let rest = text[from..].trim_start_matches([' ', ':']);
        let rest = rest.strip_prefix('=')?.trim_start();
        let (open, close) = match rest.chars().next()? {
            '[' => ('[', ']'),
            '(' => ('(', ')'),
            _ => return None,
        };
        if found.is_some() {
            return None;
        }
        let body = &rest[1..];
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        let mut end = None;
        for (i, c) in body.char_indices() {
            match (quote, c) {
                (Some(_), '\\') => return None,
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '\'' | '"') => quote = Some(c),
                (None, '#') => return None,
                (None, c) if c == open || c == '(' || c == '[' => depth += 1,
                (None, c) if (c == close || c == ')' || c == ']') && depth == 0 => {
                    end = Some(i);
                    break;
                }
                (None, ')' | ']') => depth = depth.checked_sub(1)?,
                _ => {}
            }
        }
        found = Some(&body[..end?]);
    }
    Some(found)
}

/// Returns the items of a literal list body: `("a", "b")` pairs and
/// `migrations.swappable_dependency(settings.AUTH_USER_MODEL)`.
fn quick_deps(inner: &str) -> Option<Vec<Dep>> {
    let mut out = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        if let Some(r) =
            rest.strip_prefix("migrations.swappable_dependency(settings.AUTH_USER_MODEL)")
        {
            out.push(Dep::SwappableUser);
            rest = r.trim_start().trim_start_matches(',').trim_start();
            continue;
        }
        let (pair, r) = quick_pair(rest)?;
        out.push(Dep::Key(pair.0, pair.1));
        rest = r;
    }
    Some(out)
}

fn quick_pairs(inner: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let (pair, r) = quick_pair(rest)?;
        out.push(pair);
        rest = r;
    }
    Some(out)
}

/// Returns one `("a", "b")` pair and the text after it (and its comma).
fn quick_pair(text: &str) -> Option<((String, String), &str)> {
    let rest = text.strip_prefix('(')?.trim_start();
    let (a, rest) = quick_str(rest)?;
    let rest = rest.trim_start().strip_prefix(',')?.trim_start();
    let (b, rest) = quick_str(rest)?;
    let rest = rest.trim_start().trim_start_matches(',').trim_start();
    let rest = rest.strip_prefix(')')?.trim_start();
    let rest = rest.trim_start_matches(',').trim_start();
    Some(((a, b), rest))
}

fn quick_str(text: &str) -> Option<(String, &str)> {
    let q = text.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let body = &text[1..];
    let end = body.find(q)?;
    Some((body[..end].to_string(), &body[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_migration;

    #[test]
    fn the_quick_reader_agrees_with_the_parser_or_declines() {
        let text = "from django.db import migrations\n\n\nclass Migration(migrations.Migration):\n\n    initial = True\n\n    dependencies = [\n        migrations.swappable_dependency(settings.AUTH_USER_MODEL),\n        ('shop', '0001_initial'),\n        (\"blog\", \"0002_x\"),\n    ]\n\n    replaces = [('shop', '0001_a'), ('shop', '0002_b')]\n\n    operations = [\n        migrations.RunSQL('SELECT 1'),\n    ]\n";
        let quick = quick_facts(text).unwrap();
        let full = parse_migration(text, "f.py", "m", "a").unwrap();
        assert_eq!(quick.dependencies, full.dependencies);
        assert_eq!(quick.replaces, full.replaces);
        assert_eq!(quick.initial, full.initial);
        // Computed or commented dependencies go to the parser.
        assert!(quick_facts(
            "class Migration(migrations.Migration):\n    dependencies = BASE + [('a', 'b')]\n"
        )
        .is_none());
        assert!(quick_facts("class Migration(migrations.Migration):\n    dependencies = [\n        # ('a', 'b'),\n    ]\n").is_none());
        assert!(quick_facts("x = 1\n").is_none());
    }
}
