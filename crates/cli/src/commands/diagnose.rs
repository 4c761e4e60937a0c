//! `migdoctor diagnose`: findings with evidence.

use crate::context::{connect, load_project, resolve_url, Ctx, Project};
use crate::exit;
use crate::render::{json, md_cell, Format};
use migdoctor_db::{DbUrl, Mode};
use migdoctor_engine::{inspect_site, SiteReport};
use migdoctor_model::{Finding, Severity};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `diagnose`.
#[derive(clap::Args, Debug)]
pub struct DiagnoseArgs {
    /// Project folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

/// Returns the project, the URL used, and every site inspected (read-only session).
pub(crate) async fn inspect_project(
    ctx: &mut Ctx<'_>,
    path: &std::path::Path,
) -> anyhow::Result<(Project, Option<DbUrl>, Vec<SiteReport>)> {
    let explicit = ctx.global.db.as_deref().map(DbUrl::parse).transpose()?;
    let project = load_project(path, &ctx.global, explicit.as_ref())?;
    let url = resolve_url(ctx, &project.root, &project.sites)?;
    let mut db = match &url {
        Some(u) => Some(connect(ctx, u, Mode::ReadOnly).await?),
        None => {
            if !project.sites.is_empty() {
                ctx.note("no database given (--db or DATABASE_URL): looking at the files only");
            }
            None
        }
    };
    let playbooks = ctx.playbooks()?;
    let mut reports = Vec::new();
    for (adapter, site) in &project.sites {
        let spinner = crate::render::spinner(&format!("reading {}", site.label()));
        let report = inspect_site(*adapter, &project.tree, site, db.as_mut(), &playbooks).await;
        spinner.finish_and_clear();
        reports.push(report?);
    }
    if let Some(db) = db {
        db.close().await;
    }
    Ok((project, url, reports))
}

/// Returns the exit code for these findings under --fail-on.
pub(crate) fn findings_exit(ctx: &Ctx<'_>, findings: &[&Finding]) -> i32 {
    match ctx.global.fail_on() {
        Some(threshold) if findings.iter().any(|f| f.severity >= threshold) => exit::FINDINGS,
        _ => exit::OK,
    }
}

#[derive(Serialize)]
struct DiagnoseReport<'a> {
    format_version: u32,
    project: String,
    database: Option<String>,
    sites: Vec<SiteOut<'a>>,
}

#[derive(Serialize)]
struct SiteOut<'a> {
    framework: String,
    site: &'a str,
    tracking_table: Option<String>,
    tracking_present: Option<bool>,
    state_fingerprint: Option<String>,
    findings: &'a [Finding],
}

pub async fn run(ctx: &mut Ctx<'_>, args: DiagnoseArgs) -> anyhow::Result<i32> {
    let (_, url, reports) = inspect_project(ctx, &args.path).await?;
    let all: Vec<&Finding> = reports.iter().flat_map(|r| r.findings.iter()).collect();
    match ctx.global.format {
        Format::Json => {
            let report = DiagnoseReport {
                format_version: 1,
                project: args.path.display().to_string(),
                database: url.as_ref().map(|u| u.redacted().to_string()),
                sites: reports
                    .iter()
                    .map(|r| SiteOut {
                        framework: r.site.framework.to_string(),
                        site: &r.site.root,
                        tracking_table: r.tracking.as_ref().map(|t| t.location.to_string()),
                        tracking_present: r.tracking.as_ref().map(|t| t.present),
                        state_fingerprint: r.tracking.as_ref().map(|t| t.fingerprint()),
                        findings: &r.findings,
                    })
                    .collect(),
            };
            json(ctx.out, &report)?;
        }
        Format::Table => {
            for r in &reports {
                let table = r
                    .tracking
                    .as_ref()
                    .map(|t| format!(" — {}", t.location))
                    .unwrap_or_default();
                writeln!(ctx.out, "{}{}", ctx.style.strong(&r.site.label()), table)?;
                if r.findings.is_empty() {
                    writeln!(ctx.out, "  healthy: files and tracking table agree")?;
                }
                for f in &r.findings {
                    writeln!(
                        ctx.out,
                        "  {:<8} {:<22} {}",
                        ctx.style.severity(f.severity),
                        f.code.as_str(),
                        f.message
                    )?;
                    for e in &f.evidence {
                        writeln!(ctx.out, "           {}", ctx.style.dim(&format!("· {e}")))?;
                    }
                    if !f.playbooks.is_empty() {
                        let hint = format!(
                            "fix: migdoctor plan {} {}",
                            args.path.display(),
                            f.playbooks.join(" | ")
                        );
                        writeln!(ctx.out, "           {}", ctx.style.hint(&hint))?;
                    }
                }
            }
            if reports.is_empty() {
                writeln!(ctx.out, "no migration sites found")?;
            }
            summary_line(ctx, &all)?;
        }
        Format::Markdown => {
            writeln!(ctx.out, "# migdoctor diagnosis: {}\n", args.path.display())?;
            if let Some(u) = &url {
                writeln!(ctx.out, "Database: `{}`\n", u.redacted())?;
            }
            for r in &reports {
                writeln!(ctx.out, "## {}\n", r.site.label())?;
                if let Some(t) = &r.tracking {
                    writeln!(
                        ctx.out,
                        "Tracking table `{}` ({}), state fingerprint `{}`\n",
                        t.location,
                        if t.present { "present" } else { "missing" },
                        t.fingerprint()
                    )?;
                }
                if r.findings.is_empty() {
                    writeln!(ctx.out, "Healthy: files and tracking table agree.\n")?;
                }
                for f in &r.findings {
                    writeln!(
                        ctx.out,
                        "- **{}** `{}` — {}",
                        f.severity,
                        f.code,
                        md_cell(&f.message)
                    )?;
                    for e in &f.evidence {
                        writeln!(ctx.out, "  - {e}")?;
                    }
                    if !f.playbooks.is_empty() {
                        writeln!(ctx.out, "  - fix with: `{}`", f.playbooks.join("`, `"))?;
                    }
                }
                writeln!(ctx.out)?;
            }
        }
    }
    Ok(findings_exit(ctx, &all))
}

fn summary_line(ctx: &mut Ctx<'_>, all: &[&Finding]) -> std::io::Result<()> {
    let count = |s: Severity| all.iter().filter(|f| f.severity == s).count();
    writeln!(
        ctx.out,
        "\n{} error(s), {} warning(s), {} info",
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    )
}
