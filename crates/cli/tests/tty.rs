//! The binary on a real terminal (a pseudo-terminal from `script`): progress is drawn on
//! stderr without deadlocking, colours follow NO_COLOR, and apply asks before writing.

use std::process::Command;
use std::time::{Duration, Instant};

fn example_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/golang-migrate-dirty");
    let status = Command::new("cp")
        .arg("-r")
        .arg(format!("{}/.", src.display()))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    dir
}

/// Runs `command` under `script` (a pseudo-terminal), feeding `input`, and returns its output;
/// fails the test if it does not finish within 60 seconds (a hang is the bug this catches).
fn on_terminal(command: &str, input: &str, no_color: bool) -> Option<String> {
    if Command::new("script").arg("--version").output().is_err() {
        return None; // util-linux `script` is not installed
    }
    let mut cmd = Command::new("script");
    cmd.args(["-qec", command, "/dev/null"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped());
    cmd.env_remove("NO_COLOR");
    if no_color {
        cmd.env("NO_COLOR", "1");
    }
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        let _ = stdin.write_all(input.as_bytes());
    }
    let start = Instant::now();
    loop {
        if let Some(_status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return Some(String::from_utf8_lossy(&out.stdout).into_owned());
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("`{command}` did not finish on a terminal within 60 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn diagnose_and_apply_on_a_terminal() {
    let bin = env!("CARGO_BIN_EXE_migdoctor");
    let dir = example_copy();
    let p = dir.path().display();
    let Some(out) = on_terminal(&format!("{bin} diagnose {p}"), "", false) else {
        return;
    };
    assert!(out.contains("Dirty database version 3"), "{out}");
    assert!(out.contains("\u{1b}["), "a terminal gets colour: {out}");
    let out = on_terminal(&format!("{bin} diagnose {p}"), "", true).unwrap();
    assert!(
        !out.contains("\u{1b}[1;31m"),
        "NO_COLOR turns colour off: {out}"
    );
    let plan = dir.path().join("plan.json");
    let out = on_terminal(
        &format!(
            "{bin} plan {p} golang-migrate/undirty --out {}",
            plan.display()
        ),
        "",
        true,
    )
    .unwrap();
    assert!(plan.is_file(), "{out}");
    let out = on_terminal(
        &format!("cd {p} && {bin} apply {}", plan.display()),
        "n\n",
        true,
    )
    .unwrap();
    assert!(
        out.contains("Run 2 statement(s)") && out.contains("nothing written"),
        "{out}"
    );
    let out = on_terminal(
        &format!("cd {p} && {bin} apply {}", plan.display()),
        "y\n",
        true,
    )
    .unwrap();
    assert!(out.contains("applied golang-migrate/undirty"), "{out}");
}
