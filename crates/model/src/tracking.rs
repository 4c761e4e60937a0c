use crate::{sha256_hex, Framework, MigrationId, Rows, TableShape};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Returns nothing; where a tracking table lives.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TrackingLocation {
    /// Schema (PostgreSQL schema, MySQL database); `None` for SQLite's main database.
    pub schema: Option<String>,
    /// Table name.
    pub table: String,
}

impl TrackingLocation {
    /// Returns a location in the connection's default schema.
    pub fn table(table: impl Into<String>) -> TrackingLocation {
        TrackingLocation {
            schema: None,
            table: table.into(),
        }
    }
}

impl fmt::Display for TrackingLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.schema {
            Some(s) => write!(f, "{s}.{}", self.table),
            None => f.write_str(&self.table),
        }
    }
}

/// Returns nothing; whether an existing table has the shape its framework writes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum Recognition {
    /// The shape matches the framework's.
    Recognized,
    /// The table exists with another shape; migdoctor will not write to it.
    Unrecognized {
        /// What differs.
        reason: String,
        /// Which other tool probably owns it, when the shape says so.
        likely_owner: Option<String>,
    },
}

/// Returns nothing; how a framework's table records progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TrackingKind {
    /// A single version row: every migration up to it is applied (golang-migrate).
    Version {
        /// The recorded version (`None` when the table is empty).
        version: Option<MigrationId>,
        /// The dirty flag of the row.
        dirty: bool,
    },
    /// One row per applied migration (Django, Flyway, …).
    Ledger,
    /// One row per current head (Alembic).
    Heads,
}

/// Returns nothing; one tracking row decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedEntry {
    /// The migration the row names.
    pub id: MigrationId,
    /// Whether the row is marked dirty / failed.
    pub dirty: bool,
    /// 0-based index into the raw rows.
    pub row: usize,
}

/// Returns nothing; what one tracking table says, decoded as stored and never repaired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackingState {
    /// Framework that owns the table.
    pub framework: Framework,
    /// Where the table is.
    pub location: TrackingLocation,
    /// Whether the table exists ("no tracking table" is an answer, not an error).
    pub present: bool,
    /// Its shape, when present.
    pub shape: Option<TableShape>,
    /// Whether that shape is the framework's.
    pub recognition: Recognition,
    /// Raw rows as read.
    pub raw: Rows,
    /// How progress is recorded, with the decoded pointer.
    pub kind: TrackingKind,
    /// Decoded rows.
    pub entries: Vec<TrackedEntry>,
}

// Rows hold f64 only for damaged tables; equality on them is still what we want here.
impl Eq for Rows {}

impl TrackingState {
    /// Returns the state of a table that does not exist.
    pub fn absent(framework: Framework, location: TrackingLocation, kind: TrackingKind) -> Self {
        TrackingState {
            framework,
            location,
            present: false,
            shape: None,
            recognition: Recognition::Recognized,
            raw: Rows::default(),
            kind,
            entries: Vec::new(),
        }
    }

    /// Returns the fingerprint of what is stored: location, presence, shape and raw rows. A plan
    /// records it; apply refuses when the table no longer has it.
    pub fn fingerprint(&self) -> String {
        let canonical = serde_json::json!({
            "framework": self.framework,
            "location": self.location,
            "present": self.present,
            "shape": self.shape,
            "raw": self.raw,
        });
        sha256_hex(canonical.to_string().as_bytes())
    }

    /// Returns whether migdoctor may write to this table (it exists with a recognised shape, or
    /// does not exist at all).
    pub fn writable(&self) -> bool {
        !self.present || matches!(self.recognition, Recognition::Recognized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    #[test]
    fn fingerprint_changes_with_rows() {
        let mut s = TrackingState::absent(
            Framework::GolangMigrate,
            TrackingLocation::table("schema_migrations"),
            TrackingKind::Version {
                version: None,
                dirty: false,
            },
        );
        let a = s.fingerprint();
        s.present = true;
        let b = s.fingerprint();
        s.raw.columns = vec!["version".into(), "dirty".into()];
        s.raw.rows.push(vec![Value::Int(3), Value::Bool(true)]);
        let c = s.fingerprint();
        assert!(a != b && b != c);
        assert_eq!(c, s.clone().fingerprint());
    }
}
