//! Unit tests of the journal: appending, tolerant reading, grouping, older lines.

use super::*;

fn rec(status: Option<Status>, id: Option<&str>) -> Record {
    Record {
        status,
        backup_id: id.map(str::to_string),
        playbook: Some("golang-migrate/undirty".into()),
        target: Some("sqlite:///tmp/app.db".into()),
        ..Record::now("apply")
    }
}

#[test]
fn append_then_read_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(".migdoctor/journal.jsonl");
    append_journal(&path, &rec(Some(Status::Pending), Some("b1"))).unwrap();
    append_journal(&path, &rec(Some(Status::Committed), Some("b1"))).unwrap();
    let j = read_journal(&path).unwrap();
    assert_eq!(j.lines.len(), 2);
    assert!(j.problems.is_empty());
    assert!(j.pending().is_empty());
    let e = j.entries();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].status, Status::Committed);
    assert_eq!(e[0].lines, vec![1, 2]);
    assert!(e[0].undo_command.as_deref().unwrap().contains("undo b1"));
    let (user, host) = who();
    assert_eq!(e[0].user.as_deref(), Some(user));
    assert_eq!(e[0].host.as_deref(), Some(host));
}

#[test]
fn a_torn_last_line_is_reported_skipped_and_never_fuses_with_the_next_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    append_journal(&path, &rec(Some(Status::Pending), Some("b1"))).unwrap();
    let full = serde_json::to_string(&rec(Some(Status::Committed), Some("b1"))).unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&full.as_bytes()[..full.len() / 2]);
    std::fs::write(&path, &bytes).unwrap();
    let j = read_journal(&path).unwrap();
    assert_eq!(j.lines.len(), 1);
    assert_eq!(j.problems.len(), 1);
    assert!(j.problems[0].torn, "{:?}", j.problems);
    assert_eq!(j.problems[0].line, 2);
    assert_eq!(j.pending().len(), 1);
    // The next append starts a new line: the fragment stays on its own, reported, and the
    // new record reads.
    append_journal(&path, &rec(Some(Status::RolledBack), Some("b1"))).unwrap();
    let j = read_journal(&path).unwrap();
    assert_eq!(j.lines.len(), 2);
    assert_eq!(j.problems.len(), 1);
    assert!(j.problems[0].torn);
    assert!(j.pending().is_empty());
    assert_eq!(j.entries()[0].status, Status::RolledBack);
}

#[test]
fn text_that_is_no_record_is_reported_not_torn() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    std::fs::write(&path, "hello\n{\"time\": 3}\n").unwrap();
    let j = read_journal(&path).unwrap();
    assert!(j.lines.is_empty());
    assert_eq!(j.problems.len(), 2);
    assert!(j.problems.iter().all(|p| !p.torn), "{:?}", j.problems);
}

#[test]
fn a_missing_journal_reads_empty() {
    let dir = tempfile::tempdir().unwrap();
    let j = read_journal(&dir.path().join("nope.jsonl")).unwrap();
    assert!(j.lines.is_empty() && j.problems.is_empty());
}

#[test]
fn older_lines_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    let old = [
        r#"{"time":"2026-11-20T10:00:00+00:00","operation":"apply","outcome":"failed","playbook":"golang-migrate/undirty","plan_fingerprint":"abc","target":"postgres://app:***@db/prod","table":"public.schema_migrations","error":"injected failure at AfterVerify","user":"ops"}"#,
        r#"{"time":"2026-11-20T10:01:00+00:00","operation":"apply","outcome":"committed","playbook":"golang-migrate/undirty","params":{"version":"2"},"plan_fingerprint":"abc","target":"postgres://app:***@db/prod","table":"public.schema_migrations","before_fingerprint":"x","after_fingerprint":"y","backup_id":"20261120T100100.000Z-aaaaaaaa","statements":2,"user":"ops"}"#,
        r#"{"time":"2026-11-20T10:02:00+00:00","operation":"undo","restored_backup":"20261120T100100.000Z-aaaaaaaa","backup_id":"20261120T100200.000Z-bbbbbbbb","target":"postgres://app:***@db/prod","table":"public.schema_migrations","forced":false,"after_fingerprint":"z","statements":3,"user":""}"#,
    ];
    std::fs::write(&path, old.join("\n") + "\n").unwrap();
    let j = read_journal(&path).unwrap();
    assert!(j.problems.is_empty(), "{:?}", j.problems);
    let e = j.entries();
    assert_eq!(
        e.iter().map(|e| e.status).collect::<Vec<_>>(),
        vec![Status::Failed, Status::Committed, Status::Committed]
    );
    assert_eq!(e[0].user.as_deref(), Some("ops"));
    assert_eq!(e[2].user, None);
    assert_eq!(
        e[1].undo_command.as_deref(),
        Some("migdoctor undo 20261120T100100.000Z-aaaaaaaa --db 'postgres://app:***@db/prod'")
    );
    assert!(j.pending().is_empty());
}

#[test]
fn disagreeing_outcomes_are_kept_as_a_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.jsonl");
    for s in [Status::Pending, Status::RolledBack, Status::Committed] {
        append_journal(&path, &rec(Some(s), Some("b9"))).unwrap();
    }
    let e = read_journal(&path).unwrap().entries();
    assert_eq!(e[0].status, Status::Committed);
    assert_eq!(e[0].conflicting, vec![Status::RolledBack]);
}
