//! `migdoctor plan`: a reviewable recovery plan. Never writes to the database.

use crate::context::{inspect, Ctx, Inspection};
use crate::exit;
use crate::render::{json, plan_markdown, plan_text, Format};
use anyhow::{bail, Context as _};
use migdoctor_db::Mode;
use migdoctor_engine::{plan, recommend, EngineError, PlanInput, Playbook, Playbooks};
use migdoctor_model::Plan;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Arguments of `plan`.
#[derive(clap::Args, Debug)]
pub struct PlanArgs {
    /// Project folder.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Playbook id (see `migdoctor playbooks list`); without it, the recommended plan for every
    /// finding that has a playbook.
    pub playbook: Option<String>,
    /// Playbook parameter, e.g. --param version=6 (repeatable). Parameters with a default from
    /// schema evidence may be left out.
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,
    /// Also write the plan as JSON to this file, for `migdoctor apply FILE`.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub(crate) fn parse_params(raw: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for p in raw {
        let Some((k, v)) = p.split_once('=') else {
            bail!("--param {p:?} must be NAME=VALUE, e.g. --param version=6");
        };
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Returns where git knows the revisions the tracking table names but the files lack.
fn unknown_ids_in_git(ins: &Inspection, i: usize) -> Vec<String> {
    let report = &ins.reports[i];
    let Some(t) = &report.tracking else {
        return Vec::new();
    };
    t.entries
        .iter()
        .filter(|e| report.history.get(&e.id).is_none() && e.id.as_str() != "-1")
        .flat_map(|e| migdoctor_engine::git_locate(&ins.project.root, e.id.as_str()))
        .collect()
}

/// Returns the index of the one site a named playbook applies to.
fn site_for(ins: &Inspection, frameworks: &[String]) -> anyhow::Result<usize> {
    let matching: Vec<usize> = ins
        .project
        .sites
        .iter()
        .enumerate()
        .filter(|(_, (a, _))| frameworks.iter().any(|f| f == a.framework().id()))
        .map(|(i, _)| i)
        .collect();
    match matching.as_slice() {
        [] => bail!(
            "no {} migrations found under {}\nhint: pass the project folder, or --site FOLDER",
            frameworks.join("/"),
            ins.project.root.display()
        ),
        [one] => Ok(*one),
        many => {
            let labels: Vec<String> = many
                .iter()
                .map(|&i| ins.project.sites[i].1.label())
                .collect();
            bail!(
                "{} sites found ({}); name one with --site FOLDER",
                many.len(),
                labels.join(", ")
            )
        }
    }
}

/// Returns the plan of playbook `id` for the one site it applies to.
pub(crate) fn plan_named(
    ins: &Inspection,
    playbooks: &Playbooks,
    id: &str,
    params: &BTreeMap<String, String>,
) -> anyhow::Result<Plan> {
    let pb = playbooks
        .get(id)
        .ok_or_else(|| EngineError::UnknownPlaybook(id.to_string()))?;
    let i = site_for(ins, &pb.frameworks)?;
    match with_input(ins, i, pb, params, plan) {
        Some(result) => Ok(result?),
        None => bail!("plan needs the database whose tracking table it repairs\nhint: pass --db URL or set DATABASE_URL"),
    }
}

/// Returns `f` applied to the plan input of site `i`, or `None` when no tracking state was read
/// for it.
fn with_input<R>(
    ins: &Inspection,
    i: usize,
    playbook: &Playbook,
    params: &BTreeMap<String, String>,
    f: impl FnOnce(&PlanInput<'_>) -> R,
) -> Option<R> {
    let (adapter, _) = ins.project.sites[i];
    let report = &ins.reports[i];
    let (Some(tracking), Some(facts)) = (&report.tracking, &ins.facts) else {
        return None;
    };
    let url = ins
        .url
        .as_ref()
        .map(|u| u.redacted().to_string())
        .unwrap_or_default();
    let now = now();
    let extra = unknown_ids_in_git(ins, i);
    Some(f(&PlanInput {
        extra_evidence: &extra,
        playbook,
        params,
        adapter,
        history: &report.history,
        tracking,
        findings: &report.findings,
        evidence: report.evidence.as_ref(),
        facts,
        url: &url,
        now: &now,
    }))
}

pub async fn run(ctx: &mut Ctx<'_>, mut args: PlanArgs) -> anyhow::Result<i32> {
    let playbooks = ctx.playbooks()?;
    // `migdoctor plan golang-migrate/undirty` (no folder) means the current folder.
    if args.playbook.is_none()
        && !args.path.is_dir()
        && playbooks.get(&args.path.to_string_lossy()).is_some()
    {
        args.playbook = Some(args.path.to_string_lossy().into_owned());
        args.path = PathBuf::from(".");
    }
    let params = parse_params(&args.params)?;
    if args.playbook.is_none() && !params.is_empty() {
        bail!("--param needs a playbook; name one, e.g. `migdoctor plan . golang-migrate/undirty --param version=6`");
    }
    let ins = inspect(ctx, &args.path, Mode::ReadOnly, None, false).await?;
    if ins.facts.is_none() {
        bail!("plan needs the database whose tracking table it repairs\nhint: pass --db URL or set DATABASE_URL");
    }
    let mut plans = Vec::new();
    let mut decisions = Vec::new();
    if let Some(id) = &args.playbook {
        plans.push(plan_named(&ins, &playbooks, id, &params)?);
    } else {
        let empty = BTreeMap::new();
        let first = playbooks.all().first().context("no playbooks loaded")?;
        for (i, (_, site)) in ins.project.sites.iter().enumerate() {
            let Some(rec) = with_input(&ins, i, first, &empty, |base| recommend(base, &playbooks))
            else {
                continue;
            };
            plans.extend(rec.plans);
            decisions.extend(rec.decisions.into_iter().map(|e| (site.label(), e)));
        }
    }

    if let Some(path) = &args.out {
        match plans.as_slice() {
            [one] => {
                let text = serde_json::to_vec_pretty(one)?;
                std::fs::write(path, text)
                    .with_context(|| format!("writing {}", path.display()))?;
                ctx.note(&format!(
                    "wrote {} (plan fingerprint {}); review it, then: migdoctor apply {} --db '<URL>'",
                    path.display(),
                    &one.fingerprint[..12],
                    path.display()
                ));
            }
            [] => bail!(
                "no plan was made, so nothing was written to {}",
                path.display()
            ),
            many => bail!(
                "{} plans were made; name one playbook to write it with --out",
                many.len()
            ),
        }
    }

    match ctx.global.format {
        Format::Json => {
            if args.playbook.is_some() {
                json(ctx.out, &plans[0])?;
            } else {
                let d: Vec<serde_json::Value> = decisions
                    .iter()
                    .map(|(site, e)| serde_json::json!({"site": site, "message": e.to_string(), "choices": choices_of(e)}))
                    .collect();
                json(
                    ctx.out,
                    &serde_json::json!({"format_version": 1, "plans": plans, "decisions": d}),
                )?;
            }
        }
        Format::Table => {
            for (i, p) in plans.iter().enumerate() {
                if i > 0 {
                    writeln!(ctx.out, "\n{}\n", "-".repeat(60))?;
                }
                plan_text(ctx.out, p, &ctx.style)?;
            }
            for (site, e) in &decisions {
                writeln!(
                    ctx.out,
                    "\n{} {site}: {e}",
                    ctx.style.strong("Decision needed —")
                )?;
            }
            if plans.is_empty() && decisions.is_empty() {
                writeln!(ctx.out, "nothing to repair: no finding has a playbook")?;
            }
        }
        Format::Markdown => {
            for p in &plans {
                plan_markdown(ctx.out, p)?;
                writeln!(ctx.out)?;
            }
            if !decisions.is_empty() {
                writeln!(ctx.out, "# Decisions needed\n")?;
                for (site, e) in &decisions {
                    writeln!(ctx.out, "## {site}\n\n```\n{e}\n```\n")?;
                }
            }
            if plans.is_empty() && decisions.is_empty() {
                writeln!(ctx.out, "Nothing to repair: no finding has a playbook.")?;
            }
        }
    }
    Ok(if decisions.is_empty() {
        exit::OK
    } else {
        exit::FINDINGS
    })
}

fn choices_of(e: &EngineError) -> serde_json::Value {
    match e {
        EngineError::NeedsInput { choices, param, .. } => {
            serde_json::json!({"param": param, "options": choices})
        }
        _ => serde_json::Value::Null,
    }
}
