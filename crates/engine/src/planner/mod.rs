//! Turning a playbook into a reviewable plan. Never writes.

use crate::playbook::{fill, step_actions, Playbook, Playbooks};
use crate::EngineError;
use migdoctor_model::{
    Action, Adapter, Choice, Confidence, ConnectionFacts, Dialect, EvidenceStatus, Finding,
    History, MigrationId, Plan, PlanStep, PlanTarget, SiteEvidence, TrackingKind, TrackingState,
    PLAN_FORMAT_VERSION,
};
use std::collections::BTreeMap;

mod advice;
mod vars;

use advice::advice_text;
pub use vars::state_vars;
use vars::{file_checksum, finding_vars};

/// Returns nothing; everything a plan is made from.
pub struct PlanInput<'a> {
    /// The playbook.
    pub playbook: &'a Playbook,
    /// `--param` values.
    pub params: &'a BTreeMap<String, String>,
    /// The adapter of the site's framework.
    pub adapter: &'a dyn Adapter,
    /// The site's history.
    pub history: &'a History,
    /// Its tracking state, read just now.
    pub tracking: &'a TrackingState,
    /// Its findings.
    pub findings: &'a [Finding],
    /// What the live schema proves, when it was read.
    pub evidence: Option<&'a SiteEvidence>,
    /// More evidence found outside the database (e.g. where git has a missing revision).
    pub extra_evidence: &'a [String],
    /// The connection.
    pub facts: &'a ConnectionFacts,
    /// The URL, redacted.
    pub url: &'a str,
    /// When (RFC 3339); passed in so plans are reproducible in tests.
    pub now: &'a str,
}

/// Returns the evidence lines a plan shows, and, for a migration that ran part-way, the
/// statements that took effect, those that did not, and the remaining SQL for a human.
fn evidence_lines(
    tracking: &TrackingState,
    evidence: Option<&SiteEvidence>,
) -> (Vec<String>, Vec<String>) {
    let Some(ev) = evidence else {
        return (
            vec!["no live schema was read: the plan cannot say what really ran".into()],
            Vec::new(),
        );
    };
    let mut lines = Vec::new();
    let mut partial = Vec::new();
    if let TrackingKind::Version {
        version: Some(v),
        dirty: true,
    } = &tracking.kind
    {
        if let Some(e) = ev.get(v) {
            lines.push(e.summary());
            if e.status == EvidenceStatus::Partial {
                let mut remaining = Vec::new();
                for s in &e.statements {
                    let first = s.sql.lines().next().unwrap_or("").trim();
                    match s.status {
                        EvidenceStatus::Present => {
                            partial.push(format!("took effect ({}:{}): {first}", s.file, s.line))
                        }
                        EvidenceStatus::Unknown => {
                            partial.push(format!("cannot tell ({}:{}): {first}", s.file, s.line));
                            remaining.push(s.sql.clone());
                        }
                        _ => {
                            partial.push(format!(
                                "did NOT take effect ({}:{}): {first}",
                                s.file, s.line
                            ));
                            remaining.push(s.sql.clone());
                        }
                    }
                }
                partial.push(format!(
                    "review, finish by hand (migdoctor never runs application DDL), then force {v}:\n{}",
                    remaining.join("\n")
                ));
            }
        }
    }
    lines.push(format!(
        "apparent version from the schema: {} (confidence {}{})",
        ev.apparent
            .version
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "none".into()),
        ev.apparent.confidence,
        if ev.apparent.reasons.is_empty() {
            String::new()
        } else {
            format!(": {}", ev.apparent.reasons.join("; "))
        }
    ));
    (lines, partial)
}

/// Returns the plan for one playbook on one site, or why it cannot be made.
pub fn plan(input: &PlanInput<'_>) -> Result<Plan, EngineError> {
    let pb = input.playbook;
    let site = input.history.site.label();
    let fw = input.adapter.framework();
    let not_applicable = |reason: String| EngineError::NotApplicable {
        playbook: pb.id.clone(),
        site: site.clone(),
        reason,
    };
    if !pb.frameworks.iter().any(|f| f == fw.id()) {
        return Err(not_applicable(format!(
            "it supports {}, not {fw}",
            pb.frameworks.join(", ")
        )));
    }
    let t = input.tracking;
    if !t.writable() {
        return Err(not_applicable(format!(
            "table {} is not a {fw} tracking table; migdoctor does not write to tables it does not recognise",
            t.location
        )));
    }
    match pb.requires_tracking.as_str() {
        "present" if !t.present => {
            return Err(not_applicable(format!(
                "tracking table {} does not exist",
                t.location
            )))
        }
        "absent" if t.present => {
            return Err(not_applicable(format!(
                "tracking table {} already exists",
                t.location
            )))
        }
        _ => {}
    }
    let addressed: Vec<Finding> = input
        .findings
        .iter()
        .filter(|f| pb.addresses.iter().any(|c| c == f.code.as_str()))
        .cloned()
        .collect();
    if addressed.is_empty() {
        return Err(not_applicable(format!(
            "there is no {} finding to fix",
            pb.addresses.join(" / ")
        )));
    }

    let mut vars = state_vars(input.history, t, input.evidence);
    vars.extend(finding_vars(input.history, &addressed, input.evidence));
    let (evidence, partial) = evidence_lines(t, input.evidence);
    let choices: Vec<Choice> = pb
        .choices
        .iter()
        .map(|c| Choice {
            value: fill(&c.value, &vars),
            when: fill(&c.when, &vars),
        })
        .filter(|c| !c.value.contains('{'))
        .collect();
    for k in input.params.keys() {
        if !pb.params.iter().any(|p| &p.name == k) {
            return Err(EngineError::InvalidParam {
                param: k.clone(),
                value: input.params[k].clone(),
                reason: format!(
                    "{} has no such parameter; it takes: {}",
                    pb.id,
                    pb.params
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            });
        }
    }
    let mut params = BTreeMap::new();
    for p in &pb.params {
        let value = input.params.get(&p.name).cloned().or_else(|| {
            p.default
                .as_ref()
                .map(|d| fill(d, &vars))
                .filter(|d| !d.contains('{'))
        });
        match value {
            Some(v) => {
                params.insert(p.name.clone(), v);
            }
            None if p.required => {
                let mut description = fill(&p.description, &vars);
                for line in evidence.iter().chain(partial.iter()) {
                    description.push_str(&format!("\n  evidence: {line}"));
                }
                return Err(EngineError::NeedsInput {
                    playbook: pb.id.clone(),
                    param: p.name.clone(),
                    description,
                    choices,
                });
            }
            None => {}
        }
    }
    vars.extend(params.clone());

    let mut actions = Vec::new();
    for step in &pb.steps {
        let expanded = step_actions(step, &vars).map_err(|reason| EngineError::Playbook {
            file: pb.source.clone(),
            reason,
        })?;
        for mut action in expanded {
            check_action(&action, input.history, &choices, &vars)?;
            if let Action::UpdateChecksum { id, checksum } = &mut action {
                if checksum.is_empty() {
                    *checksum = file_checksum(input.history, id)?;
                }
            }
            actions.push(action);
        }
    }
    let dialect = input.facts.dialect;
    let at = &t.location;
    let mut steps = Vec::new();
    for action in &actions {
        let sql = input
            .adapter
            .render_in(dialect, t, input.history, action)
            .map_err(|source| EngineError::Adapter {
                site: site.clone(),
                source,
            })?;
        steps.push(PlanStep {
            description: action.describe(),
            action: action.clone(),
            sql,
        });
    }
    let expected = input
        .adapter
        .expected_after_in(dialect, t, input.history, &actions)
        .map_err(|source| EngineError::Adapter {
            site: site.clone(),
            source,
        })?;
    let has_ddl = actions
        .iter()
        .any(|a| matches!(a, Action::CreateTrackingTable));
    let transactional = dialect.transactional_ddl() || !has_ddl;
    let transaction_note = if steps.is_empty() {
        "This plan is advice: it writes nothing.".to_string()
    } else {
        match (dialect, has_ddl) {
        (Dialect::Mysql, true) => "MySQL/MariaDB commit DDL implicitly: CREATE TABLE runs first, outside the transaction; if a later step fails, migdoctor drops the table it created, so nothing is left behind.".to_string(),
        (Dialect::Sqlite, _) => "All steps run in one BEGIN IMMEDIATE transaction, which is also the write lock.".to_string(),
        _ => "All steps run in one transaction and are verified before COMMIT.".to_string(),
    }
    };
    let mut risks: Vec<String> = pb.risks.iter().map(|r| fill(r, &vars)).collect();
    risks.push(format!(
        "Only the tracking table {} is written; application tables are never touched.",
        at
    ));
    let lock = input.adapter.lock_key(input.facts, at);
    let undo = "apply writes a backup of every row it touches and prints its id; `migdoctor undo BACKUP_ID --db URL` restores those rows exactly (it refuses if the table changed since, unless --force).".to_string();
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        playbook: pb.id.clone(),
        title: pb.title.clone(),
        summary: pb.summary.split_whitespace().collect::<Vec<_>>().join(" "),
        framework: fw,
        site: input.history.site.clone(),
        target: PlanTarget {
            dialect,
            url: input.url.to_string(),
            database: input.facts.database.clone(),
        },
        location: at.clone(),
        params,
        findings: addressed,
        choices,
        evidence: evidence
            .into_iter()
            .chain(partial)
            .chain(input.extra_evidence.iter().cloned())
            .chain(advice_text(pb, input.history, &actions))
            .collect(),
        state_fingerprint: t.fingerprint(),
        before: t.clone(),
        steps,
        transactional,
        transaction_note,
        expected,
        resolves: pb.resolves.clone(),
        lock,
        risks,
        undo,
        created_at: input.now.to_string(),
        fingerprint: String::new(),
    };
    Ok(plan.sealed())
}

/// Refuses versions and heads the files do not have: the framework would fail on them
/// ("no migration found for version", "Can't locate revision").
fn check_action(
    action: &Action,
    history: &History,
    choices: &[Choice],
    vars: &BTreeMap<String, String>,
) -> Result<(), EngineError> {
    let choice_hint = || {
        if choices.is_empty() {
            String::new()
        } else {
            let vals: Vec<&str> = choices.iter().map(|c| c.value.as_str()).collect();
            format!("; the choices here are {}", vals.join(" or "))
        }
    };
    match action {
        Action::SetVersion {
            version: Some(v), ..
        } if v.as_str().parse::<i64>().is_err() || history.get(v).is_none() => {
            return Err(EngineError::InvalidParam {
                param: "version".into(),
                value: v.to_string(),
                reason: format!(
                    "{} has no migration {v}; golang-migrate would fail with \"no migration found for version {v}\"{}",
                    history.site.root,
                    choice_hint()
                ),
            });
        }
        Action::SetHeads { heads } => {
            for h in heads {
                if history.get(h).is_none() {
                    let apparent = vars
                        .get("apparent_heads")
                        .map(|a| format!("; the schema points at {a}"))
                        .unwrap_or_default();
                    return Err(EngineError::InvalidParam {
                        param: "revision".into(),
                        value: h.to_string(),
                        reason: format!("no revision file defines {h}; `alembic stamp` would fail with \"Can't locate revision identified by '{h}'\"{apparent}"),
                    });
                }
            }
            for a in heads {
                for b in heads {
                    if a != b
                        && history
                            .ancestors_inclusive(std::slice::from_ref(b))
                            .contains(a)
                    {
                        return Err(EngineError::InvalidParam {
                            param: "revision".into(),
                            value: a.to_string(),
                            reason: format!("{a} is an ancestor of {b}: a stamp names heads only"),
                        });
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// Returns nothing; the result of planning every fixable finding.
#[derive(Debug, Default)]
pub struct Recommended {
    /// Plans that could be made with defaults.
    pub plans: Vec<Plan>,
    /// Playbooks that need a human decision, with the reason.
    pub decisions: Vec<EngineError>,
}

/// Returns the recommended plans for every finding that has a playbook.
pub fn recommend(base: &PlanInput<'_>, playbooks: &Playbooks) -> Recommended {
    let mut ids: Vec<String> = Vec::new();
    for f in base.findings {
        for p in &f.playbooks {
            if !ids.contains(p) {
                ids.push(p.clone());
            }
        }
    }
    let mut out = Recommended::default();
    for id in ids {
        let Some(pb) = playbooks.get(&id) else {
            continue;
        };
        let input = PlanInput {
            playbook: pb,
            ..*base
        };
        match plan(&input) {
            Ok(p) => out.plans.push(p),
            Err(e) => out.decisions.push(e),
        }
    }
    out
}
