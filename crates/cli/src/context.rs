//! What every command shares: global options, the project, the database connection.

use crate::render::{Format, Style};
use anyhow::{bail, Context as _, Result};
use clap::Args;
use migdoctor_db::{Db, DbUrl, Mode};
use migdoctor_engine::{
    adapters, add_folders, drift, drift_findings, load_history, read_tracking, read_tree,
    report_history, unknown_ancestry, EngineError, Playbooks, SiteReport, Snapshot, WalkOptions,
    SNAPSHOT_FORMAT_VERSION,
};
use migdoctor_model::{
    Adapter, ConnectionFacts, Finding, FindingCode, History, LiveSchema, SchemaLookup, Severity,
    Site, SourceTree, TrackingState,
};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Options every command takes.
#[derive(Args, Clone, Debug)]
pub struct GlobalArgs {
    /// Database URL: postgres://…, mysql://… (or mariadb://…), sqlite://path.
    /// golang-migrate's x-migrations-table parameter is honoured. Default: $DATABASE_URL, else
    /// the URL the project itself writes down (Makefile, compose file, .env).
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub db: Option<String>,

    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Exit with code 1 when a finding has at least this severity.
    #[arg(long, global = true, value_name = "SEVERITY", default_value = "warning", value_parser = ["info", "warning", "error", "never"])]
    pub fail_on: String,

    /// Tracking table name (overrides the project's and the URL's x-migrations-table).
    #[arg(long, global = true, value_name = "NAME")]
    pub migrations_table: Option<String>,

    /// Only look at sites of this framework (e.g. golang-migrate).
    #[arg(long, global = true, value_name = "FRAMEWORK")]
    pub framework: Option<String>,

    /// Only look at the site whose migrations folder is this path (relative to the project).
    #[arg(long, global = true, value_name = "FOLDER")]
    pub site: Option<String>,

    /// Load playbooks from this folder too (they override built-in ones with the same id).
    #[arg(long, global = true, value_name = "DIR")]
    pub playbooks: Option<PathBuf>,

    /// Where apply/undo keep backups (default: <project>/.migdoctor/backups).
    #[arg(long, global = true, value_name = "DIR")]
    pub backup_dir: Option<PathBuf>,

    /// Seconds to wait for the framework's migration lock.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 15)]
    pub lock_timeout: u64,

    /// Also read folders that .gitignore / .ignore exclude (dependency and hidden folders
    /// stay skipped).
    #[arg(long, global = true)]
    pub no_ignore: bool,

    /// Colour: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, global = true, value_name = "WHEN", default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,
}

impl GlobalArgs {
    /// Returns the severity threshold, `None` for never.
    pub fn fail_on(&self) -> Option<Severity> {
        Severity::parse(&self.fail_on)
    }
}

/// Returns nothing; the per-run context.
pub struct Ctx<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub global: GlobalArgs,
    pub style: Style,
    /// A history-only command (scan, status without --evidence) needs no schema effects, so
    /// adapters may skip reading migration bodies, and the live schema is not read.
    pub history_only: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(global: GlobalArgs, out: &'a mut dyn Write, err: &'a mut dyn Write) -> Ctx<'a> {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match global.color.as_str() {
            "always" => true,
            "never" => false,
            _ => !no_color && std::io::stdout().is_terminal() && global.format == Format::Table,
        };
        Ctx {
            out,
            err,
            global,
            style: Style { color },
            history_only: false,
        }
    }

    pub fn playbooks(&self) -> Result<Playbooks> {
        Ok(match &self.global.playbooks {
            Some(dir) => Playbooks::with_dir(dir)?,
            None => Playbooks::embedded()?,
        })
    }

    /// Writes a note to stderr.
    pub fn note(&mut self, text: &str) {
        let _ = writeln!(self.err, "{}", self.style.hint(text));
    }
}

/// Returns nothing; the project: its tree and the sites found in it.
pub struct Project {
    pub root: PathBuf,
    pub tree: Arc<SourceTree>,
    pub sites: Vec<(&'static dyn Adapter, Site)>,
}

/// Returns the adapters the command looks with (`--framework` narrows them).
fn selected_adapters(global: &GlobalArgs) -> Vec<&'static dyn Adapter> {
    adapters()
        .into_iter()
        .filter(|a| {
            global
                .framework
                .as_deref()
                .is_none_or(|f| a.framework().id() == f)
        })
        .collect()
}

pub fn load_project(path: &Path, global: &GlobalArgs, url: Option<&DbUrl>) -> Result<Project> {
    let chosen = selected_adapters(global);
    let wants = |p: &str| chosen.iter().any(|a| a.wants(p));
    let mut tree = read_tree(
        path,
        &wants,
        WalkOptions {
            no_ignore: global.no_ignore,
        },
    )
    .with_context(|| format!("reading project {}", path.display()))?;
    // Each adapter looks at the tree on a thread of its own.
    let detected: Vec<(&'static dyn Adapter, Vec<Site>)> = std::thread::scope(|s| {
        let handles: Vec<_> = chosen
            .iter()
            .map(|a| {
                let tree = &tree;
                s.spawn(move || (*a, a.detect(tree)))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("detection panicked"))
            .collect()
    });
    let mut sites = Vec::new();
    for (adapter, found) in detected {
        for mut site in found {
            if let Some(only) = &global.site {
                if site.root != only.trim_end_matches('/').trim_start_matches("./") {
                    continue;
                }
            }
            // Framework-neutral keys; each adapter decides what they mean for its table.
            if let Some(url) = url {
                for (k, v) in &url.framework_params {
                    site.config.insert(format!("url:{k}"), v.clone());
                }
            }
            if let Some(t) = &global.migrations_table {
                site.config.insert("table_override".into(), t.clone());
            }
            sites.push((adapter, site));
        }
    }
    if let Some(f) = &global.framework {
        if migdoctor_model::Framework::from_id(f).is_none() {
            let known: Vec<&str> = adapters().iter().map(|a| a.framework().id()).collect();
            bail!("unknown framework {f:?}; known: {}", known.join(", "));
        }
    }
    if sites.is_empty() {
        if let Some(only) = &global.site {
            bail!(
                "no migrations site at {only:?} in {}\nhint: `migdoctor scan {}` lists the sites",
                path.display(),
                path.display()
            );
        }
    }
    // What a site's configuration points at outside the walk's paths.
    let folders: Vec<(String, bool)> = sites.iter().flat_map(|(a, s)| a.folders(s)).collect();
    add_folders(&mut tree, path, &folders);
    Ok(Project {
        root: path.to_path_buf(),
        tree: Arc::new(tree),
        sites,
    })
}

/// Returns the URL to use: --db / DATABASE_URL, else one written in the project (announced on
/// stderr, SQLite paths taken relative to the file that names them).
pub fn resolve_url(
    ctx: &mut Ctx<'_>,
    project_root: &Path,
    sites: &[(&'static dyn Adapter, Site)],
) -> Result<Option<DbUrl>> {
    if let Some(raw) = &ctx.global.db {
        return Ok(Some(DbUrl::parse(raw)?));
    }
    for (_, site) in sites {
        if let Some(raw) = site.config.get("database_url") {
            let file = site
                .config
                .get("database_url_file")
                .cloned()
                .unwrap_or_default();
            let mut raw = raw.clone();
            if let Some(rest) = raw
                .strip_prefix("sqlite://")
                .or_else(|| raw.strip_prefix("sqlite3://"))
            {
                if !rest.starts_with('/') {
                    let base =
                        project_root.join(Path::new(&file).parent().unwrap_or(Path::new("")));
                    raw = format!("sqlite://{}", base.join(rest).display());
                }
            }
            let url = DbUrl::parse(&raw)?;
            ctx.note(&format!(
                "using the database URL written in {file}: {}",
                url.redacted()
            ));
            return Ok(Some(url));
        }
    }
    Ok(None)
}

pub async fn connect(url: &DbUrl, mode: Mode) -> Result<Db> {
    let spinner = crate::render::spinner(&format!("connecting to {}", url.redacted()));
    let db = Db::connect(url, mode).await;
    spinner.finish_and_clear();
    Ok(db?)
}

/// Returns nothing; everything one run learned: the project, where the state came from, and a
/// report per site (in the order of `project.sites`).
pub struct Inspection {
    pub project: Project,
    pub url: Option<DbUrl>,
    pub db: Option<Db>,
    pub facts: Option<ConnectionFacts>,
    pub live: Option<LiveSchema>,
    pub reports: Vec<SiteReport>,
    /// Findings about the whole database (drift), when the live schema was read.
    pub database_findings: Vec<Finding>,
}

impl Inspection {
    /// Returns every finding: each site's, then the database's.
    pub fn all_findings(&self) -> Vec<&Finding> {
        self.reports
            .iter()
            .flat_map(|r| r.findings.iter())
            .chain(self.database_findings.iter())
            .collect()
    }
}

pub fn read_snapshot(path: &Path) -> Result<Snapshot> {
    let bytes =
        std::fs::read(path).with_context(|| format!("reading snapshot {}", path.display()))?;
    let snap: Snapshot = serde_json::from_slice(&bytes)
        .with_context(|| format!("{} is not a migdoctor snapshot", path.display()))?;
    if snap.format_version != SNAPSHOT_FORMAT_VERSION {
        bail!(
            "snapshot {} has format_version {}, this migdoctor reads {SNAPSHOT_FORMAT_VERSION}",
            path.display(),
            snap.format_version
        );
    }
    Ok(snap)
}

type Histories = Vec<std::result::Result<History, EngineError>>;

/// Returns the histories of every site, loaded on a thread of their own so that the caller
/// can read the database meanwhile (parsing thousands of files is CPU work; reading the
/// catalog is waiting).
fn load_histories_in_background(project: &Project) -> std::thread::JoinHandle<Histories> {
    let tree = Arc::clone(&project.tree);
    let sites = project.sites.clone();
    std::thread::spawn(move || {
        sites
            .iter()
            .map(|(a, s)| load_history(*a, &tree, s))
            .collect()
    })
}

/// Returns the reports of every site and the database's findings, from histories, tracking
/// states and the live schema (each optional).
fn build_reports(
    project: &Project,
    histories: Histories,
    tracking: Vec<Option<TrackingState>>,
    live: Option<&LiveSchema>,
    playbooks: &Playbooks,
) -> Result<(Vec<SiteReport>, Vec<Finding>)> {
    let lookup = live.map(SchemaLookup::new);
    let mut reports = Vec::new();
    for (((adapter, site), history), tracking) in project.sites.iter().zip(histories).zip(tracking)
    {
        reports.push(report_history(
            *adapter,
            site,
            history?,
            tracking,
            lookup.as_ref(),
            playbooks,
        ));
    }
    let mut database = match &lookup {
        Some(l) if !reports.is_empty() => drift_findings(&drift(l, &reports)),
        _ => Vec::new(),
    };
    let unknown: Vec<String> = reports
        .iter()
        .flat_map(|r| &r.findings)
        .filter(|f| f.code == FindingCode::UnknownTracked)
        .flat_map(|f| f.migrations.iter().map(|m| m.to_string()))
        .collect();
    if !unknown.is_empty() {
        for f in database
            .iter_mut()
            .filter(|f| f.severity >= Severity::Warning)
        {
            f.evidence.push(format!(
                "some of these may come from {}, which a tracking table names but no file defines",
                unknown.join(", ")
            ));
        }
    }
    // A tracked id no file defines: say from git which known migration the database descends
    // from (one git lookup per such id, for the first few; nothing when the project is not a
    // git checkout). A ledger restored from another project can name thousands.
    const GIT_LOOKUPS: usize = 5;
    for ((adapter, _), report) in project.sites.iter().zip(&mut reports) {
        for f in report
            .findings
            .iter_mut()
            .filter(|f| f.code == FindingCode::UnknownTracked)
        {
            if f.migrations.len() > GIT_LOOKUPS {
                f.evidence.push(format!(
                    "git was asked about the first {GIT_LOOKUPS} of these {} ids",
                    f.migrations.len()
                ));
            }
            for id in f.migrations.clone().into_iter().take(GIT_LOOKUPS) {
                let lines = unknown_ancestry(
                    &project.root,
                    *adapter,
                    &report.site,
                    &report.history,
                    id.as_str(),
                );
                f.evidence.extend(lines);
            }
        }
    }
    Ok((reports, database))
}

/// Returns the inspection of the project at `path`: from a snapshot file, from the database
/// (read-only unless `mode` says otherwise; the live schema is read once, unless the command
/// is history-only), or from the files alone. The session stays open in `db` when `keep_db`.
pub async fn inspect(
    ctx: &mut Ctx<'_>,
    path: &Path,
    mode: Mode,
    snapshot: Option<&Path>,
    keep_db: bool,
) -> Result<Inspection> {
    let explicit = ctx.global.db.as_deref().map(DbUrl::parse).transpose()?;
    let mut project = load_project(path, &ctx.global, explicit.as_ref())?;
    for (dir, reason) in &project.tree.unreadable_dirs {
        ctx.note(&format!("warning: could not read folder {dir}: {reason}"));
    }
    let playbooks = ctx.playbooks()?;
    if let Some(snap_path) = snapshot {
        let snap = read_snapshot(snap_path)?;
        let mut tracking = Vec::new();
        for (adapter, site) in &mut project.sites {
            site.config
                .insert("dialect".into(), snap.facts.dialect.id().into());
            let at = adapter.tracking_location(site, &snap.facts);
            let t = snap
                .tracking
                .iter()
                .find(|t| t.framework == adapter.framework() && t.location == at)
                .cloned()
                .ok_or_else(|| anyhow::anyhow!(
                    "snapshot {} holds no tracking table {at} for {}; it was taken of another project or with other settings",
                    snap_path.display(),
                    site.label()
                ))?;
            tracking.push(Some(t));
        }
        let histories = load_histories_in_background(&project)
            .join()
            .expect("history loading panicked");
        let (reports, database_findings) =
            build_reports(&project, histories, tracking, Some(&snap.live), &playbooks)?;
        return Ok(Inspection {
            project,
            url: None,
            db: None,
            facts: Some(snap.facts),
            live: Some(snap.live),
            reports,
            database_findings,
        });
    }
    let url = resolve_url(ctx, &project.root, &project.sites)?;
    if ctx.history_only {
        for (_, site) in &mut project.sites {
            site.config.insert("effects".into(), "skip".into());
        }
    }
    let Some(url) = url else {
        if !project.sites.is_empty() {
            ctx.note("no database given (--db or DATABASE_URL): looking at the files only");
        }
        let histories = load_histories_in_background(&project)
            .join()
            .expect("history loading panicked");
        let none = vec![None; project.sites.len()];
        let (reports, database_findings) =
            build_reports(&project, histories, none, None, &playbooks)?;
        return Ok(Inspection {
            project,
            url: None,
            db: None,
            facts: None,
            live: None,
            reports,
            database_findings,
        });
    };
    let mut db = connect(&url, mode).await?;
    let facts = db.facts().clone();
    for (_, site) in &mut project.sites {
        site.config
            .insert("dialect".into(), facts.dialect.id().into());
    }
    let histories = load_histories_in_background(&project);
    let mut tracking = Vec::new();
    for (adapter, site) in &project.sites {
        tracking.push(Some(read_tracking(&mut db, *adapter, site).await?));
    }
    let live = if ctx.history_only {
        None
    } else {
        let spinner = crate::render::spinner("reading the live schema");
        let live = db.live_schema().await;
        spinner.finish_and_clear();
        Some(live?)
    };
    let histories = histories.join().expect("history loading panicked");
    let (reports, database_findings) =
        build_reports(&project, histories, tracking, live.as_ref(), &playbooks)?;
    let db = if keep_db {
        Some(db)
    } else {
        db.close().await;
        None
    };
    Ok(Inspection {
        project,
        url: Some(url),
        db,
        facts: Some(facts),
        live,
        reports,
        database_findings,
    })
}
