use crate::Framework;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Returns nothing; one file of a project as the CLI read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceFile {
    /// The file's bytes.
    Bytes(Vec<u8>),
    /// The file exists but could not be read; the reason names the OS error.
    Unreadable(String),
    /// The file was not loaded because it is larger than the reader's limit.
    TooLarge(u64),
}

/// Returns nothing; a project tree as path → content, built by the CLI so that the model and the
/// adapters never open files. Paths are relative to the project root and use `/`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceTree {
    files: BTreeMap<String, SourceFile>,
}

impl SourceTree {
    /// Returns an empty tree.
    pub fn new() -> SourceTree {
        SourceTree::default()
    }

    /// Returns the tree with `path` set to `content` (for tests and fixtures).
    pub fn with_file(mut self, path: &str, content: impl Into<Vec<u8>>) -> SourceTree {
        self.insert(path, SourceFile::Bytes(content.into()));
        self
    }

    /// Returns nothing; adds or replaces one file.
    pub fn insert(&mut self, path: &str, file: SourceFile) {
        self.files
            .insert(path.trim_start_matches("./").to_string(), file);
    }

    /// Returns the file at `path`.
    pub fn get(&self, path: &str) -> Option<&SourceFile> {
        self.files.get(path)
    }

    /// Returns the bytes at `path` when the file was read.
    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        match self.files.get(path) {
            Some(SourceFile::Bytes(b)) => Some(b),
            _ => None,
        }
    }

    /// Returns every path in sorted order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Returns every (path, file) pair in sorted order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &SourceFile)> {
        self.files.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Returns the number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Returns whether the tree has no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Returns the paths directly inside folder `dir` ("" is the root), in sorted order.
    pub fn files_in(&self, dir: &str) -> Vec<&str> {
        self.files
            .keys()
            .filter(|p| parent_dir(p) == dir)
            .map(String::as_str)
            .collect()
    }
}

/// Returns nothing; folders never read: VCS data, dependencies, build output, virtual
/// environments and migdoctor's own state.
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "node_modules",
    "target",
    "vendor",
    "third_party",
    ".venv",
    "venv",
    "__pycache__",
    ".migdoctor",
    ".build",
    ".tox",
    ".mypy_cache",
    "site-packages",
];

/// Returns whether any folder of the `/`-separated `path` is one of [`SKIPPED_DIRS`].
pub fn is_skipped(path: &str) -> bool {
    path.split('/').any(|c| SKIPPED_DIRS.contains(&c))
}

/// Returns `path` with `.` and `..` resolved and empty parts dropped (a leading `/` too: paths
/// are relative to the project).
pub fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// Returns `rel` joined to the folder `base` and normalised; a `rel` starting with `/` is taken
/// from the project root.
pub fn join_path(base: &str, rel: &str) -> String {
    if rel.starts_with('/') || base.is_empty() {
        normalize_path(rel)
    } else {
        normalize_path(&format!("{base}/{rel}"))
    }
}

/// Returns the folder part of a `/`-separated relative path ("" for the root).
pub fn parent_dir(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => "",
    }
}

/// Returns nothing; one place in a project where a framework keeps migrations (one migrations
/// folder, one Alembic script location, one Django project), with the settings found for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Site {
    /// The framework.
    pub framework: Framework,
    /// The migrations folder relative to the project root ("" for the root itself).
    pub root: String,
    /// How the site was found (folder pattern, Makefile, compose file, …).
    pub origin: String,
    /// Settings found in the project (`migrations_table`, `database_url`, …) and given on the
    /// command line: `table_override` (`--migrations-table`) and `url:<param>` (the `x-…`
    /// parameters of the `--db` URL), which each adapter interprets for its own table. URLs are written
    /// out with their password redacted (a plan file or report never carries one).
    #[serde(
        default,
        skip_serializing_if = "BTreeMap::is_empty",
        serialize_with = "redacted_config"
    )]
    pub config: BTreeMap<String, String>,
}

fn redacted_config<S: serde::Serializer>(
    config: &BTreeMap<String, String>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(config.len()))?;
    for (k, v) in config {
        if k.ends_with("url") {
            map.serialize_entry(k, &crate::redact(v))?;
        } else {
            map.serialize_entry(k, v)?;
        }
    }
    map.end()
}

impl Site {
    /// Returns a site found by folder pattern with no settings.
    pub fn new(framework: Framework, root: impl Into<String>) -> Site {
        Site {
            framework,
            root: root.into(),
            origin: "folder pattern".into(),
            config: BTreeMap::new(),
        }
    }

    /// Returns the dialect the site's database speaks, when the CLI has said (`dialect` in
    /// the site's settings): adapters parse SQL in that dialect.
    pub fn dialect_hint(&self) -> Option<crate::Dialect> {
        self.config
            .get("dialect")
            .and_then(|d| crate::Dialect::from_id(d))
    }

    /// Returns a stable label `framework:root` used in findings and reports.
    pub fn label(&self) -> String {
        let root = if self.root.is_empty() {
            "."
        } else {
            &self.root
        };
        format!("{}:{}", self.framework, root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialized_sites_never_carry_a_password() {
        let mut site = Site::new(Framework::Alembic, "alembic");
        site.config.insert(
            "database_url".into(),
            "postgres://app:Hunter22pw@db/prod".into(),
        );
        let json = serde_json::to_string(&site).unwrap();
        assert!(
            json.contains("postgres://app:***@db/prod") && !json.contains("Hunter22pw"),
            "{json}"
        );
    }

    #[test]
    fn files_in_lists_direct_children_only() {
        let t = SourceTree::new()
            .with_file("db/m/1_a.up.sql", "x")
            .with_file("db/m/sub/2_b.up.sql", "y")
            .with_file("README", "z");
        assert_eq!(t.files_in("db/m"), vec!["db/m/1_a.up.sql"]);
        assert_eq!(t.files_in(""), vec!["README"]);
    }
}
