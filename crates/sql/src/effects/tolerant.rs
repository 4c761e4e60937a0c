//! A tolerant reader for the DDL sqlparser rejects although the database accepts it: SQLite's
//! free-form column types (`varchar[10]`, `TEXT AFTER description`, `CHECK ( id IS NOT
//! parent_id )`), PostgreSQL's `ALTER SEQUENCE` and `ALTER TABLE … SET SCHEMA`, MySQL's
//! `ALTER TABLE … RENAME INDEX`. It reads only the shape of the statement (names, the
//! top-level structure of a column list) and answers `None` for anything else, so the
//! statement stays opaque rather than guessed.

use migdoctor_model::{ConstraintDef, QName, SchemaEffect};

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword: (folded text, upper-cased text when unquoted).
    Word(String, Option<String>),
    /// A string or number literal.
    Lit,
    /// One punctuation character.
    Punct(char),
}

impl Tok {
    fn kw(&self) -> Option<&str> {
        match self {
            Tok::Word(_, Some(upper)) => Some(upper),
            _ => None,
        }
    }
    fn name(&self) -> Option<&str> {
        match self {
            Tok::Word(folded, _) => Some(folded),
            _ => None,
        }
    }
}

fn tokenize(text: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            i += 1;
            loop {
                match chars.get(i) {
                    None => return None,
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
                    Some('\'') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            out.push(Tok::Lit);
        } else if c == '"' || c == '`' || c == '[' {
            let close = match c {
                '[' => ']',
                other => other,
            };
            let mut s = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => return None,
                    Some(&d) if d == close && chars.get(i + 1) == Some(&close) && close != ']' => {
                        s.push(d);
                        i += 2;
                    }
                    Some(&d) if d == close => break,
                    Some(&d) => {
                        s.push(d);
                        i += 1;
                    }
                }
            }
            i += 1;
            out.push(Tok::Word(s, None));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            let w: String = chars[start..i].iter().collect();
            out.push(Tok::Word(w.to_lowercase(), Some(w.to_uppercase())));
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Lit);
        } else if c == '$' {
            // dollar-quoted bodies are not shapes this reader knows
            return None;
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    Some(out)
}

/// Returns the identifiers in `text` (folded: unquoted lower-cased), keywords included.
pub(super) fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = tokenize(text)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|t| t.name().map(str::to_string))
        .collect();
    out.sort();
    out.dedup();
    out
}

struct Cursor {
    toks: Vec<Tok>,
    pos: usize,
}

impl Cursor {
    fn peek_kw(&self) -> Option<&str> {
        self.toks.get(self.pos).and_then(Tok::kw)
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.peek_kw() == Some(kw) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_kws(&mut self, kws: &[&str]) -> bool {
        let save = self.pos;
        for k in kws {
            if !self.eat_kw(k) {
                self.pos = save;
                return false;
            }
        }
        true
    }
    fn eat_punct(&mut self, c: char) -> bool {
        if self.toks.get(self.pos) == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn ident(&mut self) -> Option<String> {
        let n = self.toks.get(self.pos)?.name()?.to_string();
        self.pos += 1;
        Some(n)
    }
    /// A possibly qualified name: `a`, `a.b`, `a.b.c` (the last two parts kept).
    fn qname(&mut self) -> Option<QName> {
        let mut parts = vec![self.ident()?];
        while self.eat_punct('.') {
            parts.push(self.ident()?);
        }
        let name = parts.pop()?;
        Some(QName {
            schema: parts.pop(),
            name,
        })
    }
    /// The tokens up to the matching `)` of a `(` just eaten.
    fn group(&mut self) -> Option<Vec<Tok>> {
        let mut depth = 1;
        let start = self.pos;
        while let Some(t) = self.toks.get(self.pos) {
            self.pos += 1;
            match t {
                Tok::Punct('(') => depth += 1,
                Tok::Punct(')') => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(self.toks[start..self.pos - 1].to_vec());
                    }
                }
                _ => {}
            }
        }
        None
    }
    fn at_end(&self) -> bool {
        self.pos >= self.toks.len()
    }
}

/// Splits tokens at top-level commas.
fn split_commas(toks: &[Tok]) -> Vec<Vec<Tok>> {
    let mut out = vec![Vec::new()];
    let mut depth = 0;
    for t in toks {
        match t {
            Tok::Punct('(') => depth += 1,
            Tok::Punct(')') => depth -= 1,
            Tok::Punct(',') if depth == 0 => {
                out.push(Vec::new());
                continue;
            }
            _ => {}
        }
        out.last_mut().expect("never empty").push(t.clone());
    }
    out.retain(|p| !p.is_empty());
    out
}

/// Returns the names inside the first parenthesised group of `toks`.
fn paren_names(toks: &[Tok]) -> Vec<String> {
    let Some(open) = toks.iter().position(|t| *t == Tok::Punct('(')) else {
        return Vec::new();
    };
    let mut c = Cursor {
        toks: toks[open + 1..].to_vec(),
        pos: 0,
    };
    let inner = c.group().unwrap_or_default();
    split_commas(&inner)
        .iter()
        .filter_map(|p| p.first().and_then(Tok::name).map(str::to_string))
        .collect()
}

fn references(toks: &[Tok]) -> Option<QName> {
    let at = toks.iter().position(|t| t.kw() == Some("REFERENCES"))?;
    Cursor {
        toks: toks[at + 1..].to_vec(),
        pos: 0,
    }
    .qname()
}

fn kind_of(kw: &str) -> Option<&'static str> {
    Some(match kw {
        "PRIMARY" => "primary key",
        "UNIQUE" => "unique",
        "FOREIGN" => "foreign key",
        "CHECK" => "check",
        _ => return None,
    })
}

/// Returns the effects of a statement sqlparser could not read, when it is one of the shapes
/// this reader knows.
pub(super) fn effects(text: &str) -> Option<Vec<SchemaEffect>> {
    let mut c = Cursor {
        toks: tokenize(text)?,
        pos: 0,
    };
    if c.eat_kw("CREATE") {
        if c.eat_kw("TEMP") || c.eat_kw("TEMPORARY") {
            // A temporary table lives for one session: it never reaches the schema.
            return c.eat_kw("TABLE").then(Vec::new);
        }
        if !c.eat_kw("TABLE") {
            return None;
        }
        return create_table(&mut c);
    }
    if c.eat_kws(&["ALTER", "TABLE"]) {
        return alter_table(&mut c);
    }
    if c.eat_kws(&["ALTER", "SEQUENCE"]) {
        return alter_sequence(&mut c);
    }
    None
}

fn create_table(c: &mut Cursor) -> Option<Vec<SchemaEffect>> {
    let if_not_exists = c.eat_kws(&["IF", "NOT", "EXISTS"]);
    let table = c.qname()?;
    if c.eat_kw("AS") {
        return Some(vec![SchemaEffect::CreateTable {
            table,
            columns: Vec::new(),
            constraints: Vec::new(),
            if_not_exists,
        }]);
    }
    if !c.eat_punct('(') {
        return None;
    }
    let body = c.group()?;
    let mut columns = Vec::new();
    let mut constraints = Vec::new();
    let mut out = Vec::new();
    for element in split_commas(&body) {
        let first = element.first()?;
        let (name, rest) = if first.kw() == Some("CONSTRAINT") {
            (Some(element.get(1)?.name()?.to_string()), &element[2..])
        } else {
            (None, &element[..])
        };
        let head = rest.first().and_then(Tok::kw).unwrap_or("");
        if let Some(kind) = kind_of(head) {
            let columns = if kind == "check" {
                words_of(rest)
            } else {
                paren_names(rest)
            };
            constraints.push(ConstraintDef {
                name,
                kind: kind.into(),
                columns,
                references: references(rest),
            });
            continue;
        }
        // MySQL `KEY name (cols)` / `INDEX (cols)` (a column called `key` has a type next).
        let index_like = matches!(head, "KEY" | "INDEX" | "FULLTEXT" | "SPATIAL")
            && (rest.get(1) == Some(&Tok::Punct('(')) || rest.get(2) == Some(&Tok::Punct('(')));
        if name.is_none() && index_like {
            if let Some(index) = rest.get(1).and_then(Tok::name) {
                out.push((index.to_string(), paren_names(rest)));
            }
            continue;
        }
        if name.is_some() {
            return None;
        }
        // A column: its name, then a free-form type and options.
        let column = first.name()?.to_string();
        for (i, t) in rest.iter().enumerate().skip(1) {
            let kw = t.kw().unwrap_or("");
            let named = (i >= 2 && rest[i - 2].kw() == Some("CONSTRAINT"))
                .then(|| rest[i - 1].name().map(str::to_string))
                .flatten();
            let kind = match kw {
                "PRIMARY" => "primary key",
                "UNIQUE" => "unique",
                "REFERENCES" => "foreign key",
                "CHECK" => "check",
                _ => continue,
            };
            let mut cols = vec![column.clone()];
            if kind == "check" {
                cols.extend(words_of(&rest[i..]).into_iter().filter(|w| *w != column));
            }
            constraints.push(ConstraintDef {
                name: named,
                kind: kind.into(),
                columns: cols,
                references: (kind == "foreign key")
                    .then(|| references(&rest[i..]))
                    .flatten(),
            });
        }
        columns.push(column);
    }
    let mut effects = vec![SchemaEffect::CreateTable {
        table: table.clone(),
        columns,
        constraints,
        if_not_exists,
    }];
    for (index, cols) in out {
        effects.push(SchemaEffect::CreateIndex {
            index: QName::new(index),
            table: table.clone(),
            unique: false,
            columns: cols,
            if_not_exists,
        });
    }
    Some(effects)
}

fn words_of(toks: &[Tok]) -> Vec<String> {
    let mut out: Vec<String> = toks
        .iter()
        .filter_map(|t| t.name().map(str::to_string))
        .collect();
    out.sort();
    out.dedup();
    out
}

fn alter_table(c: &mut Cursor) -> Option<Vec<SchemaEffect>> {
    let if_exists = c.eat_kws(&["IF", "EXISTS"]);
    c.eat_kw("ONLY");
    let table = c.qname()?;
    let rest = c.toks[c.pos..].to_vec();
    let mut out = Vec::new();
    if if_exists {
        out.push(SchemaEffect::IfTableExists {
            table: table.clone(),
        });
    }
    for action in split_commas(&rest) {
        let mut a = Cursor {
            toks: action,
            pos: 0,
        };
        if a.eat_kws(&["SET", "SCHEMA"]) {
            let schema = a.ident()?;
            out.push(SchemaEffect::RenameTable {
                from: table.clone(),
                to: QName {
                    schema: Some(schema),
                    name: table.name.clone(),
                },
            });
        } else if a.eat_kw("RENAME") && (a.eat_kw("INDEX") || a.eat_kw("KEY")) {
            let from = a.ident()?;
            if !a.eat_kw("TO") {
                return None;
            }
            let to = a.ident()?;
            out.push(SchemaEffect::RenameIndex {
                from: QName {
                    schema: table.schema.clone(),
                    name: from,
                },
                to: QName {
                    schema: table.schema.clone(),
                    name: to,
                },
                table: Some(table.clone()),
            });
        } else if a.eat_kw("DROP") {
            // MariaDB's DROP INDEX IF EXISTS / DROP COLUMN IF EXISTS
            if a.eat_kw("INDEX") || a.eat_kw("KEY") {
                let if_exists = a.eat_kws(&["IF", "EXISTS"]);
                let name = a.ident()?;
                out.push(SchemaEffect::DropIndex {
                    index: QName {
                        schema: table.schema.clone(),
                        name,
                    },
                    table: Some(table.clone()),
                    if_exists,
                });
            } else {
                a.eat_kw("COLUMN");
                let if_exists = a.eat_kws(&["IF", "EXISTS"]);
                if matches!(
                    a.peek_kw(),
                    Some("CONSTRAINT" | "PRIMARY" | "FOREIGN" | "CHECK")
                ) {
                    return None;
                }
                let column = a.ident()?;
                a.eat_kw("CASCADE");
                a.eat_kw("RESTRICT");
                out.push(SchemaEffect::DropColumn {
                    table: table.clone(),
                    column,
                    if_exists,
                    cascade: false,
                });
            }
        } else if a.eat_kw("ADD")
            && (a.eat_kw("INDEX")
                || a.eat_kw("KEY")
                || a.eat_kws(&["UNIQUE", "INDEX"])
                || a.eat_kws(&["UNIQUE", "KEY"]))
        {
            // MariaDB's ADD INDEX IF NOT EXISTS name (cols)
            let unique = a.toks[..a.pos].iter().any(|t| t.kw() == Some("UNIQUE"));
            let if_not_exists = a.eat_kws(&["IF", "NOT", "EXISTS"]);
            let name = a.ident()?;
            let columns = paren_names(&a.toks[a.pos..]);
            out.push(SchemaEffect::CreateIndex {
                index: QName {
                    schema: table.schema.clone(),
                    name,
                },
                table: table.clone(),
                unique,
                columns,
                if_not_exists,
            });
            continue;
        } else {
            a.pos = 0;
            if !a.eat_kw("ADD") {
                return None;
            }
            a.eat_kw("COLUMN");
            let if_not_exists = a.eat_kws(&["IF", "NOT", "EXISTS"]);
            // ADD CONSTRAINT / ADD PRIMARY KEY … are sqlparser's to read.
            if matches!(
                a.peek_kw(),
                Some("CONSTRAINT" | "PRIMARY" | "UNIQUE" | "FOREIGN" | "CHECK" | "INDEX" | "KEY")
            ) {
                return None;
            }
            let column = a.ident()?;
            out.push(SchemaEffect::AddColumn {
                table: table.clone(),
                column,
                if_not_exists,
            });
            continue;
        }
        if !a.at_end() {
            return None;
        }
    }
    (!out.is_empty()).then_some(out)
}

fn alter_sequence(c: &mut Cursor) -> Option<Vec<SchemaEffect>> {
    c.eat_kws(&["IF", "EXISTS"]);
    let name = c.qname()?;
    let mut out = Vec::new();
    while !c.at_end() {
        if c.eat_kws(&["OWNED", "BY"]) {
            if c.eat_kw("NONE") {
                out.push(SchemaEffect::SequenceOwner {
                    name: name.clone(),
                    table: None,
                });
                continue;
            }
            let mut parts = vec![c.ident()?];
            while c.eat_punct('.') {
                parts.push(c.ident()?);
            }
            parts.pop(); // the column
            let table = parts.pop()?;
            out.push(SchemaEffect::SequenceOwner {
                name: name.clone(),
                table: Some(QName {
                    schema: parts.pop(),
                    name: table,
                }),
            });
        } else if c.eat_kws(&["RENAME", "TO"]) || c.eat_kws(&["SET", "SCHEMA"]) {
            let renamed = c.toks[c.pos - 1].kw() == Some("TO");
            let target = c.ident()?;
            let to = if renamed {
                QName {
                    schema: name.schema.clone(),
                    name: target,
                }
            } else {
                QName {
                    schema: Some(target),
                    name: name.name.clone(),
                }
            };
            out.push(SchemaEffect::DropObject {
                kind: "sequence".into(),
                name: name.clone(),
                if_exists: false,
                cascade: false,
            });
            out.push(SchemaEffect::CreateSequence {
                name: to,
                owned_by: None,
            });
        } else {
            // AS type, INCREMENT, RESTART, CACHE, …: nothing migdoctor checks.
            c.pos += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_free_form_types_and_checks() {
        let e = effects(
            "CREATE TABLE tags (id integer PRIMARY KEY, parent_id integer, name varchar[10], \
             CHECK ( id IS NOT parent_id ), CONSTRAINT tags_name_uq UNIQUE (name))",
        )
        .unwrap();
        let SchemaEffect::CreateTable {
            columns,
            constraints,
            ..
        } = &e[0]
        else {
            panic!("{e:?}")
        };
        assert_eq!(columns, &["id", "parent_id", "name"]);
        assert_eq!(constraints.len(), 3);
        assert_eq!(constraints[2].name.as_deref(), Some("tags_name_uq"));
        assert_eq!(constraints[2].columns, vec!["name"]);
        assert!(constraints[1].columns.contains(&"parent_id".to_string()));
    }

    #[test]
    fn add_column_after_set_schema_rename_index_alter_sequence() {
        assert_eq!(
            effects("ALTER TABLE scenes ADD COLUMN attachment TEXT AFTER description").unwrap(),
            vec![SchemaEffect::AddColumn {
                table: QName::new("scenes"),
                column: "attachment".into(),
                if_not_exists: false
            }]
        );
        assert_eq!(
            effects("ALTER TABLE public.t SET SCHEMA archive").unwrap(),
            vec![SchemaEffect::RenameTable {
                from: QName {
                    schema: Some("public".into()),
                    name: "t".into()
                },
                to: QName {
                    schema: Some("archive".into()),
                    name: "t".into()
                }
            }]
        );
        assert!(matches!(
            &effects("ALTER TABLE t RENAME INDEX a TO b").unwrap()[0],
            SchemaEffect::RenameIndex { .. }
        ));
        assert_eq!(effects("ALTER SEQUENCE s AS BIGINT").unwrap(), vec![]);
        assert_eq!(
            effects("ALTER SEQUENCE s OWNED BY public.t.id").unwrap(),
            vec![SchemaEffect::SequenceOwner {
                name: QName::new("s"),
                table: Some(QName {
                    schema: Some("public".into()),
                    name: "t".into()
                })
            }]
        );
        assert!(effects("ALTER TABLE t FROBNICATE x").is_none());
        assert!(effects("DO $$ BEGIN END $$").is_none());
    }
}
