//! Drizzle's own findings (skipped entries, edited files, rows the migrator misreads) and the
//! common findings rewritten in the migrator's terms: what the next `migrate` runs, where it
//! fails, and what it skips while it still prints success.

use crate::decide::{empty_hash_rows, newest_text, predict, span};
use crate::tracking::{created_int, row_created, row_hash};
use migdoctor_model::{
    EvidenceStatus, Finding, FindingCode, Framework, History, MigrationId, Recognition, Severity,
    SiteEvidence, TrackingState,
};

fn new(history: &History, code: FindingCode, sev: Severity, msg: String) -> Finding {
    Finding::new(code, sev, Framework::Drizzle, history.site.label(), msg)
}

fn ids(history: &History, idx: &[usize]) -> Vec<MigrationId> {
    idx.iter()
        .map(|&i| history.migrations[i].id.clone())
        .collect()
}

pub(crate) fn findings(history: &History, tracking: Option<&TrackingState>) -> Vec<Finding> {
    let mut out = Vec::new();
    let usable = tracking.filter(|t| t.present && t.recognition == Recognition::Recognized);
    let Some(t) = usable else {
        journal_order(history, &mut out);
        return out;
    };
    let p = predict(history, t);
    if !p.skipped.is_empty() {
        let list = span(history, &p.skipped);
        let verb = if p.skipped.len() == 1 { "y" } else { "ies" };
        out.push(
            new(history, FindingCode::OutOfOrder, Severity::Error, format!(
                "entr{} {list} will never run: {} `when` {} older than the newest row (the migrator skips {} and still reports success)",
                if p.skipped.len() == 1 { "y" } else { "ies" },
                if p.skipped.len() == 1 { "its" } else { "their" },
                if p.skipped.len() == 1 { "is" } else { "are" },
                if p.skipped.len() == 1 { "it" } else { "them" },
            ))
            .migrations(ids(history, &p.skipped))
            .evidence(newest_text(history, t, &p))
            .evidence(format!("no row records entr{verb} {list}; drizzle-orm compares each entry's `when` with the newest row's created_at only (migrate() in dialect.js), so the order of branches merged into the journal decides")),
        );
        // Each skipped entry's `when`, for the reader who checks.
        if let Some(f) = out.last_mut() {
            for &i in p.skipped.iter().take(20) {
                let m = &history.migrations[i];
                f.evidence.push(format!(
                    "{}: when {}",
                    m.id,
                    m.timestamp.map_or("missing".into(), |w| w.to_string())
                ));
            }
        }
    }
    if !p.rerun.is_empty() {
        let mut f = new(history, FindingCode::OutOfOrder, Severity::Error, format!(
            "the next migrate runs {} again although a row records it: the journal's `when` was raised after it ran (the row keeps the old value)",
            span(history, &p.rerun)
        ))
        .migrations(ids(history, &p.rerun))
        .evidence(newest_text(history, t, &p));
        for &i in &p.rerun {
            let m = &history.migrations[i];
            if let Some(e) = t.entries.iter().find(|e| e.id == m.id) {
                f.evidence.push(format!(
                    "{}: journal when {}, row {} created_at {}",
                    m.id,
                    m.timestamp.unwrap_or_default(),
                    e.row + 1,
                    row_created(&t.raw, e.row).display()
                ));
            }
        }
        out.push(f);
    }
    if let Some((row, hw)) = p.newest {
        let v = row_created(&t.raw, row);
        if hw.is_nan() {
            out.push(new(history, FindingCode::OutOfOrder, Severity::Error, format!(
                "row {} has created_at {} stored as text; the migrator reads it as the newest row and Number() gives NaN, so no migration ever runs again (and it still reports success)", row + 1, v.display()))
                .evidence(format!("{} row {}", t.location, row + 1)));
        } else if created_int(&v).is_none()
            && !p.runs.is_empty()
            && p.runs.len() == history.migrations.len()
        {
            out.push(new(history, FindingCode::OutOfOrder, Severity::Error, format!(
                "row {} has created_at {}: the migrator reads it as the newest row (Number() gives {hw}), so the next migrate runs every migration again", row + 1, v.display()))
                .evidence(format!("{} row {}", t.location, row + 1)));
        }
    }
    checksums(history, t, &mut out);
    out
}

/// Edited files and rows whose hash is not the file's (Drizzle writes the hash, never reads it).
fn checksums(history: &History, t: &TrackingState, out: &mut Vec<Finding>) {
    let empty = empty_hash_rows(t);
    let mut edited = Vec::new();
    for e in &t.entries {
        let Some(m) = history.get(&e.id) else {
            continue;
        };
        let (Some(file_hash), Some(row)) = (&m.checksum, row_hash(&t.raw, e.row)) else {
            continue;
        };
        if !row.is_empty() && &row != file_hash {
            edited.push((m, e.row, row));
        }
    }
    if !edited.is_empty() {
        let names: Vec<&str> = edited.iter().map(|(m, _, _)| m.id.as_str()).collect();
        let mut f = new(history, FindingCode::ChecksumMismatch, Severity::Warning, format!(
            "{} changed after {} applied ({}): Drizzle itself never compares hashes, so nothing fails, but databases migrated before and after the edit differ",
            if edited.len() == 1 { "a migration file" } else { "migration files" },
            if edited.len() == 1 { "it was" } else { "they were" },
            names.join(", ")))
        .migrations(edited.iter().map(|(m, _, _)| m.id.clone()));
        for (m, row, hash) in edited.iter().take(20) {
            f.evidence.push(format!(
                "{}: row {} hash {hash}, file hash {}",
                m.files.first().map_or(m.id.as_str(), String::as_str),
                row + 1,
                m.checksum.as_deref().unwrap_or_default()
            ));
        }
        out.push(f);
    }
    if !empty.is_empty() {
        let rows: Vec<String> = empty.iter().map(|r| (r + 1).to_string()).collect();
        out.push(new(history, FindingCode::ChecksumMismatch, Severity::Info, format!(
            "{} row(s) hold an empty or NULL hash (bundled-migration drivers — expo-sqlite, op-sqlite, durable-sqlite — write ''): matched to entries by created_at only, so an edited file cannot be told", empty.len()))
            .evidence(format!("{} rows {}", t.location, rows.join(", "))));
    }
}

/// Without a table: entries whose `when` is not after an earlier entry's, which the migrator
/// will skip once the earlier one is recorded.
fn journal_order(history: &History, out: &mut Vec<Finding>) {
    let mut max: Option<(i64, &MigrationId)> = None;
    let mut bad = Vec::new();
    for (i, m) in history.migrations.iter().enumerate() {
        let Some(w) = m.timestamp else { continue };
        match max {
            Some((mw, by)) if w <= mw => bad.push((i, by.clone(), mw)),
            _ => max = Some((w, &m.id)),
        }
    }
    if bad.is_empty() {
        return;
    }
    let idx: Vec<usize> = bad.iter().map(|(i, _, _)| *i).collect();
    let mut f = new(history, FindingCode::OutOfOrder, Severity::Warning, format!(
        "journal entries {} have a `when` older than an earlier entry's: once that entry is recorded the migrator skips them without a word (a branch merge or a hand-edited journal)",
        span(history, &idx)))
    .migrations(ids(history, &idx));
    for (i, by, w) in bad.iter().take(20) {
        let m = &history.migrations[*i];
        f.evidence.push(format!(
            "{}: when {} ≤ {by}'s {w}",
            m.id,
            m.timestamp.unwrap_or_default()
        ));
    }
    out.push(f);
}

/// Rewrites the common findings in the migrator's terms.
pub(crate) fn revise(
    history: &History,
    tracking: Option<&TrackingState>,
    evidence: Option<&SiteEvidence>,
    out: &mut Vec<Finding>,
) {
    // Problems in the files: a missing file stops the migrator before anything runs.
    for f in out
        .iter_mut()
        .filter(|f| f.code == FindingCode::InvalidMigrationFile)
    {
        if let Some((file, reason)) = f
            .message
            .split_once(" looks like a migration but is ignored: ")
        {
            f.message = format!("{file}: {reason}");
        }
        if f.message.contains("No file") {
            f.severity = Severity::Error;
        }
    }
    if let Some(ev) = evidence {
        fill_between(history, tracking, ev, out);
    }
    let Some(t) = tracking.filter(|t| t.present && t.recognition == Recognition::Recognized) else {
        return;
    };
    // The chain of parents is only the journal's order: a skipped entry is told once, above.
    out.retain(|f| f.code != FindingCode::InconsistentHistory);
    let p = predict(history, t);
    let status = |i: usize| {
        evidence
            .and_then(|e| e.get(&history.migrations[i].id))
            .map(|e| e.status)
    };
    let in_schema = |i: usize| {
        matches!(
            status(i),
            Some(EvidenceStatus::Present | EvidenceStatus::Partial)
        )
    };
    out.retain(|f| f.code != FindingCode::Pending);
    if !p.runs.is_empty() {
        let mut msg = format!("the next migrate will run {}", span(history, &p.runs));
        let already: Vec<usize> = p.runs.iter().copied().filter(|&i| in_schema(i)).collect();
        if let Some(&first) = already.first() {
            msg.push_str(&format!(
                "; {} already in the schema and will fail at {}",
                span_verb(history, &already),
                first_statement(history, evidence, first)
            ));
        }
        out.push(
            new(history, FindingCode::Pending, Severity::Info, msg)
                .migrations(ids(history, &p.runs)),
        );
    }
    if let Some(ev) = evidence {
        for f in out
            .iter_mut()
            .filter(|f| f.code == FindingCode::OutOfOrder && f.message.contains("will never run"))
        {
            let absent: Vec<&MigrationId> = f
                .migrations
                .iter()
                .filter(|m| {
                    ev.get(m)
                        .is_none_or(|e| e.status != EvidenceStatus::Present)
                })
                .collect();
            for m in &f.migrations {
                if let Some(e) = ev.get(m) {
                    f.evidence.push(e.summary());
                }
            }
            if absent.is_empty() {
                f.severity = Severity::Warning;
                f.message.push_str("; the schema has their objects, so only the rows are missing: record them (drizzle/record-skipped)");
            } else {
                let list: Vec<&str> = absent.iter().map(|m| m.as_str()).collect();
                let partly: Vec<&str> = absent
                    .iter()
                    .filter(|m| {
                        ev.get(m)
                            .is_some_and(|e| e.status == EvidenceStatus::Partial)
                    })
                    .map(|m| m.as_str())
                    .collect();
                if partly.is_empty() {
                    f.message.push_str(&format!("; the schema lacks what {} should have made: run it by hand and record it (drizzle/run-skipped)", list.join(", ")));
                } else {
                    // Running a half-done entry whole would fail on what already exists.
                    f.message.push_str(&format!("; the schema lacks what {} should have made, and {} ran in part: run only its missing statements by hand (the partial finding lists them), then record it (drizzle/run-skipped)", list.join(", "), partly.join(", ")));
                }
            }
        }
        let skipped: Vec<&MigrationId> = p
            .skipped
            .iter()
            .map(|&i| &history.migrations[i].id)
            .collect();
        for f in out
            .iter_mut()
            .filter(|f| f.code == FindingCode::UntrackedApplied)
        {
            let (never, will): (Vec<&MigrationId>, Vec<&MigrationId>) =
                f.migrations.iter().partition(|m| skipped.contains(m));
            let list =
                |v: &[&MigrationId]| v.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ");
            let mut msg = format!(
                "{} journal entr{} ran but {} records {}",
                f.migrations.len(),
                if f.migrations.len() == 1 { "y" } else { "ies" },
                t.location,
                if f.migrations.len() == 1 {
                    "no row for it"
                } else {
                    "no rows for them"
                }
            );
            if !will.is_empty() {
                msg.push_str(&format!(
                    "; the next migrate runs {} again and fails at its first statement on what is already done",
                    list(&will)
                ));
            }
            if !never.is_empty() {
                msg.push_str(&format!(
                    "; {} lie below the newest row and are skipped",
                    list(&never)
                ));
            }
            msg.push_str(
                ": insert their rows with the journal's hash and `when` (drizzle/sync-journal)",
            );
            f.message = msg;
        }
    }
}

/// Adds to `untracked-applied` the unrecorded entries with no checkable effects (data only)
/// that lie before the last entry the schema proves: once that one is recorded the migrator
/// skips them forever, so they are recorded with it (and said so).
fn fill_between(
    history: &History,
    tracking: Option<&TrackingState>,
    ev: &SiteEvidence,
    out: &mut [Finding],
) {
    let Some(f) = out
        .iter_mut()
        .find(|f| f.code == FindingCode::UntrackedApplied)
    else {
        return;
    };
    let tracked: Vec<&MigrationId> = tracking
        .map(|t| t.entries.iter().map(|e| &e.id).collect())
        .unwrap_or_default();
    let pos = |id: &MigrationId| history.migrations.iter().position(|m| &m.id == id);
    let Some(last) = f.migrations.iter().filter_map(pos).max() else {
        return;
    };
    let mut added = Vec::new();
    for m in &history.migrations[..last] {
        let unknown = ev
            .get(&m.id)
            .is_some_and(|e| e.status == EvidenceStatus::Unknown);
        if unknown && !tracked.contains(&&m.id) && !f.migrations.contains(&m.id) {
            added.push(m.id.clone());
        }
    }
    if added.is_empty() {
        return;
    }
    for id in &added {
        f.evidence.push(format!("{id} has no checkable effects (data only) and lies before entries the schema proves: recorded with them, since the migrator would skip it forever once they are"));
    }
    f.migrations.extend(added);
    f.migrations.sort_by_key(|id| pos(id));
}

fn span_verb(history: &History, idx: &[usize]) -> String {
    let s = span(history, idx);
    if idx.len() == 1 {
        format!("{s} is")
    } else {
        format!("{s} are")
    }
}

/// Returns where the first run entry that is already in the schema fails.
fn first_statement(history: &History, evidence: Option<&SiteEvidence>, i: usize) -> String {
    let m = &history.migrations[i];
    let hit = evidence.and_then(|e| e.get(&m.id)).and_then(|e| {
        e.statements
            .iter()
            .find(|s| s.status == EvidenceStatus::Present)
    });
    match hit {
        Some(s) => format!(
            "the first statement of {} that exists already ({}:{}: {})",
            m.id,
            s.file,
            s.line,
            s.sql.lines().next().unwrap_or("").trim()
        ),
        None => format!("the first statement of {}", m.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracking::{decode, settle};
    use migdoctor_model::{
        Column, Dialect, Migration, Rows, Site, TableShape, TrackingLocation, Value,
    };

    fn history(n: usize) -> History {
        let mut site = Site::new(Framework::Drizzle, "drizzle");
        site.config
            .insert("dialect".into(), Dialect::Postgres.id().into());
        let mut h = History::new(site);
        for i in 0..n {
            let tag = format!("{i:04}_m");
            let mut m = Migration::new(tag.as_str(), tag.as_str());
            m.checksum = Some(format!("h{i}"));
            m.timestamp = Some(1000 * (i as i64 + 1));
            h.migrations.push(m);
        }
        h
    }

    fn table(rows: &[(&str, Value)]) -> TrackingState {
        let shape = TableShape {
            columns: ["id", "hash", "created_at"]
                .iter()
                .map(|c| Column {
                    name: c.to_string(),
                    data_type: "text".into(),
                    nullable: true,
                })
                .collect(),
            primary_key: vec![],
            unique_indexes: vec![],
        };
        let raw = Rows {
            columns: vec!["id".into(), "hash".into(), "created_at".into()],
            rows: rows
                .iter()
                .enumerate()
                .map(|(i, (h, c))| {
                    vec![
                        Value::Int(i as i64 + 1),
                        Value::Text(h.to_string()),
                        c.clone(),
                    ]
                })
                .collect(),
        };
        decode(
            &TrackingLocation::table("__drizzle_migrations"),
            Some(&shape),
            &raw,
        )
    }

    #[test]
    fn a_merged_branch_entry_is_skipped_and_the_rest_runs() {
        let h = history(6);
        // 0000, 0001 and 0003 recorded: 0002 lies below the newest row.
        let mut t = table(&[
            ("h0", Value::Int(1000)),
            ("h1", Value::Int(2000)),
            ("h3", Value::Int(4000)),
        ]);
        settle(&h, &mut t);
        let p = predict(&h, &t);
        assert_eq!((p.runs.clone(), p.skipped.clone()), (vec![4, 5], vec![2]));
        let f = findings(&h, Some(&t));
        let skipped = f
            .iter()
            .find(|f| f.code == FindingCode::OutOfOrder)
            .unwrap();
        assert!(
            skipped.message.starts_with("entry 0002_m will never run"),
            "{}",
            skipped.message
        );
        let mut all = f.clone();
        all.push(new(&h, FindingCode::Pending, Severity::Info, "x".into()));
        revise(&h, Some(&t), None, &mut all);
        let pending = all.iter().find(|f| f.code == FindingCode::Pending).unwrap();
        assert_eq!(pending.message, "the next migrate will run 0004–0005");
    }

    #[test]
    fn edited_files_null_created_at_and_text_created_at() {
        let h = history(3);
        let mut t = table(&[("edited", Value::Int(1000)), ("", Value::Int(2000))]);
        settle(&h, &mut t);
        let f = findings(&h, Some(&t));
        let sums: Vec<&Finding> = f
            .iter()
            .filter(|f| f.code == FindingCode::ChecksumMismatch)
            .collect();
        assert_eq!(sums.len(), 2);
        assert!(sums[0].message.contains("never compares"));
        // PostgreSQL sorts NULL first: the migrator reads 0 and runs everything again.
        let mut t = table(&[("h0", Value::Int(1000)), ("h1", Value::Null)]);
        settle(&h, &mut t);
        assert_eq!(predict(&h, &t).runs, vec![0, 1, 2]);
        // SQLite text: NaN, nothing ever runs.
        let mut h2 = history(3);
        h2.site.config.insert("dialect".into(), "sqlite".into());
        let mut t = table(&[
            ("h0", Value::Int(1000)),
            ("h1", Value::Text("2024-01-01".into())),
        ]);
        settle(&h2, &mut t);
        assert!(predict(&h2, &t).runs.is_empty());
        assert!(findings(&h2, Some(&t))
            .iter()
            .any(|f| f.message.contains("NaN")));
    }
}
