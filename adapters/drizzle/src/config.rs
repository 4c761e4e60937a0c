//! Reading `drizzle.config.ts|js|mjs|cjs|json` as text: migdoctor never runs project code, so
//! each setting is taken when it is a literal (or `process.env.NAME`), and reported as
//! computed in code otherwise.

use std::collections::BTreeMap;

/// Returns nothing; one setting as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    /// A string literal.
    Literal(String),
    /// `process.env.NAME` (or `process.env["NAME"]`), possibly with `!`.
    Env(String),
    /// Anything else: an expression migdoctor does not evaluate (the text as written).
    Code(String),
}

/// Returns nothing; what a Drizzle config says, key by key (`out`, `dialect`, `schema`,
/// `dbCredentials.url`, `migrations.table`, `migrations.schema`, `migrations.prefix`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DrizzleConfig {
    /// Settings by dotted key.
    pub settings: BTreeMap<String, Setting>,
}

impl DrizzleConfig {
    /// Returns the setting at a dotted key.
    pub fn get(&self, key: &str) -> Option<&Setting> {
        self.settings.get(key)
    }

    /// Returns the literal value at a dotted key.
    pub fn literal(&self, key: &str) -> Option<&str> {
        match self.settings.get(key) {
            Some(Setting::Literal(s)) => Some(s),
            _ => None,
        }
    }
}

const KEYS: &[(&str, &[&str])] = &[
    ("", &["out", "dialect", "driver", "schema"]),
    ("dbCredentials", &["url", "connectionString"]),
    ("migrations", &["table", "schema", "prefix"]),
];

/// Returns the settings of a config file's text (`json` for drizzle.config.json).
pub fn parse_config(text: &str, json: bool) -> DrizzleConfig {
    let mut cfg = DrizzleConfig::default();
    if json {
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text) {
            for (block, keys) in KEYS {
                let obj = if block.is_empty() {
                    Some(&v)
                } else {
                    v.get(*block)
                };
                for key in *keys {
                    if let Some(s) = obj.and_then(|o| o.get(*key)).and_then(|x| x.as_str()) {
                        cfg.settings
                            .insert(dotted(block, key), Setting::Literal(s.into()));
                    }
                }
            }
        }
        return cfg;
    }
    let code = strip_comments(text);
    let mut top = code.clone();
    for (block, keys) in KEYS.iter().filter(|(b, _)| !b.is_empty()) {
        if let Some((start, end)) = find_block(&code, block) {
            let inner = &code[start + 1..end];
            for key in *keys {
                if let Some(v) = value_of(inner, key) {
                    cfg.settings.insert(dotted(block, key), v);
                }
            }
            // Blank the block so top-level keys are not found inside it.
            top.replace_range(start..=end, &" ".repeat(end - start + 1));
        }
    }
    for key in KEYS[0].1 {
        if let Some(v) = value_of(&top, key) {
            cfg.settings.insert((*key).to_string(), v);
        }
    }
    cfg
}

fn dotted(block: &str, key: &str) -> String {
    if block.is_empty() {
        key.to_string()
    } else {
        format!("{block}.{key}")
    }
}

/// Returns the text with `//` and `/* */` comments blanked (strings kept), same length.
fn strip_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == b'\\' {
                i += 2;
                continue;
            }
            if c == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        if c == b'"' || c == b'\'' || c == b'`' {
            quote = Some(c);
        } else if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                out[i] = b' ';
                i += 1;
            }
            continue;
        } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                if b[i] != b'\n' {
                    out[i] = b' ';
                }
                i += 1;
            }
            for _ in 0..2 {
                if i < b.len() {
                    out[i] = b' ';
                    i += 1;
                }
            }
            continue;
        }
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Returns the byte offset of `key` used as an object key (`key:` or `"key":`).
fn key_at(code: &str, key: &str) -> Option<usize> {
    let b = code.as_bytes();
    let mut from = 0;
    while let Some(pos) = code[from..].find(key) {
        let at = from + pos;
        from = at + key.len();
        let before = at.checked_sub(1).map(|i| b[i]);
        let quoted = matches!(before, Some(b'"' | b'\''));
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'$')
        {
            continue;
        }
        let mut j = at + key.len();
        if quoted && matches!(b.get(j), Some(b'"' | b'\'')) {
            j += 1;
        }
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if b.get(j) == Some(&b':') {
            return Some(j + 1);
        }
        // Shorthand property `{ out, … }`: the value is a variable.
        if !quoted
            && matches!(b.get(j), Some(b',' | b'}'))
            && before.is_some_and(|c| matches!(c, b'{' | b',' | b' ' | b'\n' | b'\t'))
        {
            return Some(at);
        }
    }
    None
}

fn find_block(code: &str, key: &str) -> Option<(usize, usize)> {
    let after = key_at(code, key)?;
    let b = code.as_bytes();
    let start = after + code[after..].find(|c: char| !c.is_whitespace())?;
    if b[start] != b'{' {
        return None;
    }
    let mut depth = 0;
    for (i, &c) in b.iter().enumerate().skip(start) {
        match c {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some((start, i));
                }
            }
            _ => {}
        }
    }
    None
}

fn value_of(code: &str, key: &str) -> Option<Setting> {
    let after = key_at(code, key)?;
    let rest = code[after..].trim_start();
    // The expression ends at a top-level ',' or the closing brace of the object.
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut end = rest.len();
    let mut prev = ' ';
    for (i, c) in rest.char_indices() {
        if let Some(q) = quote {
            if c == q && prev != '\\' {
                quote = None;
            }
        } else {
            match c {
                '"' | '\'' | '`' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' if depth == 0 => {
                    end = i;
                    break;
                }
                ')' | ']' | '}' => depth -= 1,
                ',' | '\n' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        prev = c;
    }
    let expr = rest[..end].trim().trim_end_matches(',').trim();
    if expr.is_empty() {
        // shorthand `{ out }`
        return Some(Setting::Code(key.to_string()));
    }
    Some(classify(expr))
}

fn classify(expr: &str) -> Setting {
    let e = expr.trim_end_matches('!').trim();
    let e = e.strip_suffix("as string").map(str::trim).unwrap_or(e);
    for q in ['"', '\'', '`'] {
        if e.len() >= 2 && e.starts_with(q) && e.ends_with(q) {
            let inner = &e[1..e.len() - 1];
            if !inner.contains(q) && (q != '`' || !inner.contains("${")) {
                return Setting::Literal(inner.to_string());
            }
        }
    }
    if let Some(name) = e.strip_prefix("process.env.") {
        if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Setting::Env(name.to_string());
        }
    }
    if let Some(inner) = e
        .strip_prefix("process.env[")
        .and_then(|s| s.strip_suffix(']'))
    {
        let name = inner.trim_matches(|c| c == '"' || c == '\'');
        return Setting::Env(name.to_string());
    }
    Setting::Code(expr.to_string())
}

/// Returns the value of `name` in a `.env` file's text (`NAME=value`, quotes removed).
pub fn env_value(text: &str, name: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let line = line.trim().trim_start_matches("export ").trim();
        let (k, v) = line.split_once('=')?;
        (k.trim() == name).then(|| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|s| s.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
                .unwrap_or(v);
            v.to_string()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_literals_env_and_code() {
        let text = r#"import { defineConfig } from "drizzle-kit";
// out: "./wrong",
export default defineConfig({
  schema: "./src/db/schema.ts",
  out: './migrations', /* comment, out: "x" */
  dialect: "postgresql",
  dbCredentials: { url: process.env.DATABASE_URL! },
  migrations: { table: "my_migrations", schema: 'ops', prefix: "timestamp" },
});
"#;
        let c = parse_config(text, false);
        assert_eq!(c.literal("out"), Some("./migrations"));
        assert_eq!(c.literal("schema"), Some("./src/db/schema.ts"));
        assert_eq!(c.literal("migrations.schema"), Some("ops"));
        assert_eq!(c.literal("migrations.table"), Some("my_migrations"));
        assert_eq!(c.literal("migrations.prefix"), Some("timestamp"));
        assert_eq!(
            c.get("dbCredentials.url"),
            Some(&Setting::Env("DATABASE_URL".into()))
        );
    }

    #[test]
    fn computed_out_is_code() {
        let c = parse_config(
            "export default { out: path.join(__dirname, 'drizzle'), dialect: 'sqlite' }",
            false,
        );
        assert!(matches!(c.get("out"), Some(Setting::Code(e)) if e.contains("path.join")));
        assert_eq!(c.literal("dialect"), Some("sqlite"));
        let c = parse_config(
            "const out = dir;\nexport default { out, dialect: 'mysql' }",
            false,
        );
        assert!(matches!(c.get("out"), Some(Setting::Code(_))));
        let c = parse_config("export default { out: `${base}/m` }", false);
        assert!(matches!(c.get("out"), Some(Setting::Code(_))));
    }

    #[test]
    fn json_and_env_files() {
        let c = parse_config(
            r#"{"out": "db", "dialect": "mysql", "migrations": {"table": "t"}}"#,
            true,
        );
        assert_eq!(c.literal("out"), Some("db"));
        assert_eq!(c.literal("migrations.table"), Some("t"));
        assert_eq!(
            env_value(
                "# x\nexport DATABASE_URL=\"postgres://a@b/c\"\n",
                "DATABASE_URL"
            )
            .as_deref(),
            Some("postgres://a@b/c")
        );
    }
}
