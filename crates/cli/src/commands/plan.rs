//! `migdoctor plan`: a reviewable recovery plan. Never writes to the database.

use crate::context::{connect, load_project, resolve_url, select_site, Ctx};
use crate::exit;
use crate::render::{json, plan_markdown, plan_text, Format};
use anyhow::{bail, Context as _};
use migdoctor_db::{Db, DbUrl, Mode};
use migdoctor_engine::{
    findings, load_history, plan, read_tracking, recommend, EngineError, PlanInput, Playbooks,
};
use migdoctor_model::{Adapter, Plan, Site, SourceTree};
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
    /// Playbook parameter, e.g. --param version=6 (repeatable).
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

/// Returns a plan for a named playbook on the one matching site, read through `db`.
pub(crate) async fn plan_named(
    db: &mut Db,
    adapter: &dyn Adapter,
    tree: &SourceTree,
    site: &Site,
    playbooks: &Playbooks,
    id: &str,
    params: &BTreeMap<String, String>,
) -> anyhow::Result<Plan> {
    let pb = playbooks
        .get(id)
        .ok_or_else(|| EngineError::UnknownPlaybook(id.to_string()))?;
    let history = load_history(adapter, tree, site)?;
    let tracking = read_tracking(db, adapter, site).await?;
    let found = findings(&history, Some(&tracking), playbooks);
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let url = db.url().redacted().to_string();
    let input = PlanInput {
        playbook: pb,
        params,
        adapter,
        history: &history,
        tracking: &tracking,
        findings: &found,
        facts: db.facts(),
        url: &url,
        now: &now,
    };
    Ok(plan(&input)?)
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
    let explicit = ctx.global.db.as_deref().map(DbUrl::parse).transpose()?;
    let mut project = load_project(&args.path, &ctx.global, explicit.as_ref())?;
    let Some(url) = resolve_url(ctx, &project.root, &project.sites)? else {
        bail!("plan needs the database whose tracking table it repairs\nhint: pass --db URL or set DATABASE_URL");
    };
    let mut db = connect(ctx, &url, Mode::ReadOnly).await?;

    let mut plans = Vec::new();
    let mut decisions = Vec::new();
    if let Some(id) = &args.playbook {
        let pb = playbooks
            .get(id)
            .ok_or_else(|| EngineError::UnknownPlaybook(id.clone()))?;
        project
            .sites
            .retain(|(a, _)| pb.frameworks.iter().any(|f| f == a.framework().id()));
        let (adapter, site) = select_site(&project)?;
        plans.push(
            plan_named(
                &mut db,
                adapter,
                &project.tree,
                &site,
                &playbooks,
                id,
                &params,
            )
            .await?,
        );
    } else {
        if !params.is_empty() {
            bail!("--param needs a playbook; name one, e.g. `migdoctor plan . golang-migrate/undirty --param version=6`");
        }
        for (adapter, site) in &project.sites {
            let history = load_history(*adapter, &project.tree, site)?;
            let tracking = read_tracking(&mut db, *adapter, site).await?;
            let found = findings(&history, Some(&tracking), &playbooks);
            let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let url_s = url.redacted().to_string();
            let empty = BTreeMap::new();
            let first = playbooks.all().first().context("no playbooks loaded")?;
            let base = PlanInput {
                playbook: first,
                params: &empty,
                adapter: *adapter,
                history: &history,
                tracking: &tracking,
                findings: &found,
                facts: db.facts(),
                url: &url_s,
                now: &now,
            };
            let rec = recommend(&base, &playbooks);
            plans.extend(rec.plans);
            decisions.extend(rec.decisions.into_iter().map(|e| (site.label(), e)));
        }
    }
    db.close().await;

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
