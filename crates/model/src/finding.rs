use crate::{Framework, MigrationId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Returns nothing; how serious a finding is. Ordered: info < warning < error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; nothing is wrong (pending migrations, no down files).
    Info,
    /// Likely to hurt the next deploy.
    Warning,
    /// The framework refuses to run, or its state is wrong.
    Error,
}

impl Severity {
    /// Returns the lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Returns the severity named `s`.
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! finding_codes {
    ($($variant:ident => $id:literal : $doc:literal,)*) => {
        /// Returns nothing; the stable vocabulary of findings used in JSON, exit codes,
        /// playbooks and documentation.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        pub enum FindingCode {
            $(#[doc = $doc] #[serde(rename = $id)] $variant,)*
        }

        impl FindingCode {
            /// Returns every code in documentation order.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant,)*];

            /// Returns the stable kebab-case id.
            pub fn as_str(self) -> &'static str {
                match self { $(FindingCode::$variant => $id,)* }
            }

            /// Returns a one-line description of the code.
            pub fn describe(self) -> &'static str {
                match self { $(FindingCode::$variant => $doc,)* }
            }

            /// Returns the code whose id is `s`.
            pub fn parse(s: &str) -> Option<FindingCode> {
                match s { $($id => Some(FindingCode::$variant),)* _ => None }
            }
        }
    };
}

finding_codes! {
    Dirty => "dirty": "The tracking table marks a migration as started but not finished.",
    UntrackedApplied => "untracked-applied": "A migration's effects exist in the schema but tracking does not list it.",
    TrackedNotApplied => "tracked-not-applied": "Tracking lists a migration whose effects are missing from the schema.",
    Partial => "partial": "Some of a migration's effects exist and some do not.",
    MultipleHeads => "multiple-heads": "The migration graph has more than one head.",
    UnknownTracked => "unknown-tracked": "Tracking names a migration missing from the files (database ahead of code).",
    MissingTrackingTable => "missing-tracking-table": "Migrations exist but the tracking table does not.",
    DuplicateRows => "duplicate-rows": "The tracking table holds more rows than the framework allows.",
    ChecksumMismatch => "checksum-mismatch": "A stored checksum differs from the file's.",
    InconsistentHistory => "inconsistent-history": "A migration is applied before its dependency.",
    OutOfOrder => "out-of-order": "A hole in a linear history.",
    StaleLock => "stale-lock": "A migration lock is held by nobody alive.",
    SchemaDrift => "schema-drift": "Objects no migration explains, or expected objects missing.",
    Pending => "pending": "Migrations in the files that have not run yet.",
    DanglingDependency => "dangling-dependency": "A migration depends on one that has no file.",
    Cycle => "cycle": "The migration graph has a cycle.",
    VersionCollision => "version-collision": "Two files claim the same migration version.",
    MissingDown => "missing-down": "Migrations without a down / rollback file.",
    UnrecognizedTrackingTable => "unrecognized-tracking-table": "A table with the tracking table's name has another shape (another framework's?).",
    InvalidMigrationFile => "invalid-migration-file": "A file looks like a migration but its name does not parse; the framework ignores it.",
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returns nothing; one discrepancy between files, tracking table and schema. A finding is a
/// value, not an error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable code.
    pub code: FindingCode,
    /// Severity.
    pub severity: Severity,
    /// Framework (`None` for a finding about the whole database, such as drift).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<Framework>,
    /// Site label (`framework:folder`), or `database` for a finding about the whole database.
    pub site: String,
    /// Migrations involved.
    #[serde(default)]
    pub migrations: Vec<MigrationId>,
    /// One-line message.
    pub message: String,
    /// The facts that prove it (rows, files, objects).
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Ids of playbooks that can fix it.
    #[serde(default)]
    pub playbooks: Vec<String>,
}

impl Finding {
    /// Returns a finding with no migrations, evidence or playbooks yet.
    pub fn new(
        code: FindingCode,
        severity: Severity,
        framework: Framework,
        site: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            code,
            severity,
            framework: Some(framework),
            site: site.into(),
            migrations: Vec::new(),
            message: message.into(),
            evidence: Vec::new(),
            playbooks: Vec::new(),
        }
    }

    /// Returns a finding about the whole database (every site sharing it), not one site.
    pub fn database(code: FindingCode, severity: Severity, message: impl Into<String>) -> Finding {
        Finding {
            code,
            severity,
            framework: None,
            site: "database".into(),
            migrations: Vec::new(),
            message: message.into(),
            evidence: Vec::new(),
            playbooks: Vec::new(),
        }
    }

    /// Returns the finding with `migrations` attached.
    pub fn migrations(mut self, ids: impl IntoIterator<Item = MigrationId>) -> Finding {
        self.migrations.extend(ids);
        self
    }

    /// Returns the finding with one more line of evidence.
    pub fn evidence(mut self, line: impl Into<String>) -> Finding {
        self.evidence.push(line.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_kebab_case() {
        for code in FindingCode::ALL {
            assert_eq!(FindingCode::parse(code.as_str()), Some(*code));
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(code
                .as_str()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'));
        }
    }

    #[test]
    fn severity_orders() {
        assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
    }
}
