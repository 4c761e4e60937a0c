//! Finding Drizzle projects: `drizzle.config.*` files (read as text) and migration folders
//! with `meta/_journal.json` (0.x) or `<YYYYMMDDHHMMSS>_<name>/migration.sql` folders (1.0),
//! with or without a config; several projects in one monorepo.

use crate::config::{env_value, parse_config, Setting};
use migdoctor_model::{is_skipped, join_path, parent_dir, Framework, Site, SourceTree};
use std::collections::BTreeMap;

/// Returns whether `name` is a Drizzle config file name (`drizzle.config.ts`,
/// `drizzle.prod.config.mjs`, `drizzle.config.json`, …).
pub(crate) fn is_config_name(name: &str) -> bool {
    name.starts_with("drizzle")
        && name.contains("config")
        && [".ts", ".js", ".mjs", ".cjs", ".mts", ".cts", ".json"]
            .iter()
            .any(|e| name.ends_with(e))
}

/// Returns whether `dir_name` is a 1.0 migration folder name (`20250101120000_name`).
pub(crate) fn is_v1_folder(dir_name: &str) -> bool {
    dir_name.len() > 14
        && dir_name.as_bytes()[..14].iter().all(u8::is_ascii_digit)
        && dir_name.as_bytes()[14] == b'_'
}

/// Returns the migrations folder a path proves, with its layout.
fn folder_of(path: &str) -> Option<(&str, &'static str)> {
    if let Some(dir) = path
        .strip_suffix("/meta/_journal.json")
        .or_else(|| (path == "meta/_journal.json").then_some(""))
    {
        return Some((dir, "journal"));
    }
    let dir = path.strip_suffix("/migration.sql")?;
    let (root, name) = match dir.rsplit_once('/') {
        Some((r, n)) => (r, n),
        None => ("", dir),
    };
    is_v1_folder(name).then_some((root, "folders"))
}

/// Returns a Drizzle URL as a migdoctor URL (`file:./x.db` and bare paths become `sqlite://`).
fn database_url(url: &str, dialect: Option<&str>) -> String {
    let sqlite = matches!(dialect, Some("sqlite" | "turso")) || url.starts_with("file:");
    if sqlite && !url.contains("://") {
        let path = url.strip_prefix("file:").unwrap_or(url);
        return format!("sqlite://{}", path.strip_prefix("./").unwrap_or(path));
    }
    url.to_string()
}

pub(crate) fn detect(tree: &SourceTree) -> Vec<Site> {
    let mut folders: BTreeMap<String, &'static str> = BTreeMap::new();
    let mut configs = Vec::new();
    for path in tree.paths() {
        let name = path.rsplit('/').next().unwrap_or(path);
        if let Some((dir, layout)) = folder_of(path) {
            if !is_skipped(path) {
                folders.entry(dir.to_string()).or_insert(layout);
            }
        } else if is_config_name(name) && !is_skipped(path) {
            configs.push(path);
        }
    }
    let mut sites: BTreeMap<String, Site> = BTreeMap::new();
    for path in configs {
        let Some(text) = tree.bytes(path).map(String::from_utf8_lossy) else {
            continue;
        };
        let cfg = parse_config(&text, path.ends_with(".json"));
        // A config that names no Drizzle setting at all is some other tool's.
        if cfg.settings.is_empty() {
            continue;
        }
        let here = parent_dir(path);
        let mut site = Site::new(Framework::Drizzle, "");
        site.origin = path.to_string();
        site.config.insert("config_file".into(), path.to_string());
        match cfg.get("out") {
            None => site.root = join_path(here, "drizzle"),
            Some(Setting::Literal(out)) => site.root = join_path(here, out),
            Some(Setting::Env(v)) | Some(Setting::Code(v)) => {
                let claimed: Vec<&String> = sites.keys().collect();
                let near: Vec<&String> = folders
                    .keys()
                    .filter(|f| here.is_empty() || f.starts_with(&format!("{here}/")) || *f == here)
                    .filter(|f| !claimed.contains(f))
                    .collect();
                if near.len() == 1 {
                    site.root = near[0].clone();
                    site.origin = format!("{path} (out is computed in code: `{v}`; using the only migrations folder beside it)");
                } else {
                    site.root = here.to_string();
                    site.config.insert(
                        "config_error".into(),
                        format!(
                            "{path}: `out` is computed in code (`{v}`) and migdoctor reads the config as text; {} migrations folder(s) lie beside it. Write `out` as a string literal, or name the folder with --site",
                            near.len()
                        ),
                    );
                }
            }
        }
        let dialect = cfg.literal("dialect").or(cfg.literal("driver"));
        if let Some(d) = dialect {
            site.config.insert("drizzle_dialect".into(), d.to_string());
        }
        for (key, name) in [
            ("migrations.table", "migrations_table"),
            ("migrations.schema", "migrations_schema"),
            ("migrations.prefix", "migrations_prefix"),
        ] {
            if let Some(v) = cfg.literal(key) {
                site.config.insert(name.into(), v.to_string());
            }
        }
        let url = cfg
            .get("dbCredentials.url")
            .or(cfg.get("dbCredentials.connectionString"));
        match url {
            Some(Setting::Literal(u)) => {
                site.config
                    .insert("database_url".into(), database_url(u, dialect));
                site.config
                    .insert("database_url_file".into(), path.to_string());
            }
            Some(Setting::Env(var)) => {
                site.config.insert("database_url_env".into(), var.clone());
                for env in [".env", ".env.local"] {
                    let env_path = join_path(here, env);
                    let found = tree
                        .bytes(&env_path)
                        .and_then(|b| env_value(&String::from_utf8_lossy(b), var));
                    if let Some(u) = found {
                        site.config
                            .insert("database_url".into(), database_url(&u, dialect));
                        site.config.insert("database_url_file".into(), env_path);
                        break;
                    }
                }
            }
            _ => {}
        }
        let has_error = site.config.contains_key("config_error");
        if let Some(layout) = folders.get(&site.root) {
            site.config.insert("layout".into(), (*layout).into());
        } else if !has_error {
            continue; // nothing generated yet
        }
        sites.entry(site.root.clone()).or_insert(site);
    }
    for (dir, layout) in folders {
        sites.entry(dir.clone()).or_insert_with(|| {
            let mut s = Site::new(Framework::Drizzle, dir);
            s.origin = match layout {
                "journal" => "meta/_journal.json (no drizzle config found)".into(),
                _ => "migration folders <timestamp>_<name>/migration.sql (no drizzle config found)"
                    .into(),
            };
            s.config.insert("layout".into(), layout.into());
            s
        });
    }
    sites.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configs_folders_and_monorepos() {
        let tree = SourceTree::new()
            .with_file(
                "apps/web/drizzle.config.ts",
                "export default defineConfig({ out: './db/migrations', dialect: 'postgresql', dbCredentials: { url: process.env.DATABASE_URL! }, migrations: { schema: 'ops' } })",
            )
            .with_file("apps/web/.env", "DATABASE_URL=postgres://u:pw@localhost/web\n")
            .with_file("apps/web/db/migrations/meta/_journal.json", "{}")
            .with_file("apps/api/drizzle/20250101120000_init/migration.sql", "x")
            .with_file("apps/lite/drizzle.config.json", r#"{"dialect": "sqlite", "dbCredentials": {"url": "file:./app.db"}}"#)
            .with_file("apps/lite/drizzle/meta/_journal.json", "{}")
            .with_file("node_modules/x/drizzle/meta/_journal.json", "{}");
        let sites = detect(&tree);
        let roots: Vec<&str> = sites.iter().map(|s| s.root.as_str()).collect();
        assert_eq!(
            roots,
            vec![
                "apps/api/drizzle",
                "apps/lite/drizzle",
                "apps/web/db/migrations"
            ]
        );
        let web = &sites[2];
        assert_eq!(web.config["database_url"], "postgres://u:pw@localhost/web");
        assert_eq!(web.config["database_url_file"], "apps/web/.env");
        assert_eq!(web.config["migrations_schema"], "ops");
        assert_eq!(web.config["layout"], "journal");
        assert_eq!(sites[0].config["layout"], "folders");
        assert_eq!(sites[1].config["database_url"], "sqlite://app.db");
    }

    #[test]
    fn computed_out_names_the_config() {
        let tree = SourceTree::new()
            .with_file(
                "drizzle.config.ts",
                "export default { out: path.join(__dirname, 'm'), dialect: 'postgresql' }",
            )
            .with_file("a/meta/_journal.json", "{}")
            .with_file("b/meta/_journal.json", "{}");
        let sites = detect(&tree);
        let broken = sites
            .iter()
            .find(|s| s.config.contains_key("config_error"))
            .unwrap();
        assert!(
            broken.config["config_error"].contains("drizzle.config.ts: `out` is computed in code")
        );
        let tree = SourceTree::new()
            .with_file(
                "drizzle.config.ts",
                "export default { out: path.join(__dirname, 'm') }",
            )
            .with_file("m/meta/_journal.json", "{}");
        let sites = detect(&tree);
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].root, "m");
        assert!(sites[0].origin.contains("computed"));
    }
}
