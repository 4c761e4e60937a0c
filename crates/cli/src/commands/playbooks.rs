//! `migdoctor playbooks list|show`.

use crate::context::Ctx;
use crate::exit;
use crate::render::{json, md_table, table, Format};
use migdoctor_engine::EngineError;

/// Subcommands of `playbooks`.
#[derive(clap::Subcommand, Debug)]
pub enum PlaybooksCmd {
    /// List every playbook (built in, and from --playbooks DIR).
    List,
    /// Show one playbook: what it fixes, its parameters, steps and risks.
    Show {
        /// Playbook id, e.g. golang-migrate/undirty.
        id: String,
    },
}

pub async fn run(ctx: &mut Ctx<'_>, cmd: PlaybooksCmd) -> anyhow::Result<i32> {
    let pbs = ctx.playbooks()?;
    match cmd {
        PlaybooksCmd::List => {
            let rows: Vec<Vec<String>> = pbs
                .all()
                .iter()
                .map(|p| {
                    vec![
                        p.id.clone(),
                        p.addresses.join(", "),
                        p.risk.clone(),
                        p.title.clone(),
                    ]
                })
                .collect();
            let headers = ["id", "fixes", "risk", "title"];
            match ctx.global.format {
                Format::Json => json(
                    ctx.out,
                    &serde_json::json!({"format_version": 1, "playbooks": pbs.all()}),
                )?,
                Format::Table => table(ctx.out, &headers, &rows)?,
                Format::Markdown => md_table(ctx.out, &headers, &rows)?,
            }
        }
        PlaybooksCmd::Show { id } => {
            let p = pbs.get(&id).ok_or(EngineError::UnknownPlaybook(id))?;
            match ctx.global.format {
                Format::Json => json(ctx.out, p)?,
                _ => {
                    let md = ctx.global.format == Format::Markdown;
                    let h = |t: &str| {
                        if md {
                            format!("\n## {t}\n")
                        } else {
                            format!("\n{t}")
                        }
                    };
                    writeln!(ctx.out, "{}{}", if md { "# " } else { "" }, p.id)?;
                    writeln!(ctx.out, "{}\n", p.title)?;
                    writeln!(
                        ctx.out,
                        "{}",
                        p.summary.split_whitespace().collect::<Vec<_>>().join(" ")
                    )?;
                    writeln!(ctx.out, "{}", h("Fixes"))?;
                    writeln!(
                        ctx.out,
                        "  {} ({}); frameworks: {}; risk: {}",
                        p.addresses.join(", "),
                        if p.requires_tracking == "any" {
                            "any table state".to_string()
                        } else {
                            format!("tracking table {}", p.requires_tracking)
                        },
                        p.frameworks.join(", "),
                        p.risk
                    )?;
                    writeln!(ctx.out, "{}", h("Parameters"))?;
                    for param in &p.params {
                        writeln!(
                            ctx.out,
                            "  --param {}=…  {}{}",
                            param.name,
                            param.description,
                            if param.required { " (required)" } else { "" }
                        )?;
                    }
                    if !p.choices.is_empty() {
                        writeln!(ctx.out, "{}", h("Choices"))?;
                        for c in &p.choices {
                            writeln!(ctx.out, "  {}  if {}", c.value, c.when)?;
                        }
                    }
                    writeln!(ctx.out, "{}", h("Steps"))?;
                    for (i, s) in p.steps.iter().enumerate() {
                        let detail = s
                            .version
                            .as_ref()
                            .map(|v| format!(" version={v}"))
                            .unwrap_or_default();
                        let dirty = s.dirty.map(|d| format!(" dirty={d}")).unwrap_or_default();
                        writeln!(ctx.out, "  {}. {}{detail}{dirty}", i + 1, s.action)?;
                    }
                    writeln!(ctx.out, "{}", h("Risks"))?;
                    for r in &p.risks {
                        writeln!(ctx.out, "  - {r}")?;
                    }
                    writeln!(
                        ctx.out,
                        "\n{}",
                        if md {
                            format!("_source: {}_", p.source)
                        } else {
                            format!("source: {}", p.source)
                        }
                    )?;
                }
            }
        }
    }
    Ok(exit::OK)
}
