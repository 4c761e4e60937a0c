//! Looking a missing migration up in the project's git history and other branches.

use std::path::Path;
use std::process::Command;

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Returns human lines saying where git knows `id` from: the commits that added or removed a
/// file mentioning it (newest first, at most three), the file, and the branches holding the
/// commit. Empty when `root` is not a git checkout or git has never seen the id.
pub fn git_locate(root: &Path, id: &str) -> Vec<String> {
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
    let mut out = Vec::new();
    let mut current: Option<(String, String, String)> = None;
    let mut files: Vec<String> = Vec::new();
    let flush =
        |cur: &Option<(String, String, String)>, files: &[String], out: &mut Vec<String>| {
            if let Some((hash, date, subject)) = cur {
                let branches = git(
                    root,
                    &[
                        "branch",
                        "-a",
                        "--contains",
                        hash,
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
                out.push(format!(
                "git: {id} appears in commit {hash} ({date}, \"{subject}\"): {}; branches: {on}",
                files.join(", ")
            ));
            }
        };
    for line in log.lines() {
        if let Some(rest) = line.strip_prefix("@@") {
            flush(&current, &files, &mut out);
            files.clear();
            let mut parts = rest.splitn(3, '\t');
            current = Some((
                parts.next().unwrap_or("").to_string(),
                parts.next().unwrap_or("").to_string(),
                parts.next().unwrap_or("").to_string(),
            ));
        } else if let Some((status, file)) = line.split_once('\t') {
            let verb = match status.chars().next() {
                Some('A') => "added",
                Some('D') => "deleted",
                Some('R') => "renamed",
                _ => "changed",
            };
            files.push(format!("{verb} {file}"));
        }
    }
    flush(&current, &files, &mut out);
    if out.is_empty() {
        out.push(format!("git: no commit on any branch mentions {id}"));
    }
    out
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
