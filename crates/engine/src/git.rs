//! Looking a missing migration up in the project's git history and other branches.

use std::path::Path;
use std::process::Command;

fn git(root: &Path, args: &[&str]) -> Option<String> {
    git_bytes(root, args).map(|b| String::from_utf8_lossy(&b).into_owned())
}

fn git_bytes(root: &Path, args: &[&str]) -> Option<Vec<u8>> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// One commit that added, changed or removed a file mentioning an id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitHit {
    /// Abbreviated commit hash.
    pub hash: String,
    /// Commit date (YYYY-MM-DD).
    pub date: String,
    /// Subject line.
    pub subject: String,
    /// (A/M/D/R, path relative to the repository's top folder).
    pub files: Vec<(char, String)>,
}

/// Returns the commits (newest first, at most three, on any branch) whose diff adds or removes
/// `id` in a `.py` or `.sql` file. Empty when `root` is not a git checkout.
pub fn git_hits(root: &Path, id: &str) -> Vec<GitHit> {
    if id.is_empty() || git(root, &["rev-parse", "--git-dir"]).is_none() {
        return Vec::new();
    }
    let Some(log) = git(
        root,
        &[
            "log",
            "--all",
            "-S",
            id,
            "--format=@@%h\t%ad\t%s",
            "--date=short",
            "--name-status",
            "-n",
            "3",
            "--",
            "*.py",
            "*.sql",
        ],
    ) else {
        return Vec::new();
    };
    let mut out: Vec<GitHit> = Vec::new();
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix("@@") {
            let mut parts = rest.splitn(3, '\t');
            out.push(GitHit {
                hash: parts.next().unwrap_or("").to_string(),
                date: parts.next().unwrap_or("").to_string(),
                subject: parts.next().unwrap_or("").to_string(),
                files: Vec::new(),
            });
        } else if let (Some((status, file)), Some(hit)) = (line.split_once('\t'), out.last_mut()) {
            // A rename lists "old\tnew": keep the new path.
            let file = file.rsplit('\t').next().unwrap_or(file);
            hit.files
                .push((status.chars().next().unwrap_or('M'), file.to_string()));
        }
    }
    out
}

/// Returns human lines saying where git knows `id` from: the commits that added or removed a
/// file mentioning it (newest first, at most three), the file, and the branches holding the
/// commit. Empty when `root` is not a git checkout or git has never seen the id.
pub fn git_locate(root: &Path, id: &str) -> Vec<String> {
    if id.is_empty() || git(root, &["rev-parse", "--git-dir"]).is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for hit in git_hits(root, id) {
        let branches = git(
            root,
            &[
                "branch",
                "-a",
                "--contains",
                &hit.hash,
                "--format=%(refname:short)",
            ],
        )
        .unwrap_or_default();
        let branches: Vec<&str> = branches
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(5)
            .collect();
        let on = if branches.is_empty() {
            "no branch (only reachable from other refs)".to_string()
        } else {
            branches.join(", ")
        };
        let files: Vec<String> = hit
            .files
            .iter()
            .map(|(status, file)| {
                let verb = match status {
                    'A' => "added",
                    'D' => "deleted",
                    'R' => "renamed",
                    _ => "changed",
                };
                format!("{verb} {file}")
            })
            .collect();
        out.push(format!(
            "git: {id} appears in commit {} ({}, \"{}\"): {}; branches: {on}",
            hit.hash,
            hit.date,
            hit.subject,
            files.join(", ")
        ));
    }
    if out.is_empty() {
        out.push(format!("git: no commit on any branch mentions {id}"));
    }
    out
}

/// Returns the content of `path` (relative to the repository's top folder) as commit `hash`
/// left it (`D`: as it was just before the commit deleted it).
pub fn git_file(root: &Path, hit: &GitHit, status: char, path: &str) -> Option<Vec<u8>> {
    let rev = if status == 'D' {
        format!("{}^:{path}", hit.hash)
    } else {
        format!("{}:{path}", hit.hash)
    };
    git_bytes(root, &["show", &rev])
}

/// Returns the project folder's path inside its repository ("" at the top, else ending in
/// `/`), so repository paths can be made project-relative.
pub fn git_prefix(root: &Path) -> String {
    git(root, &["rev-parse", "--show-prefix"])
        .map(|s| s.trim().to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_revision_deleted_on_another_branch() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let run = |args: &[&str]| {
            let ok = Command::new("git")
                .arg("-C")
                .arg(root)
                .args(args)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@x")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@x")
                .output()
                .unwrap();
            assert!(
                ok.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&ok.stderr)
            );
        };
        if Command::new("git").arg("--version").output().is_err() {
            return;
        }
        run(&["init", "-q", "-b", "main"]);
        std::fs::write(root.join("README"), "x").unwrap();
        run(&["add", "."]);
        run(&["commit", "-q", "-m", "init"]);
        std::fs::create_dir_all(root.join("alembic/versions")).unwrap();
        std::fs::write(
            root.join("alembic/versions/30a419ca143e_add.py"),
            "revision = '30a419ca143e'\n",
        )
        .unwrap();
        run(&["checkout", "-q", "-b", "feature/x"]);
        run(&["add", "."]);
        run(&["commit", "-q", "-m", "add column"]);
        run(&["checkout", "-q", "main"]);
        let lines = git_locate(root, "30a419ca143e");
        assert!(
            lines[0].contains("added alembic/versions/30a419ca143e_add.py")
                && lines[0].contains("feature/x"),
            "{lines:?}"
        );
        assert!(git_locate(root, "ffffffffffff")[0].contains("no commit"));
        assert!(git_locate(Path::new("/"), "x").is_empty());
    }
}
