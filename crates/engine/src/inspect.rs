//! Reading the three sources for one site and diagnosing them.

use crate::{EngineError, Playbooks};
use migdoctor_db::Db;
use migdoctor_model::{
    diagnose, diagnose_files, Adapter, Finding, History, Rows, Site, SourceTree, TrackingLocation,
    TrackingState,
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

/// Returns the findings for a site, each with the playbooks that address it.
pub fn findings(
    history: &History,
    tracking: Option<&TrackingState>,
    playbooks: &Playbooks,
) -> Vec<Finding> {
    let mut out = match tracking {
        Some(t) => diagnose(history, t),
        None => diagnose_files(history),
    };
    for f in &mut out {
        f.playbooks = playbooks.for_finding(f.code, f.framework);
    }
    out
}

/// Returns the report of one site: history, tracking (if `db`), findings.
pub async fn inspect_site(
    adapter: &dyn Adapter,
    tree: &SourceTree,
    site: &Site,
    db: Option<&mut Db>,
    playbooks: &Playbooks,
) -> Result<SiteReport, EngineError> {
    let history = load_history(adapter, tree, site)?;
    let tracking = match db {
        Some(db) => Some(read_tracking(db, adapter, site).await?),
        None => None,
    };
    let findings = findings(&history, tracking.as_ref(), playbooks);
    Ok(SiteReport {
        site: site.clone(),
        history,
        tracking,
        findings,
    })
}
