//! What git says about a migration the tracking table names but no file defines: the file as
//! a commit left it, and — following its parents through git as far as needed — the revision
//! in today's files that the database descends from.

use crate::git::{git_file, git_hits, git_prefix};
use migdoctor_model::{parent_dir, Adapter, History, MigrationId, Site, SourceTree};
use std::collections::{BTreeSet, VecDeque};
use std::path::Path;

/// How many unknown generations are followed through git before giving up.
const MAX_DEPTH: usize = 8;

/// Returns the migration `id` as `adapter` reads the file git has for it, with where it was
/// found ("commit abc1234 (2026-01-02): alembic/versions/x.py").
fn from_git(
    root: &Path,
    adapter: &dyn Adapter,
    site: &Site,
    history: &History,
    id: &str,
) -> Option<(Vec<MigrationId>, String)> {
    let prefix = git_prefix(root);
    // Read the old file where the site's files are today, so the adapter finds it.
    let home = history
        .migrations
        .iter()
        .find_map(|m| m.files.first())
        .map(|f| parent_dir(f).to_string());
    let mut site = site.clone();
    site.config.insert("effects".into(), "skip".into());
    for hit in git_hits(root, id) {
        for (status, path) in &hit.files {
            let Some(bytes) = git_file(root, &hit, *status, path) else {
                continue;
            };
            let name = path.rsplit('/').next().unwrap_or(path);
            let local = match &home {
                Some(dir) if dir.is_empty() => name.to_string(),
                Some(dir) => format!("{dir}/{name}"),
                None => path.strip_prefix(&prefix).unwrap_or(path).to_string(),
            };
            let tree = SourceTree::new().with_file(&local, bytes);
            let Ok(old) = adapter.load_history(&tree, &site) else {
                continue;
            };
            if let Some(m) = old.migrations.iter().find(|m| m.id.as_str() == id) {
                let mut parents = m.parents.clone();
                parents.extend(m.depends_on.iter().cloned());
                return Some((
                    parents,
                    format!("commit {} ({}): {path}", hit.hash, hit.date),
                ));
            }
        }
    }
    None
}

/// Returns evidence lines for a tracked id no file defines: where git has its file and which
/// known migration the database descends from. Empty when git knows nothing.
pub fn unknown_ancestry(
    root: &Path,
    adapter: &dyn Adapter,
    site: &Site,
    history: &History,
    id: &str,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut queue: VecDeque<(String, usize)> = VecDeque::from([(id.to_string(), 0)]);
    let mut seen = BTreeSet::new();
    let mut known = BTreeSet::new();
    while let Some((cur, depth)) = queue.pop_front() {
        if depth > MAX_DEPTH || !seen.insert(cur.clone()) {
            continue;
        }
        let Some((parents, at)) = from_git(root, adapter, site, history, &cur) else {
            if cur != id {
                out.push(format!("git: no file defining {cur} was found"));
            }
            continue;
        };
        let list: Vec<&str> = parents.iter().map(MigrationId::as_str).collect();
        out.push(format!(
            "git: {cur} is defined in {at}; it comes after {}",
            if list.is_empty() {
                "nothing (a base revision)".to_string()
            } else {
                list.join(", ")
            }
        ));
        for p in parents {
            if history.get(&p).is_some() {
                known.insert(p);
            } else {
                queue.push_back((p.0, depth + 1));
            }
        }
    }
    if !known.is_empty() {
        let list: Vec<&str> = known.iter().map(MigrationId::as_str).collect();
        out.push(format!(
            "the database descends from {} (in the files) and went further with {id}, which these files do not have",
            list.join(", ")
        ));
    }
    out
}
