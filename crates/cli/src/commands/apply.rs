//! `migdoctor apply`: run a plan under the apply protocol.

use super::plan::{parse_params, plan_named};
use crate::context::{connect, inspect, load_project, resolve_url, Ctx};
use crate::exit;
use crate::render::{json, plan_text, Format};
use anyhow::{bail, Context as _};
use migdoctor_db::{DbUrl, Mode};
use migdoctor_engine::{
    adapter_for, apply, recover, ApplyOptions, ApplyReport, EngineError, Recovery,
};
use migdoctor_model::{Plan, PLAN_FORMAT_VERSION};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Arguments of `apply`.
#[derive(clap::Args, Debug)]
pub struct ApplyArgs {
    /// Plan file written by `migdoctor plan --out`.
    pub plan: Option<PathBuf>,
    /// Plan and apply this playbook in one go instead of a plan file (needs --yes).
    #[arg(long, value_name = "ID", conflicts_with = "plan")]
    pub playbook: Option<String>,
    /// Playbook parameter with --playbook, e.g. --param version=6.
    #[arg(long = "param", value_name = "NAME=VALUE", requires = "playbook")]
    pub params: Vec<String>,
    /// Project folder: migrations are read here and .migdoctor/ (journal, backups) is kept here.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub project: PathBuf,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// Returns true when the user confirmed on a terminal, or --yes was given.
pub(crate) fn confirm(ctx: &mut Ctx<'_>, yes: bool, question: &str) -> anyhow::Result<bool> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to write without confirmation\nhint: review the plan, then re-run with --yes"
        );
    }
    write!(ctx.err, "{question} [y/N] ")?;
    ctx.err.flush()?;
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(matches!(line.trim(), "y" | "Y" | "yes"))
}

pub(crate) fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    let bytes = std::fs::read(path).with_context(|| format!("reading plan {}", path.display()))?;
    let plan: Plan = serde_json::from_slice(&bytes).map_err(|e| EngineError::BadPlan {
        path: path.display().to_string(),
        reason: format!("not a migdoctor plan: {e}"),
    })?;
    if plan.format_version != PLAN_FORMAT_VERSION {
        return Err(EngineError::BadPlan {
            path: path.display().to_string(),
            reason: format!(
                "format_version {} is not {PLAN_FORMAT_VERSION}",
                plan.format_version
            ),
        }
        .into());
    }
    if !plan.is_intact() {
        return Err(EngineError::BadPlan {
            path: path.display().to_string(),
            reason: "its fingerprint does not match its content: it was edited after `migdoctor plan` wrote it".into(),
        }
        .into());
    }
    Ok(plan)
}

pub(crate) fn options(ctx: &Ctx<'_>, project: &Path) -> ApplyOptions {
    let mut opts = ApplyOptions::new(project.join(".migdoctor"));
    opts.backup_dir.clone_from(&ctx.global.backup_dir);
    opts.lock_timeout = Duration::from_secs(ctx.global.lock_timeout);
    opts
}

/// Writes what settling the journal and the backups folder did, on stderr.
pub(crate) fn print_recovery(
    ctx: &mut Ctx<'_>,
    opts: &ApplyOptions,
    recovery: &Recovery,
) -> anyhow::Result<()> {
    for line in recovery.notes(&opts.journal()) {
        writeln!(ctx.err, "{line}")?;
    }
    Ok(())
}

pub(crate) fn report(ctx: &mut Ctx<'_>, what: &str, r: &ApplyReport) -> anyhow::Result<()> {
    match ctx.global.format {
        Format::Json => json(ctx.out, r)?,
        _ => {
            writeln!(
                ctx.out,
                "{what}: {} statement(s) committed and verified",
                r.statements
            )?;
            writeln!(
                ctx.out,
                "backup:  {} ({})",
                r.backup_id,
                r.backup_path.display()
            )?;
            writeln!(ctx.out, "undo:    {}", r.undo_command)?;
        }
    }
    Ok(())
}

pub async fn run(ctx: &mut Ctx<'_>, args: ApplyArgs) -> anyhow::Result<i32> {
    let (plan, mut db, url) = match (&args.plan, &args.playbook) {
        (Some(path), _) => {
            let plan = read_plan(path)?;
            let explicit = ctx.global.db.as_deref().map(DbUrl::parse).transpose()?;
            let project = load_project(&args.project, &ctx.global, explicit.as_ref())?;
            let Some(url) = resolve_url(ctx, &project.root, &project.sites)? else {
                bail!("apply needs the database: pass --db URL or set DATABASE_URL (the plan was made for {})", plan.target.url);
            };
            let db = connect(&url, Mode::ReadWrite).await?;
            (plan, db, url)
        }
        (None, Some(id)) => {
            if !args.yes {
                bail!("--playbook applies without a saved plan; review `migdoctor plan` first and pass --yes");
            }
            let params = parse_params(&args.params)?;
            let mut ins = inspect(ctx, &args.project, Mode::ReadWrite, None, true).await?;
            let plan = plan_named(&ins, &ctx.playbooks()?, id, &params)?;
            let (Some(db), Some(url)) = (ins.db.take(), ins.url.take()) else {
                bail!("apply needs the database: pass --db URL or set DATABASE_URL");
            };
            (plan, db, url)
        }
        (None, None) => {
            bail!("name a plan file (from `migdoctor plan --out FILE`) or --playbook ID")
        }
    };
    let adapter = adapter_for(plan.framework)
        .ok_or_else(|| anyhow::anyhow!("this build has no {} adapter", plan.framework))?;
    if !args.yes && !std::io::stdin().is_terminal() {
        bail!("refusing to write without confirmation\nhint: review the plan (`migdoctor plan … --format markdown`), then re-run with --yes");
    }
    if !args.yes {
        let mut shown = Vec::new();
        plan_text(&mut shown, &plan, &ctx.style)?;
        ctx.err.write_all(&shown)?;
    }
    let n: usize = plan.steps.iter().map(|s| s.sql.len()).sum();
    if !confirm(
        ctx,
        args.yes,
        &format!("Run {n} statement(s) on {}?", url.redacted()),
    )? {
        writeln!(ctx.err, "nothing written")?;
        return Ok(exit::ERROR);
    }
    let opts = options(ctx, &args.project);
    // What killed runs left is settled (and told) before this run adds to it.
    let recovery = recover(Some(&mut db), &opts).await?;
    print_recovery(ctx, &opts, &recovery)?;
    let r = apply(&mut db, adapter, &plan, &opts).await?;
    db.close().await;
    report(ctx, &format!("applied {}", plan.playbook), &r)?;
    Ok(exit::OK)
}
