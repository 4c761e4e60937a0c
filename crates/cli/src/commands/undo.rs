//! `migdoctor undo`: restore the rows of a backup.

use super::apply::{confirm, options, print_recovery, report};
use crate::context::{connect, load_project, resolve_url, Ctx};
use crate::exit;
use anyhow::bail;
use migdoctor_db::{DbUrl, Mode};
use migdoctor_engine::{read_backup, recover, undo};
use std::path::PathBuf;

/// Arguments of `undo`.
#[derive(clap::Args, Debug)]
pub struct UndoArgs {
    /// Backup id printed by apply (or the path of a backup file).
    pub backup: String,
    /// Project folder whose .migdoctor/ holds the backups and journal.
    #[arg(long, default_value = ".", value_name = "DIR")]
    pub project: PathBuf,
    /// Restore even if the table changed after the apply (its current rows are backed up first).
    #[arg(long)]
    pub force: bool,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub async fn run(ctx: &mut Ctx<'_>, args: UndoArgs) -> anyhow::Result<i32> {
    let mut opts = options(ctx, &args.project);
    opts.force = args.force;
    let explicit = ctx.global.db.as_deref().map(DbUrl::parse).transpose()?;
    let project = load_project(&args.project, &ctx.global, explicit.as_ref())?;
    let Some(url) = resolve_url(ctx, &project.root, &project.sites)? else {
        let hint = read_backup(&opts.backups(), &args.backup)
            .map(|(b, _)| format!(" (the backup was taken on {})", b.target.url))
            .unwrap_or_default();
        bail!("undo needs the database: pass --db URL or set DATABASE_URL{hint}");
    };
    let mut db = connect(&url, Mode::ReadWrite).await?;
    // What killed runs left is settled (and told) first: a pending apply this undo is meant
    // to take back gets its outcome recorded before the undo's own.
    let recovery = recover(Some(&mut db), &opts).await?;
    print_recovery(ctx, &opts, &recovery)?;
    let (backup, path) = read_backup(&opts.backups(), &args.backup)?;
    writeln!(
        ctx.err,
        "backup {} ({}): {} {} — {} row(s) of {} from before `{}`",
        backup.id,
        path.display(),
        backup.target.dialect,
        backup.target.database,
        backup.rows.rows.len(),
        backup.location,
        backup.playbook
    )?;
    if !confirm(
        ctx,
        args.yes,
        &format!("Restore {} on {}?", backup.location, url.redacted()),
    )? {
        writeln!(ctx.err, "nothing written")?;
        db.close().await;
        return Ok(exit::ERROR);
    }
    let r = undo(&mut db, &args.backup, &opts).await?;
    db.close().await;
    report(ctx, &format!("restored backup {}", backup.id), &r)?;
    Ok(exit::OK)
}
