//! Finding golang-migrate folders in a project tree.
//!
//! golang-migrate has no marker file: the folder and URL are CLI arguments. So a folder is a
//! site when it holds files named like migrations, and a path written as `-path`/`-source` in a
//! Makefile, compose file, justfile or `.env` is a site too (with the `-database` URL found next
//! to it, and its `x-migrations-table`).

use crate::history::parse_file_name;
use migdoctor_model::{
    is_skipped, join_path, parent_dir, percent_decode, Framework, Site, SourceTree,
};
use std::collections::BTreeMap;

/// Returns nothing; a migrations path found in a project file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfiguredPath {
    /// The file it was written in.
    pub origin: String,
    /// The folder, resolved relative to the project root.
    pub path: String,
    /// The `-database` URL written beside it, if any.
    pub database_url: Option<String>,
}

pub(crate) fn detect(tree: &SourceTree) -> Vec<Site> {
    let mut sites: BTreeMap<String, Site> = BTreeMap::new();
    for path in tree.paths() {
        let name = path.rsplit('/').next().unwrap_or(path);
        // The name check first: it rejects almost every file of a monorepo at its first byte;
        // a folder of 10,000 migrations allocates its site once.
        if let Ok(Some(_)) = parse_file_name(name) {
            let dir = parent_dir(path);
            if !sites.contains_key(dir) && !is_skipped(path) {
                sites.insert(dir.to_string(), Site::new(Framework::GolangMigrate, dir));
            }
        }
    }
    for cp in configured_paths(tree) {
        if tree.paths_under(&cp.path).next().is_none() {
            continue;
        }
        let site = sites
            .entry(cp.path.clone())
            .or_insert_with(|| Site::new(Framework::GolangMigrate, cp.path.clone()));
        if site.origin == "folder pattern" {
            site.origin = format!("folder pattern; -path in {}", cp.origin);
        }
        if let Some(url) = cp.database_url {
            if let Some(table) = query_param(&url, "x-migrations-table") {
                site.config.insert("migrations_table".into(), table);
            }
            if let Some(q) = query_param(&url, "x-migrations-table-quoted") {
                site.config.insert("migrations_table_quoted".into(), q);
            }
            if !site.config.contains_key("database_url") {
                site.config.insert("database_url".into(), url);
                site.config
                    .insert("database_url_file".into(), cp.origin.clone());
            }
        }
    }
    sites.into_values().collect()
}

fn query_param(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

/// Returns whether `path` is a file golang-migrate detection reads: a Makefile, justfile,
/// `.env` or compose file.
pub(crate) fn is_config_file(path: &str) -> bool {
    // Case-insensitive without allocating: this runs for every path of a monorepo.
    let name = path.rsplit('/').next().unwrap_or(path).as_bytes();
    let is = |s: &str| name.eq_ignore_ascii_case(s.as_bytes());
    let starts =
        |s: &str| name.len() >= s.len() && name[..s.len()].eq_ignore_ascii_case(s.as_bytes());
    let ends = |s: &str| {
        name.len() >= s.len() && name[name.len() - s.len()..].eq_ignore_ascii_case(s.as_bytes())
    };
    is("makefile")
        || is("gnumakefile")
        || ends(".mk")
        || is("justfile")
        || is(".env")
        || starts(".env.")
        || ((starts("docker-compose") || starts("compose")) && (ends(".yml") || ends(".yaml")))
}

/// Returns the migrations paths written in the project's Makefiles, compose files, justfiles
/// and `.env` files, resolved relative to the project root.
pub fn configured_paths(tree: &SourceTree) -> Vec<ConfiguredPath> {
    let mut out = Vec::new();
    for path in tree.paths() {
        if !is_config_file(path) || is_skipped(path) {
            continue;
        }
        let Some(text) = tree.bytes(path).and_then(|b| std::str::from_utf8(b).ok()) else {
            continue;
        };
        let base = parent_dir(path);
        let name = path.rsplit('/').next().unwrap_or(path);
        let volumes = compose_volumes(text);
        let mut env_url = None;
        let mut found: Vec<(String, Option<String>)> = Vec::new();
        for line in logical_lines(text) {
            if name.starts_with(".env") {
                if let Some((k, v)) = line.split_once('=') {
                    let key = k
                        .trim()
                        .trim_start_matches("export ")
                        .trim()
                        .to_ascii_uppercase();
                    let value = v.trim().trim_matches(|c| c == '"' || c == '\'').to_string();
                    if key.contains("MIGRATION")
                        && (key.contains("PATH") || key.contains("DIR") || key.contains("SOURCE"))
                    {
                        found.push((value, None));
                    } else if key.ends_with("DATABASE_URL") && !value.contains('$') {
                        env_url = Some(value);
                    }
                }
                continue;
            }
            let tokens = tokenize(&line);
            let mut paths = Vec::new();
            let mut url = None;
            let mut i = 0;
            while i < tokens.len() {
                let t = tokens[i].as_str();
                let (flag, inline) = match t.split_once('=') {
                    Some((f, v)) if f.starts_with('-') => (f, Some(v.to_string())),
                    _ => (t, None),
                };
                let flag = flag.trim_start_matches('-');
                if t.starts_with('-') && matches!(flag, "path" | "source" | "database") {
                    let value = inline.or_else(|| tokens.get(i + 1).cloned());
                    if let Some(v) = value {
                        if flag == "database" {
                            if !v.contains('$') {
                                url = Some(v);
                            }
                        } else {
                            paths.push(v);
                        }
                    }
                }
                i += 1;
            }
            for p in paths {
                found.push((p, url.clone()));
            }
        }
        for (raw, url) in found {
            let Some(cleaned) = clean_path(&raw) else {
                continue;
            };
            let host = if cleaned.starts_with('/') {
                match map_volume(&volumes, &cleaned) {
                    Some(h) => h,
                    None => continue,
                }
            } else {
                cleaned
            };
            let resolved = join_path(base, &host);
            out.push(ConfiguredPath {
                origin: path.to_string(),
                path: resolved,
                database_url: url.or_else(|| env_url.clone()),
            });
        }
    }
    out
}

fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let trimmed = line.trim_end();
        if let Some(stripped) = trimmed.strip_suffix('\\') {
            current.push_str(stripped);
            current.push(' ');
        } else {
            current.push_str(trimmed);
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn tokenize(line: &str) -> Vec<String> {
    line.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | '[' | ']'))
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

fn clean_path(raw: &str) -> Option<String> {
    let mut p = raw.trim().trim_start_matches("file://").to_string();
    for prefix in ["$(PWD)/", "${PWD}/", "$PWD/", "$(CURDIR)/", "${CURDIR}/"] {
        if let Some(rest) = p.strip_prefix(prefix) {
            p = rest.to_string();
        }
    }
    if p.is_empty() || p.contains('$') || p.contains("://") {
        return None;
    }
    Some(p.trim_end_matches('/').to_string())
}

/// Returns `host:container` bind mounts written in a compose file.
fn compose_volumes(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line
            .trim()
            .trim_start_matches('-')
            .trim()
            .trim_matches(|c| c == '"' || c == '\'');
        let mut parts = t.split(':');
        if let (Some(host), Some(container)) = (parts.next(), parts.next()) {
            if (host.starts_with('.') || host.starts_with('/')) && container.starts_with('/') {
                out.push((
                    host.trim_end_matches('/').to_string(),
                    container.trim_end_matches('/').to_string(),
                ));
            }
        }
    }
    out
}

fn map_volume(volumes: &[(String, String)], container_path: &str) -> Option<String> {
    volumes.iter().find_map(|(host, container)| {
        let rest = container_path.strip_prefix(container.as_str())?;
        if !(rest.is_empty() || rest.starts_with('/')) || host.starts_with('/') {
            return None;
        }
        Some(format!("{host}{rest}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_folders_anywhere_but_skips_vendored() {
        let tree = SourceTree::new()
            .with_file("services/api/db/migrations/1_a.up.sql", "")
            .with_file("migrations/20240101000000_b.down.sql", "")
            .with_file("node_modules/pkg/migrations/1_x.up.sql", "")
            .with_file("vendor/x/1_y.up.sql", "")
            .with_file("docs/1_notes.md", "");
        let roots: Vec<String> = detect(&tree).into_iter().map(|s| s.root).collect();
        assert_eq!(roots, vec!["migrations", "services/api/db/migrations"]);
    }

    #[test]
    fn makefile_path_and_database_url() {
        let tree = SourceTree::new()
            .with_file(
                "Makefile",
                "migrate-up:\n\tmigrate -path=$(PWD)/sql/schema \\\n\t  -database \"postgres://u:p@localhost/app?sslmode=disable&x-migrations-table=my_versions\" up\n",
            )
            .with_file("sql/schema/0001_init.up.sql", "");
        let sites = detect(&tree);
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].root, "sql/schema");
        assert!(sites[0].origin.contains("Makefile"));
        assert_eq!(sites[0].config["migrations_table"], "my_versions");
        assert!(sites[0].config["database_url"].starts_with("postgres://"));
    }

    #[test]
    fn compose_command_maps_through_volume() {
        let tree = SourceTree::new()
            .with_file(
                "deploy/docker-compose.yml",
                "services:\n  migrate:\n    image: migrate/migrate\n    volumes:\n      - ../db/migrations:/migrations:ro\n    command: [\"-path\", \"/migrations\", \"-database\", \"mysql://root@tcp(db:3306)/app\", \"up\"]\n",
            )
            .with_file("db/migrations/1_init.up.sql", "");
        let cps = configured_paths(&tree);
        assert_eq!(cps[0].path, "db/migrations");
        assert_eq!(
            cps[0].database_url.as_deref(),
            Some("mysql://root@tcp(db:3306)/app")
        );
    }

    #[test]
    fn env_file_and_empty_configured_folder() {
        let tree = SourceTree::new()
            .with_file(
                ".env",
                "MIGRATIONS_PATH=./schema/migrations\nDATABASE_URL=sqlite://app.db\n",
            )
            .with_file("schema/migrations/.keep", "");
        let sites = detect(&tree);
        assert_eq!(sites.len(), 1);
        assert_eq!(sites[0].root, "schema/migrations");
        assert_eq!(sites[0].config["database_url"], "sqlite://app.db");
    }
}
