//! `migdoctor history`: the migration graph as a timeline, with what tracking and schema say.

use super::diagnose::findings_exit;
use crate::context::{inspect, Ctx};
use crate::render::{json, md_table, table, Format};
use migdoctor_db::Mode;
use migdoctor_model::{tracked_applied, EvidenceStatus, Finding, MigrationId};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::PathBuf;

/// Arguments of `history`.
#[derive(clap::Args, Debug)]
pub struct HistoryArgs {
    /// Project folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

#[derive(Serialize)]
struct Row {
    site: String,
    id: String,
    parents: Vec<String>,
    name: String,
    head: bool,
    tracked: Option<bool>,
    dirty: bool,
    schema: Option<EvidenceStatus>,
    file: Option<String>,
}

pub async fn run(ctx: &mut Ctx<'_>, args: HistoryArgs) -> anyhow::Result<i32> {
    let reports = inspect(ctx, &args.path, Mode::ReadOnly, None, false)
        .await?
        .reports;
    let mut rows = Vec::new();
    for r in &reports {
        let heads: BTreeSet<MigrationId> = r.history.heads().into_iter().collect();
        let applied: Option<BTreeSet<MigrationId>> = r
            .tracking
            .as_ref()
            .and_then(|t| tracked_applied(&r.history, t))
            .map(|v| v.into_iter().collect());
        let dirty = match r.tracking.as_ref().map(|t| &t.kind) {
            Some(migdoctor_model::TrackingKind::Version {
                version: Some(v),
                dirty: true,
            }) => Some(v.clone()),
            _ => None,
        };
        let by_id: std::collections::HashMap<&MigrationId, &migdoctor_model::Migration> =
            r.history.migrations.iter().map(|m| (&m.id, m)).collect();
        for id in r.history.order() {
            let Some(m) = by_id.get(&id) else {
                continue;
            };
            rows.push(Row {
                site: r.site.label(),
                id: id.to_string(),
                parents: m
                    .parents
                    .iter()
                    .chain(&m.depends_on)
                    .map(|p| p.to_string())
                    .collect(),
                name: m.name.clone(),
                head: heads.contains(&id),
                tracked: applied.as_ref().map(|a| a.contains(&id)),
                dirty: dirty.as_ref() == Some(&id),
                schema: r
                    .evidence
                    .as_ref()
                    .and_then(|e| e.get(&id))
                    .map(|e| e.status),
                file: m.files.first().cloned(),
            });
        }
    }
    let status = |s: &Option<EvidenceStatus>| match s {
        Some(EvidenceStatus::Present) => "present",
        Some(EvidenceStatus::Absent) => "absent",
        Some(EvidenceStatus::Partial) => "PARTIAL",
        Some(EvidenceStatus::Unknown) => "unknown",
        None => "-",
    };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.site.clone(),
                format!("{}{}", r.id, if r.head { " (head)" } else { "" }),
                if r.parents.is_empty() {
                    "-".into()
                } else {
                    r.parents.join(", ")
                },
                match r.tracked {
                    _ if r.dirty => "DIRTY".into(),
                    Some(true) => "applied".into(),
                    Some(false) => "pending".into(),
                    None => "-".into(),
                },
                status(&r.schema).into(),
                r.name.clone(),
            ]
        })
        .collect();
    let headers = ["site", "migration", "after", "tracking", "schema", "name"];
    match ctx.global.format {
        Format::Json => json(
            ctx.out,
            &serde_json::json!({"format_version": 1, "migrations": rows}),
        )?,
        Format::Table => table(ctx.out, &headers, &cells)?,
        Format::Markdown => md_table(ctx.out, &headers, &cells)?,
    }
    let all: Vec<&Finding> = reports.iter().flat_map(|r| r.findings.iter()).collect();
    Ok(findings_exit(ctx, &all))
}
