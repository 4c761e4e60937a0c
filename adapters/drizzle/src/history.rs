//! Reading a Drizzle migrations folder exactly as drizzle-orm's `readMigrationFiles` does.
//!
//! 0.x (`drizzle-orm/migrator.js`@0.45.4): `meta/_journal.json`, its `entries` in array order,
//! each `<tag>.sql` split on `--> statement-breakpoint`, `hash = sha256(file text)`, and the
//! entry's `when` as the `created_at` the row records. 1.0 (`beta`, `migrator.utils.ts`):
//! `<YYYYMMDDHHMMSS>_<name>/migration.sql` folders, sorted, `created_at = Date.UTC(prefix)`,
//! the folder name as the migration name.

use crate::detect::is_v1_folder;
use migdoctor_model::{
    AdapterError, Dialect, History, HistoryProblem, Migration, MigrationId, Site, SourceFile,
    SourceTree,
};
use std::collections::{BTreeMap, BTreeSet};

/// The marker drizzle-kit writes between statements; the migrator splits on it.
pub const BREAKPOINT: &str = "--> statement-breakpoint";

/// Returns the hash the migrator writes: sha256 of the file decoded as UTF-8 (Node's
/// `Buffer.toString()`, invalid bytes replaced), as lowercase hex.
pub fn drizzle_hash(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    migdoctor_model::sha256_hex(text.as_bytes())
}

/// Returns `Date.UTC` of a 1.0 folder's `YYYYMMDDHHMMSS` prefix, in milliseconds.
pub fn folder_millis(prefix: &str) -> Option<i64> {
    let n = |a: usize, b: usize| prefix.get(a..b)?.parse::<i64>().ok();
    let (y, mo, d) = (n(0, 4)?, n(4, 6)?, n(6, 8)?);
    let (h, mi, s) = (n(8, 10)?, n(10, 12)?, n(12, 14)?);
    // Days from civil (Howard Hinnant's algorithm); Date.UTC lets fields overflow, so do we.
    let (y2, m2) = if mo <= 2 {
        (y - 1, mo + 9)
    } else {
        (y, mo - 3)
    };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let doy = (153 * m2 + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(((days * 24 + h) * 60 + mi) * 60_000 + s * 1000)
}

fn dialect_of(site: &Site, journal_dialect: Option<&str>) -> Option<Dialect> {
    site.dialect_hint().or_else(|| {
        match site
            .config
            .get("drizzle_dialect")
            .map(String::as_str)
            .or(journal_dialect)?
        {
            "postgresql" | "pg" | "postgres" => Some(Dialect::Postgres),
            "mysql" | "singlestore" | "mysql2" => Some(Dialect::Mysql),
            "sqlite" | "turso" | "libsql" | "d1-http" | "better-sqlite" => Some(Dialect::Sqlite),
            _ => None,
        }
    })
}

fn join(root: &str, rel: &str) -> String {
    if root.is_empty() {
        rel.to_string()
    } else {
        format!("{root}/{rel}")
    }
}

fn problem(history: &mut History, file: &str, reason: String) {
    history.problems.push(HistoryProblem::InvalidFile {
        file: file.to_string(),
        reason,
    });
}

/// Returns the file's bytes, `None` when it is not in the tree, or an error when it cannot be read.
fn read<'a>(tree: &'a SourceTree, path: &str) -> Result<Option<&'a [u8]>, AdapterError> {
    match tree.get(path) {
        Some(SourceFile::Bytes(b)) => Ok(Some(b)),
        Some(SourceFile::Unreadable(reason)) => Err(AdapterError::UnreadableFile {
            path: path.into(),
            reason: reason.clone(),
        }),
        Some(SourceFile::TooLarge(n)) => Err(AdapterError::UnreadableFile {
            path: path.into(),
            reason: format!("{n} bytes is too large to read"),
        }),
        None => Ok(None),
    }
}

/// Returns the migration for one file: hash, and statements when `effects` (each
/// breakpoint-separated chunk is one statement the migrator sends).
fn migration(
    id: &str,
    file: &str,
    bytes: &[u8],
    dialect: Option<Dialect>,
    effects: bool,
) -> Migration {
    let mut m = Migration::new(id, id);
    m.files.push(file.to_string());
    m.checksum = Some(drizzle_hash(bytes));
    if effects {
        let text = String::from_utf8_lossy(bytes);
        // A chunk the author left without `;` still ends at the marker for the migrator.
        let mut joined = String::with_capacity(text.len() + 8);
        let chunks: Vec<&str> = text.split(BREAKPOINT).collect();
        for (i, chunk) in chunks.iter().enumerate() {
            joined.push_str(chunk);
            if i + 1 < chunks.len() {
                let code = chunk
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("--"))
                    .collect::<String>();
                if !code.trim().is_empty() && !code.trim_end().ends_with(';') {
                    joined.push(';');
                }
                joined.push_str(BREAKPOINT);
            }
        }
        m.statements = migdoctor_sql::extract(dialect, file, &joined);
    }
    m
}

pub(crate) fn load_history(tree: &SourceTree, site: &Site) -> Result<History, AdapterError> {
    if let Some(err) = site.config.get("config_error") {
        return Err(AdapterError::UnreadableFile {
            path: site.config.get("config_file").cloned().unwrap_or_default(),
            reason: err.clone(),
        });
    }
    let journal = join(&site.root, "meta/_journal.json");
    if tree.contains(&journal) {
        load_journal(tree, site, &journal)
    } else {
        load_folders(tree, site)
    }
}

fn load_journal(tree: &SourceTree, site: &Site, journal: &str) -> Result<History, AdapterError> {
    let effects = site.config.get("effects").map(String::as_str) != Some("skip");
    let bad = |reason: String| AdapterError::UnreadableFile {
        path: journal.to_string(),
        reason,
    };
    let bytes = read(tree, journal)?.unwrap_or_default();
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        bad(format!(
            "not valid JSON ({e}); drizzle-kit migrate fails on it too (JSON.parse) and runs nothing. Restore it from version control (git show HEAD:{journal})"
        ))
    })?;
    let entries = value.get("entries").and_then(|e| e.as_array()).ok_or_else(|| {
        bad("has no `entries` array; the migrator fails with \"journal.entries is not iterable\"".into())
    })?;
    let dialect = dialect_of(site, value.get("dialect").and_then(|d| d.as_str()));
    let mut history = History::new(site.clone());
    let mut listed = BTreeSet::new();
    let mut wanted = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let Some(tag) = e.get("tag").and_then(|t| t.as_str()) else {
            problem(&mut history, journal, format!("entry #{i} has no `tag`: the migrator looks for {} and fails with \"No file … found\"", join(&site.root, "undefined.sql")));
            continue;
        };
        let file = join(&site.root, &format!("{tag}.sql"));
        listed.insert(file.clone());
        wanted.push((i, tag, file, e));
    }
    let files: Vec<&str> = wanted.iter().map(|(_, _, f, _)| f.as_str()).collect();
    tree.prefetch(&files);
    // Hashing and parsing thousands of files: over the cores, in journal order.
    let read_all: Vec<Result<Option<Migration>, AdapterError>> =
        migdoctor_model::par_map(&wanted, |(_, tag, file, _)| {
            Ok(read(tree, file)?.map(|b| migration(tag, file, b, dialect, effects)))
        });
    let mut previous: Option<MigrationId> = None;
    for ((i, tag, file, e), m) in wanted.iter().zip(read_all) {
        let mut m = match m? {
            Some(m) => m,
            None => {
                problem(&mut history, file, format!("journal entry {tag} (#{i}) has no file: drizzle-kit migrate fails with \"No file {file} found in {} folder\" and runs nothing", site.root));
                Migration::new(*tag, *tag)
            }
        };
        let when = &e["when"];
        m.timestamp = match when {
            serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            serde_json::Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match m.timestamp {
            None => problem(&mut history, journal, format!("entry {tag} (#{i}): `when` is {when}, not a number of milliseconds; once any row exists the migrator never runs it (its comparison with undefined is false)")),
            Some(w) if (0..100_000_000_000).contains(&w) => problem(&mut history, journal, format!("entry {tag} (#{i}): `when` {w} looks like seconds, not milliseconds ({w} ms is in 1970-73); every entry drizzle-kit generated is newer, so once one of them is recorded the migrator skips {tag} forever")),
            _ => {}
        }
        if let Some(p) = previous.take() {
            m.parents.push(p);
        }
        previous = Some(m.id.clone());
        history.migrations.push(m);
    }
    for path in tree.files_in(&site.root) {
        if path.ends_with(".sql") && !listed.contains(path) {
            problem(&mut history, path, "is not listed in meta/_journal.json: the migrator never runs it (was the journal entry lost in a merge?)".into());
        }
    }
    if effects {
        snapshot_collisions(tree, site, &mut history);
    }
    Ok(history)
}

/// Reports snapshots that point at the same parent, with drizzle-kit's own error text.
fn snapshot_collisions(tree: &SourceTree, site: &Site, history: &mut History) {
    let meta = join(&site.root, "meta");
    let snaps: Vec<&str> = tree
        .files_in(&meta)
        .into_iter()
        .filter(|p| p.ends_with("_snapshot.json"))
        .collect();
    tree.prefetch(&snaps);
    let mut children: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for path in snaps {
        let Some(b) = tree.bytes(path) else { continue };
        match serde_json::from_slice::<serde_json::Value>(b) {
            Ok(v) => {
                let (Some(id), Some(prev)) = (v["id"].as_str(), v["prevId"].as_str()) else {
                    continue;
                };
                children.entry(prev.to_string()).or_default().push(id.to_string());
            }
            Err(_) => problem(history, path, format!("{path} data is malformed (drizzle-kit's own words); `drizzle-kit generate` and `check` refuse the folder, `migrate` does not read snapshots")),
        }
    }
    for (prev, ids) in children.into_iter().filter(|(_, v)| v.len() > 1) {
        problem(history, &meta, format!("Error: [{}] are pointing to a parent snapshot: {prev}/snapshot.json which is a collision. (drizzle-kit generate/check refuse the folder until the branches' migrations are regenerated; migrate does not read snapshots)", ids.join(", ")));
    }
}

fn load_folders(tree: &SourceTree, site: &Site) -> Result<History, AdapterError> {
    let effects = site.config.get("effects").map(String::as_str) != Some("skip");
    let dialect = dialect_of(site, None);
    let mut history = History::new(site.clone());
    let skip = if site.root.is_empty() {
        0
    } else {
        site.root.len() + 1
    };
    let mut folders: Vec<(&str, String)> = tree
        .paths_under(&site.root)
        .filter_map(|p| {
            let rel = &p[skip..];
            let (dir, file) = rel.split_once('/')?;
            (file == "migration.sql" && is_v1_folder(dir)).then(|| (dir, p.to_string()))
        })
        .collect();
    // migrator.ts sorts folder names with localeCompare: by the timestamp prefix first, then
    // (approximately) case-insensitively.
    folders.sort_by(|a, b| (&a.0[..14], a.0.to_lowercase()).cmp(&(&b.0[..14], b.0.to_lowercase())));
    let paths: Vec<&str> = folders.iter().map(|(_, p)| p.as_str()).collect();
    tree.prefetch(&paths);
    let mut previous: Option<MigrationId> = None;
    for (dir, path) in &folders {
        let bytes = read(tree, path)?.unwrap_or_default();
        let mut m = migration(dir, path, bytes, dialect, effects);
        m.timestamp = folder_millis(&dir[..14]);
        if let Some(p) = previous.take() {
            m.parents.push(p);
        }
        previous = Some(m.id.clone());
        history.migrations.push(m);
    }
    Ok(history)
}

#[cfg(test)]
mod tests {
    use super::*;
    use migdoctor_model::Framework;

    const JOURNAL: &str = r#"{"version":"7","dialect":"postgresql","entries":[
      {"idx":0,"version":"7","when":1700000000000,"tag":"0000_init","breakpoints":true},
      {"idx":1,"version":"7","when":1700000001000,"tag":"0001_next","breakpoints":true}]}"#;

    fn site() -> Site {
        Site::new(Framework::Drizzle, "drizzle")
    }

    #[test]
    fn hash_is_sha256_of_the_text() {
        assert_eq!(
            drizzle_hash(b"CREATE TABLE t (id int);\n"),
            "12c83f983b0c94b9c7010dcc92149589d5fb01a3d32af8f6d699545d95db9040"
        );
        assert_eq!(folder_millis("20250101120000"), Some(1_735_732_800_000));
        assert_eq!(folder_millis("19700101000001"), Some(1000));
    }

    #[test]
    fn journal_order_hashes_and_statements() {
        let tree = SourceTree::new()
            .with_file("drizzle/meta/_journal.json", JOURNAL)
            .with_file("drizzle/0000_init.sql", "CREATE TABLE \"a\" (\"id\" integer);--> statement-breakpoint\nCREATE TABLE \"b\" (\"id\" integer)\n--> statement-breakpoint\nCREATE INDEX \"i\" ON \"b\" (\"id\");")
            .with_file("drizzle/0001_next.sql", "ALTER TABLE \"a\" ADD COLUMN \"x\" text;")
            .with_file("drizzle/0002_orphan.sql", "SELECT 1;");
        let h = load_history(&tree, &site()).unwrap();
        let ids: Vec<&str> = h.migrations.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, vec!["0000_init", "0001_next"]);
        assert_eq!(h.migrations[0].statements.len(), 3);
        assert_eq!(h.migrations[1].timestamp, Some(1_700_000_001_000));
        assert_eq!(
            h.migrations[1].parents,
            vec![MigrationId::from("0000_init")]
        );
        assert!(
            matches!(&h.problems[0], HistoryProblem::InvalidFile { file, .. } if file == "drizzle/0002_orphan.sql")
        );
    }

    #[test]
    fn bad_journals_name_the_file_and_entry() {
        let tree = SourceTree::new().with_file("drizzle/meta/_journal.json", &JOURNAL[..60]);
        let err = load_history(&tree, &site()).unwrap_err().to_string();
        assert!(
            err.contains("drizzle/meta/_journal.json") && err.contains("not valid JSON"),
            "{err}"
        );
        let j = JOURNAL.replace("1700000001000", "1700000001");
        let tree = SourceTree::new()
            .with_file("drizzle/meta/_journal.json", j)
            .with_file("drizzle/0000_init.sql", "");
        let h = load_history(&tree, &site()).unwrap();
        let reasons: Vec<String> = h.problems.iter().map(|p| format!("{p:?}")).collect();
        assert!(
            reasons
                .iter()
                .any(|r| r.contains("0001_next") && r.contains("No file drizzle/0001_next.sql")),
            "{reasons:?}"
        );
        assert!(
            reasons.iter().any(|r| r.contains("looks like seconds")),
            "{reasons:?}"
        );
    }

    #[test]
    fn v1_folders_sort_and_take_their_time() {
        let tree = SourceTree::new()
            .with_file(
                "drizzle/20250102000000_b/migration.sql",
                "CREATE TABLE b (id int);",
            )
            .with_file(
                "drizzle/20250101000000_a/migration.sql",
                "CREATE TABLE a (id int);",
            )
            .with_file("drizzle/20250101000000_a/snapshot.json", "{}");
        let h = load_history(&tree, &site()).unwrap();
        assert_eq!(h.migrations[0].id.as_str(), "20250101000000_a");
        assert_eq!(h.migrations[1].timestamp, Some(1_735_776_000_000));
    }
}
