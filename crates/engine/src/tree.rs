//! Reading a project folder into a lazy [`SourceTree`]: a parallel walk (the `ignore` crate,
//! ripgrep's walker) that honours `.gitignore`, `.ignore` and hidden folders, keeps only the
//! paths some adapter wants, and reads a file's bytes the first time an adapter asks.

use crate::EngineError;
use migdoctor_model::{FileLoader, SourceFile, SourceTree};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub use migdoctor_model::SKIPPED_DIRS;

/// Files larger than this are listed but not loaded.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// How the walk treats ignore files.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WalkOptions {
    /// Also walk what `.gitignore` / `.ignore` exclude (folders in [`SKIPPED_DIRS`] and
    /// hidden folders are still skipped).
    pub no_ignore: bool,
}

/// Names read even where `.gitignore` excludes them: the project's own settings, which a
/// checkout keeps out of git but the deployed service reads.
const READ_EVEN_IF_IGNORED: &[&str] = &[".env"];

/// Reads files of one project root on demand.
struct DiskLoader {
    root: PathBuf,
}

impl FileLoader for DiskLoader {
    fn load(&self, path: &str) -> SourceFile {
        read_limited(&self.root.join(path))
    }
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

/// Returns the symlink loop inside a walk error, if that is what it is.
fn as_loop(err: &ignore::Error) -> Option<(&Path, &Path)> {
    match err {
        ignore::Error::Loop { ancestor, child } => Some((ancestor, child)),
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => as_loop(err),
        ignore::Error::Partial(errs) => errs.iter().find_map(as_loop),
        _ => None,
    }
}

fn err_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            err_path(err)
        }
        _ => None,
    }
}

#[derive(Default)]
struct Found {
    paths: Vec<String>,
    unreadable: Vec<(String, String)>,
    fatal: Option<EngineError>,
}

/// Returns the project tree under `root`: the paths `wants` keeps, each read on first use.
/// Folders in [`SKIPPED_DIRS`], hidden folders and (unless `no_ignore`) what `.gitignore` and
/// `.ignore` exclude are not walked. Symlinks are followed; a link that leads back into a
/// folder being walked is a symlink loop and an error naming it. A folder that cannot be
/// listed is recorded in the tree's `unreadable_dirs`, not fatal.
pub fn read_tree(
    root: &Path,
    wants: &(dyn Fn(&str) -> bool + Sync),
    options: WalkOptions,
) -> Result<SourceTree, EngineError> {
    let meta = std::fs::metadata(root).map_err(|e| EngineError::Tree {
        path: root.display().to_string(),
        reason: e.to_string(),
    })?;
    if meta.is_file() {
        return Err(EngineError::Tree {
            path: root.display().to_string(),
            reason: "is a file; pass the project (or migrations) folder".into(),
        });
    }
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .hidden(false)
        .follow_links(true)
        .git_global(false)
        .require_git(false)
        .ignore(!options.no_ignore)
        .git_ignore(!options.no_ignore)
        .git_exclude(!options.no_ignore)
        .parents(!options.no_ignore)
        .threads(
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(8),
        )
        .filter_entry(|e| {
            if e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            !(name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()))
        });
    let found = Mutex::new(Found::default());
    builder.build_parallel().run(|| {
        let found = &found;
        let mut local: Vec<String> = Vec::new();
        struct Flush<'a> {
            local: Vec<String>,
            found: &'a Mutex<Found>,
        }
        impl Drop for Flush<'_> {
            fn drop(&mut self) {
                if let Ok(mut f) = self.found.lock() {
                    f.paths.append(&mut self.local);
                }
            }
        }
        let mut flush = Flush {
            local: std::mem::take(&mut local),
            found,
        };
        Box::new(move |entry| {
            let entry = match entry {
                Ok(e) => e,
                Err(err) => {
                    let mut f = found.lock().expect("walk state");
                    if let Some((ancestor, child)) = as_loop(&err) {
                        f.fatal.get_or_insert(EngineError::Tree {
                            path: child.display().to_string(),
                            reason: format!(
                                "symlink loop: it leads back to {}; remove the link or point migdoctor at the migrations folder",
                                ancestor.display()
                            ),
                        });
                        return ignore::WalkState::Quit;
                    }
                    let path = err_path(&err)
                        .map(|p| rel(root, p))
                        .unwrap_or_default();
                    f.unreadable.push((path, err.to_string()));
                    return ignore::WalkState::Continue;
                }
            };
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            if is_dir {
                if !options.no_ignore {
                    for name in READ_EVEN_IF_IGNORED {
                        let p = entry.path().join(name);
                        if p.is_file() {
                            let r = rel(root, &p);
                            if wants(&r) {
                                flush.local.push(r);
                            }
                        }
                    }
                }
                return ignore::WalkState::Continue;
            }
            let r = rel(root, entry.path());
            if !r.is_empty() && wants(&r) {
                flush.local.push(r);
            }
            ignore::WalkState::Continue
        })
    });
    let found = found.into_inner().expect("walk state");
    if let Some(fatal) = found.fatal {
        return Err(fatal);
    }
    let mut tree = SourceTree::lazy(
        found.paths,
        Arc::new(DiskLoader {
            root: root.to_path_buf(),
        }),
    );
    tree.unreadable_dirs = found.unreadable;
    tree.unreadable_dirs.sort();
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(_: &str) -> bool {
        true
    }

    #[test]
    fn reads_files_and_skips_vendored_ignored_and_hidden_folders() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        for sub in ["db/migrations", "node_modules/x", "build", ".cache"] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join(".gitignore"), "build/\n.env\n").unwrap();
        std::fs::write(d.join("db/migrations/1_a.up.sql"), "x").unwrap();
        std::fs::write(d.join("node_modules/x/1_b.up.sql"), "x").unwrap();
        std::fs::write(d.join("build/1_c.up.sql"), "x").unwrap();
        std::fs::write(d.join(".cache/1_d.up.sql"), "x").unwrap();
        std::fs::write(d.join(".env"), "DATABASE_URL=x").unwrap();
        let tree = read_tree(d, &all, WalkOptions::default()).unwrap();
        let paths: Vec<&str> = tree.paths().collect();
        assert_eq!(
            paths,
            vec![".env", ".gitignore", "db/migrations/1_a.up.sql"]
        );
        assert_eq!(tree.bytes("db/migrations/1_a.up.sql"), Some(&b"x"[..]));
        let everything = read_tree(d, &all, WalkOptions { no_ignore: true }).unwrap();
        assert!(everything.contains("build/1_c.up.sql"));
        assert!(!everything.contains("node_modules/x/1_b.up.sql"));
        let only_sql =
            read_tree(d, &|p: &str| p.ends_with(".sql"), WalkOptions::default()).unwrap();
        assert_eq!(only_sql.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loop_is_an_error_naming_the_link() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
        let err = read_tree(dir.path(), &all, WalkOptions::default())
            .unwrap_err()
            .to_string();
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
        let tree = read_tree(dir.path(), &all, WalkOptions::default()).unwrap();
        // root can read anything; only assert when the permission really bites
        if std::fs::read(&f).is_err() {
            assert!(matches!(
                tree.get("1_a.up.sql"),
                Some(SourceFile::Unreadable(_))
            ));
        }
    }
}
