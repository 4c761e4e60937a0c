//! Turning a playbook into a reviewable plan. Never writes.

use crate::playbook::{fill, step_actions, Playbook, Playbooks};
use crate::EngineError;
use migdoctor_model::{
    Action, Adapter, Choice, Confidence, ConnectionFacts, Dialect, EvidenceStatus, Finding,
    History, MigrationId, Plan, PlanStep, PlanTarget, SiteEvidence, TrackingKind, TrackingState,
    PLAN_FORMAT_VERSION,
};
use std::collections::BTreeMap;

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

/// Returns the template variables the state defines: `dirty_version`, `previous_version`,
/// `current_version`, `newest_version`, and from evidence `evidence_version` (what undirty
/// should force) and `apparent_version` (where the schema says the history is).
pub fn state_vars(
    history: &History,
    tracking: &TrackingState,
    evidence: Option<&SiteEvidence>,
) -> BTreeMap<String, String> {
    let mut vars = BTreeMap::new();
    let previous_of = |id: &MigrationId| {
        let pos = history.migrations.iter().position(|m| &m.id == id)?;
        Some(
            pos.checked_sub(1)
                .map(|p| history.migrations[p].id.to_string())
                .unwrap_or_else(|| "-1".into()),
        )
    };
    if let TrackingKind::Version { version, dirty } = &tracking.kind {
        let current = version
            .as_ref()
            .map(|v| v.to_string())
            .unwrap_or_else(|| "-1".into());
        vars.insert("current_version".into(), current.clone());
        if *dirty {
            vars.insert("dirty_version".into(), current);
            if let Some(v) = version {
                if let Some(prev) = previous_of(v) {
                    vars.insert("previous_version".into(), prev.clone());
                    match evidence.and_then(|e| e.get(v)).map(|e| e.status) {
                        Some(EvidenceStatus::Present) => {
                            vars.insert("evidence_version".into(), v.to_string());
                        }
                        Some(EvidenceStatus::Absent) => {
                            vars.insert("evidence_version".into(), prev);
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    if let Some(ev) = evidence {
        if ev.apparent.confidence >= Confidence::Medium {
            let v = ev
                .apparent
                .version
                .as_ref()
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-1".into());
            vars.insert("apparent_version".into(), v);
            let heads: Vec<&str> = ev.apparent.heads.iter().map(MigrationId::as_str).collect();
            let heads = if heads.is_empty() {
                "base".to_string()
            } else {
                heads.join(" ")
            };
            vars.insert("apparent_heads".into(), heads);
        }
    }
    if tracking.kind == TrackingKind::Heads {
        let heads: Vec<&str> = tracking.entries.iter().map(|e| e.id.as_str()).collect();
        let heads = if heads.is_empty() {
            "base".to_string()
        } else {
            heads.join(" ")
        };
        vars.insert("current_heads".into(), heads);
        if let Some(unknown) = tracking
            .entries
            .iter()
            .find(|e| history.get(&e.id).is_none())
        {
            vars.insert("unknown_revision".into(), unknown.id.to_string());
        }
    }
    if let Some(last) = history.migrations.last() {
        vars.insert("newest_version".into(), last.id.to_string());
    }
    if tracking.kind == TrackingKind::Ledger {
        ledger_vars(history, tracking, evidence, &mut vars);
    }
    vars
}

/// Returns nothing; adds the variables of tables with one row per applied migration: what the
/// schema proves applied (in run order), what of it is not recorded, what is recorded without
/// its effects, dependencies missing under recorded migrations, and duplicate rows (JSON row
/// matches, the first row of each migration kept).
fn ledger_vars(
    history: &History,
    tracking: &TrackingState,
    evidence: Option<&SiteEvidence>,
    vars: &mut BTreeMap<String, String>,
) {
    let tracked: std::collections::HashSet<&MigrationId> =
        tracking.entries.iter().map(|e| &e.id).collect();
    let join = |ids: Vec<&MigrationId>| {
        let v: Vec<&str> = ids.iter().map(|m| m.as_str()).collect();
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(" ")
        }
    };
    if let Some(ev) = evidence.filter(|e| e.apparent.confidence >= Confidence::Medium) {
        let mut applied = history.ancestors_inclusive(&ev.apparent.heads);
        // A migration the schema cannot check (it only alters columns, like most of
        // django.contrib.auth's) counts as applied when everything it depends on does: no
        // schema could tell otherwise, and leaving it out would make the framework run it
        // again. Opaque code (RunPython, DO blocks) is never assumed: a human decides.
        for m in &history.migrations {
            if applied.contains(&m.id) {
                continue;
            }
            let uncheckable = ev
                .get(&m.id)
                .is_none_or(|e| e.status == EvidenceStatus::Unknown);
            let opaque = m
                .statements
                .iter()
                .any(|s| s.kind == migdoctor_model::StatementKind::Opaque);
            let ready = m
                .parents
                .iter()
                .chain(&m.depends_on)
                .all(|p| applied.contains(p));
            if uncheckable && !opaque && ready && !m.parents.is_empty() {
                applied.insert(m.id.clone());
            }
        }
        let in_order: Vec<&MigrationId> = history
            .migrations
            .iter()
            .map(|m| &m.id)
            .filter(|id| applied.contains(*id))
            .collect();
        vars.insert("apparent_applied".into(), join(in_order.clone()));
        vars.insert(
            "untracked_applied".into(),
            join(
                in_order
                    .into_iter()
                    .filter(|id| !tracked.contains(id))
                    .collect(),
            ),
        );
        let absent: Vec<&MigrationId> = history
            .migrations
            .iter()
            .rev()
            .map(|m| &m.id)
            .filter(|id| tracked.contains(id))
            .filter(|id| {
                ev.get(id)
                    .is_some_and(|e| e.status == EvidenceStatus::Absent)
            })
            .collect();
        vars.insert("tracked_not_applied".into(), join(absent));
    }
    let mut missing: Vec<&MigrationId> = Vec::new();
    for m in history
        .migrations
        .iter()
        .filter(|m| tracked.contains(&m.id))
    {
        for p in m.parents.iter().chain(&m.depends_on) {
            if history.get(p).is_some() && !tracked.contains(p) && !missing.contains(&p) {
                missing.push(p);
            }
        }
    }
    // Record dependencies in run order, so each lands after its own dependencies.
    let order: Vec<&MigrationId> = history
        .migrations
        .iter()
        .map(|m| &m.id)
        .filter(|id| missing.contains(id))
        .collect();
    vars.insert("missing_dependencies".into(), join(order));
    let mut seen = std::collections::HashSet::new();
    let mut dups: Vec<Vec<(String, migdoctor_model::Value)>> = Vec::new();
    for e in &tracking.entries {
        if !seen.insert(&e.id) {
            if let Some(row) = tracking.raw.rows.get(e.row) {
                dups.push(
                    tracking
                        .raw
                        .columns
                        .iter()
                        .cloned()
                        .zip(row.iter().cloned())
                        .collect(),
                );
            }
        }
    }
    vars.insert(
        "duplicate_rows".into(),
        serde_json::to_string(&dups).unwrap_or_default(),
    );
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

/// Returns the template variables the addressed findings define: `finding_ids` (the
/// migrations they name, in declared order), and of those `finding_ids_present` (the schema
/// proves they ran) and `finding_ids_unproven` (it does not). Each is set only when not empty.
fn finding_vars(
    history: &History,
    addressed: &[Finding],
    evidence: Option<&SiteEvidence>,
) -> BTreeMap<String, String> {
    let named: std::collections::HashSet<&MigrationId> =
        addressed.iter().flat_map(|f| f.migrations.iter()).collect();
    let ids: Vec<&MigrationId> = history
        .migrations
        .iter()
        .map(|m| &m.id)
        .filter(|id| named.contains(id))
        .collect();
    let present = |id: &MigrationId| {
        evidence
            .and_then(|e| e.get(id))
            .is_some_and(|e| e.status == EvidenceStatus::Present)
    };
    let mut out = BTreeMap::new();
    let mut put = |name: &str, list: Vec<&MigrationId>| {
        if !list.is_empty() {
            let list: Vec<&str> = list.iter().map(|id| id.as_str()).collect();
            out.insert(name.to_string(), list.join(" "));
        }
    };
    put("finding_ids", ids.clone());
    put(
        "finding_ids_present",
        ids.iter().copied().filter(|id| present(id)).collect(),
    );
    put(
        "finding_ids_unproven",
        ids.iter().copied().filter(|id| !present(id)).collect(),
    );
    out
}

/// Returns the checksum the files give `id`, for an `update-checksum` step that names none.
fn file_checksum(history: &History, id: &MigrationId) -> Result<String, EngineError> {
    history
        .get(id)
        .and_then(|m| m.checksum.clone())
        .ok_or_else(|| EngineError::InvalidParam {
            param: "entries".into(),
            value: id.to_string(),
            reason: format!(
                "{} has no migration {id} with a checksum",
                history.site.root
            ),
        })
}

/// Returns the text an advice playbook hands a human.
fn advice_text(pb: &Playbook, history: &History, actions: &[Action]) -> Option<String> {
    match pb.advice.as_deref() {
        Some("run-by-hand") => {
            let mut text = String::from("run these statements by hand first (migdoctor never runs application DDL), check they succeeded, then apply this plan to record them:");
            for a in actions {
                let Action::MarkApplied { id } = a else {
                    continue;
                };
                let Some(m) = history.get(id) else { continue };
                text.push_str(&format!("\n-- {id} ({})", m.files.join(", ")));
                for s in &m.statements {
                    text.push_str(&format!("\n{};", s.sql.trim_end().trim_end_matches(';')));
                }
            }
            Some(text)
        }
        #[cfg(feature = "adapter-alembic")]
        Some("alembic-merge") => {
            let heads = history.heads();
            let id = &migdoctor_model::sha256_hex(format!("{heads:?}").as_bytes())[..12];
            let date = chrono::Utc::now()
                .format("%Y-%m-%d %H:%M:%S%.6f")
                .to_string();
            let text = migdoctor_adapter_alembic::merge_revision_text(&heads, id, &date);
            Some(format!(
                "`alembic merge heads -m \"merge heads\"` would write {}/versions/{id}_merge_heads.py (migdoctor never writes migration files):\n{text}",
                history.site.root
            ))
        }
        #[cfg(feature = "adapter-django")]
        Some("django-merge") => {
            let now = chrono::Utc::now().format("%Y-%m-%d %H:%M").to_string();
            let version = history
                .site
                .config
                .get("django_version")
                .cloned()
                .unwrap_or_else(|| "5.2".into());
            let mut by_app: BTreeMap<&str, Vec<&migdoctor_model::Migration>> = BTreeMap::new();
            for m in &history.migrations {
                let app = m.id.as_str().split_once('.').map(|(a, _)| a).unwrap_or("");
                by_app.entry(app).or_default().push(m);
            }
            let mut parts = Vec::new();
            for (app, ms) in by_app {
                let referenced: std::collections::HashSet<&MigrationId> =
                    ms.iter().flat_map(|m| m.parents.iter()).collect();
                let leaves: Vec<&str> = ms
                    .iter()
                    .filter(|m| !referenced.contains(&m.id))
                    .map(|m| m.name.as_str())
                    .collect();
                if leaves.len() < 2 {
                    continue;
                }
                let folder = ms
                    .iter()
                    .find_map(|m| m.files.first())
                    .map(|f| migdoctor_model::parent_dir(f).to_string())
                    .unwrap_or_default();
                let (file, text) =
                    migdoctor_adapter_django::merge_migration(app, &leaves, &version, &now);
                parts.push(format!(
                    "`python manage.py makemigrations --merge {app}` would write {folder}/{file} (migdoctor never writes migration files):\n{text}"
                ));
            }
            (!parts.is_empty()).then(|| parts.join("\n"))
        }
        _ => None,
    }
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
