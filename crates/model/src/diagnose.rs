//! Pure diagnosis: files + tracking table → findings.

use crate::evidence::{infer, EvidenceStatus, SiteEvidence};
use crate::{
    Finding, FindingCode, History, HistoryProblem, LiveSchema, MigrationId, Recognition, Severity,
    TrackingKind, TrackingState,
};

/// Returns the findings for one site from its declared history, its tracking table and, when
/// given, the live schema (whose evidence proves what really ran). Pure: tested on hand-built
/// values.
pub fn diagnose(
    history: &History,
    tracking: &TrackingState,
    live: Option<&LiveSchema>,
) -> Vec<Finding> {
    let evidence = live.map(|l| infer(history, l));
    diagnose_with_evidence(history, tracking, evidence.as_ref())
}

/// Returns the findings like [`diagnose`], from evidence already inferred (so a caller that
/// also reports the evidence infers it once).
pub fn diagnose_with_evidence(
    history: &History,
    tracking: &TrackingState,
    evidence: Option<&SiteEvidence>,
) -> Vec<Finding> {
    let mut out = diagnose_files(history);
    let site = history.site.label();
    tracking_findings(history, tracking, &site, &mut out);
    if let Some(evidence) = evidence {
        evidence_findings(history, tracking, evidence, &mut out);
    }
    out
}

/// Returns the ids the tracking table says are applied (for a single-version table: every
/// migration up to the version, the dirty one excluded), or `None` when it says nothing usable.
pub fn tracked_applied(history: &History, tracking: &TrackingState) -> Option<Vec<MigrationId>> {
    if !tracking.present || tracking.recognition != Recognition::Recognized {
        return Some(Vec::new()).filter(|_| !tracking.present);
    }
    match &tracking.kind {
        TrackingKind::Version { version: None, .. } => Some(Vec::new()),
        TrackingKind::Version {
            version: Some(v),
            dirty,
        } => Some(
            history
                .migrations
                .iter()
                .filter(|m| match compare_versions(&m.id, v) {
                    std::cmp::Ordering::Less => true,
                    std::cmp::Ordering::Equal => !dirty,
                    std::cmp::Ordering::Greater => false,
                })
                .map(|m| m.id.clone())
                .collect(),
        ),
        TrackingKind::Heads => {
            let rows: Vec<MigrationId> = tracking.entries.iter().map(|e| e.id.clone()).collect();
            Some(history.ancestors_inclusive(&rows).into_iter().collect())
        }
        TrackingKind::Ledger => Some(tracking.entries.iter().map(|e| e.id.clone()).collect()),
    }
}

fn evidence_findings(
    history: &History,
    tracking: &TrackingState,
    ev: &SiteEvidence,
    out: &mut Vec<Finding>,
) {
    let site = history.site.label();
    let fw = history.framework();
    let dirty_id = match &tracking.kind {
        TrackingKind::Version {
            version: Some(v),
            dirty: true,
        } => Some(v.clone()),
        _ => None,
    };
    // The dirty finding gets its proof and the answer to "force N or N-1?".
    if let Some(d) = &dirty_id {
        if let (Some(f), Some(e)) = (
            out.iter_mut().find(|f| f.code == FindingCode::Dirty),
            ev.get(d),
        ) {
            f.evidence.push(format!("evidence: {}", e.summary()));
            let prev = history
                .migrations
                .iter()
                .position(|m| &m.id == d)
                .and_then(|i| {
                    i.checked_sub(1)
                        .map(|p| history.migrations[p].id.to_string())
                })
                .unwrap_or_else(|| "-1".into());
            f.evidence.push(match e.status {
                EvidenceStatus::Present => format!("all of {d}'s effects are present: force {d}"),
                EvidenceStatus::Absent => format!("none of {d}'s effects are present: force {prev}"),
                EvidenceStatus::Partial => format!("{d} ran part-way: finish or revert it by hand, then force; the plan lists its statements"),
                EvidenceStatus::Unknown => format!("{d} has no checkable effects: decide by hand between {d} and {prev}"),
            });
        }
    }
    let applied = tracked_applied(history, tracking).unwrap_or_default();
    for e in &ev.migrations {
        let is_applied = applied.contains(&e.migration);
        let is_dirty = dirty_id.as_ref() == Some(&e.migration);
        let f = match e.status {
            EvidenceStatus::Partial => Some(Finding::new(
                FindingCode::Partial,
                Severity::Error,
                fw,
                site.clone(),
                format!("version {}", e.summary()),
            )),
            EvidenceStatus::Present if !is_applied && !is_dirty && tracking.present => Some(Finding::new(
                FindingCode::UntrackedApplied,
                Severity::Error,
                fw,
                site.clone(),
                format!(
                    "version {} ran but is not recorded as applied; the framework would run it again (\"already exists\")",
                    e.migration
                ),
            )),
            EvidenceStatus::Absent if is_applied => Some(Finding::new(
                FindingCode::TrackedNotApplied,
                Severity::Error,
                fw,
                site.clone(),
                format!(
                    "version {} is recorded as applied but its objects are missing; the framework will never run it",
                    e.migration
                ),
            )),
            _ => None,
        };
        if let Some(mut f) = f {
            f.migrations.push(e.migration.clone());
            f.evidence.extend(e.present.iter().cloned());
            f.evidence.extend(e.missing.iter().cloned());
            out.push(f);
        }
    }
    if !ev.unexplained.is_empty() {
        let mut f = Finding::new(
            FindingCode::SchemaDrift,
            Severity::Warning,
            fw,
            site.clone(),
            format!(
                "{} object(s) in the schema are explained by no migration",
                ev.unexplained.len()
            ),
        );
        for u in ev.unexplained.iter().take(50) {
            f.evidence.push(format!("unexplained: {u}"));
        }
        if ev.unexplained.len() > 50 {
            f.evidence
                .push(format!("… and {} more", ev.unexplained.len() - 50));
        }
        let opaque: usize = ev.migrations.iter().map(|e| e.opaque).sum();
        if opaque > 0 {
            f.evidence.push(format!("{opaque} migration statement(s) could not be understood and may explain some of these"));
        }
        out.push(f);
    }
    if !tracking.present && !history.migrations.is_empty() {
        if let Some(f) = out
            .iter_mut()
            .find(|f| f.code == FindingCode::MissingTrackingTable)
        {
            f.evidence.push(format!(
                "apparent version from the schema: {} (confidence {})",
                ev.apparent
                    .version
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "none".into()),
                ev.apparent.confidence
            ));
        }
    }
}

/// Returns the findings the files alone prove (collisions, unparseable names, missing downs),
/// for when no database is given.
pub fn diagnose_files(history: &History) -> Vec<Finding> {
    let mut out = Vec::new();
    let site = history.site.label();
    let fw = history.framework();
    let new = |code, sev, msg: String| Finding::new(code, sev, fw, site.clone(), msg);
    for problem in &history.problems {
        match problem {
            HistoryProblem::Collision { id, files } => {
                let mut f = new(
                    FindingCode::VersionCollision,
                    Severity::Error,
                    format!(
                        "{} files claim version {id}; the framework refuses to load the folder",
                        files.len()
                    ),
                )
                .migrations([id.clone()]);
                for file in files {
                    f = f.evidence(format!("file {file}"));
                }
                out.push(f);
            }
            HistoryProblem::InvalidFile { file, reason } => out.push(
                new(
                    FindingCode::InvalidMigrationFile,
                    Severity::Warning,
                    format!("{file} looks like a migration but is ignored: {reason}"),
                )
                .evidence(format!("file {file}")),
            ),
        }
    }

    for cycle in history.cycles() {
        let list: Vec<&str> = cycle.iter().map(MigrationId::as_str).collect();
        out.push(
            new(
                FindingCode::Cycle,
                Severity::Error,
                format!("the migration graph has a cycle: {}", list.join(" → ")),
            )
            .migrations(cycle.clone()),
        );
    }
    for (child, parent) in history.dangling_parents() {
        out.push(
            new(
                FindingCode::DanglingDependency,
                Severity::Error,
                format!("{child} depends on {parent}, which no file defines"),
            )
            .migrations([child.clone()])
            .evidence(format!("missing: {parent}")),
        );
    }
    if fw == crate::Framework::Alembic {
        let heads = history.heads();
        if heads.len() > 1 {
            let list: Vec<&str> = heads.iter().map(MigrationId::as_str).collect();
            let mut f = new(
                FindingCode::MultipleHeads,
                Severity::Warning,
                format!(
                    "{} head revisions ({}): `alembic upgrade head` fails with \"Multiple head revisions are present for given argument 'head'\"",
                    heads.len(),
                    list.join(", ")
                ),
            )
            .migrations(heads.clone());
            for h in &heads {
                if let Some(m) = history.get(h) {
                    if let Some(file) = m.files.first() {
                        f = f.evidence(format!("head {h}: {file}"));
                    }
                }
            }
            out.push(f.evidence("fix: `alembic merge heads` (migdoctor plan shows the merge revision it would write)"));
        }
    }
    let no_down: Vec<MigrationId> = history
        .migrations
        .iter()
        .filter(|m| !m.has_down)
        .map(|m| m.id.clone())
        .collect();
    if !no_down.is_empty() && fw == crate::Framework::GolangMigrate {
        let list: Vec<&str> = no_down.iter().map(MigrationId::as_str).collect();
        out.push(
            new(
                FindingCode::MissingDown,
                Severity::Info,
                format!(
                    "{} migration(s) have no down file and cannot be rolled back: {}",
                    no_down.len(),
                    abbreviate(&list, 10)
                ),
            )
            .migrations(no_down),
        );
    }

    out
}

fn tracking_findings(
    history: &History,
    tracking: &TrackingState,
    site: &str,
    out: &mut Vec<Finding>,
) {
    let fw = history.framework();
    let site = site.to_string();
    let new = |code, sev, msg: String| Finding::new(code, sev, fw, site.clone(), msg);
    if !tracking.present {
        if !history.migrations.is_empty() {
            out.push(
                new(
                    FindingCode::MissingTrackingTable,
                    Severity::Warning,
                    format!(
                        "tracking table {} does not exist: the next run would apply all {} migration(s) from the first, which fails with \"already exists\" if the schema is already there",
                        tracking.location,
                        history.migrations.len()
                    ),
                )
                .evidence(format!("no table {}", tracking.location)),
            );
            out.push(pending(history, &site, 0));
        }
        return;
    }

    if let Recognition::Unrecognized {
        reason,
        likely_owner,
    } = &tracking.recognition
    {
        let owner = likely_owner
            .as_deref()
            .map(|o| format!(" (it looks like {o}'s)"))
            .unwrap_or_default();
        let mut f = new(
            FindingCode::UnrecognizedTrackingTable,
            Severity::Error,
            format!(
                "table {} is not a {fw} tracking table{owner}: {reason}; migdoctor will not write to it",
                tracking.location
            ),
        );
        if let Some(shape) = &tracking.shape {
            let cols: Vec<String> = shape
                .columns
                .iter()
                .map(|c| format!("{} {}", c.name, c.data_type))
                .collect();
            f = f.evidence(format!("columns: {}", cols.join(", ")));
        }
        out.push(f);
        return;
    }

    match &tracking.kind {
        TrackingKind::Version { version, dirty } => {
            diagnose_version(history, tracking, version.as_ref(), *dirty, out)
        }
        TrackingKind::Heads => diagnose_heads(history, tracking, out),
        TrackingKind::Ledger => {}
    }
}

fn diagnose_heads(history: &History, tracking: &TrackingState, out: &mut Vec<Finding>) {
    let site = history.site.label();
    let fw = history.framework();
    let table = &tracking.location;
    let mut known = Vec::new();
    for e in &tracking.entries {
        if history.get(&e.id).is_some() {
            known.push(e.id.clone());
            continue;
        }
        out.push(
            Finding::new(
                FindingCode::UnknownTracked,
                Severity::Error,
                fw,
                site.clone(),
                format!("Can't locate revision identified by '{}': {table} names a revision no file defines (database ahead of code, a deleted file, or another branch)", e.id),
            )
            .migrations([e.id.clone()])
            .evidence(format!("{table} row {}: version_num = '{}'", e.row + 1, e.id)),
        );
    }
    // A row that is an ancestor of another row is not a valid stamp.
    for a in &known {
        for b in &known {
            if a != b
                && history
                    .ancestors_inclusive(std::slice::from_ref(b))
                    .contains(a)
            {
                out.push(
                    Finding::new(
                        FindingCode::DuplicateRows,
                        Severity::Error,
                        fw,
                        site.clone(),
                        format!("{table} holds {a} and its descendant {b}: not a valid stamp (Alembic stores heads only)"),
                    )
                    .migrations([a.clone(), b.clone()]),
                );
            }
        }
    }
    let applied = history.ancestors_inclusive(&known);
    let pending: Vec<MigrationId> = history
        .order()
        .into_iter()
        .filter(|id| !applied.contains(id))
        .collect();
    if !pending.is_empty() {
        let list: Vec<&str> = pending.iter().map(MigrationId::as_str).collect();
        out.push(
            Finding::new(
                FindingCode::Pending,
                Severity::Info,
                fw,
                site,
                format!(
                    "{} revision(s) pending: {}",
                    pending.len(),
                    abbreviate(&list, 10)
                ),
            )
            .migrations(pending),
        );
    }
}

fn diagnose_version(
    history: &History,
    tracking: &TrackingState,
    version: Option<&MigrationId>,
    dirty: bool,
    out: &mut Vec<Finding>,
) {
    let site = history.site.label();
    let fw = history.framework();
    let table = &tracking.location;
    if tracking.raw.rows.len() > 1 {
        let mut f = Finding::new(
            FindingCode::DuplicateRows,
            Severity::Error,
            fw,
            site.clone(),
            format!(
                "{table} holds {} rows; {fw} keeps exactly one and reads an arbitrary one (LIMIT 1)",
                tracking.raw.rows.len()
            ),
        )
        .migrations(tracking.entries.iter().map(|e| e.id.clone()));
        for e in &tracking.entries {
            f = f.evidence(format!(
                "row {}: version {}, dirty {}",
                e.row + 1,
                e.id,
                e.dirty
            ));
        }
        out.push(f);
    }

    let Some(v) = version else {
        if dirty {
            out.push(
                Finding::new(
                    FindingCode::Dirty,
                    Severity::Error,
                    fw,
                    site.clone(),
                    "Dirty database with no version: the down migration of the first version failed part-way",
                )
                .evidence(format!("{table}: version -1, dirty true")),
            );
        }
        if !history.migrations.is_empty() {
            out.push(pending(history, &site, 0));
        }
        return;
    };

    let position = history.migrations.iter().position(|m| &m.id == v);
    if dirty {
        let mut f = Finding::new(
            FindingCode::Dirty,
            Severity::Error,
            fw,
            site.clone(),
            format!("Dirty database version {v}. Fix and force version."),
        )
        .migrations([v.clone()])
        .evidence(format!("{table}: version {v}, dirty true"));
        match position {
            Some(i) => {
                if let Some(file) = history.migrations[i].files.first() {
                    f = f.evidence(format!("migration {v} is {file}"));
                }
                let prev = i
                    .checked_sub(1)
                    .map(|p| history.migrations[p].id.to_string())
                    .unwrap_or_else(|| "-1 (no version)".into());
                f = f.evidence(format!(
                    "{v} may have run not at all, partly or fully: force {v} if it fully ran, {prev} if it did not"
                ));
            }
            None => f = f.evidence(format!("no file for version {v}")),
        }
        out.push(f);
    }

    let newest = history.migrations.last().map(|m| m.id.clone());
    match position {
        Some(i) => {
            if i + 1 < history.migrations.len() {
                out.push(pending(history, &site, i + 1));
            }
        }
        None => {
            let ahead = newest
                .as_ref()
                .is_none_or(|n| compare_versions(v, n) == std::cmp::Ordering::Greater);
            let msg = if ahead {
                format!(
                    "database is ahead of the code: version {v} has no file (newest file: {})",
                    newest
                        .as_ref()
                        .map(|n| n.to_string())
                        .unwrap_or_else(|| "none".into())
                )
            } else {
                format!(
                    "tracked version {v} has no file in {} (deleted or renamed?)",
                    history.site.root
                )
            };
            out.push(
                Finding::new(
                    FindingCode::UnknownTracked,
                    Severity::Error,
                    fw,
                    site.clone(),
                    msg,
                )
                .migrations([v.clone()])
                .evidence(format!("{table}: version {v}"))
                .evidence(format!(
                    "the framework fails with: no migration found for version {v}"
                )),
            );
            // Files newer than an unknown version are still pending.
            let first_newer = history
                .migrations
                .iter()
                .position(|m| compare_versions(&m.id, v) == std::cmp::Ordering::Greater);
            if let Some(i) = first_newer {
                out.push(pending(history, &site, i));
            }
        }
    }
}

fn pending(history: &History, site: &str, from: usize) -> Finding {
    let ids: Vec<MigrationId> = history.migrations[from..]
        .iter()
        .map(|m| m.id.clone())
        .collect();
    let list: Vec<&str> = ids.iter().map(MigrationId::as_str).collect();
    Finding::new(
        FindingCode::Pending,
        Severity::Info,
        history.framework(),
        site.to_string(),
        format!(
            "{} migration(s) pending: {}",
            ids.len(),
            abbreviate(&list, 10)
        ),
    )
    .migrations(ids)
}

/// Returns the ordering of two version ids: numerically when both are numbers, else textually.
pub(crate) fn compare_versions(a: &MigrationId, b: &MigrationId) -> std::cmp::Ordering {
    match (a.as_str().parse::<u128>(), b.as_str().parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

fn abbreviate(items: &[&str], max: usize) -> String {
    if items.len() <= max {
        items.join(", ")
    } else {
        format!(
            "{}, … ({} more)",
            items[..max].join(", "),
            items.len() - max
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Column, Framework, Migration, Rows, Site, TableShape, TrackedEntry, TrackingLocation, Value,
    };

    fn history(versions: &[(&str, bool)]) -> History {
        let mut h = History::new(Site::new(Framework::GolangMigrate, "db/migrations"));
        for (v, down) in versions {
            let mut m = Migration::new(*v, format!("m{v}"));
            m.files.push(format!("db/migrations/{v}_m.up.sql"));
            m.has_down = *down;
            h.migrations.push(m);
        }
        h
    }

    fn tracking(rows: &[(i64, bool)]) -> TrackingState {
        let mut t = TrackingState::absent(
            Framework::GolangMigrate,
            TrackingLocation::table("schema_migrations"),
            TrackingKind::Version {
                version: rows.first().map(|r| MigrationId(r.0.to_string())),
                dirty: rows.first().is_some_and(|r| r.1),
            },
        );
        t.present = true;
        t.shape = Some(TableShape {
            columns: vec![
                Column {
                    name: "version".into(),
                    data_type: "bigint".into(),
                    nullable: false,
                },
                Column {
                    name: "dirty".into(),
                    data_type: "boolean".into(),
                    nullable: false,
                },
            ],
            primary_key: vec!["version".into()],
            unique_indexes: vec![],
        });
        t.raw = Rows {
            columns: vec!["version".into(), "dirty".into()],
            rows: rows
                .iter()
                .map(|r| vec![Value::Int(r.0), Value::Bool(r.1)])
                .collect(),
        };
        t.entries = rows
            .iter()
            .enumerate()
            .map(|(i, r)| TrackedEntry {
                id: MigrationId(r.0.to_string()),
                dirty: r.1,
                row: i,
            })
            .collect();
        t
    }

    fn codes(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn healthy_state_has_no_findings() {
        let h = history(&[("1", true), ("2", true)]);
        assert!(diagnose(&h, &tracking(&[(2, false)]), None).is_empty());
    }

    #[test]
    fn dirty_names_version_and_both_choices() {
        let h = history(&[("1", true), ("2", true), ("3", true)]);
        let f = diagnose(&h, &tracking(&[(2, true)]), None);
        assert_eq!(codes(&f), vec!["dirty", "pending"]);
        assert_eq!(
            f[0].message,
            "Dirty database version 2. Fix and force version."
        );
        assert!(f[0]
            .evidence
            .iter()
            .any(|e| e.contains("force 2 if it fully ran, 1 if it did not")));
        assert_eq!(f[1].migrations, vec![MigrationId::from("3")]);
    }

    #[test]
    fn dirty_first_version_offers_no_version() {
        let h = history(&[("1", true)]);
        let f = diagnose(&h, &tracking(&[(1, true)]), None);
        assert!(f[0].evidence.iter().any(|e| e.contains("-1 (no version)")));
    }

    #[test]
    fn unknown_version_ahead_and_behind() {
        let h = history(&[("1", true), ("5", true)]);
        let f = diagnose(&h, &tracking(&[(9, false)]), None);
        assert_eq!(codes(&f), vec!["unknown-tracked"]);
        assert!(f[0].message.contains("ahead of the code"));
        let f = diagnose(&h, &tracking(&[(3, false)]), None);
        assert_eq!(codes(&f), vec!["unknown-tracked", "pending"]);
        assert!(f[0].message.contains("deleted or renamed"));
    }

    #[test]
    fn versions_compare_numerically() {
        let h = history(&[("9", true), ("10", true)]);
        let f = diagnose(&h, &tracking(&[(100, false)]), None);
        assert!(f[0].message.contains("ahead"));
    }

    #[test]
    fn missing_table_duplicates_and_missing_down() {
        let h = history(&[("1", false), ("2", true)]);
        let absent = TrackingState::absent(
            Framework::GolangMigrate,
            TrackingLocation::table("schema_migrations"),
            TrackingKind::Version {
                version: None,
                dirty: false,
            },
        );
        assert_eq!(
            codes(&diagnose(&h, &absent, None)),
            vec!["missing-down", "missing-tracking-table", "pending"]
        );
        let f = diagnose(&h, &tracking(&[(1, false), (2, false)]), None);
        assert_eq!(codes(&f), vec!["missing-down", "duplicate-rows", "pending"]);
    }

    #[test]
    fn unrecognized_table_stops_tracking_findings() {
        let h = history(&[("1", true)]);
        let mut t = tracking(&[]);
        t.recognition = Recognition::Unrecognized {
            reason: "columns are (version varchar)".into(),
            likely_owner: Some("Rails or dbmate".into()),
        };
        let f = diagnose(&h, &t, None);
        assert_eq!(codes(&f), vec!["unrecognized-tracking-table"]);
        assert!(f[0].message.contains("Rails or dbmate"));
    }

    #[test]
    fn history_problems_become_findings() {
        let mut h = history(&[("1", true)]);
        h.problems.push(HistoryProblem::Collision {
            id: "1".into(),
            files: vec!["a/1_x.up.sql".into(), "a/1_y.up.sql".into()],
        });
        h.problems.push(HistoryProblem::InvalidFile {
            file: "a/2_x.sql".into(),
            reason: "no .up./.down.".into(),
        });
        let f = diagnose(&h, &tracking(&[(1, false)]), None);
        assert_eq!(
            codes(&f),
            vec!["version-collision", "invalid-migration-file"]
        );
    }
}
