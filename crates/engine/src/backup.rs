//! Backup files and the audit journal.

use crate::EngineError;
use migdoctor_model::{Framework, PlanTarget, Rows, TableShape, TrackingLocation};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Returns nothing; every row a write touched, taken before the write.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Backup {
    /// Contract version.
    pub format_version: u32,
    /// Id used by `undo`.
    pub id: String,
    /// RFC 3339.
    pub created_at: String,
    /// `apply` or `undo`.
    pub operation: String,
    /// Playbook (or `undo <id>`).
    pub playbook: String,
    /// Fingerprint of the plan that was applied.
    pub plan_fingerprint: String,
    /// Framework owning the table.
    pub framework: Framework,
    /// The database (URL redacted).
    pub target: PlanTarget,
    /// The table.
    pub location: TrackingLocation,
    /// Whether the table existed before the write.
    pub table_existed: bool,
    /// Its shape before.
    pub shape: Option<TableShape>,
    /// Every row before.
    pub rows: Rows,
    /// Whether the table exists after the write.
    pub expected_after_present: bool,
    /// The rows expected after the write (undo refuses if the table no longer holds them).
    pub expected_after: Rows,
}

/// Returns the id for a new backup: UTC time plus a short hash, sortable and unique.
pub fn new_backup_id(now: &chrono::DateTime<chrono::Utc>, salt: &str) -> String {
    let hash = migdoctor_model::sha256_hex(
        format!("{salt}{}", now.timestamp_nanos_opt().unwrap_or(0)).as_bytes(),
    );
    format!("{}-{}", now.format("%Y%m%dT%H%M%S%.3fZ"), &hash[..8])
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::Backup {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Returns the path written: the backup as JSON, written to a temporary file, synced, then
/// renamed into place so a crash never leaves half a backup.
pub fn write_backup(dir: &Path, backup: &Backup) -> Result<PathBuf, EngineError> {
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let path = dir.join(format!("{}.json", backup.id));
    let tmp = dir.join(format!(".{}.json.tmp", backup.id));
    let json = serde_json::to_vec_pretty(backup).map_err(|e| io_err(&path, e))?;
    {
        let mut f = std::fs::File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
        f.write_all(&json).map_err(|e| io_err(&tmp, e))?;
        f.sync_all().map_err(|e| io_err(&tmp, e))?;
    }
    std::fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
    // The rename is durable only once the folder itself is synced (a crash right after apply
    // must not lose the backup that undo needs).
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err(dir, e))?;
    Ok(path)
}

/// Returns the backup with `id` from `dir` (a path to a backup file is accepted too).
pub fn read_backup(dir: &Path, id: &str) -> Result<(Backup, PathBuf), EngineError> {
    let direct = Path::new(id);
    let path = if direct.is_file() {
        direct.to_path_buf()
    } else {
        dir.join(format!("{}.json", id.trim_end_matches(".json")))
    };
    let text = std::fs::read(&path).map_err(|e| EngineError::Backup {
        path: path.display().to_string(),
        reason: format!("{e}; `ls {}` lists the backups", dir.display()),
    })?;
    let backup: Backup = serde_json::from_slice(&text)
        .map_err(|e| io_err(&path, format!("not a migdoctor backup: {e}")))?;
    Ok((backup, path))
}

/// Returns nothing; appends one JSON line to the audit journal and syncs it.
pub fn append_journal(path: &Path, record: &serde_json::Value) -> Result<(), EngineError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| io_err(path, e))?;
    let mut line = record.to_string();
    line.push('\n');
    f.write_all(line.as_bytes()).map_err(|e| io_err(path, e))?;
    f.sync_all().map_err(|e| io_err(path, e))
}
