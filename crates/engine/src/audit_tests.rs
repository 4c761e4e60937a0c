//! Unit tests of `journal --verify` and of the sweep of leftover backup temp files.

use super::*;
use crate::backup::{sweep_leftovers, write_backup, Backup};
use crate::journal::{append_journal, read_journal, Record};
use migdoctor_model::{Dialect, Framework, PlanTarget, Rows, TrackingLocation};

fn backup(id: &str) -> Backup {
    Backup {
        format_version: 1,
        id: id.into(),
        created_at: "2026-11-29T00:00:00Z".into(),
        operation: "apply".into(),
        playbook: "golang-migrate/undirty".into(),
        plan_fingerprint: "f".into(),
        framework: Framework::GolangMigrate,
        target: PlanTarget {
            dialect: Dialect::Sqlite,
            url: "sqlite://app.db".into(),
            database: "/tmp/app.db".into(),
        },
        location: TrackingLocation::table("schema_migrations"),
        table_existed: true,
        shape: None,
        rows: Rows::default(),
        expected_after_present: true,
        expected_after: Rows::default(),
    }
}

fn record(status: Status, id: &str, sha: Option<&str>) -> Record {
    Record {
        status: Some(status),
        backup_id: Some(id.into()),
        backup_sha256: sha.map(str::to_string),
        playbook: Some("golang-migrate/undirty".into()),
        ..Record::now("apply")
    }
}

#[test]
fn a_whole_trail_verifies_and_each_gap_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let journal = dir.path().join("journal.jsonl");
    let good = write_backup(&backups, &backup("b-good")).unwrap();
    append_journal(
        &journal,
        &record(Status::Pending, "b-good", Some(&good.sha256)),
    )
    .unwrap();
    append_journal(&journal, &record(Status::Committed, "b-good", None)).unwrap();
    let v = verify(&read_journal(&journal).unwrap(), &backups);
    assert!(v.gaps.is_empty(), "{:?}", v.gaps);
    assert_eq!(v.hashes_checked, 1);

    // A tampered backup, a missing one, an unsettled intent, an unknown outcome, a line that
    // is no record, a cut-off line and a backup no record names.
    let tampered = write_backup(&backups, &backup("b-tampered")).unwrap();
    append_journal(
        &journal,
        &record(Status::Pending, "b-tampered", Some(&tampered.sha256)),
    )
    .unwrap();
    append_journal(&journal, &record(Status::Committed, "b-tampered", None)).unwrap();
    std::fs::write(&tampered.path, b"{}").unwrap();
    append_journal(
        &journal,
        &record(Status::Committed, "b-missing", Some("00")),
    )
    .unwrap();
    let pending = write_backup(&backups, &backup("b-pending")).unwrap();
    append_journal(
        &journal,
        &record(Status::Pending, "b-pending", Some(&pending.sha256)),
    )
    .unwrap();
    let unknown = write_backup(&backups, &backup("b-unknown")).unwrap();
    append_journal(
        &journal,
        &record(Status::Unknown, "b-unknown", Some(&unknown.sha256)),
    )
    .unwrap();
    write_backup(&backups, &backup("b-orphan")).unwrap();
    let mut text = std::fs::read(&journal).unwrap();
    text.extend_from_slice(b"not json\n{\"time\":\"2026-11-29T0");
    std::fs::write(&journal, text).unwrap();

    let j = read_journal(&journal).unwrap();
    let v = verify(&j, &backups);
    let kinds: Vec<(&str, Option<&str>)> = v
        .gaps
        .iter()
        .map(|g| (g.kind, g.backup_id.as_deref()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("unreadable-line", None),
            ("hash-mismatch", Some("b-tampered")),
            ("missing-backup", Some("b-missing")),
            ("pending", Some("b-pending")),
            ("unknown", Some("b-unknown")),
        ],
        "{:#?}",
        v.gaps
    );
    assert!(
        v.gaps[1].detail.contains("b-tampered.json"),
        "{}",
        v.gaps[1].detail
    );
    assert!(
        v.notes.iter().any(|n| n.contains("cut off")),
        "{:?}",
        v.notes
    );
    assert!(
        v.notes.iter().any(|n| n.contains("b-orphan")),
        "{:?}",
        v.notes
    );
}

#[test]
fn leftovers_are_removed_or_promoted_and_every_one_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let backups = dir.path().join("backups");
    let journal = dir.path().join("journal.jsonl");
    std::fs::create_dir_all(&backups).unwrap();
    // A complete backup a pending record names, whose rename was lost: promoted.
    let whole = serde_json::to_vec_pretty(&backup("b-whole")).unwrap();
    std::fs::write(backups.join(".b-whole.json.4000001.tmp"), &whole).unwrap();
    let sha = migdoctor_model::sha256_hex(&whole);
    append_journal(&journal, &record(Status::Pending, "b-whole", Some(&sha))).unwrap();
    // Half a backup (an older build's name, without the pid): removed.
    std::fs::write(backups.join(".b-half.json.tmp"), &whole[..whole.len() / 2]).unwrap();
    // A complete backup no record names: removed.
    let lone = serde_json::to_vec_pretty(&backup("b-lone")).unwrap();
    std::fs::write(backups.join(".b-lone.json.4000002.tmp"), &lone).unwrap();
    // A copy beside a backup already in place: removed.
    let done = write_backup(&backups, &backup("b-done")).unwrap();
    std::fs::copy(&done.path, backups.join(".b-done.json.4000003.tmp")).unwrap();

    let mut swept = sweep_leftovers(&backups, &read_journal(&journal).unwrap()).unwrap();
    swept.sort_by(|a, b| a.path.cmp(&b.path));
    let told: Vec<(String, &str)> = swept
        .iter()
        .map(|l| {
            (
                l.path.file_name().unwrap().to_string_lossy().into_owned(),
                l.action,
            )
        })
        .collect();
    assert_eq!(
        told,
        vec![
            (".b-done.json.4000003.tmp".to_string(), "removed"),
            (".b-half.json.tmp".to_string(), "removed"),
            (".b-lone.json.4000002.tmp".to_string(), "removed"),
            (".b-whole.json.4000001.tmp".to_string(), "promoted"),
        ]
    );
    let mut left: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, vec!["b-done.json", "b-whole.json"]);
    assert_eq!(std::fs::read(backups.join("b-whole.json")).unwrap(), whole);
    // Nothing left to sweep the second time.
    assert!(sweep_leftovers(&backups, &read_journal(&journal).unwrap())
        .unwrap()
        .is_empty());
}
