//! `migdoctor scan`: frameworks and sites, no database.

use crate::context::{load_project, Ctx};
use crate::exit;
use crate::render::{json, md_table, table, Format};
use migdoctor_db::redact;
use migdoctor_engine::load_history;
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `scan`.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Project folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

#[derive(Serialize)]
struct SiteRow {
    framework: String,
    site: String,
    origin: String,
    migrations: usize,
    newest: Option<String>,
    problems: usize,
    tracking_table: Option<String>,
    database_url: Option<String>,
}

#[derive(Serialize)]
struct ScanReport {
    format_version: u32,
    project: String,
    sites: Vec<SiteRow>,
}

pub async fn run(ctx: &mut Ctx<'_>, args: ScanArgs) -> anyhow::Result<i32> {
    let mut project = load_project(&args.path, &ctx.global, None)?;
    // scan only counts migrations: no need to read their bodies.
    for (_, site) in &mut project.sites {
        site.config.insert("effects".into(), "skip".into());
    }
    // Each site's files on a thread of its own: a monorepo's sites are independent.
    let histories: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = project
            .sites
            .iter()
            .map(|(adapter, site)| s.spawn(|| load_history(*adapter, &project.tree, site)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("history loading panicked"))
            .collect()
    });
    let mut rows = Vec::new();
    for ((_, site), history) in project.sites.iter().zip(histories) {
        let history = history?;
        rows.push(SiteRow {
            framework: site.framework.to_string(),
            site: if site.root.is_empty() {
                ".".into()
            } else {
                site.root.clone()
            },
            origin: site.origin.clone(),
            migrations: history.migrations.len(),
            // The head(s) the framework would migrate to, not the last file by name.
            newest: history.heads_label(),
            problems: history.problems.len(),
            tracking_table: site.config.get("migrations_table").cloned(),
            database_url: site.config.get("database_url").map(|u| redact(u)),
        });
        // Freeing 10,000 migrations costs more than the process's end does.
        std::mem::forget(history);
    }
    let report = ScanReport {
        format_version: 1,
        project: args.path.display().to_string(),
        sites: rows,
    };
    if report.sites.is_empty() {
        ctx.note(&format!(
            "no migration folders found under {}",
            args.path.display()
        ));
    }
    let cells: Vec<Vec<String>> = report
        .sites
        .iter()
        .map(|s| {
            vec![
                s.framework.clone(),
                s.site.clone(),
                s.migrations.to_string(),
                s.newest.clone().unwrap_or_else(|| "-".into()),
                s.problems.to_string(),
                s.origin.clone(),
            ]
        })
        .collect();
    let headers = [
        "framework",
        "site",
        "migrations",
        "heads",
        "problems",
        "found by",
    ];
    match ctx.global.format {
        Format::Json => json(ctx.out, &report)?,
        Format::Table => table(ctx.out, &headers, &cells)?,
        Format::Markdown => {
            writeln!(ctx.out, "# migdoctor scan: {}\n", report.project)?;
            md_table(ctx.out, &headers, &cells)?;
        }
    }
    // The tree of a monorepo is large and the process ends here: skip freeing it.
    std::mem::forget(project);
    Ok(exit::OK)
}
