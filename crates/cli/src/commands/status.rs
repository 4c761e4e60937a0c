//! `migdoctor status`: one line per site.

use super::diagnose::findings_exit;
use crate::context::inspect;
use crate::render::{json, md_table, table, Format};
use migdoctor_db::Mode;
use migdoctor_model::{Finding, FindingCode, TrackingKind};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `status`: the quick look (files and tracking tables only).
#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// Project folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Also read the live schema and say what it proves (the "schema says" column); slower,
    /// like `diagnose`.
    #[arg(long)]
    pub evidence: bool,
}

#[derive(Serialize)]
struct Line {
    framework: String,
    site: String,
    declared: usize,
    newest: Option<String>,
    tracking_table: Option<String>,
    applied: Option<String>,
    dirty: Option<bool>,
    pending: Option<usize>,
    heads: Vec<String>,
    apparent: Option<String>,
    findings: usize,
}

pub async fn run(ctx: &mut crate::context::Ctx<'_>, args: StatusArgs) -> anyhow::Result<i32> {
    ctx.history_only = !args.evidence;
    let ins = inspect(ctx, &args.path, Mode::ReadOnly, None, false).await?;
    let all: Vec<&Finding> = ins.all_findings();
    let reports = &ins.reports;
    let mut lines = Vec::new();
    for r in reports {
        let pending = r
            .findings
            .iter()
            .find(|f| f.code == FindingCode::Pending)
            .map(|f| f.migrations.len());
        let (applied, dirty) = match r.tracking.as_ref().map(|t| (&t.kind, t.present)) {
            Some((TrackingKind::Version { version, dirty }, true)) => (
                Some(
                    version
                        .as_ref()
                        .map(|v| v.to_string())
                        .unwrap_or_else(|| "none".into()),
                ),
                Some(*dirty),
            ),
            Some((_, false)) => (Some("no table".into()), None),
            // One row per applied migration: how many rows name a declared migration.
            Some((TrackingKind::Ledger, true)) => {
                let t = r.tracking.as_ref().expect("matched Some");
                let declared: std::collections::HashSet<&str> =
                    r.history.migrations.iter().map(|m| m.id.as_str()).collect();
                let known: std::collections::HashSet<&str> = t
                    .entries
                    .iter()
                    .map(|e| e.id.as_str())
                    .filter(|id| declared.contains(id))
                    .collect();
                (
                    Some(format!(
                        "{} of {} ({} rows)",
                        known.len(),
                        declared.len(),
                        t.raw.rows.len()
                    )),
                    None,
                )
            }
            Some((_, true)) => {
                let t = r.tracking.as_ref().expect("matched Some");
                let heads: Vec<&str> = t.entries.iter().map(|e| e.id.as_str()).collect();
                (
                    Some(if heads.is_empty() {
                        "base".into()
                    } else {
                        heads.join(" ")
                    }),
                    None,
                )
            }
            _ => (None, None),
        };
        lines.push(Line {
            framework: r.site.framework.to_string(),
            site: if r.site.root.is_empty() {
                ".".into()
            } else {
                r.site.root.clone()
            },
            declared: r.history.migrations.len(),
            newest: r.history.heads_label(),
            tracking_table: r.tracking.as_ref().map(|t| t.location.to_string()),
            applied,
            dirty,
            pending: r.tracking.as_ref().map(|_| pending.unwrap_or(0)),
            heads: r.history.heads().iter().map(|h| h.to_string()).collect(),
            apparent: r.evidence.as_ref().map(|e| {
                let v = e
                    .apparent
                    .version
                    .as_ref()
                    .map(|v| v.to_string())
                    .unwrap_or_else(|| "none".into());
                format!("{v} ({})", e.apparent.confidence)
            }),
            findings: r
                .findings
                .iter()
                .filter(|f| f.code != FindingCode::Pending && f.code != FindingCode::MissingDown)
                .count(),
        });
    }
    let dash = |o: Option<String>| o.unwrap_or_else(|| "-".into());
    let cells: Vec<Vec<String>> = lines
        .iter()
        .map(|l| {
            vec![
                l.framework.clone(),
                l.site.clone(),
                l.declared.to_string(),
                dash(l.newest.clone()),
                dash(l.applied.clone()),
                l.dirty
                    .map(|d| {
                        if d {
                            ctx.style
                                .severity(migdoctor_model::Severity::Error)
                                .replace("error", "DIRTY")
                        } else {
                            "no".into()
                        }
                    })
                    .unwrap_or_else(|| "-".into()),
                dash(l.pending.map(|p| p.to_string())),
                dash(l.apparent.clone()),
                l.findings.to_string(),
            ]
        })
        .collect();
    let headers = [
        "framework",
        "site",
        "declared",
        "heads",
        "applied",
        "dirty",
        "pending",
        "schema says",
        "findings",
    ];
    match ctx.global.format {
        Format::Json => json(
            ctx.out,
            &serde_json::json!({"format_version": 1, "sites": lines}),
        )?,
        Format::Table => table(ctx.out, &headers, &cells)?,
        Format::Markdown => md_table(ctx.out, &headers, &cells)?,
    }
    Ok(findings_exit(ctx, &all))
}
