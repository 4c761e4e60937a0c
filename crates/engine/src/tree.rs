//! Reading a project folder into a [`SourceTree`].

use crate::EngineError;
use migdoctor_model::{SourceFile, SourceTree};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Returns nothing; folders never read (VCS data, dependencies, build output, our own state).
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
];

/// Returns nothing; files larger than this are listed but not loaded.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Returns the project tree under `root`: every file's bytes (or why it could not be read),
/// skipping [`SKIPPED_DIRS`]. Symlinks are followed; a link that leads back into a folder
/// already being read is a symlink loop and an error naming it.
pub fn read_tree(root: &Path) -> Result<SourceTree, EngineError> {
    let meta = std::fs::metadata(root).map_err(|e| EngineError::Tree {
        path: root.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut tree = SourceTree::new();
    if meta.is_file() {
        return Err(EngineError::Tree {
            path: root.display().to_string(),
            reason: "is a file; pass the project (or migrations) folder".into(),
        });
    }
    let mut ancestors = Vec::new();
    walk(root, root, &mut tree, &mut ancestors, &mut HashSet::new())?;
    Ok(tree)
}

fn rel(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn walk(
    root: &Path,
    dir: &Path,
    tree: &mut SourceTree,
    ancestors: &mut Vec<PathBuf>,
    seen_files: &mut HashSet<PathBuf>,
) -> Result<(), EngineError> {
    let canonical = std::fs::canonicalize(dir).map_err(|e| EngineError::Tree {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    if ancestors.contains(&canonical) {
        return Err(EngineError::Tree {
            path: dir.display().to_string(),
            reason: format!(
                "symlink loop: it leads back to {}; remove the link or point migdoctor at the migrations folder",
                canonical.display()
            ),
        });
    }
    ancestors.push(canonical);
    let entries = std::fs::read_dir(dir).map_err(|e| EngineError::Tree {
        path: dir.display().to_string(),
        reason: e.to_string(),
    })?;
    let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let relpath = rel(root, &path);
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) => {
                // A dangling symlink or a file that vanished: record it, do not stop.
                if std::fs::symlink_metadata(&path).is_ok() {
                    tree.insert(&relpath, SourceFile::Unreadable(e.to_string()));
                }
                continue;
            }
        };
        if meta.is_dir() {
            if SKIPPED_DIRS.contains(&name.as_str()) {
                continue;
            }
            walk(root, &path, tree, ancestors, seen_files)?;
        } else if meta.is_file() {
            if meta.len() > MAX_FILE_BYTES {
                tree.insert(&relpath, SourceFile::TooLarge(meta.len()));
                continue;
            }
            let file = match std::fs::read(&path) {
                Ok(bytes) => SourceFile::Bytes(bytes),
                Err(e) => SourceFile::Unreadable(e.to_string()),
            };
            let _ = seen_files.insert(path);
            tree.insert(&relpath, file);
        }
    }
    ancestors.pop();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_and_skips_vendored_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("db/migrations")).unwrap();
        std::fs::create_dir_all(dir.path().join("node_modules/x")).unwrap();
        std::fs::write(dir.path().join("db/migrations/1_a.up.sql"), "x").unwrap();
        std::fs::write(dir.path().join("node_modules/x/1_b.up.sql"), "x").unwrap();
        let tree = read_tree(dir.path()).unwrap();
        assert_eq!(
            tree.paths().collect::<Vec<_>>(),
            vec!["db/migrations/1_a.up.sql"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_an_error_naming_the_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
        let err = read_tree(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("a/loop") && err.contains("symlink loop"),
            "{err}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_file_is_recorded_not_fatal() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("1_a.up.sql");
        std::fs::write(&f, "x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o000)).unwrap();
        let tree = read_tree(dir.path()).unwrap();
        // root can read anything; only assert when the permission really bites
        if std::fs::read(&f).is_err() {
            assert!(matches!(
                tree.get("1_a.up.sql"),
                Some(SourceFile::Unreadable(_))
            ));
        }
    }
}
