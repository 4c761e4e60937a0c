//! Reading the three sources for one site and diagnosing them.

use crate::{EngineError, Playbooks};
use migdoctor_db::Db;
use migdoctor_model::{
    diagnose_files, diagnose_with_evidence, infer, Adapter, Finding, History, LiveSchema, Rows,
    Site, SiteEvidence, SourceTree, TrackingLocation, TrackingState,
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
    history: &History,
    tracking: Option<&TrackingState>,
    evidence: Option<&SiteEvidence>,
    playbooks: &Playbooks,
) -> Vec<Finding> {
    let mut out = match tracking {
        Some(t) => diagnose_with_evidence(history, t, evidence),
        None => diagnose_files(history),
    };
    for f in &mut out {
        f.playbooks = playbooks.for_finding(f.code, f.framework);
    }
    out
}

/// Returns the live schema as one site sees it: its own tracking table (which may have a
/// custom name) is not an application table.
pub fn live_for_site<'a>(
    live: &'a LiveSchema,
    at: &TrackingLocation,
) -> std::borrow::Cow<'a, LiveSchema> {
    let schema = at
        .schema
        .clone()
        .unwrap_or_else(|| live.default_schema.clone());
    let is_tracking = |t: &migdoctor_model::LiveTable| {
        live.fold(&t.name) == live.fold(&at.table) && live.fold(&t.schema) == live.fold(&schema)
    };
    if !live.tables.iter().any(is_tracking) {
        return std::borrow::Cow::Borrowed(live);
    }
    let mut copy = live.clone();
    copy.tables.retain(|t| !is_tracking(t));
    copy.tracking_tables.push(format!("{schema}.{}", at.table));
    std::borrow::Cow::Owned(copy)
}

/// Returns the report of one site from its files, and from the tracking state and live schema
/// when they were read.
pub fn report_site(
    adapter: &dyn Adapter,
    tree: &SourceTree,
    site: &Site,
    tracking: Option<TrackingState>,
    live: Option<&LiveSchema>,
    playbooks: &Playbooks,
) -> Result<SiteReport, EngineError> {
    let history = load_history(adapter, tree, site)?;
    let live = match (&tracking, live) {
        (Some(t), Some(l)) => Some(live_for_site(l, &t.location)),
        (None, Some(l)) => Some(std::borrow::Cow::Borrowed(l)),
        _ => None,
    };
    let evidence = live.as_deref().map(|l| infer(&history, l));
    let findings = findings(&history, tracking.as_ref(), evidence.as_ref(), playbooks);
    Ok(SiteReport {
        site: site.clone(),
        history,
        tracking,
        findings,
        evidence,
    })
}

/// Returns the report of one site: history, tracking and live schema (if `db`), findings.
pub async fn inspect_site(
    adapter: &dyn Adapter,
    tree: &SourceTree,
    site: &Site,
    db: Option<&mut Db>,
    live: Option<&LiveSchema>,
    playbooks: &Playbooks,
) -> Result<SiteReport, EngineError> {
    let tracking = match db {
        Some(db) => Some(read_tracking(db, adapter, site).await?),
        None => None,
    };
    report_site(adapter, tree, site, tracking, live, playbooks)
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
