use crate::{MigrationId, Value};
use serde::{Deserialize, Serialize};

/// Returns nothing; one framework-neutral edit of tracking state. Adapters render each to SQL
/// for their own table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Action {
    /// Record a migration as applied without running it.
    MarkApplied {
        /// The migration.
        id: MigrationId,
    },
    /// Remove a migration's applied record.
    MarkUnapplied {
        /// The migration.
        id: MigrationId,
    },
    /// Replace the current heads (Alembic `stamp`).
    SetHeads {
        /// The new heads.
        heads: Vec<MigrationId>,
    },
    /// Replace the single version row (golang-migrate `force`). `None` empties the table.
    SetVersion {
        /// The version, or `None` for "no version".
        version: Option<MigrationId>,
        /// The dirty flag to write.
        dirty: bool,
    },
    /// Delete rows matching the given column values (NULL matches NULL).
    DeleteRows {
        /// One match per row to delete: (column, value) pairs.
        rows: Vec<Vec<(String, Value)>>,
    },
    /// Create the tracking table exactly as the framework would.
    CreateTrackingTable,
    /// Rewrite a stored checksum.
    UpdateChecksum {
        /// The migration.
        id: MigrationId,
        /// The new checksum.
        checksum: String,
    },
    /// Release a framework lock held by nobody alive.
    ReleaseLock,
}

impl Action {
    /// Returns a short human description.
    pub fn describe(&self) -> String {
        match self {
            Action::MarkApplied { id } => format!("mark {id} applied"),
            Action::MarkUnapplied { id } => format!("mark {id} unapplied"),
            Action::SetHeads { heads } => {
                let h: Vec<&str> = heads.iter().map(MigrationId::as_str).collect();
                format!("set heads to {}", h.join(", "))
            }
            Action::SetVersion {
                version: Some(v),
                dirty,
            } => {
                format!("set version {v} (dirty = {dirty})")
            }
            Action::SetVersion {
                version: None,
                dirty,
            } => {
                format!("set no version (dirty = {dirty})")
            }
            Action::DeleteRows { rows } => format!("delete {} row(s)", rows.len()),
            Action::CreateTrackingTable => "create the tracking table".into(),
            Action::UpdateChecksum { id, .. } => format!("update the checksum of {id}"),
            Action::ReleaseLock => "release the migration lock".into(),
        }
    }
}
