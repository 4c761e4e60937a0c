//! Reading a project folder into a [`SourceTree`].

use crate::EngineError;
use migdoctor_model::{SourceFile, SourceTree};
use std::path::{Path, PathBuf};

pub use migdoctor_model::SKIPPED_DIRS;

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
    let mut files = Vec::new();
    walk(root, root, &mut tree, &mut ancestors, &mut files)?;
    // Reading thousands of small files is system-call bound: spread them over the cores.
    let read: Vec<SourceFile> = migdoctor_model::par_map(&files, |(_, p)| read_limited(p));
    for ((rel, _), file) in files.iter().zip(read) {
        tree.insert(rel, file);
    }
    Ok(tree)
}

/// Returns the file's bytes, or `TooLarge` past [`MAX_FILE_BYTES`], reading at most one byte
/// more than the limit.
fn read_limited(path: &Path) -> SourceFile {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return SourceFile::Unreadable(e.to_string()),
    };
    let mut bytes = Vec::new();
    match file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes) {
        Ok(_) if bytes.len() as u64 > MAX_FILE_BYTES => {
            let size = std::fs::metadata(path)
                .map(|m| m.len())
                .unwrap_or(bytes.len() as u64);
            SourceFile::TooLarge(size)
        }
        Ok(_) => SourceFile::Bytes(bytes),
        Err(e) => SourceFile::Unreadable(e.to_string()),
    }
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
    files: &mut Vec<(String, PathBuf)>,
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
        // The directory entry's own type costs no system call; only links are followed with a
        // stat (a dangling one is recorded, not fatal).
        let ftype = match entry.file_type() {
            Ok(t) => t,
            Err(e) => {
                tree.insert(&relpath, SourceFile::Unreadable(e.to_string()));
                continue;
            }
        };
        let (is_dir, is_file) = if ftype.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) => (m.is_dir(), m.is_file()),
                Err(e) => {
                    tree.insert(&relpath, SourceFile::Unreadable(e.to_string()));
                    continue;
                }
            }
        } else {
            (ftype.is_dir(), ftype.is_file())
        };
        if is_dir {
            if SKIPPED_DIRS.contains(&name.as_str()) {
                continue;
            }
            walk(root, &path, tree, ancestors, files)?;
        } else if is_file {
            files.push((relpath, path));
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
