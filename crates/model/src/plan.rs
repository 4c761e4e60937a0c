use crate::{
    sha256_hex, Action, Dialect, Finding, Framework, LockKey, Rows, Site, Sql, TrackingLocation,
    TrackingState,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Returns nothing; the version of the plan JSON contract.
pub const PLAN_FORMAT_VERSION: u32 = 1;

/// Returns nothing; which database a plan was made for (URL redacted).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanTarget {
    /// Dialect.
    pub dialect: Dialect,
    /// The URL with its password replaced by `***`.
    pub url: String,
    /// Database name.
    pub database: String,
}

/// Returns nothing; one ordered step of a plan: the action and the exact SQL it renders to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    /// The action.
    pub action: Action,
    /// Human description.
    pub description: String,
    /// Exactly what apply runs.
    pub sql: Vec<Sql>,
}

/// Returns nothing; one option a human must choose between, with when it is right.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    /// The parameter value to pass.
    pub value: String,
    /// When this is the right choice.
    pub when: String,
}

/// Returns nothing; a reviewable, fingerprinted recovery for one database. `plan` makes it
/// without writing; `apply` runs it only if the tracking state still has `state_fingerprint`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Contract version.
    pub format_version: u32,
    /// Playbook id.
    pub playbook: String,
    /// Playbook title.
    pub title: String,
    /// What the playbook does and why.
    pub summary: String,
    /// Framework.
    pub framework: Framework,
    /// Site the plan is for.
    pub site: Site,
    /// Database.
    pub target: PlanTarget,
    /// Tracking table.
    pub location: TrackingLocation,
    /// Parameters as given or defaulted.
    pub params: BTreeMap<String, String>,
    /// Why this plan: the findings it addresses.
    pub findings: Vec<Finding>,
    /// The choices the playbook explains.
    #[serde(default)]
    pub choices: Vec<Choice>,
    /// What the live schema proves, one line per relevant migration.
    #[serde(default)]
    pub evidence: Vec<String>,
    /// Tracking state the plan was made from.
    pub before: TrackingState,
    /// Fingerprint of `before`.
    pub state_fingerprint: String,
    /// Ordered steps.
    pub steps: Vec<PlanStep>,
    /// Whether the steps run in one transaction; when not, why.
    pub transactional: bool,
    /// Notes on transactionality for this database.
    #[serde(default)]
    pub transaction_note: String,
    /// Rows expected afterwards.
    pub expected: Rows,
    /// Findings that must be gone afterwards.
    pub resolves: Vec<String>,
    /// The framework's lock apply takes.
    pub lock: Option<LockKey>,
    /// Risks.
    pub risks: Vec<String>,
    /// How to undo.
    pub undo: String,
    /// When the plan was made (RFC 3339).
    pub created_at: String,
    /// SHA-256 of the plan's canonical JSON with this field empty.
    pub fingerprint: String,
}

impl Plan {
    /// Returns the fingerprint of the plan's content (everything but `fingerprint`).
    pub fn compute_fingerprint(&self) -> String {
        let mut copy = self.clone();
        copy.fingerprint = String::new();
        let json = serde_json::to_string(&copy).unwrap_or_default();
        sha256_hex(json.as_bytes())
    }

    /// Returns the plan with its fingerprint set.
    pub fn sealed(mut self) -> Plan {
        self.fingerprint = self.compute_fingerprint();
        self
    }

    /// Returns whether the stored fingerprint matches the content (the file was not edited).
    pub fn is_intact(&self) -> bool {
        self.fingerprint == self.compute_fingerprint()
    }

    /// Returns the tracking state the plan expects before applying.
    pub fn before(&self) -> &TrackingState {
        &self.before
    }
}
