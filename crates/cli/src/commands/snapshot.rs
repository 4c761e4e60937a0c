//! `migdoctor snapshot`: export tracking tables and live schema as JSON for offline analysis.

use crate::context::{inspect, Ctx};
use crate::exit;
use anyhow::{bail, Context as _};
use migdoctor_db::Mode;
use migdoctor_engine::{Snapshot, SNAPSHOT_FORMAT_VERSION};
use std::path::PathBuf;

/// Arguments of `snapshot`.
#[derive(clap::Args, Debug)]
pub struct SnapshotArgs {
    /// Project folder (its sites decide which tracking tables are exported).
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Write the snapshot here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn run(ctx: &mut Ctx<'_>, args: SnapshotArgs) -> anyhow::Result<i32> {
    let ins = inspect(ctx, &args.path, Mode::ReadOnly, None, false).await?;
    let (Some(facts), Some(live), Some(url)) = (ins.facts, ins.live, ins.url) else {
        bail!("snapshot needs a database\\nhint: pass --db URL or set DATABASE_URL");
    };
    let snap = Snapshot {
        format_version: SNAPSHOT_FORMAT_VERSION,
        created_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        target: url.redacted().to_string(),
        facts,
        tracking: ins.reports.into_iter().filter_map(|r| r.tracking).collect(),
        live,
    };
    match &args.out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("creating {}", path.display()))?;
            let mut w = std::io::BufWriter::new(file);
            serde_json::to_writer(&mut w, &snap)?;
            std::io::Write::flush(&mut w)?;
            ctx.note(&format!(
                "wrote {}: {} table(s), {} tracking table(s); analyse with `migdoctor diagnose PROJECT --from-snapshot {}`",
                path.display(),
                snap.live.tables.len(),
                snap.tracking.len(),
                path.display()
            ));
        }
        None => {
            serde_json::to_writer(&mut *ctx.out, &snap)?;
            writeln!(ctx.out)?;
        }
    }
    Ok(exit::OK)
}
