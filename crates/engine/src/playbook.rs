//! Playbooks: recoveries as data (TOML), embedded in the binary and overridable from a folder.

use crate::EngineError;
use migdoctor_model::{Action, FindingCode, Framework, MigrationId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Returns nothing; the playbooks built into the binary, as (path, text).
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "django/merge.toml",
        include_str!("../../../playbooks/django/merge.toml"),
    ),
    (
        "django/fake.toml",
        include_str!("../../../playbooks/django/fake.toml"),
    ),
    (
        "django/unfake.toml",
        include_str!("../../../playbooks/django/unfake.toml"),
    ),
    (
        "django/dedupe.toml",
        include_str!("../../../playbooks/django/dedupe.toml"),
    ),
    (
        "django/rebuild-tracking.toml",
        include_str!("../../../playbooks/django/rebuild-tracking.toml"),
    ),
    (
        "django/fix-inconsistent.toml",
        include_str!("../../../playbooks/django/fix-inconsistent.toml"),
    ),
    (
        "alembic/stamp.toml",
        include_str!("../../../playbooks/alembic/stamp.toml"),
    ),
    (
        "alembic/rebuild-tracking.toml",
        include_str!("../../../playbooks/alembic/rebuild-tracking.toml"),
    ),
    (
        "alembic/unknown-revision.toml",
        include_str!("../../../playbooks/alembic/unknown-revision.toml"),
    ),
    (
        "alembic/merge-heads.toml",
        include_str!("../../../playbooks/alembic/merge-heads.toml"),
    ),
    (
        "drizzle/sync-journal.toml",
        include_str!("../../../playbooks/drizzle/sync-journal.toml"),
    ),
    (
        "drizzle/rebuild-tracking.toml",
        include_str!("../../../playbooks/drizzle/rebuild-tracking.toml"),
    ),
    (
        "drizzle/repair-hash.toml",
        include_str!("../../../playbooks/drizzle/repair-hash.toml"),
    ),
    (
        "drizzle/dedupe.toml",
        include_str!("../../../playbooks/drizzle/dedupe.toml"),
    ),
    (
        "drizzle/record-skipped.toml",
        include_str!("../../../playbooks/drizzle/record-skipped.toml"),
    ),
    (
        "drizzle/run-skipped.toml",
        include_str!("../../../playbooks/drizzle/run-skipped.toml"),
    ),
    (
        "golang-migrate/undirty.toml",
        include_str!("../../../playbooks/golang-migrate/undirty.toml"),
    ),
    (
        "golang-migrate/force.toml",
        include_str!("../../../playbooks/golang-migrate/force.toml"),
    ),
    (
        "golang-migrate/rebuild-tracking.toml",
        include_str!("../../../playbooks/golang-migrate/rebuild-tracking.toml"),
    ),
];

/// Returns nothing; one parameter of a playbook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// Name used as `{name}` in steps and as `--param name=value`.
    pub name: String,
    /// What it means (may use template variables).
    pub description: String,
    /// Whether the user must give it.
    #[serde(default)]
    pub required: bool,
    /// A default (may use template variables).
    #[serde(default)]
    pub default: Option<String>,
}

/// Returns nothing; one explained option for a parameter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceTemplate {
    /// Value (template).
    pub value: String,
    /// When it is right (template).
    pub when: String,
}

/// Returns nothing; one step as written in a playbook, before templating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepTemplate {
    /// Action name: `set-version`, `create-tracking-table`, `delete-rows`, `mark-applied`, …
    pub action: String,
    /// For set-version / mark-applied: the version or id (template).
    #[serde(default)]
    pub version: Option<String>,
    /// For set-version: the dirty flag.
    #[serde(default)]
    pub dirty: Option<bool>,
    /// For set-heads: the heads, separated by spaces or commas (`base` for none).
    #[serde(default)]
    pub heads: Option<String>,
}

/// Returns nothing; a recovery playbook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// `framework/name`.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Frameworks it supports (stable ids).
    pub frameworks: Vec<String>,
    /// Finding codes it addresses.
    pub addresses: Vec<String>,
    /// Finding codes that must be gone afterwards.
    #[serde(default)]
    pub resolves: Vec<String>,
    /// `present`, `absent` or `any`: the tracking table it needs.
    #[serde(default = "any")]
    pub requires_tracking: String,
    /// `low`, `medium` or `high`.
    pub risk: String,
    /// What it does and why.
    pub summary: String,
    /// Risks (templates).
    #[serde(default)]
    pub risks: Vec<String>,
    /// Parameters.
    #[serde(default)]
    pub params: Vec<Param>,
    /// Explained choices for the main parameter.
    #[serde(default)]
    pub choices: Vec<ChoiceTemplate>,
    /// Steps (none for an advice playbook).
    #[serde(default)]
    pub steps: Vec<StepTemplate>,
    /// An advice playbook writes nothing: the plan carries text for a human
    /// (`alembic-merge`: the merge revision `alembic merge heads` would write).
    #[serde(default)]
    pub advice: Option<String>,
    /// Where it was loaded from.
    #[serde(skip)]
    pub source: String,
}

fn any() -> String {
    "any".into()
}

/// Returns `text` with every `{name}` replaced from `vars`; unknown names are left as written.
pub fn fill(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = text.to_string();
    for (k, v) in vars {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

impl Playbook {
    /// Returns the playbook parsed from TOML text, validated; `source` names the file in errors.
    pub fn parse(text: &str, source: &str) -> Result<Playbook, EngineError> {
        let mut pb: Playbook = toml::from_str(text).map_err(|e| EngineError::Playbook {
            file: source.to_string(),
            reason: e.to_string(),
        })?;
        pb.source = source.to_string();
        pb.validate()?;
        Ok(pb)
    }

    fn validate(&self) -> Result<(), EngineError> {
        let bad = |reason: String| EngineError::Playbook {
            file: self.source.clone(),
            reason,
        };
        if !self.id.contains('/') {
            return Err(bad(format!("id {:?} must be framework/name", self.id)));
        }
        for f in &self.frameworks {
            if Framework::from_id(f).is_none() {
                return Err(bad(format!("unknown framework {f:?}")));
            }
        }
        for code in self.addresses.iter().chain(&self.resolves) {
            if FindingCode::parse(code).is_none() {
                return Err(bad(format!("unknown finding code {code:?}")));
            }
        }
        if !matches!(
            self.requires_tracking.as_str(),
            "present" | "absent" | "any"
        ) {
            return Err(bad(
                "requires_tracking must be present, absent or any".into()
            ));
        }
        if !matches!(self.risk.as_str(), "low" | "medium" | "high") {
            return Err(bad("risk must be low, medium or high".into()));
        }
        if self.steps.is_empty() && self.advice.is_none() {
            return Err(bad("a playbook needs at least one step (or advice)".into()));
        }
        if let Some(a) = &self.advice {
            if !["alembic-merge", "django-merge", "run-by-hand"].contains(&a.as_str()) {
                return Err(bad(format!("unknown advice {a:?}")));
            }
        }
        let mut vars: BTreeMap<String, String> = self
            .params
            .iter()
            .map(|p| (p.name.clone(), "0".to_string()))
            .collect();
        for v in TEMPLATE_VARS {
            vars.insert((*v).to_string(), "0".into());
        }
        for step in &self.steps {
            step_actions(step, &vars).map_err(&bad)?;
            for v in step.version.iter().chain(step.heads.iter()) {
                let filled = fill(v, &vars);
                if filled.contains('{') {
                    return Err(bad(format!("step uses an unknown variable in {v:?}")));
                }
            }
        }
        Ok(())
    }
}

/// Returns nothing; variables the engine fills from the inspected state.
pub const TEMPLATE_VARS: &[&str] = &[
    "dirty_version",
    "previous_version",
    "current_version",
    "newest_version",
    "evidence_version",
    "apparent_version",
    "apparent_heads",
    "current_heads",
    "unknown_revision",
    "apparent_applied",
    "untracked_applied",
    "tracked_not_applied",
    "missing_dependencies",
    "duplicate_rows",
    "finding_ids",
    "finding_ids_present",
    "finding_ids_unproven",
];

/// Returns the ids a step names: one per line when the value has several lines (the
/// `finding_ids` variables), else separated by spaces or commas.
pub fn split_ids(value: &str) -> Vec<MigrationId> {
    let parts: Vec<&str> = if value.contains('\n') {
        value.lines().collect()
    } else {
        value
            .split(|c: char| c == ',' || c.is_whitespace())
            .collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "none")
        .map(|p| MigrationId(p.to_string()))
        .collect()
}

/// Returns the actions for one templated step: `mark-applied`, `mark-unapplied` and
/// `update-checksum` give one action per id their `version` names (an `update-checksum`
/// checksum is left empty: the planner fills in the file's checksum); other steps one action.
pub fn step_actions(
    step: &StepTemplate,
    vars: &BTreeMap<String, String>,
) -> Result<Vec<Action>, String> {
    let each = |make: fn(MigrationId) -> Action| {
        let v = step
            .version
            .as_ref()
            .map(|v| fill(v, vars))
            .ok_or_else(|| format!("{} needs version", step.action))?;
        let ids = split_ids(&v);
        if ids.is_empty() {
            return Err(format!("{} names no migration", step.action));
        }
        Ok(ids.into_iter().map(make).collect())
    };
    match step.action.as_str() {
        "delete-duplicates" => Ok(vec![Action::DeleteRows {
            rows: vars
                .get("duplicate_rows")
                .map(|j| serde_json::from_str(j).unwrap_or_default())
                .unwrap_or_default(),
        }]),
        "mark-applied" => each(|id| Action::MarkApplied { id }),
        "mark-unapplied" => each(|id| Action::MarkUnapplied { id }),
        "update-checksum" => each(|id| Action::UpdateChecksum {
            id,
            checksum: String::new(),
        }),
        _ => step_action(step, vars).map(|a| vec![a]),
    }
}

/// Returns the action for one templated step, or why it is invalid.
pub fn step_action(step: &StepTemplate, vars: &BTreeMap<String, String>) -> Result<Action, String> {
    let version = step.version.as_ref().map(|v| fill(v, vars));
    match step.action.as_str() {
        "set-version" => {
            let v = version.ok_or("set-version needs version")?;
            let id = match v.trim() {
                "-1" | "none" | "" => None,
                other => Some(MigrationId(other.to_string())),
            };
            Ok(Action::SetVersion {
                version: id,
                dirty: step.dirty.unwrap_or(false),
            })
        }
        "create-tracking-table" => Ok(Action::CreateTrackingTable),
        "set-heads" => {
            let raw = step
                .heads
                .as_ref()
                .map(|h| fill(h, vars))
                .ok_or("set-heads needs heads")?;
            let heads = raw
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|h| !h.is_empty() && *h != "base")
                .map(|h| MigrationId(h.to_string()))
                .collect();
            Ok(Action::SetHeads { heads })
        }
        "mark-applied" => Ok(Action::MarkApplied {
            id: MigrationId(version.ok_or("mark-applied needs version")?),
        }),
        "mark-unapplied" => Ok(Action::MarkUnapplied {
            id: MigrationId(version.ok_or("mark-unapplied needs version")?),
        }),
        "release-lock" => Ok(Action::ReleaseLock),
        other => Err(format!("unknown action {other:?}")),
    }
}

/// Returns nothing; the set of playbooks available to a run.
#[derive(Clone, Debug, Default)]
pub struct Playbooks {
    list: Vec<Playbook>,
}

impl Playbooks {
    /// Returns the embedded playbooks.
    pub fn embedded() -> Result<Playbooks, EngineError> {
        let list = EMBEDDED
            .iter()
            .map(|(path, text)| Playbook::parse(text, &format!("(built in) playbooks/{path}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Playbooks { list })
    }

    /// Returns the embedded playbooks overridden / extended by every `*.toml` under `dir`.
    pub fn with_dir(dir: &Path) -> Result<Playbooks, EngineError> {
        let mut pbs = Playbooks::embedded()?;
        let mut files = Vec::new();
        collect_toml(dir, &mut files).map_err(|e| EngineError::Playbook {
            file: dir.display().to_string(),
            reason: e.to_string(),
        })?;
        files.sort();
        for f in files {
            let text = std::fs::read_to_string(&f).map_err(|e| EngineError::Playbook {
                file: f.display().to_string(),
                reason: e.to_string(),
            })?;
            let pb = Playbook::parse(&text, &f.display().to_string())?;
            pbs.list.retain(|p| p.id != pb.id);
            pbs.list.push(pb);
        }
        pbs.list.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(pbs)
    }

    /// Returns every playbook, sorted by id.
    pub fn all(&self) -> &[Playbook] {
        &self.list
    }

    /// Returns the playbook with `id`.
    pub fn get(&self, id: &str) -> Option<&Playbook> {
        self.list.iter().find(|p| p.id == id)
    }

    /// Returns the ids of playbooks that address `code` on `framework`.
    pub fn for_finding(&self, code: FindingCode, framework: Framework) -> Vec<String> {
        self.list
            .iter()
            .filter(|p| p.addresses.iter().any(|c| c == code.as_str()))
            .filter(|p| p.frameworks.iter().any(|f| f == framework.id()))
            .map(|p| p.id.clone())
            .collect()
    }
}

fn collect_toml(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_toml(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml") {
            out.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_playbook_loads_and_validates() {
        let pbs = Playbooks::embedded().unwrap();
        assert_eq!(pbs.all().len(), EMBEDDED.len());
        assert!(pbs.get("golang-migrate/undirty").is_some());
        assert_eq!(
            pbs.for_finding(FindingCode::Dirty, Framework::GolangMigrate),
            vec!["golang-migrate/undirty".to_string()]
        );
    }

    #[test]
    fn every_file_under_playbooks_is_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../playbooks");
        let mut files = Vec::new();
        collect_toml(&root, &mut files).unwrap();
        for f in files {
            let rel = f
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            assert!(
                EMBEDDED.iter().any(|(p, _)| *p == rel),
                "{rel} is not listed in EMBEDDED"
            );
        }
    }

    fn undirty_text() -> &'static str {
        EMBEDDED
            .iter()
            .find(|(p, _)| *p == "golang-migrate/undirty.toml")
            .unwrap()
            .1
    }

    #[test]
    fn bad_playbooks_are_rejected_with_the_file_name() {
        let err = Playbook::parse("id = 'x'", "bad.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("bad.toml"));
        let text = undirty_text().replace("set-version", "launch-rockets");
        let err = Playbook::parse(&text, "rockets.toml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("launch-rockets"), "{err}");
        let text = undirty_text().replace("addresses = [\"dirty\"]", "addresses = [\"dirtyy\"]");
        assert!(Playbook::parse(&text, "x.toml")
            .unwrap_err()
            .to_string()
            .contains("dirtyy"));
    }

    #[test]
    fn folder_overrides_embedded() {
        let dir = tempfile::tempdir().unwrap();
        let text = undirty_text().replace("Clear the dirty flag", "Custom title");
        std::fs::write(dir.path().join("mine.toml"), text).unwrap();
        let pbs = Playbooks::with_dir(dir.path()).unwrap();
        assert_eq!(
            pbs.get("golang-migrate/undirty").unwrap().title,
            "Custom title (force a version)"
        );
    }
}
