//! `migdoctor journal`: the audit trail of a project's applies and undos, settled and checked.

use super::apply::{options, print_recovery};
use crate::context::{connect, load_project, resolve_url, Ctx};
use crate::exit;
use crate::render::{json, md_cell, md_table, table, Format};
use migdoctor_db::{Db, DbUrl, Mode};
use migdoctor_engine::{
    read_journal, recover, verify, ApplyOptions, Entry, Recovery, Verification,
};
use migdoctor_model::Dialect;
use serde::Serialize;
use std::path::PathBuf;

/// Arguments of `journal`.
#[derive(clap::Args, Debug)]
pub struct JournalArgs {
    /// Project folder whose .migdoctor/ holds the journal and the backups.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Check that every backup the journal names exists and still has the sha256 recorded
    /// when it was written, and report every gap (exit 1 when there is one).
    #[arg(long)]
    pub verify: bool,
}

#[derive(Serialize)]
struct JournalReport<'a> {
    format_version: u32,
    journal: String,
    entries: &'a [Entry],
    recovery: &'a Recovery,
    verify: Option<&'a Verification>,
}

/// Returns a session for reading tracking tables: read-only, except on a SQLite file that
/// holds a rollback journal (a writer was killed mid-transaction): only a writable open lets
/// SQLite roll it back before reading; migdoctor itself writes nothing.
async fn reading_session(ctx: &mut Ctx<'_>, url: &DbUrl) -> anyhow::Result<Db> {
    if url.dialect() == Dialect::Sqlite {
        let hot = url
            .sqlite_path()
            .map(|p| format!("{p}-journal"))
            .and_then(|j| std::fs::metadata(j).ok())
            .is_some_and(|m| m.len() > 0);
        if hot {
            ctx.note(&format!(
                "{} has a rollback journal left by an interrupted writer: opening it writable so SQLite can roll it back (migdoctor writes nothing)",
                url.redacted()
            ));
            return connect(url, Mode::ReadWrite).await;
        }
    }
    connect(url, Mode::ReadOnly).await
}

/// Returns the database to settle pending records on: --db / DATABASE_URL, else (only when
/// there is something pending) the URL the project itself writes down.
fn database(
    ctx: &mut Ctx<'_>,
    args: &JournalArgs,
    opts: &ApplyOptions,
) -> anyhow::Result<Option<DbUrl>> {
    if let Some(raw) = &ctx.global.db {
        return Ok(Some(DbUrl::parse(raw)?));
    }
    if read_journal(&opts.journal())?.pending().is_empty() {
        return Ok(None);
    }
    let project = load_project(&args.path, &ctx.global, None)?;
    resolve_url(ctx, &project.root, &project.sites)
}

pub async fn run(ctx: &mut Ctx<'_>, args: JournalArgs) -> anyhow::Result<i32> {
    let opts = options(ctx, &args.path);
    let recovery = match database(ctx, &args, &opts)? {
        Some(url) => {
            let mut db = reading_session(ctx, &url).await?;
            let r = recover(Some(&mut db), &opts).await;
            db.close().await;
            r?
        }
        None => recover(None, &opts).await?,
    };
    // Unreconciled records are part of the report itself.
    let told = Recovery {
        unreconciled: Vec::new(),
        ..recovery.clone()
    };
    print_recovery(ctx, &opts, &told)?;
    let journal = read_journal(&opts.journal())?;
    if journal.lines.is_empty() && journal.problems.is_empty() {
        ctx.note(&format!(
            "no journal at {}: nothing was applied or undone from this folder",
            opts.journal().display()
        ));
    }
    let entries = journal.entries();
    let verification = args.verify.then(|| verify(&journal, &opts.backups()));
    match ctx.global.format {
        Format::Json => json(
            ctx.out,
            &JournalReport {
                format_version: 1,
                journal: opts.journal().display().to_string(),
                entries: &entries,
                recovery: &recovery,
                verify: verification.as_ref(),
            },
        )?,
        Format::Table => text(ctx, &opts, &entries, &recovery, verification.as_ref())?,
        Format::Markdown => markdown(ctx, &opts, &entries, &recovery, verification.as_ref())?,
    }
    Ok(match &verification {
        Some(v) if !v.gaps.is_empty() => exit::FINDINGS,
        _ => exit::OK,
    })
}

fn when(time: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(time)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%SZ")
                .to_string()
        })
        .unwrap_or_else(|_| time.to_string())
}

fn who(e: &Entry) -> String {
    match (&e.user, &e.host) {
        (Some(u), Some(h)) => format!("{u}@{h}"),
        (Some(u), None) => u.clone(),
        (None, Some(h)) => format!("?@{h}"),
        (None, None) => "?".into(),
    }
}

fn outcome(e: &Entry) -> String {
    let mut s = e.status.to_string();
    if e.reconciled {
        s.push_str(" (reconciled)");
    }
    s
}

fn short(fp: &Option<String>) -> String {
    fp.as_deref()
        .map(|f| f.chars().take(12).collect())
        .unwrap_or_default()
}

fn cells(e: &Entry) -> Vec<String> {
    vec![
        when(&e.time),
        who(e),
        e.target.clone().unwrap_or_default(),
        e.table.clone().unwrap_or_default(),
        e.playbook.clone().unwrap_or_default(),
        short(&e.plan_fingerprint),
        outcome(e),
        e.backup_id.clone().unwrap_or_default(),
    ]
}

const HEADERS: [&str; 8] = [
    "when", "who", "database", "table", "playbook", "plan", "outcome", "backup",
];

/// Returns the lines explaining failures and reconciliations.
fn details(entries: &[Entry]) -> Vec<String> {
    let mut out = Vec::new();
    for e in entries {
        let at = e
            .backup_id
            .clone()
            .unwrap_or_else(|| format!("line {}", e.lines[0]));
        if let Some(found) = &e.found {
            out.push(format!("{at}: {} — {found}", e.status));
        }
        if let Some(err) = &e.error {
            out.push(format!("{at}: {} — {err}", e.status));
        }
    }
    out
}

fn unreconciled_lines(recovery: &Recovery) -> Vec<String> {
    recovery
        .unreconciled
        .iter()
        .map(|u| format!("{}: {}", u.backup_id, u.reason))
        .collect()
}

fn verify_summary(v: &Verification) -> String {
    if v.gaps.is_empty() {
        format!(
            "verified: no gaps; {} backup hash(es) checked and matching",
            v.hashes_checked
        )
    } else {
        format!(
            "{} gap(s) in the audit trail ({} backup hash(es) checked)",
            v.gaps.len(),
            v.hashes_checked
        )
    }
}

fn text(
    ctx: &mut Ctx<'_>,
    opts: &ApplyOptions,
    entries: &[Entry],
    recovery: &Recovery,
    v: Option<&Verification>,
) -> anyhow::Result<()> {
    writeln!(ctx.out, "journal {}", opts.journal().display())?;
    let rows: Vec<Vec<String>> = entries.iter().map(cells).collect();
    table(ctx.out, &HEADERS, &rows)?;
    let undo: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.undo_command.is_some())
        .collect();
    if !undo.is_empty() {
        writeln!(ctx.out, "\nundo:")?;
        for e in undo {
            writeln!(
                ctx.out,
                "  {}",
                ctx.style.sql(e.undo_command.as_deref().unwrap_or_default())
            )?;
        }
    }
    let d = details(entries);
    if !d.is_empty() {
        writeln!(ctx.out, "\ndetails:")?;
        for line in d {
            writeln!(ctx.out, "  {line}")?;
        }
    }
    let u = unreconciled_lines(recovery);
    if !u.is_empty() {
        writeln!(ctx.out, "\nunreconciled (pending, no outcome yet):")?;
        for line in u {
            writeln!(ctx.out, "  {line}")?;
        }
    }
    if let Some(v) = v {
        writeln!(ctx.out, "\n{}", ctx.style.strong(&verify_summary(v)))?;
        for g in &v.gaps {
            writeln!(ctx.out, "  {}: {}", g.kind, g.detail)?;
        }
        for n in &v.notes {
            writeln!(ctx.out, "  {}", ctx.style.dim(&format!("note: {n}")))?;
        }
    }
    Ok(())
}

fn markdown(
    ctx: &mut Ctx<'_>,
    opts: &ApplyOptions,
    entries: &[Entry],
    recovery: &Recovery,
    v: Option<&Verification>,
) -> anyhow::Result<()> {
    writeln!(ctx.out, "# migdoctor journal\n")?;
    writeln!(ctx.out, "Journal: `{}`\n", opts.journal().display())?;
    let mut headers = HEADERS.to_vec();
    headers.push("undo");
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            let mut c = cells(e);
            c.push(
                e.undo_command
                    .as_deref()
                    .map(|u| format!("`{u}`"))
                    .unwrap_or_default(),
            );
            c
        })
        .collect();
    md_table(ctx.out, &headers, &rows)?;
    let d = details(entries);
    if !d.is_empty() {
        writeln!(ctx.out, "\n## Details\n")?;
        for line in d {
            writeln!(ctx.out, "- {}", md_cell(&line))?;
        }
    }
    let u = unreconciled_lines(recovery);
    if !u.is_empty() {
        writeln!(ctx.out, "\n## Unreconciled\n")?;
        for line in u {
            writeln!(ctx.out, "- {}", md_cell(&line))?;
        }
    }
    if let Some(v) = v {
        writeln!(ctx.out, "\n## Verification\n")?;
        writeln!(ctx.out, "{}\n", verify_summary(v))?;
        for g in &v.gaps {
            writeln!(ctx.out, "- **{}**: {}", g.kind, md_cell(&g.detail))?;
        }
        for n in &v.notes {
            writeln!(ctx.out, "- note: {}", md_cell(n))?;
        }
    }
    Ok(())
}
