//! Reading a project folder into a lazy [`SourceTree`]: a parallel walk that honours
//! `.gitignore`, `.ignore` and `.git/info/exclude` (matched with the `ignore` crate's gitignore
//! matcher, git's own rules) and skips hidden and dependency folders, keeps only the paths some
//! adapter wants, and reads a file's bytes the first time an adapter asks.
//!
//! The walk is hand-rolled over `read_dir` rather than `ignore::WalkBuilder` because a scan of
//! a monorepo must beat `find`: the whole walker costs three times `find`'s CPU on 134,000
//! files, a `read_dir` walk over two cores and one gitignore matcher per folder that has one
//! costs less than half.

use crate::EngineError;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::Match;
use migdoctor_model::{FileLoader, SourceFile, SourceTree};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};

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
/// more than the limit. A migration file is small: one `read` into a 16 KiB buffer usually
/// takes all of it (a short read of a regular file is its end), so most files cost three
/// system calls.
fn read_limited(path: &Path) -> SourceFile {
    use std::io::Read;
    const FIRST: usize = 16 * 1024;
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => return SourceFile::Unreadable(e.to_string()),
    };
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0u8; FIRST]);
    }
    let first = SCRATCH.with(|scratch| {
        let mut buf = scratch.borrow_mut();
        loop {
            match file.read(&mut buf[..]) {
                Ok(n) => break Ok(buf[..n].to_vec()),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        }
    });
    let mut bytes = match first {
        Ok(b) => b,
        Err(e) => return SourceFile::Unreadable(e.to_string()),
    };
    let n = bytes.len();
    if n < FIRST {
        return SourceFile::Bytes(bytes);
    }
    match file
        .take(MAX_FILE_BYTES + 1 - n as u64)
        .read_to_end(&mut bytes)
    {
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

/// One gitignore matcher and the ones of the folders above it.
struct Ignores {
    matcher: Gitignore,
    /// What to put before a project-relative path to make it relative to the matcher's
    /// folder (a folder above the project root), or …
    prefix: String,
    /// … how many bytes of a project-relative path to drop (a folder inside the project).
    skip: usize,
    parent: Option<Arc<Ignores>>,
}

/// Returns whether the chain ignores `rel` (project-relative): the nearest matcher with an
/// opinion decides, a whitelist (`!pattern`) keeps the path.
fn ignored(chain: &Option<Arc<Ignores>>, rel: &str, is_dir: bool) -> bool {
    let mut node = chain.as_deref();
    while let Some(n) = node {
        let m = if n.prefix.is_empty() {
            n.matcher
                .matched(Path::new(&rel[n.skip.min(rel.len())..]), is_dir)
        } else {
            n.matcher
                .matched(Path::new(&format!("{}{rel}", n.prefix)), is_dir)
        };
        match m {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => node = n.parent.as_deref(),
        }
    }
    false
}

/// Returns the matcher of the ignore files in `dir` (those of `names` that exist), if any.
fn matcher(dir: &Path, names: &[&str]) -> Option<Gitignore> {
    let mut b = GitignoreBuilder::new(dir);
    let mut any = false;
    for n in names {
        let p = dir.join(n);
        if p.is_file() {
            // A malformed line is skipped, as git does.
            let _ = b.add(&p);
            any = true;
        }
    }
    any.then(|| b.build().ok()).flatten()
}

/// Returns the ignore files that apply to `root` from the folders above it, up to the top of
/// its git repository, and the repository's `.git/info/exclude`.
fn ignores_above(root: &Path) -> Option<Arc<Ignores>> {
    let mut chain: Vec<(PathBuf, Gitignore)> = Vec::new();
    let mut dir = root.to_path_buf();
    let mut top = None;
    loop {
        if dir.join(".git").exists() {
            top = Some(dir.clone());
        }
        if dir != root {
            if let Some(m) = matcher(&dir, &[".gitignore", ".ignore"]) {
                chain.push((dir.clone(), m));
            }
        }
        if top.is_some() || !dir.pop() {
            break;
        }
    }
    if top.is_none() {
        // Not in a repository: only the project's own ignore files count.
        chain.clear();
    }
    if let Some(top) = &top {
        let exclude = top.join(".git/info/exclude");
        if exclude.is_file() {
            // exclude's patterns are relative to the repository's top folder.
            let mut b = GitignoreBuilder::new(top);
            let _ = b.add(exclude);
            if let Ok(m) = b.build() {
                chain.push((top.clone(), m));
            }
        }
    }
    // Farthest first, so the nearest ends up at the head of the chain.
    chain.reverse();
    let mut head: Option<Arc<Ignores>> = None;
    for (dir, m) in chain {
        let rel = root.strip_prefix(&dir).unwrap_or(Path::new(""));
        let mut prefix = rel.to_string_lossy().replace('\\', "/");
        if !prefix.is_empty() {
            prefix.push('/');
        }
        head = Some(Arc::new(Ignores {
            matcher: m,
            prefix,
            skip: 0,
            parent: head,
        }));
    }
    head
}

/// One folder to list.
struct Job {
    dir: PathBuf,
    /// Project-relative, `/`-separated ("" for the root).
    rel: String,
    ignores: Option<Arc<Ignores>>,
    /// The real (canonical) folders entered through symlinks on the way here, innermost
    /// first: a link to one of them (or to a folder above one) is a loop.
    links: Option<Arc<Link>>,
}

struct Link {
    real: PathBuf,
    parent: Option<Arc<Link>>,
}

#[derive(Default)]
struct Found {
    paths: Vec<String>,
    unreadable: Vec<(String, String)>,
    fatal: Option<EngineError>,
}

struct Queue {
    jobs: VecDeque<Job>,
    /// Jobs queued or being worked on.
    pending: usize,
    stop: bool,
}

struct Walk<'a> {
    root: PathBuf,
    root_real: PathBuf,
    wants: &'a (dyn Fn(&str) -> bool + Sync),
    options: WalkOptions,
    queue: Mutex<Queue>,
    ready: Condvar,
    found: Mutex<Found>,
}

impl Walk<'_> {
    fn next_job(&self) -> Option<Job> {
        let mut q = self.queue.lock().expect("walk queue");
        loop {
            if q.stop {
                return None;
            }
            if let Some(j) = q.jobs.pop_front() {
                return Some(j);
            }
            if q.pending == 0 {
                return None;
            }
            q = self.ready.wait(q).expect("walk queue");
        }
    }

    fn finish_job(&self, children: Vec<Job>) {
        let mut q = self.queue.lock().expect("walk queue");
        q.pending += children.len();
        q.pending -= 1;
        q.jobs.extend(children);
        if q.pending == 0 || !q.jobs.is_empty() {
            self.ready.notify_all();
        }
    }

    fn fail(&self, err: EngineError) {
        self.found
            .lock()
            .expect("walk results")
            .fatal
            .get_or_insert(err);
        self.queue.lock().expect("walk queue").stop = true;
        self.ready.notify_all();
    }

    fn worker(&self) {
        let mut local: Vec<String> = Vec::new();
        while let Some(job) = self.next_job() {
            let children = self.list(job, &mut local);
            self.finish_job(children);
        }
        self.found
            .lock()
            .expect("walk results")
            .paths
            .append(&mut local);
    }

    /// Lists one folder: wanted files go to `out`, folders to walk come back as jobs.
    fn list(&self, job: Job, out: &mut Vec<String>) -> Vec<Job> {
        let entries = match std::fs::read_dir(&job.dir) {
            Ok(e) => e,
            Err(e) => {
                if job.rel.is_empty() {
                    self.fail(EngineError::Tree {
                        path: job.dir.display().to_string(),
                        reason: e.to_string(),
                    });
                } else {
                    self.found
                        .lock()
                        .expect("walk results")
                        .unreadable
                        .push((job.rel.clone(), e.to_string()));
                }
                return Vec::new();
            }
        };
        let mut names: Vec<(std::ffi::OsString, std::fs::FileType)> = Vec::new();
        for e in entries.flatten() {
            if let Ok(t) = e.file_type() {
                names.push((e.file_name(), t));
            }
        }
        // This folder's own ignore files apply to everything below it.
        let mut ignores = job.ignores.clone();
        if !self.options.no_ignore {
            let has = |n: &str| names.iter().any(|(x, _)| x == n);
            if has(".gitignore") || has(".ignore") {
                if let Some(m) = matcher(&job.dir, &[".gitignore", ".ignore"]) {
                    ignores = Some(Arc::new(Ignores {
                        matcher: m,
                        prefix: String::new(),
                        skip: if job.rel.is_empty() {
                            0
                        } else {
                            job.rel.len() + 1
                        },
                        parent: ignores,
                    }));
                }
            }
        }
        let mut children = Vec::new();
        // The relative path of each entry is built in one buffer; only kept paths allocate.
        let mut rel = String::with_capacity(job.rel.len() + 64);
        for (name, ftype) in names {
            let name = name.to_string_lossy();
            rel.clear();
            if !job.rel.is_empty() {
                rel.push_str(&job.rel);
                rel.push('/');
            }
            rel.push_str(&name);
            let (is_dir, is_file, via_link) = if ftype.is_symlink() {
                match std::fs::metadata(job.dir.join(name.as_ref())) {
                    Ok(m) => (m.is_dir(), m.is_file(), true),
                    Err(_) => {
                        // A dangling link: list it, so an adapter that wants it says so.
                        if (self.wants)(&rel) {
                            out.push(rel.clone());
                        }
                        continue;
                    }
                }
            } else {
                (ftype.is_dir(), ftype.is_file(), false)
            };
            if is_dir {
                if name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()) {
                    continue;
                }
                if ignored(&ignores, &rel, true) {
                    continue;
                }
                let path = job.dir.join(name.as_ref());
                let mut links = job.links.clone();
                if via_link {
                    let Ok(real) = std::fs::canonicalize(&path) else {
                        continue;
                    };
                    if let Some(ancestor) = self.loops_to(&job, &real) {
                        self.fail(EngineError::Tree {
                            path: path.display().to_string(),
                            reason: format!(
                                "symlink loop: it leads back to {}; remove the link or point migdoctor at the migrations folder",
                                ancestor.display()
                            ),
                        });
                        return Vec::new();
                    }
                    links = Some(Arc::new(Link {
                        real,
                        parent: links,
                    }));
                }
                children.push(Job {
                    dir: path,
                    rel: rel.clone(),
                    ignores: ignores.clone(),
                    links,
                });
            } else if is_file && (self.wants)(&rel) {
                let always = READ_EVEN_IF_IGNORED.contains(&name.as_ref());
                if always || !ignored(&ignores, &rel, false) {
                    out.push(rel.clone());
                }
            }
        }
        children
    }

    /// Returns the folder a link to `real` would lead back into, if it does: the folder being
    /// listed, the root, a folder entered through a link on the way here, or one above any.
    fn loops_to(&self, job: &Job, real: &Path) -> Option<PathBuf> {
        let here = std::fs::canonicalize(&job.dir).unwrap_or_else(|_| job.dir.clone());
        let mut hit = here.starts_with(real) || self.root_real.starts_with(real);
        let mut link = job.links.as_deref();
        while let (false, Some(l)) = (hit, link) {
            hit = l.real.starts_with(real);
            link = l.parent.as_deref();
        }
        hit.then(|| real.to_path_buf())
    }
}

/// Returns the project tree under `root`: the paths `wants` keeps, each read on first use.
/// Folders in [`SKIPPED_DIRS`], hidden folders and (unless `no_ignore`) what `.gitignore`,
/// `.ignore` and `.git/info/exclude` exclude are not walked; a `.env` is kept even when
/// ignored. Symlinks are followed; a link that leads back into a folder being walked is a
/// symlink loop and an error naming it. A folder that cannot be listed is recorded in the
/// tree's `unreadable_dirs`, not fatal.
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
    let root_real = std::fs::canonicalize(root).map_err(|e| EngineError::Tree {
        path: root.display().to_string(),
        reason: e.to_string(),
    })?;
    let ignores = if options.no_ignore {
        None
    } else {
        ignores_above(&root_real)
    };
    let walk = Walk {
        root: root.to_path_buf(),
        root_real,
        wants,
        options,
        queue: Mutex::new(Queue {
            jobs: VecDeque::from([Job {
                dir: root.to_path_buf(),
                rel: String::new(),
                ignores,
                links: None,
            }]),
            pending: 1,
            stop: false,
        }),
        ready: Condvar::new(),
        found: Mutex::new(Found::default()),
    };
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| walk.worker());
        }
    });
    let found = walk.found.into_inner().expect("walk results");
    if let Some(fatal) = found.fatal {
        return Err(fatal);
    }
    let mut tree = SourceTree::lazy(found.paths, Arc::new(DiskLoader { root: walk.root }));
    tree.unreadable_dirs = found.unreadable;
    tree.unreadable_dirs.sort();
    Ok(tree)
}

/// Adds to `tree` the files of the folders sites name in their configuration (see
/// `Adapter::folders`), which the walk may have left out. Folders that do not exist add
/// nothing; the adapter reports them.
pub fn add_folders(tree: &mut SourceTree, root: &Path, folders: &[(String, bool)]) {
    let mut stack: Vec<String> = Vec::new();
    for (folder, recursive) in folders {
        stack.push(folder.clone());
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(root.join(&dir)) else {
                continue;
            };
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let rel = if dir.is_empty() {
                    name.clone()
                } else {
                    format!("{dir}/{name}")
                };
                let meta = std::fs::metadata(e.path());
                match meta {
                    Ok(m) if m.is_file() => tree.add_lazy(rel),
                    Ok(m)
                        if m.is_dir()
                            && *recursive
                            && !name.starts_with('.')
                            && !SKIPPED_DIRS.contains(&name.as_str()) =>
                    {
                        stack.push(rel)
                    }
                    _ => {}
                }
            }
        }
    }
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
        for sub in [
            "db/migrations",
            "node_modules/x",
            "build",
            ".cache",
            "svc/gen",
            "svc/keep",
        ] {
            std::fs::create_dir_all(d.join(sub)).unwrap();
        }
        std::fs::write(d.join(".gitignore"), "build/\n.env\n*.log\n").unwrap();
        std::fs::write(d.join("svc/.gitignore"), "gen/\n!keep.log\n").unwrap();
        std::fs::write(d.join("db/migrations/1_a.up.sql"), "x").unwrap();
        std::fs::write(d.join("node_modules/x/1_b.up.sql"), "x").unwrap();
        std::fs::write(d.join("build/1_c.up.sql"), "x").unwrap();
        std::fs::write(d.join(".cache/1_d.up.sql"), "x").unwrap();
        std::fs::write(d.join("svc/gen/1_e.up.sql"), "x").unwrap();
        std::fs::write(d.join("svc/keep/1_f.up.sql"), "x").unwrap();
        std::fs::write(d.join("svc/keep.log"), "x").unwrap();
        std::fs::write(d.join("svc/other.log"), "x").unwrap();
        std::fs::write(d.join(".env"), "DATABASE_URL=x").unwrap();
        let tree = read_tree(d, &all, WalkOptions::default()).unwrap();
        let paths: Vec<&str> = tree.paths().collect();
        assert_eq!(
            paths,
            vec![
                ".env",
                ".gitignore",
                "db/migrations/1_a.up.sql",
                "svc/.gitignore",
                "svc/keep.log",
                "svc/keep/1_f.up.sql"
            ]
        );
        assert_eq!(tree.bytes("db/migrations/1_a.up.sql"), Some(&b"x"[..]));
        let everything = read_tree(d, &all, WalkOptions { no_ignore: true }).unwrap();
        assert!(
            everything.contains("build/1_c.up.sql") && everything.contains("svc/gen/1_e.up.sql")
        );
        assert!(!everything.contains("node_modules/x/1_b.up.sql"));
        let only_sql =
            read_tree(d, &|p: &str| p.ends_with(".sql"), WalkOptions::default()).unwrap();
        assert_eq!(only_sql.len(), 2);
    }

    #[test]
    fn ignore_files_above_the_project_apply_inside_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join(".git/info")).unwrap();
        std::fs::create_dir_all(d.join("services/api/dist")).unwrap();
        std::fs::create_dir_all(d.join("services/api/db")).unwrap();
        std::fs::write(d.join(".gitignore"), "dist/\n").unwrap();
        std::fs::write(d.join(".git/info/exclude"), "services/api/db/2_*\n").unwrap();
        std::fs::write(d.join("services/api/dist/1_a.up.sql"), "x").unwrap();
        std::fs::write(d.join("services/api/db/1_b.up.sql"), "x").unwrap();
        std::fs::write(d.join("services/api/db/2_c.up.sql"), "x").unwrap();
        let tree = read_tree(&d.join("services/api"), &all, WalkOptions::default()).unwrap();
        assert_eq!(tree.paths().collect::<Vec<_>>(), vec!["db/1_b.up.sql"]);
    }

    #[test]
    fn folders_a_config_names_are_added_after_the_walk() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("extra/deep")).unwrap();
        std::fs::write(d.join("extra/a1.py"), "x").unwrap();
        std::fs::write(d.join("extra/deep/b2.py"), "x").unwrap();
        let mut tree = read_tree(d, &|_: &str| false, WalkOptions::default()).unwrap();
        assert!(tree.is_empty());
        add_folders(
            &mut tree,
            d,
            &[("extra".into(), false), ("missing".into(), true)],
        );
        assert_eq!(tree.paths().collect::<Vec<_>>(), vec!["extra/a1.py"]);
        add_folders(&mut tree, d, &[("extra".into(), true)]);
        assert_eq!(tree.len(), 2);
        assert_eq!(tree.bytes("extra/deep/b2.py"), Some(&b"x"[..]));
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
    fn links_to_each_others_folders_are_a_loop_and_a_plain_link_is_followed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("outside/db")).unwrap();
        std::fs::write(d.join("outside/db/1_a.up.sql"), "x").unwrap();
        let project = d.join("project");
        std::fs::create_dir_all(project.join("a")).unwrap();
        std::fs::create_dir_all(project.join("b")).unwrap();
        std::os::unix::fs::symlink(d.join("outside/db"), project.join("migrations")).unwrap();
        let tree = read_tree(&project, &all, WalkOptions::default()).unwrap();
        assert!(tree.contains("migrations/1_a.up.sql"));
        std::os::unix::fs::symlink(project.join("b"), project.join("a/to_b")).unwrap();
        std::os::unix::fs::symlink(project.join("a"), project.join("b/to_a")).unwrap();
        let err = read_tree(&project, &all, WalkOptions::default())
            .unwrap_err()
            .to_string();
        assert!(err.contains("symlink loop"), "{err}");
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
