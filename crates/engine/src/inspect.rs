//! Reading the three sources for one site and diagnosing them.

use crate::{EngineError, Playbooks};
use migdoctor_db::Db;
use migdoctor_model::{
    database_drift, diagnose_files, diagnose_with_evidence, infer_in, Adapter, DatabaseDrift,
    Finding, FindingCode, History, LiveSchema, Rows, SchemaLookup, Severity, Site, SiteEvidence,
    SourceTree, TrackingLocation, TrackingState,
};
use serde::Serialize;

/// Returns nothing; what migdoctor knows about one site.
#[derive(Clone, Debug, Serialize)]
pub struct SiteReport {
    /// The site.
    pub site: Site,
    /// Its declared history.
    pub history: History,
    /// Its tracking table, when a database was given.
    pub tracking: Option<TrackingState>,
    /// Findings, with the playbooks that fix them.
    pub findings: Vec<Finding>,
    /// What the live schema proves, when it was read.
    pub evidence: Option<SiteEvidence>,
}

/// Returns the history of `site`, naming the site in errors.
pub fn load_history(
    adapter: &dyn Adapter,
    tree: &SourceTree,
    site: &Site,
) -> Result<History, EngineError> {
    adapter
        .load_history(tree, site)
        .map_err(|source| EngineError::Adapter {
            site: site.label(),
            source,
        })
}

/// Returns the tracking state of `site` as stored, read in full.
pub async fn read_tracking(
    db: &mut Db,
    adapter: &dyn Adapter,
    site: &Site,
) -> Result<TrackingState, EngineError> {
    let at = adapter.tracking_location(site, db.facts());
    read_tracking_at(db, adapter, &at, &site.label()).await
}

/// Returns the tracking state of the table at `at` as stored, read in full; `label` names the
/// site in errors.
pub async fn read_tracking_at(
    db: &mut Db,
    adapter: &dyn Adapter,
    at: &TrackingLocation,
    label: &str,
) -> Result<TrackingState, EngineError> {
    let at = at.clone();
    let shape = db.table_shape(&at).await?;
    let mut rows = Rows::default();
    if let Some(shape) = &shape {
        let sql = adapter.tracking_query(db.facts().dialect, &at);
        rows = db
            .fetch_rows(&format!("reading tracking table {at}"), &sql)
            .await?;
        if rows.columns.is_empty() {
            rows.columns = shape.columns.iter().map(|c| c.name.clone()).collect();
        }
    }
    adapter
        .decode_tracking(&at, shape.as_ref(), &rows)
        .map_err(|source| EngineError::Adapter {
            site: label.to_string(),
            source,
        })
}

/// Returns the findings for a site (from its evidence, when the live schema was read), each
/// with the playbooks that address it.
pub fn findings(
    adapter: &dyn Adapter,
    history: &History,
    tracking: Option<&TrackingState>,
    evidence: Option<&SiteEvidence>,
    playbooks: &Playbooks,
) -> Vec<Finding> {
    let mut out = match tracking {
        Some(t) => diagnose_with_evidence(history, t, evidence),
        None => diagnose_files(history),
    };
    out.extend(adapter.findings(history, tracking));
    adapter.revise(history, tracking, evidence, &mut out);
    for f in &mut out {
        if let Some(fw) = f.framework {
            f.playbooks = playbooks.for_finding(f.code, fw);
        }
    }
    out
}

/// Returns the report of one site from its files, and from the tracking state and live schema
/// (its lookups, built once per database) when they were read.
pub fn report_site(
    adapter: &dyn Adapter,
    tree: &SourceTree,
    site: &Site,
    tracking: Option<TrackingState>,
    live: Option<&SchemaLookup<'_>>,
    playbooks: &Playbooks,
) -> Result<SiteReport, EngineError> {
    let history = load_history(adapter, tree, site)?;
    Ok(report_history(
        adapter, site, history, tracking, live, playbooks,
    ))
}

/// Returns the report of one site whose history is already loaded (the adapter first settles
/// history and tracking state to each other, see [`Adapter::settle`]).
pub fn report_history(
    adapter: &dyn Adapter,
    site: &Site,
    mut history: History,
    mut tracking: Option<TrackingState>,
    live: Option<&SchemaLookup<'_>>,
    playbooks: &Playbooks,
) -> SiteReport {
    if let Some(t) = tracking.as_mut() {
        adapter.settle(&mut history, t);
    }
    let evidence = live.map(|l| infer_in(&history, l));
    let findings = findings(
        adapter,
        &history,
        tracking.as_ref(),
        evidence.as_ref(),
        playbooks,
    );
    SiteReport {
        site: site.clone(),
        history,
        tracking,
        findings,
        evidence,
    }
}

/// Returns the drift of the database the reports share: objects no site explains, schemas no
/// site touches, tracking tables no site owns. Each site's own tracking table is left out.
pub fn drift(live: &SchemaLookup<'_>, reports: &[SiteReport]) -> DatabaseDrift {
    let explained: Vec<_> = reports
        .iter()
        .filter_map(|r| r.evidence.as_ref().map(|e| &e.explained))
        .collect();
    let owned: Vec<(String, String)> = reports
        .iter()
        .filter_map(|r| r.tracking.as_ref())
        .map(|t| {
            let schema = t
                .location
                .schema
                .clone()
                .unwrap_or_else(|| live.live.default_schema.clone());
            (live.fold(&schema), live.fold(&t.location.table))
        })
        .collect();
    database_drift(live, &explained, &owned)
}

/// Returns the findings about the whole database: `schema-drift` once (a warning listing what
/// no site explains), and one info line each for schemas no site touches and for tracking
/// tables of frameworks the project has no site of.
pub fn drift_findings(drift: &DatabaseDrift) -> Vec<Finding> {
    let mut out = Vec::new();
    if !drift.unexplained.is_empty() {
        let mut f = Finding::database(
            FindingCode::SchemaDrift,
            Severity::Warning,
            format!(
                "{} object(s) in the database are explained by no migration of any site",
                drift.unexplained.len()
            ),
        );
        for u in drift.unexplained.iter().take(50) {
            f.evidence.push(format!("unexplained: {u}"));
        }
        if drift.unexplained.len() > 50 {
            f.evidence
                .push(format!("… and {} more", drift.unexplained.len() - 50));
        }
        if !drift.maybe_explained.is_empty() {
            f.evidence.push(format!(
                "{} more object(s) are named only in statements migdoctor could not read, and were not counted",
                drift.maybe_explained.len()
            ));
        }
        out.push(f);
    }
    if !drift.untouched.is_empty() {
        let tables: usize = drift.untouched.iter().map(|(_, n)| n).sum();
        let list: Vec<String> = drift
            .untouched
            .iter()
            .map(|(s, n)| format!("{s} ({n})"))
            .collect();
        out.push(Finding::database(
            FindingCode::SchemaDrift,
            Severity::Info,
            format!(
                "{tables} table(s) in schema(s) no migration site touches, not checked: {}",
                list.join(", ")
            ),
        ));
    }
    if !drift.unowned_tracking.is_empty() {
        out.push(Finding::database(
            FindingCode::SchemaDrift,
            Severity::Info,
            format!(
                "tracking table(s) of a framework with no site in this project: {}",
                drift.unowned_tracking.join(", ")
            ),
        ));
    }
    out
}

/// Returns nothing; tracking tables and live schema exported for offline analysis
/// (`migdoctor snapshot`, then `diagnose --from-snapshot`).
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct Snapshot {
    /// Contract version.
    pub format_version: u32,
    /// RFC 3339.
    pub created_at: String,
    /// The database, URL redacted.
    pub target: String,
    /// Connection facts (dialect, database, default schema).
    pub facts: migdoctor_model::ConnectionFacts,
    /// The live schema.
    pub live: LiveSchema,
    /// The tracking table of every site found in the project.
    pub tracking: Vec<TrackingState>,
}

/// Returns nothing; the version of the snapshot JSON contract.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;
