//! The text an advice playbook hands a human (merge files, statements to run by hand).

use super::*;

/// Returns the text an advice playbook hands a human.
pub(super) fn advice_text(pb: &Playbook, history: &History, actions: &[Action]) -> Option<String> {
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
