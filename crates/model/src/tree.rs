use crate::Framework;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use std::sync::{Arc, OnceLock};

/// One file of a project as it was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SourceFile {
    /// The file's bytes.
    Bytes(Vec<u8>),
    /// The file exists but could not be read; the reason names the OS error.
    Unreadable(String),
    /// The file was not loaded because it is larger than the reader's limit.
    TooLarge(u64),
}

/// What reads a file of a project on first use. The engine gives one that opens files; the
/// model never does, so adapters stay pure and unit tests use in-memory trees.
pub trait FileLoader: Send + Sync {
    /// Returns the file at `path` (relative to the project root, `/`-separated).
    fn load(&self, path: &str) -> SourceFile;
}

/// A project tree as path → content. Paths are relative to the project root and use `/`.
/// The walk lists the paths; each file's content is read the first time an adapter asks for
/// it (from any thread), so a monorepo's 100,000 files cost nothing unless an adapter wants
/// them.
#[derive(Clone, Default)]
pub struct SourceTree {
    files: BTreeMap<String, OnceLock<SourceFile>>,
    loader: Option<Arc<dyn FileLoader>>,
    /// Folders that could not be listed (permission denied, …), with the reason.
    pub unreadable_dirs: Vec<(String, String)>,
}

impl std::fmt::Debug for SourceTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceTree")
            .field("files", &self.files.len())
            .field("lazy", &self.loader.is_some())
            .finish()
    }
}

impl SourceTree {
    /// Returns an empty in-memory tree.
    pub fn new() -> SourceTree {
        SourceTree::default()
    }

    /// Returns a tree of `paths` whose contents `loader` reads on first use.
    pub fn lazy(paths: impl IntoIterator<Item = String>, loader: Arc<dyn FileLoader>) -> Self {
        SourceTree {
            files: paths.into_iter().map(|p| (p, OnceLock::new())).collect(),
            loader: Some(loader),
            unreadable_dirs: Vec::new(),
        }
    }

    /// Returns the tree with `path` set to `content` (for tests and fixtures).
    pub fn with_file(mut self, path: &str, content: impl Into<Vec<u8>>) -> SourceTree {
        self.insert(path, SourceFile::Bytes(content.into()));
        self
    }

    /// Adds or replaces one file.
    pub fn insert(&mut self, path: &str, file: SourceFile) {
        self.files.insert(
            path.trim_start_matches("./").to_string(),
            OnceLock::from(file),
        );
    }

    /// Adds `path` (read on first use, like the walk's paths) unless the tree lists it already.
    pub fn add_lazy(&mut self, path: String) {
        self.files.entry(path).or_default();
    }

    /// Returns the file at `path`, reading it on first use.
    pub fn get(&self, path: &str) -> Option<&SourceFile> {
        let cell = self.files.get(path)?;
        Some(cell.get_or_init(|| match &self.loader {
            Some(l) => l.load(path),
            None => SourceFile::Unreadable("no content was given for this file".into()),
        }))
    }

    /// Reads the files at `paths` now, spread over the machine's cores (reading thousands of
    /// small files is system-call bound); later `get`s return at once.
    pub fn prefetch(&self, paths: &[&str]) {
        if self.loader.is_some() {
            crate::par_map(paths, |p| {
                self.get(p);
            });
        }
    }

    /// Returns the bytes at `path` when the file was read.
    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        match self.get(path) {
            Some(SourceFile::Bytes(b)) => Some(b),
            _ => None,
        }
    }

    /// Returns whether the tree lists `path`.
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Returns every path in sorted order (reads nothing).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// Returns the number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Returns whether the tree has no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Returns the paths below folder `dir` ("" is the root), at any depth, in sorted order.
    pub fn paths_under<'a>(&'a self, dir: &str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        self.files
            .range::<String, _>(prefix.clone()..)
            .map(|(k, _)| k.as_str())
            .take_while(move |k| k.starts_with(&prefix))
    }

    /// Returns the paths directly inside folder `dir` ("" is the root), in sorted order.
    pub fn files_in(&self, dir: &str) -> Vec<&str> {
        let skip = if dir.is_empty() { 0 } else { dir.len() + 1 };
        self.paths_under(dir)
            .filter(|p| !p[skip..].contains('/'))
            .collect()
    }
}

/// Folders never read: VCS data, dependencies, build output, virtual
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
