//! Plans as text and as an incident-ticket Markdown document.

use super::{md_table, row_cells, Style};
use migdoctor_model::{Plan, Rows};
use std::io::Write;

fn rows_or_none(rows: &Rows, present: bool) -> Option<(Vec<&str>, Vec<Vec<String>>)> {
    if !present {
        return None;
    }
    Some((
        rows.columns.iter().map(String::as_str).collect(),
        row_cells(rows),
    ))
}

fn params(plan: &Plan) -> String {
    if plan.params.is_empty() {
        return "none".into();
    }
    plan.params
        .iter()
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn apply_command(plan: &Plan) -> String {
    let mut cmd = format!(
        "migdoctor plan <PROJECT> {} --site {}",
        plan.playbook,
        shell_quote(&plan.site.root)
    );
    for (k, v) in &plan.params {
        cmd.push_str(&format!(" --param {k}={v}"));
    }
    cmd.push_str(" --out plan.json --db '<URL>'");
    cmd
}

fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        ".".into()
    } else if s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Writes a plan for a terminal.
pub fn plan_text(out: &mut dyn Write, plan: &Plan, style: &Style) -> std::io::Result<()> {
    writeln!(
        out,
        "{} {}",
        style.strong("Plan:"),
        style.strong(&plan.title)
    )?;
    writeln!(out, "  playbook     {}", plan.playbook)?;
    writeln!(
        out,
        "  database     {} {} ({})",
        plan.target.dialect, plan.target.database, plan.target.url
    )?;
    writeln!(out, "  table        {}", plan.location)?;
    writeln!(out, "  parameters   {}", params(plan))?;
    writeln!(out, "  fingerprint  {}", plan.fingerprint)?;
    writeln!(out)?;
    writeln!(out, "{}", style.strong("Findings"))?;
    for f in &plan.findings {
        writeln!(
            out,
            "  {} {}: {}",
            style.severity(f.severity),
            f.code,
            f.message
        )?;
        for e in &f.evidence {
            writeln!(out, "      {}", style.dim(e))?;
        }
    }
    if !plan.evidence.is_empty() {
        writeln!(out, "\n{}", style.strong("Evidence"))?;
        for e in &plan.evidence {
            writeln!(out, "  {}", e.replace('\n', "\n    "))?;
        }
    }
    if !plan.choices.is_empty() {
        writeln!(out, "\n{}", style.strong("Choices"))?;
        for c in &plan.choices {
            writeln!(out, "  version={:<8} if {}", c.value, c.when)?;
        }
    }
    writeln!(out, "\n{}", style.strong("Before"))?;
    write_rows_text(out, &plan.before.raw, plan.before.present)?;
    writeln!(out, "\n{}", style.strong("Steps"))?;
    for (i, s) in plan.steps.iter().enumerate() {
        writeln!(out, "  {}. {}", i + 1, s.description)?;
        for sql in &s.sql {
            writeln!(out, "     {}", style.sql(&sql.display()))?;
        }
    }
    writeln!(out, "  {}", style.dim(&plan.transaction_note))?;
    if let Some(lock) = &plan.lock {
        writeln!(
            out,
            "  {}",
            style.dim(&format!("lock: {}", lock.describe()))
        )?;
    }
    writeln!(out, "\n{}", style.strong("After"))?;
    write_rows_text(out, &plan.expected, true)?;
    writeln!(out, "\n{}", style.strong("Risks"))?;
    for r in &plan.risks {
        writeln!(out, "  - {r}")?;
    }
    writeln!(out, "\n{}", style.strong("Undo"))?;
    writeln!(out, "  {}", plan.undo)?;
    Ok(())
}

fn write_rows_text(out: &mut dyn Write, rows: &Rows, present: bool) -> std::io::Result<()> {
    match rows_or_none(rows, present) {
        None => writeln!(out, "  (no table)"),
        Some((_, cells)) if cells.is_empty() => writeln!(out, "  (table exists, no rows)"),
        Some((cols, cells)) => {
            let mut buf = Vec::new();
            super::table(&mut buf, &cols, &cells)?;
            for line in String::from_utf8_lossy(&buf).lines() {
                writeln!(out, "  {line}")?;
            }
            Ok(())
        }
    }
}

fn write_rows_md(out: &mut dyn Write, rows: &Rows, present: bool) -> std::io::Result<()> {
    match rows_or_none(rows, present) {
        None => writeln!(out, "_The table does not exist._"),
        Some((_, cells)) if cells.is_empty() => {
            writeln!(out, "_The table exists and holds no rows._")
        }
        Some((cols, cells)) => md_table(out, &cols, &cells),
    }
}

/// Writes a plan as a Markdown document to attach to an incident ticket.
pub fn plan_markdown(out: &mut dyn Write, plan: &Plan) -> std::io::Result<()> {
    writeln!(out, "# migdoctor plan: {}\n", plan.title)?;
    md_table(
        out,
        &["", ""],
        &[
            vec!["Playbook".into(), format!("`{}`", plan.playbook)],
            vec!["Framework".into(), plan.framework.to_string()],
            vec![
                "Migrations".into(),
                format!(
                    "`{}` ({})",
                    if plan.site.root.is_empty() {
                        "."
                    } else {
                        &plan.site.root
                    },
                    plan.site.origin
                ),
            ],
            vec![
                "Database".into(),
                format!(
                    "{} `{}` at `{}`",
                    plan.target.dialect, plan.target.database, plan.target.url
                ),
            ],
            vec!["Tracking table".into(), format!("`{}`", plan.location)],
            vec!["Parameters".into(), params(plan)],
            vec!["Made".into(), plan.created_at.clone()],
            vec![
                "State fingerprint".into(),
                format!("`{}`", plan.state_fingerprint),
            ],
            vec!["Plan fingerprint".into(), format!("`{}`", plan.fingerprint)],
        ],
    )?;
    writeln!(out, "\n## Findings\n")?;
    for f in &plan.findings {
        writeln!(out, "- **{}** `{}` — {}", f.severity, f.code, f.message)?;
        for e in &f.evidence {
            writeln!(out, "  - {e}")?;
        }
    }
    writeln!(out, "\n## What this does\n\n{}", plan.summary)?;
    if !plan.evidence.is_empty() {
        writeln!(out, "\n## Evidence\n")?;
        for e in &plan.evidence {
            writeln!(out, "- {}", e.replace('\n', "\n  "))?;
        }
    }
    if !plan.choices.is_empty() {
        writeln!(out, "\n## Choices\n")?;
        let rows: Vec<Vec<String>> = plan
            .choices
            .iter()
            .map(|c| vec![format!("`{}`", c.value), c.when.clone()])
            .collect();
        md_table(out, &["version", "right when"], &rows)?;
        writeln!(out, "\nThis plan uses **{}**.", params(plan))?;
    }
    writeln!(out, "\n## Tracking state before\n")?;
    write_rows_md(out, &plan.before.raw, plan.before.present)?;
    writeln!(out, "\n## Steps\n")?;
    for (i, s) in plan.steps.iter().enumerate() {
        writeln!(out, "{}. {}\n", i + 1, s.description)?;
        writeln!(out, "   ```sql")?;
        for sql in &s.sql {
            writeln!(out, "   {}", sql.display())?;
        }
        writeln!(out, "   ```\n")?;
    }
    writeln!(out, "{}", plan.transaction_note)?;
    match &plan.lock {
        Some(migdoctor_model::LockKey::SqliteImmediate) => writeln!(out, "\nSQLite's write lock (`BEGIN IMMEDIATE`) is held throughout, so no migrator can write meanwhile.")?,
        Some(lock) => writeln!(out, "\nThe framework's own lock is held throughout, so a deploy that migrates meanwhile waits: `{}`.", lock.describe())?,
        None => {}
    }
    writeln!(out, "\n## Expected state after\n")?;
    write_rows_md(out, &plan.expected, true)?;
    writeln!(out, "\nApply re-reads the table before COMMIT and rolls back unless it holds exactly these rows.")?;
    writeln!(out, "\n## Risks\n")?;
    for r in &plan.risks {
        writeln!(out, "- {r}")?;
    }
    writeln!(out, "\n## Undo\n\n{}", plan.undo)?;
    writeln!(
        out,
        "\n## How to apply\n\n```sh\n{}\nmigdoctor apply plan.json --db '<URL>'\n```",
        apply_command(plan)
    )?;
    writeln!(
        out,
        "\n`apply` refuses if the tracking table no longer has state fingerprint `{}`.",
        &plan.state_fingerprint[..12.min(plan.state_fingerprint.len())]
    )?;
    Ok(())
}
