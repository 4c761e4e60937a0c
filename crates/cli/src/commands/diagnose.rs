//! `migdoctor diagnose`: findings with evidence.

use crate::context::{inspect, Ctx};
use crate::exit;
use crate::render::{json, md_cell, Format};
use migdoctor_db::Mode;
use migdoctor_engine::SiteReport;
use migdoctor_model::{Finding, Severity, SiteEvidence};
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `diagnose`.
#[derive(clap::Args, Debug)]
pub struct DiagnoseArgs {
    /// Project folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Read tracking tables and live schema from a `migdoctor snapshot` file instead of a
    /// database (analyse a customer's export offline).
    #[arg(long, value_name = "FILE", conflicts_with = "db")]
    pub from_snapshot: Option<PathBuf>,
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
    /// Findings about the whole database (drift judged after every site is replayed).
    database_findings: &'a [Finding],
}

#[derive(Serialize)]
struct SiteOut<'a> {
    framework: String,
    site: &'a str,
    tracking_table: Option<String>,
    tracking_present: Option<bool>,
    state_fingerprint: Option<String>,
    findings: &'a [Finding],
    evidence: Option<&'a SiteEvidence>,
}

/// Returns "apparent version 3 (confidence high)" for a site with evidence.
pub(crate) fn apparent_line(r: &SiteReport) -> Option<String> {
    let ev = r.evidence.as_ref()?;
    let v = ev
        .apparent
        .version
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or_else(|| "none".into());
    let confidence = ev.apparent.confidence.to_string();
    let mut line = format!("schema evidence: apparent version {v} (confidence {confidence})");
    if !ev.apparent.reasons.is_empty() {
        line.push_str(&format!(" — {}", ev.apparent.reasons.join("; ")));
    }
    Some(line)
}

pub async fn run(ctx: &mut Ctx<'_>, args: DiagnoseArgs) -> anyhow::Result<i32> {
    let ins = inspect(
        ctx,
        &args.path,
        Mode::ReadOnly,
        args.from_snapshot.as_deref(),
        false,
    )
    .await?;
    let url = ins.url.clone();
    let all: Vec<&Finding> = ins.all_findings();
    let database_findings = &ins.database_findings;
    let reports = &ins.reports;
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
                        evidence: r.evidence.as_ref(),
                    })
                    .collect(),
                database_findings,
            };
            json(ctx.out, &report)?;
        }
        Format::Table => {
            for r in reports {
                let table = r
                    .tracking
                    .as_ref()
                    .map(|t| format!(" — {}", t.location))
                    .unwrap_or_default();
                writeln!(ctx.out, "{}{}", ctx.style.strong(&r.site.label()), table)?;
                if let Some(line) = apparent_line(r) {
                    writeln!(ctx.out, "  {}", ctx.style.dim(&line))?;
                }
                if r.findings.is_empty() {
                    writeln!(ctx.out, "  healthy: files, tracking table and schema agree")?;
                }
                for f in &r.findings {
                    table_finding(ctx, &args.path, f)?;
                }
            }
            if !database_findings.is_empty() {
                writeln!(ctx.out, "{}", ctx.style.strong("database"))?;
                for f in database_findings {
                    table_finding(ctx, &args.path, f)?;
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
            for r in reports {
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
                if let Some(line) = apparent_line(r) {
                    writeln!(ctx.out, "{}\n", line)?;
                }
                if r.findings.is_empty() {
                    writeln!(
                        ctx.out,
                        "Healthy: files, tracking table and schema agree.\n"
                    )?;
                }
                for f in &r.findings {
                    md_finding(ctx, f)?;
                }
                writeln!(ctx.out)?;
            }
            if !database_findings.is_empty() {
                writeln!(ctx.out, "## database\n")?;
                for f in database_findings {
                    md_finding(ctx, f)?;
                }
                writeln!(ctx.out)?;
            }
        }
    }
    Ok(findings_exit(ctx, &all))
}

fn table_finding(ctx: &mut Ctx<'_>, path: &std::path::Path, f: &Finding) -> std::io::Result<()> {
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
            path.display(),
            f.playbooks.join(" | ")
        );
        writeln!(ctx.out, "           {}", ctx.style.hint(&hint))?;
    }
    Ok(())
}

fn md_finding(ctx: &mut Ctx<'_>, f: &Finding) -> std::io::Result<()> {
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
    Ok(())
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
