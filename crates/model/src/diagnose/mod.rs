//! Pure diagnosis: files + tracking table → findings.

mod heads;
mod ledger;
mod proof;
#[cfg(test)]
mod tests;
mod version;

use crate::evidence::{infer, SiteEvidence};
use crate::{
    Finding, FindingCode, History, HistoryProblem, LiveSchema, MigrationId, Recognition, Severity,
    TrackingKind, TrackingState,
};
use heads::diagnose_heads;
use ledger::diagnose_ledger;
use proof::evidence_findings;
use version::diagnose_version;

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
        TrackingKind::Ledger => diagnose_ledger(history, tracking, out),
    }
}

pub(super) fn pending(history: &History, site: &str, from: usize) -> Finding {
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

/// Returns the migrations not yet applied, in the order the framework would run them
/// (parents first, declared order otherwise).
pub(super) fn pending_ids(
    history: &History,
    is_applied: impl Fn(&MigrationId) -> bool,
) -> Vec<MigrationId> {
    history
        .order()
        .into_iter()
        .filter(|id| !is_applied(id))
        .collect()
}

/// Returns the ordering of two version ids: numerically when both are numbers, else textually.
pub(crate) fn compare_versions(a: &MigrationId, b: &MigrationId) -> std::cmp::Ordering {
    match (a.as_str().parse::<u128>(), b.as_str().parse::<u128>()) {
        (Ok(x), Ok(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

pub(super) fn abbreviate(items: &[&str], max: usize) -> String {
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
