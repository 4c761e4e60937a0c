//! Finding Django projects: `manage.py`, the settings module it names, `INSTALLED_APPS`
//! (dotted paths and app configs, with `AppConfig.label`), `MIGRATION_MODULES`,
//! `DATABASES['default']`, `AUTH_USER_MODEL`, and the Django version the project pins.

use crate::settings::{module_file, read_settings, Val};
use migdoctor_model::{join_path, parent_dir, Framework, Site, SourceTree};
use migdoctor_pyast::str_value;
use rustpython_parser::ast::{self, Expr, Stmt};

/// Returns the contrib apps that ship migrations.
pub const CONTRIB_WITH_MIGRATIONS: &[&str] = &[
    "admin",
    "auth",
    "contenttypes",
    "flatpages",
    "redirects",
    "sessions",
    "sites",
];

/// Returns nothing; one installed app as the settings name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    /// The app label (`AppConfig.label`, else the last part of the module).
    pub label: String,
    /// The app module, dotted.
    pub module: String,
    /// The migrations folder (project-relative) when it is in the tree; `None` for contrib and
    /// third-party apps, and for apps whose migrations `MIGRATION_MODULES` disables.
    pub migrations: Option<String>,
    /// Where the app comes from: `project`, `contrib`, `external` or `disabled`.
    pub kind: String,
}

/// Returns the apps encoded in a site's settings (`apps`: one `label kind module folder` line
/// per app).
pub fn apps_of(site: &Site) -> Vec<App> {
    site.config
        .get("apps")
        .map(|s| {
            s.lines()
                .filter_map(|l| {
                    let mut p = l.split('\t');
                    let (label, kind, module) = (p.next()?, p.next()?, p.next()?);
                    let folder = p.next().filter(|f| !f.is_empty());
                    Some(App {
                        label: label.into(),
                        kind: kind.into(),
                        module: module.into(),
                        migrations: folder.map(str::to_string),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

fn encode_apps(apps: &[App]) -> String {
    apps.iter()
        .map(|a| {
            format!(
                "{}\t{}\t{}\t{}",
                a.label,
                a.kind,
                a.module,
                a.migrations.as_deref().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Returns the settings module `manage.py` names (`os.environ.setdefault("DJANGO_SETTINGS_MODULE", "x")`).
pub fn settings_module(manage_py: &str) -> Option<String> {
    let at = manage_py.find("DJANGO_SETTINGS_MODULE")?;
    let rest = &manage_py[at + "DJANGO_SETTINGS_MODULE".len()..];
    let rest = rest.trim_start_matches(['"', '\'']);
    let rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    let end = body.find(quote)?;
    Some(body[..end].to_string())
}

/// Returns every Django project in the tree, one site per `manage.py`.
pub fn detect(tree: &SourceTree) -> Vec<Site> {
    let manages: Vec<&str> = tree
        .paths()
        .filter(|p| *p == "manage.py" || p.ends_with("/manage.py"))
        .collect();
    tree.prefetch(&manages);
    manages
        .into_iter()
        .filter_map(|m| site_for(tree, m))
        .collect()
}

fn site_for(tree: &SourceTree, manage: &str) -> Option<Site> {
    let text = String::from_utf8_lossy(tree.bytes(manage)?).into_owned();
    let module = settings_module(&text)?;
    let root = parent_dir(manage).to_string();
    let mut site = Site::new(Framework::Django, root.clone());
    site.origin = manage.to_string();
    site.config.insert("settings_module".into(), module.clone());
    let Some(file) = module_file(tree, &root, &module) else {
        site.config.insert(
            "settings_problem".into(),
            format!("{manage} names settings module {module}, which is not in the project"),
        );
        return Some(site);
    };
    let settings = read_settings(tree, &root, &file);
    site.config
        .insert("settings".into(), settings.files.join(", "));
    if !settings.problems.is_empty() {
        site.config
            .insert("settings_problem".into(), settings.problems.join("; "));
    }
    let vars = &settings.vars;
    let user_model = vars
        .get("AUTH_USER_MODEL")
        .and_then(Val::as_str)
        .unwrap_or("auth.User")
        .to_string();
    site.config.insert("auth_user_model".into(), user_model);
    if let Some(f) = vars.get("DEFAULT_AUTO_FIELD").and_then(Val::as_str) {
        site.config.insert("default_auto_field".into(), f.into());
    }
    let modules = vars.get("MIGRATION_MODULES");
    let mut apps = Vec::new();
    let mut unreadable = Vec::new();
    match vars.get("INSTALLED_APPS") {
        Some(Val::List(items)) => {
            for item in items {
                match item.as_str() {
                    Some(entry) => apps.push(resolve_app(tree, &root, entry, modules)),
                    None => unreadable.push(format!("{item:?}")),
                }
            }
        }
        Some(other) => unreadable.push(format!("INSTALLED_APPS is {other:?}")),
        None => unreadable.push("INSTALLED_APPS is not set".into()),
    }
    if !unreadable.is_empty() {
        site.config
            .insert("apps_problem".into(), unreadable.join("; "));
    }
    site.config.insert("apps".into(), encode_apps(&apps));
    if let Some(db) = vars.get("DATABASES").and_then(|d| d.get("default")) {
        database(&mut site, &root, db);
        if site.config.contains_key("database_url") {
            // Where a report says the URL came from; SQLite paths are relative to its folder.
            let origin = settings
                .files
                .iter()
                .rev()
                .find(|f| {
                    tree.bytes(f)
                        .is_some_and(|b| String::from_utf8_lossy(b).contains("DATABASES"))
                })
                .cloned()
                .unwrap_or_else(|| file.clone());
            if let Some(path) = site
                .config
                .get("database_url")
                .and_then(|u| u.strip_prefix("sqlite://"))
                .filter(|p| !p.starts_with('/') && !p.starts_with(':'))
            {
                let rel = relative_to(parent_dir(&origin), path);
                site.config
                    .insert("database_url".into(), format!("sqlite://{rel}"));
            }
            site.config.insert("database_url_file".into(), origin);
        }
    }
    if let Some(v) = pinned_version(tree, &root) {
        site.config.insert("django_version".into(), v);
    }
    Some(site)
}

/// Returns the app an `INSTALLED_APPS` entry names.
fn resolve_app(tree: &SourceTree, root: &str, entry: &str, modules: Option<&Val>) -> App {
    let (module, label) = app_module_and_label(tree, root, entry);
    let mut app = App {
        label: label.clone(),
        module: module.clone(),
        migrations: None,
        kind: "external".into(),
    };
    if let Some(rest) = module.strip_prefix("django.contrib.") {
        app.kind = "contrib".into();
        app.label = rest.split('.').next().unwrap_or(rest).to_string();
        if !CONTRIB_WITH_MIGRATIONS.contains(&app.label.as_str()) {
            app.kind = "no-migrations".into();
        }
        return app;
    }
    let dir = join_path(root, &module.replace('.', "/"));
    let migrations_module = match modules.and_then(|m| m.get(&label)) {
        Some(Val::None) => {
            app.kind = "disabled".into();
            return app;
        }
        Some(v) => v.as_str().map(|m| join_path(root, &m.replace('.', "/"))),
        None => Some(join_path(&dir, "migrations")),
    };
    let in_tree = tree.paths_under(&dir).next().is_some();
    if in_tree {
        app.kind = "project".into();
        app.migrations = migrations_module;
    }
    app
}

/// Returns (module, label) for an entry: a module path, or an `AppConfig` subclass path whose
/// class sets `name` and maybe `label`.
fn app_module_and_label(tree: &SourceTree, root: &str, entry: &str) -> (String, String) {
    let last = |m: &str| m.rsplit('.').next().unwrap_or(m).to_string();
    let as_module_dir = join_path(root, &entry.replace('.', "/"));
    if tree.paths_under(&as_module_dir).next().is_some() || !entry.contains('.') {
        return (entry.to_string(), last(entry));
    }
    if let Some((module, class)) = entry.rsplit_once('.') {
        if let Some(file) = module_file(tree, root, module) {
            if let Some((name, label)) = app_config(tree, &file, class) {
                let label = label.unwrap_or_else(|| last(&name));
                return (name, label);
            }
        }
        // `pkg.apps.PkgConfig` of a package not in the tree: Django's convention.
        if let Some(pkg) = module.strip_suffix(".apps") {
            if class.ends_with("Config") {
                return (pkg.to_string(), last(pkg));
            }
        }
    }
    (entry.to_string(), last(entry))
}

/// Returns (`name`, `label`) of class `class` in `file`.
fn app_config(tree: &SourceTree, file: &str, class: &str) -> Option<(String, Option<String>)> {
    let text = String::from_utf8_lossy(tree.bytes(file)?).into_owned();
    let Ok(ast::Mod::Module(m)) =
        rustpython_parser::parse(&text, rustpython_parser::Mode::Module, file)
    else {
        return None;
    };
    for st in &m.body {
        let Stmt::ClassDef(c) = st else { continue };
        if c.name.as_str() != class {
            continue;
        }
        let mut name = None;
        let mut label = None;
        for s in &c.body {
            if let Stmt::Assign(a) = s {
                for t in &a.targets {
                    if let Expr::Name(n) = t {
                        match n.id.as_str() {
                            "name" => name = str_value(&a.value),
                            "label" => label = str_value(&a.value),
                            _ => {}
                        }
                    }
                }
            }
        }
        return name.map(|n| (n, label));
    }
    None
}

/// Records `DATABASES['default']`: the dialect, and the URL (or the variable it comes from).
fn database(site: &mut Site, root: &str, db: &Val) {
    if let Val::EnvUrl { var, default } = db {
        if !var.is_empty() {
            site.config.insert("database_env".into(), var.clone());
        }
        if let Some(url) = default {
            insert_url(site, url);
        }
        return;
    }
    let engine = db.get("ENGINE").and_then(Val::as_str).unwrap_or("");
    let scheme = if engine.contains("postgres") || engine.contains("postgis") {
        "postgres"
    } else if engine.contains("mysql") {
        "mysql"
    } else if engine.contains("sqlite") {
        "sqlite"
    } else {
        if !engine.is_empty() {
            site.config.insert("database_engine".into(), engine.into());
        }
        return;
    };
    site.config.insert("database_engine".into(), engine.into());
    site.config.insert(
        "dialect".into(),
        if scheme == "mysql" { "mysql" } else { scheme }.into(),
    );
    let env_vars: Vec<String> = ["NAME", "USER", "PASSWORD", "HOST", "PORT"]
        .iter()
        .filter_map(|k| match db.get(k) {
            Some(Val::Env { var, .. }) => Some(format!("{k}={var}")),
            _ => None,
        })
        .collect();
    if !env_vars.is_empty() {
        site.config
            .insert("database_env".into(), env_vars.join(", "));
    }
    let get = |k: &str| db.get(k).and_then(Val::as_str).unwrap_or("").to_string();
    let name = get("NAME");
    if name.is_empty() {
        return;
    }
    if scheme == "sqlite" {
        let path = match db.get("NAME") {
            Some(Val::Path(p)) => p.clone(),
            _ if name.starts_with('/') || name == ":memory:" => name,
            _ => join_path(root, &name),
        };
        insert_url(site, &format!("sqlite://{path}"));
        return;
    }
    let (user, password) = (get("USER"), get("PASSWORD"));
    let host = Some(get("HOST"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into());
    let port = get("PORT");
    let auth = match (user.is_empty(), password.is_empty()) {
        (true, _) => String::new(),
        (false, true) => format!("{user}@"),
        (false, false) => format!("{user}:{password}@"),
    };
    let port = if port.is_empty() {
        String::new()
    } else {
        format!(":{port}")
    };
    insert_url(site, &format!("{scheme}://{auth}{host}{port}/{name}"));
}

/// Returns project-relative `path` relative to project-relative folder `dir`.
fn relative_to(dir: &str, path: &str) -> String {
    let from: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    let to: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    let common = from.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; from.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

fn insert_url(site: &mut Site, url: &str) {
    let url = url
        .replace("postgresql://", "postgres://")
        .replace("pgsql://", "postgres://")
        .replace("mysql2://", "mysql://");
    site.config.insert("database_url".into(), url);
}

/// Returns the Django version (`major.minor`) the project pins in a requirements file,
/// `pyproject.toml`, `Pipfile` or `setup.cfg` next to `manage.py` or above it.
fn pinned_version(tree: &SourceTree, root: &str) -> Option<String> {
    let mut dir = root.to_string();
    loop {
        for name in [
            "requirements.txt",
            "requirements/base.txt",
            "requirements/production.txt",
            "pyproject.toml",
            "Pipfile",
            "setup.cfg",
        ] {
            let file = join_path(&dir, name);
            if let Some(text) = tree.bytes(&file).map(String::from_utf8_lossy) {
                if let Some(v) = version_in(&text) {
                    return Some(v);
                }
            }
        }
        if dir.is_empty() {
            return None;
        }
        dir = parent_dir(&dir).to_string();
    }
}

/// Returns `major.minor` of a `django==5.2.1` / `Django>=4.2,<5` / `django = "^5.0"` pin.
pub fn version_in(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(at) = lower[from..].find("django") {
        let start = from + at;
        from = start + 6;
        let before = lower[..start].chars().next_back();
        if before.is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_') {
            continue;
        }
        let rest = &lower[start + 6..];
        let rest = rest.trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, '=' | '>' | '~' | '^' | '"' | '\'' | ':' | '[')
        });
        let digits: String = rest
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = digits.split('.').filter(|p| !p.is_empty());
        if let (Some(major), Some(minor)) = (parts.next(), parts.next()) {
            return Some(format!("{major}.{minor}"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_settings_apps_labels_and_database() {
        let tree = SourceTree::new()
            .with_file("web/manage.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'conf.settings')\n")
            .with_file("web/conf/__init__.py", "")
            .with_file("web/conf/settings.py", "INSTALLED_APPS = ['django.contrib.auth', 'django.contrib.staticfiles', 'shop.apps.ShopConfig', 'blog', 'rest_framework']\nMIGRATION_MODULES = {'blog': 'blog.db_migrations'}\nDATABASES = {'default': {'ENGINE': 'django.db.backends.postgresql', 'NAME': 'app', 'USER': 'u', 'HOST': 'db', 'PORT': '5433'}}\n")
            .with_file("web/shop/__init__.py", "")
            .with_file("web/shop/apps.py", "from django.apps import AppConfig\nclass ShopConfig(AppConfig):\n    name = 'shop'\n    label = 'store'\n")
            .with_file("web/shop/migrations/__init__.py", "")
            .with_file("web/blog/__init__.py", "")
            .with_file("web/requirements.txt", "Django==5.2.4\npsycopg2\n");
        let sites = detect(&tree);
        assert_eq!(sites.len(), 1);
        let s = &sites[0];
        assert_eq!(s.root, "web");
        assert_eq!(s.config["database_url"], "postgres://u@db:5433/app");
        assert_eq!(s.config["dialect"], "postgres");
        assert_eq!(s.config["django_version"], "5.2");
        let apps = apps_of(s);
        let short: Vec<(&str, &str, Option<&str>)> = apps
            .iter()
            .map(|a| (a.label.as_str(), a.kind.as_str(), a.migrations.as_deref()))
            .collect();
        assert_eq!(
            short,
            vec![
                ("auth", "contrib", None),
                ("staticfiles", "no-migrations", None),
                ("store", "project", Some("web/shop/migrations")),
                ("blog", "project", Some("web/blog/db_migrations")),
                ("rest_framework", "external", None),
            ]
        );
    }

    #[test]
    fn reads_versions_and_settings_modules() {
        assert_eq!(relative_to("web/conf", "web/db.sqlite3"), "../db.sqlite3");
        assert_eq!(relative_to("", "db.sqlite3"), "db.sqlite3");
        assert_eq!(version_in("django>=4.2,<5.0").as_deref(), Some("4.2"));
        assert_eq!(
            version_in("[tool.poetry.dependencies]\nDjango = \"^5.1\"").as_deref(),
            Some("5.1")
        );
        assert_eq!(version_in("django-environ==0.11\n").as_deref(), None);
        assert_eq!(
            settings_module("os.environ.setdefault(\"DJANGO_SETTINGS_MODULE\", \"a.b\")")
                .as_deref(),
            Some("a.b")
        );
    }
}
