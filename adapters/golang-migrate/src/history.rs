//! Reading a golang-migrate folder into a [`History`].

use migdoctor_model::{
    AdapterError, Dialect, History, HistoryProblem, Migration, MigrationId, MigrationStatement,
    SchemaEffect, Site, SourceFile, SourceTree, StatementKind,
};
use std::collections::BTreeMap;

/// A file name split the way golang-migrate's `source/parse.go` does (borrowing from the
/// name: this runs for every file of a monorepo).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedName<'a> {
    /// Version (`uint` in Go; 64 bits here).
    pub version: u64,
    /// Identifier (title) between `_` and the direction.
    pub title: &'a str,
    /// `true` for `.up.`, `false` for `.down.`.
    pub up: bool,
    /// Extension after the direction (may be empty).
    pub ext: &'a str,
}

/// Returns the parsed name, or why a name that looks like a migration does not parse, or
/// `Ok(None)` for files that are clearly not migrations.
///
/// golang-migrate's regex is `^([0-9]+)_(.*)\.(down|up)\.(.*)$` (source/parse.go): the title
/// is greedy, so the *last* `.up.`/`.down.` decides, and the extension may be empty.
pub fn parse_file_name(name: &str) -> Result<Option<ParsedName<'_>>, String> {
    let digits = name.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 && name.as_bytes().get(digits) == Some(&b'_') {
        let rest = &name[digits + 1..];
        let mut best: Option<(usize, bool, usize)> = None;
        for (marker, up) in [(".up.", true), (".down.", false)] {
            if let Some(pos) = rest.rfind(marker) {
                if best.is_none_or(|(p, _, _)| pos > p) {
                    best = Some((pos, up, marker.len()));
                }
            }
        }
        if let Some((pos, up, len)) = best {
            let version = name[..digits].parse::<u64>().map_err(|_| {
                format!(
                    "version {} does not fit golang-migrate's 64-bit version",
                    &name[..digits]
                )
            })?;
            if i64::try_from(version).is_err() {
                return Err(format!(
                    "version {version} does not fit the bigint version column"
                ));
            }
            return Ok(Some(ParsedName {
                version,
                title: &rest[..pos],
                up,
                ext: &rest[pos + len..],
            }));
        }
    }
    // No allocation here: this runs for every file name of a monorepo.
    let has_direction = [".up.", ".down."].iter().any(|p| contains_ci(name, p))
        || ends_with_ci(name, ".up")
        || ends_with_ci(name, ".down");
    let numbered_sql = digits > 0 && ends_with_ci(name, ".sql");
    if !(has_direction || numbered_sql) {
        return Ok(None);
    }
    let reason = if digits == 0 {
        "the name must start with a numeric version (pattern {version}_{title}.up|down.{ext})"
    } else if name.as_bytes().get(digits) != Some(&b'_') {
        "the version must be followed by '_' (pattern {version}_{title}.up|down.{ext})"
    } else if has_direction {
        "the direction must be lowercase '.up.' or '.down.' followed by an extension"
    } else {
        "no '.up.' or '.down.' direction in the name"
    };
    Err(reason.to_string())
}

fn contains_ci(name: &str, pat: &str) -> bool {
    name.as_bytes()
        .windows(pat.len())
        .any(|w| w.eq_ignore_ascii_case(pat.as_bytes()))
}

fn ends_with_ci(name: &str, pat: &str) -> bool {
    name.len() >= pat.len()
        && name.as_bytes()[name.len() - pat.len()..].eq_ignore_ascii_case(pat.as_bytes())
}

pub(crate) fn load_history(tree: &SourceTree, site: &Site) -> Result<History, AdapterError> {
    let mut history = History::new(site.clone());
    let dialect = site.dialect_hint();
    // scan and status need the versions only: the files are not read at all.
    let effects = site.config.get("effects").map(String::as_str) != Some("skip");
    // version -> (title, up files, down files)
    let mut found: BTreeMap<u64, (&str, Vec<&str>, Vec<&str>)> = BTreeMap::new();
    let skip = if site.root.is_empty() {
        0
    } else {
        site.root.len() + 1
    };
    for path in tree.files_in(&site.root) {
        let name = &path[skip..];
        match parse_file_name(name) {
            Ok(Some(parsed)) => {
                let entry = found
                    .entry(parsed.version)
                    .or_insert_with(|| (parsed.title, Vec::new(), Vec::new()));
                if parsed.up {
                    entry.0 = parsed.title;
                    entry.1.push(path);
                } else {
                    entry.2.push(path);
                }
            }
            Ok(None) => {}
            Err(reason) => history.problems.push(HistoryProblem::InvalidFile {
                file: path.to_string(),
                reason,
            }),
        }
    }
    if effects {
        let ups: Vec<&str> = found
            .values()
            .flat_map(|(_, ups, _)| ups.first().copied())
            .collect();
        tree.prefetch(&ups);
        for up in &ups {
            check_readable(tree, up)?;
        }
    }
    // Parsing 10,000 files dominates: spread it over the cores, keep version order.
    let bodies: Vec<(Vec<MigrationStatement>, Vec<HistoryProblem>)> = if effects {
        let ups: Vec<Option<&str>> = found
            .values()
            .map(|(_, ups, _)| ups.first().copied())
            .collect();
        migdoctor_model::par_map(&ups, |up| {
            let mut problems = Vec::new();
            let statements = match up {
                Some(up) => up_statements(tree, up, dialect, &mut problems),
                None => Vec::new(),
            };
            (statements, problems)
        })
    } else {
        (0..found.len()).map(|_| Default::default()).collect()
    };
    let mut previous: Option<MigrationId> = None;
    for ((version, (title, ups, downs)), (statements, problems)) in found.into_iter().zip(bodies) {
        let id = MigrationId(version.to_string());
        // source/iofs/iofs.go: a second file for the same version and direction is
        // `duplicate migration file`.
        for files in [&ups, &downs] {
            if files.len() > 1 {
                history.problems.push(HistoryProblem::Collision {
                    id: id.clone(),
                    files: files.iter().map(|f| f.to_string()).collect(),
                });
            }
        }
        let mut m = Migration::new(id.0.clone(), title);
        m.statements = statements;
        history.problems.extend(problems);
        m.files = ups
            .iter()
            .chain(downs.iter())
            .map(|f| f.to_string())
            .collect();
        m.has_down = !downs.is_empty();
        if let Some(p) = previous.take() {
            m.parents.push(p);
        }
        previous = Some(id);
        history.migrations.push(m);
    }
    Ok(history)
}

fn check_readable(tree: &SourceTree, path: &str) -> Result<(), AdapterError> {
    match tree.get(path) {
        Some(SourceFile::Unreadable(reason)) => Err(AdapterError::UnreadableFile {
            path: path.to_string(),
            reason: reason.clone(),
        }),
        _ => Ok(()),
    }
}

/// Returns the up file's statements, and a problem when it is not valid UTF-8 (golang-migrate
/// sends the bytes as they are; migdoctor reads what it can and marks the rest opaque).
fn up_statements(
    tree: &SourceTree,
    path: &str,
    dialect: Option<Dialect>,
    problems: &mut Vec<HistoryProblem>,
) -> Vec<MigrationStatement> {
    match tree.get(path) {
        Some(SourceFile::Bytes(bytes)) => {
            if let Err(e) = std::str::from_utf8(bytes) {
                let line = 1 + bytes[..e.valid_up_to()]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                problems.push(HistoryProblem::InvalidFile {
                    file: path.to_string(),
                    reason: format!(
                        "not valid UTF-8 at line {line}; its statements from there on are not understood"
                    ),
                });
            }
            migdoctor_sql::extract_bytes(dialect, path, bytes)
        }
        Some(SourceFile::TooLarge(size)) => vec![MigrationStatement {
            file: path.to_string(),
            line: 1,
            sql: String::new(),
            kind: StatementKind::Opaque,
            effects: vec![SchemaEffect::Opaque {
                file: path.to_string(),
                line: 1,
                reason: format!("file of {size} bytes is too large to read"),
                inner: Vec::new(),
            }],
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use migdoctor_model::Framework;

    fn parsed(name: &str) -> ParsedName<'_> {
        parse_file_name(name).unwrap().unwrap()
    }

    #[test]
    fn names_parse_like_the_go_regex() {
        let p = parsed("20240101120000_add_users.up.sql");
        assert_eq!(
            (p.version, p.title, p.up, p.ext),
            (20240101120000, "add_users", true, "sql")
        );
        // greedy title: the last direction marker wins
        let p = parsed("1_a.up.b.down.sql");
        assert_eq!((p.title, p.up), ("a.up.b", false));
        // empty title and empty extension both match
        assert_eq!(parsed("7_.up.").ext, "");
        assert_eq!(parsed("000001_x.down.cql").version, 1);
    }

    #[test]
    fn lookalikes_are_reported_and_others_ignored() {
        assert!(parse_file_name("README.md").unwrap().is_none());
        assert!(parse_file_name("schema.sql").unwrap().is_none());
        assert!(parse_file_name("0001_init.sql").is_err());
        assert!(parse_file_name("1_init.UP.sql").is_err());
        assert!(parse_file_name("v1_init.up.sql").is_err());
        assert!(parse_file_name("1-init.up.sql").is_err());
        assert!(parse_file_name("99999999999999999999_x.up.sql").is_err());
        assert!(parse_file_name("9223372036854775808_x.up.sql").is_err());
    }

    fn site() -> Site {
        Site::new(Framework::GolangMigrate, "db/migrations")
    }

    #[test]
    fn loads_sorted_linear_history_with_problems() {
        let tree = SourceTree::new()
            .with_file("db/migrations/10_c.up.sql", "x")
            .with_file("db/migrations/2_b.up.sql", "x")
            .with_file("db/migrations/2_b.down.sql", "x")
            .with_file("db/migrations/2_b2.up.sql", "x")
            .with_file("db/migrations/3_notes.sql", "x")
            .with_file("db/migrations/sub/1_nested.up.sql", "x");
        let h = load_history(&tree, &site()).unwrap();
        let ids: Vec<&str> = h.migrations.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, vec!["2", "10"]);
        assert_eq!(h.migrations[1].parents, vec![MigrationId::from("2")]);
        assert!(h.migrations[0].has_down && !h.migrations[1].has_down);
        assert_eq!(h.problems.len(), 2);
        assert!(
            matches!(&h.problems[0], HistoryProblem::InvalidFile { file, .. } if file.ends_with("3_notes.sql"))
        );
        assert!(
            matches!(&h.problems[1], HistoryProblem::Collision { id, files } if id.as_str() == "2" && files.len() == 2)
        );
    }

    #[test]
    fn unreadable_files_are_errors_and_non_utf8_files_are_problems() {
        let bytes = b"CREATE TABLE a (x int);\n-- caf\xe9\nCREATE TABLE b (y int);".to_vec();
        let mut tree = SourceTree::new().with_file("db/migrations/1_a.up.sql", bytes);
        let h = load_history(&tree, &site()).unwrap();
        assert!(
            matches!(&h.problems[0], HistoryProblem::InvalidFile { reason, .. } if reason.contains("UTF-8 at line 2"))
        );
        assert_eq!(h.migrations[0].statements.len(), 2);
        tree.insert(
            "db/migrations/1_a.up.sql",
            SourceFile::Unreadable("permission denied".into()),
        );
        let err = load_history(&tree, &site()).unwrap_err();
        assert!(err.to_string().contains("permission denied"));
    }
}
