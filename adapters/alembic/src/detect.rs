//! Finding Alembic projects: `alembic.ini` (every section with a `script_location`),
//! `pyproject.toml` `[tool.alembic]`, and `env.py` settings that move the tracking table.

use crate::ini::Ini;
use migdoctor_model::{is_skipped, join_path, parent_dir, Framework, Site, SourceTree};
use migdoctor_pyast::str_value;
use rustpython_parser::ast::{self, Expr, Stmt};
use std::collections::BTreeMap;

/// Returns the SQLAlchemy URL as a migdoctor URL (`postgresql+psycopg2://` → `postgres://`,
/// `sqlite:///rel.db` → `sqlite://rel.db`), or `None` for Alembic's placeholder.
pub fn sqlalchemy_url(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    if scheme == "driver" {
        return None;
    }
    let base = scheme.split('+').next().unwrap_or(scheme);
    Some(match base {
        "postgresql" | "postgres" => format!("postgres://{rest}"),
        "mysql" | "mariadb" => format!("mysql://{rest}"),
        // sqlite:///relative.db has three slashes; sqlite:////abs.db four.
        "sqlite" => format!("sqlite://{}", rest.strip_prefix('/').unwrap_or(rest)),
        _ => return None,
    })
}

/// Returns the string keyword arguments `version_table` / `version_table_schema` given to any
/// call in `env.py` (normally `context.configure(...)`).
pub fn env_settings(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Ok(ast::Mod::Module(m)) =
        rustpython_parser::parse(text, rustpython_parser::Mode::Module, "env.py")
    else {
        return out;
    };
    fn expr(e: &Expr, out: &mut BTreeMap<String, String>) {
        if let Expr::Call(c) = e {
            for k in &c.keywords {
                if let Some(name) = k.arg.as_deref() {
                    if matches!(name, "version_table" | "version_table_schema") {
                        if let Some(v) = str_value(&k.value) {
                            out.insert(name.to_string(), v);
                        }
                    }
                }
                expr(&k.value, out);
            }
            for a in &c.args {
                expr(a, out);
            }
        }
    }
    fn stmts(body: &[Stmt], out: &mut BTreeMap<String, String>) {
        for s in body {
            match s {
                Stmt::Expr(e) => expr(&e.value, out),
                Stmt::Assign(a) => expr(&a.value, out),
                Stmt::FunctionDef(f) => stmts(&f.body, out),
                Stmt::AsyncFunctionDef(f) => stmts(&f.body, out),
                Stmt::With(w) => stmts(&w.body, out),
                Stmt::AsyncWith(w) => stmts(&w.body, out),
                Stmt::If(i) => {
                    stmts(&i.body, out);
                    stmts(&i.orelse, out);
                }
                Stmt::Try(t) => {
                    stmts(&t.body, out);
                    stmts(&t.orelse, out);
                    stmts(&t.finalbody, out);
                }
                _ => {}
            }
        }
    }
    stmts(&m.body, &mut out);
    out
}

fn split_locations(raw: &str, separator: Option<&str>) -> Vec<String> {
    let parts: Vec<&str> = match separator {
        Some("newline") => raw.lines().collect(),
        Some("space") => raw.split(' ').collect(),
        Some("os") | Some(":") => raw.split(':').collect(),
        Some(";") => raw.split(';').collect(),
        Some(",") => raw.split(',').collect(),
        // legacy default: spaces and/or commas (and the newlines of multi-line values)
        _ => raw.split(|c: char| c == ',' || c.is_whitespace()).collect(),
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn finish_site(tree: &SourceTree, mut site: Site) -> Site {
    let env = if site.root.is_empty() {
        "env.py".to_string()
    } else {
        format!("{}/env.py", site.root)
    };
    if let Some(text) = tree.bytes(&env).and_then(|b| std::str::from_utf8(b).ok()) {
        for (k, v) in env_settings(text) {
            site.config.insert(k, v);
        }
    }
    site
}

pub(crate) fn detect(tree: &SourceTree) -> Vec<Site> {
    let mut sites: BTreeMap<String, Site> = BTreeMap::new();
    for path in tree.paths() {
        let name = path.rsplit('/').next().unwrap_or(path);
        // Only configuration files are read here (a monorepo's other files never are).
        if !(name.ends_with(".ini") || name == "pyproject.toml") || is_skipped(path) {
            continue;
        }
        let Some(text) = tree.bytes(path).and_then(|b| std::str::from_utf8(b).ok()) else {
            continue;
        };
        let here = parent_dir(path);
        if name == "alembic.ini" || (name.ends_with(".ini") && text.contains("script_location")) {
            let ini = Ini::parse(text);
            // %(here)s is the ini's folder; written as an absolute path inside the project so
            // that values built from it are not joined to the folder a second time.
            let extra: BTreeMap<String, String> = [("here".to_string(), format!("/{here}"))].into();
            for section in ini.sections.keys() {
                let Some(sl) = ini.get(section, "script_location", &extra) else {
                    continue;
                };
                let mut site = Site::new(Framework::Alembic, "");
                site.origin = format!("{path} [{section}]");
                site.config.insert("config_file".into(), path.to_string());
                site.config.insert("ini_section".into(), section.clone());
                let mut err = None;
                match sl {
                    Ok(sl) => site.root = join_path(here, &sl.replace(':', "/")),
                    Err(e) => err = Some(format!("[{section}] script_location: {e}")),
                }
                let sep = ini
                    .get(section, "path_separator", &extra)
                    .or_else(|| ini.get(section, "version_path_separator", &extra))
                    .and_then(Result::ok);
                if let Some(v) = ini.get(section, "version_locations", &extra) {
                    match v {
                        Ok(v) => {
                            let locs: Vec<String> = split_locations(&v, sep.as_deref())
                                .iter()
                                .map(|l| join_path(here, l))
                                .collect();
                            site.config
                                .insert("version_locations".into(), locs.join("\n"));
                        }
                        Err(e) => err = err.or(Some(format!("[{section}] version_locations: {e}"))),
                    }
                }
                if let Some(Ok(r)) = ini.get(section, "recursive_version_locations", &extra) {
                    site.config
                        .insert("recursive_version_locations".into(), r.to_lowercase());
                }
                match ini.get(section, "sqlalchemy.url", &extra) {
                    Some(Ok(url)) => {
                        if let Some(u) = sqlalchemy_url(&url) {
                            site.config.insert("database_url".into(), u);
                            site.config
                                .insert("database_url_file".into(), path.to_string());
                        }
                    }
                    Some(Err(e)) => err = err.or(Some(format!("[{section}] sqlalchemy.url: {e}"))),
                    None => {}
                }
                if let Some(e) = err {
                    site.config
                        .insert("config_error".into(), format!("{path}: {e}"));
                }
                let key = format!("{}#{path}#{section}", site.root);
                sites.insert(key, finish_site(tree, site));
            }
        } else if name == "pyproject.toml" && text.contains("[tool.alembic]") {
            let Ok(value) = text.parse::<toml::Table>() else {
                continue;
            };
            let Some(cfg) = value
                .get("tool")
                .and_then(|t| t.get("alembic"))
                .and_then(|a| a.as_table())
            else {
                continue;
            };
            let Some(sl) = cfg.get("script_location").and_then(|v| v.as_str()) else {
                continue;
            };
            let here_abs = format!("/{here}");
            let sl = sl.replace("%(here)s", &here_abs);
            let mut site = Site::new(Framework::Alembic, join_path(here, &sl));
            site.origin = format!("{path} [tool.alembic]");
            site.config.insert("config_file".into(), path.to_string());
            if let Some(locs) = cfg.get("version_locations").and_then(|v| v.as_array()) {
                let locs: Vec<String> = locs
                    .iter()
                    .filter_map(|l| l.as_str())
                    .map(|l| join_path(here, &l.replace("%(here)s", &here_abs)))
                    .collect();
                site.config
                    .insert("version_locations".into(), locs.join("\n"));
            }
            let key = format!("{}#{path}", site.root);
            sites.insert(key, finish_site(tree, site));
        }
    }
    // An Alembic folder without a config file it can be found by: env.py beside versions/.
    let roots: Vec<String> = sites.values().map(|s| s.root.clone()).collect();
    for path in tree.paths() {
        if !(path == "env.py" || path.ends_with("/env.py")) || is_skipped(path) {
            continue;
        }
        let dir = parent_dir(path).to_string();
        let versions = if dir.is_empty() {
            "versions/".to_string()
        } else {
            format!("{dir}/versions/")
        };
        let versions = versions.trim_end_matches('/');
        if roots.contains(&dir) || tree.paths_under(versions).next().is_none() {
            continue;
        }
        let is_alembic = tree
            .bytes(path)
            .and_then(|b| std::str::from_utf8(b).ok())
            .is_some_and(|t| t.contains("alembic"));
        if is_alembic {
            let mut site = Site::new(Framework::Alembic, dir.clone());
            site.origin = "env.py beside versions/ (no alembic.ini found)".into();
            sites.insert(format!("{dir}#env"), finish_site(tree, site));
        }
    }
    sites.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_env_and_pyproject() {
        let tree = SourceTree::new()
            .with_file(
                "services/api/alembic.ini",
                "[alembic]\nscript_location = %(here)s/migrations\nversion_locations = %(here)s/migrations/versions %(here)s/extra\nsqlalchemy.url = postgresql+psycopg2://app:pw@localhost/api\n",
            )
            .with_file("services/api/migrations/env.py", "from alembic import context\ncontext.configure(connection=c, version_table='api_versions', version_table_schema='ops')\n")
            .with_file("services/api/migrations/versions/a.py", "revision='a'\n")
            .with_file("worker/pyproject.toml", "[tool.alembic]\nscript_location = \"%(here)s/alembic\"\n")
            .with_file("worker/alembic/env.py", "import alembic\n")
            .with_file("broken/alembic.ini", "[alembic]\nscript_location = %(nowhere)s/x\n");
        let sites = detect(&tree);
        let api = sites
            .iter()
            .find(|s| s.root == "services/api/migrations")
            .unwrap();
        assert_eq!(
            api.config["version_locations"],
            "services/api/migrations/versions\nservices/api/extra"
        );
        assert_eq!(
            api.config["database_url"],
            "postgres://app:pw@localhost/api"
        );
        assert_eq!(api.config["version_table"], "api_versions");
        assert_eq!(api.config["version_table_schema"], "ops");
        assert!(sites
            .iter()
            .any(|s| s.root == "worker/alembic" && s.origin.contains("pyproject")));
        let broken = sites
            .iter()
            .find(|s| {
                s.config
                    .get("config_file")
                    .is_some_and(|f| f.starts_with("broken"))
            })
            .unwrap();
        assert!(broken.config["config_error"].contains("nowhere"));
    }

    #[test]
    fn urls() {
        assert_eq!(
            sqlalchemy_url("sqlite:///app.db").unwrap(),
            "sqlite://app.db"
        );
        assert_eq!(
            sqlalchemy_url("sqlite:////abs/app.db").unwrap(),
            "sqlite:///abs/app.db"
        );
        assert_eq!(
            sqlalchemy_url("mysql+pymysql://root@127.0.0.1/x").unwrap(),
            "mysql://root@127.0.0.1/x"
        );
        assert!(sqlalchemy_url("driver://user:pass@localhost/dbname").is_none());
    }
}
