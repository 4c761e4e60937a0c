//! Backup files, and the temporary files interrupted backup writes leave.

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

/// Returns nothing; a backup file as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Written {
    /// The file.
    pub path: PathBuf,
    /// sha256 of its bytes (recorded in the journal; `journal --verify` checks it).
    pub sha256: String,
}

/// Returns the temporary name a backup is written under by this process:
/// `.<id>.json.<pid>.tmp` (the pid tells a running writer's file from a killed one's).
fn temp_name(id: &str) -> String {
    format!(".{id}.json.{}.tmp", std::process::id())
}

/// Returns the file written: the backup as JSON, written to a temporary file, synced, then
/// renamed into place (and the folder synced) so a crash never leaves half a backup.
pub fn write_backup(dir: &Path, backup: &Backup) -> Result<Written, EngineError> {
    write_backup_at(dir, backup, &|| Ok(()))
}

/// Returns what [`write_backup`] returns; `after_temp` runs between the synced temporary file
/// and the rename (the protocol's test hook).
pub(crate) fn write_backup_at(
    dir: &Path,
    backup: &Backup,
    after_temp: &dyn Fn() -> Result<(), EngineError>,
) -> Result<Written, EngineError> {
    crate::journal::create_dir_synced(dir).map_err(|e| io_err(dir, e))?;
    let path = dir.join(format!("{}.json", backup.id));
    let tmp = dir.join(temp_name(&backup.id));
    let json = serde_json::to_vec_pretty(backup).map_err(|e| io_err(&path, e))?;
    {
        let mut f = std::fs::File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
        f.write_all(&json).map_err(|e| io_err(&tmp, e))?;
        f.sync_all().map_err(|e| io_err(&tmp, e))?;
    }
    after_temp()?;
    std::fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
    // The rename is durable only once the folder itself is synced (a crash right after apply
    // must not lose the backup that undo needs).
    crate::journal::sync_dir(dir).map_err(|e| io_err(dir, e))?;
    Ok(Written {
        path,
        sha256: migdoctor_model::sha256_hex(&json),
    })
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

/// Returns nothing; what happened to a temporary file an interrupted backup write left.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Leftover {
    /// The file (its name before, for a promoted one).
    pub path: PathBuf,
    /// `removed`, `promoted` (renamed into place: a complete backup a pending journal record
    /// names) or `kept` (its writer still runs).
    pub action: &'static str,
    /// Why.
    pub reason: String,
}

/// Returns (backup id, writer pid) of a temporary backup name, `None` for other names.
/// Older builds wrote `.<id>.json.tmp`, without the pid.
fn parse_temp_name(name: &str) -> Option<(String, Option<u32>)> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    if let Some(id) = rest.strip_suffix(".json") {
        return Some((id.to_string(), None));
    }
    let (stem, pid) = rest.rsplit_once('.')?;
    let id = stem.strip_suffix(".json")?;
    Some((id.to_string(), Some(pid.parse().ok()?)))
}

/// Returns what was done with each temporary file of an interrupted backup write in `dir`:
/// one holding a complete backup that a pending record of `journal` names (with the hash
/// recorded there) is renamed into place; one whose writer still runs is kept; every other is
/// removed. Nothing is kept silently: every file is in the answer.
pub fn sweep_leftovers(
    dir: &Path,
    journal: &crate::journal::Journal,
) -> Result<Vec<Leftover>, EngineError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(dir, e)),
    };
    let pending = journal.pending();
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| io_err(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((id, pid)) = parse_temp_name(&name) else {
            continue;
        };
        let tmp = entry.path();
        if let Some(pid) = pid.filter(|p| crate::journal::pid_running(*p)) {
            out.push(Leftover {
                path: tmp,
                action: "kept",
                reason: format!("process {pid} is writing it now"),
            });
            continue;
        }
        let final_path = dir.join(format!("{id}.json"));
        let bytes = std::fs::read(&tmp).map_err(|e| io_err(&tmp, e))?;
        let complete = serde_json::from_slice::<Backup>(&bytes).is_ok_and(|b| b.id == id);
        let hash = migdoctor_model::sha256_hex(&bytes);
        let named = pending
            .iter()
            .find(|r| r.backup_id.as_deref() == Some(id.as_str()));
        let promote = complete
            && !final_path.exists()
            && named.is_some_and(|r| r.backup_sha256.as_deref().is_none_or(|h| h == hash));
        if promote {
            std::fs::rename(&tmp, &final_path).map_err(|e| io_err(&final_path, e))?;
            crate::journal::sync_dir(dir).map_err(|e| io_err(dir, e))?;
            out.push(Leftover {
                path: tmp,
                action: "promoted",
                reason: format!(
                    "a complete backup that the pending journal record names; now {}",
                    final_path.display()
                ),
            });
            continue;
        }
        std::fs::remove_file(&tmp).map_err(|e| io_err(&tmp, e))?;
        let reason = if final_path.exists() {
            "the backup was renamed into place; this copy was left over".to_string()
        } else if !complete {
            "an incomplete backup (its writer stopped before the rename; nothing was written to the database after it)".to_string()
        } else {
            "a backup no pending journal record names (its writer stopped before recording its intent, so it wrote nothing to the database)".to_string()
        };
        out.push(Leftover {
            path: tmp,
            action: "removed",
            reason,
        });
    }
    if out.iter().any(|l| l.action == "removed") {
        crate::journal::sync_dir(dir).map_err(|e| io_err(dir, e))?;
    }
    Ok(out)
}
