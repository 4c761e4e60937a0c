//! The commands: one file each, one `match` here.

mod apply;
mod diagnose;
mod history;
mod journal;
mod plan;
mod playbooks;
mod scan;
mod snapshot;
mod status;
mod undo;

use crate::context::{Ctx, GlobalArgs};
use clap::{Parser, Subcommand};
use std::io::Write;

const AFTER_HELP: &str = "\
Examples:
  migdoctor scan .                                   find migration folders (no database)
  migdoctor diagnose . --db postgres://app@db/prod   explain every disagreement
  migdoctor plan . golang-migrate/undirty --param version=6 --format markdown > ticket.md
  migdoctor plan . golang-migrate/undirty --param version=6 --out plan.json
  migdoctor apply plan.json --db postgres://app@db/prod
  migdoctor undo 20261122T101500.123Z-1a2b3c4d --db postgres://app@db/prod
  migdoctor journal . --db postgres://app@db/prod --verify --format markdown >> ticket.md
  migdoctor snapshot . --db postgres://app@db/prod --out state.json
  migdoctor diagnose . --from-snapshot state.json     analyse an export offline

Exit codes: 0 healthy or done, 1 findings at or above --fail-on (journal --verify: a gap in
the audit trail), 2 usage or connection error.
Passwords in URLs are shown as ***. NO_COLOR disables colour.";

/// migdoctor — migration-state forensics and recovery.
///
/// Reads the migration files, the framework's tracking table and the live schema, explains
/// every disagreement, and repairs tracking state with reviewable, reversible plans. Read-only
/// unless you run `apply` or `undo`.
#[derive(Parser, Debug)]
#[command(name = "migdoctor", version, after_help = AFTER_HELP, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Find migration frameworks and folders in a project (no database needed).
    Scan(scan::ScanArgs),
    /// One line per site: declared, applied, dirty, pending.
    Status(status::StatusArgs),
    /// Explain every disagreement between files and tracking table, with evidence.
    Diagnose(diagnose::DiagnoseArgs),
    /// The migration graph in run order, with what tracking and the schema say of each.
    History(history::HistoryArgs),
    /// Make a recovery plan (never writes): SQL, state before and after, risks, undo.
    Plan(plan::PlanArgs),
    /// Apply a saved plan (or a playbook with --yes) under the framework's lock.
    Apply(apply::ApplyArgs),
    /// Export tracking tables and the live schema as JSON, for `diagnose --from-snapshot`.
    Snapshot(snapshot::SnapshotArgs),
    /// Restore the tracking rows a backup holds.
    Undo(undo::UndoArgs),
    /// The audit trail of applies and undos: who, when, which database, outcome, undo.
    ///
    /// Settles what killed runs left first: leftover backup temp files are removed (or
    /// promoted), and, with --db, every pending record made on that database gets its outcome
    /// from the tracking table (read only). --verify checks every backup's presence and sha256
    /// and reports gaps with exit code 1.
    ///
    /// Example: migdoctor journal . --db "$URL" --verify --format markdown >> ticket.md
    Journal(journal::JournalArgs),
    /// List or show the recovery playbooks.
    #[command(subcommand)]
    Playbooks(playbooks::PlaybooksCmd),
}

pub async fn dispatch(cli: Cli, out: &mut dyn Write, err: &mut dyn Write) -> anyhow::Result<i32> {
    let mut ctx = Ctx::new(cli.global, out, err);
    match cli.command {
        Command::Scan(a) => scan::run(&mut ctx, a).await,
        Command::Status(a) => status::run(&mut ctx, a).await,
        Command::Diagnose(a) => diagnose::run(&mut ctx, a).await,
        Command::History(a) => history::run(&mut ctx, a).await,
        Command::Plan(a) => plan::run(&mut ctx, a).await,
        Command::Apply(a) => apply::run(&mut ctx, a).await,
        Command::Snapshot(a) => snapshot::run(&mut ctx, a).await,
        Command::Undo(a) => undo::run(&mut ctx, a).await,
        Command::Journal(a) => journal::run(&mut ctx, a).await,
        Command::Playbooks(a) => playbooks::run(&mut ctx, a).await,
    }
}
