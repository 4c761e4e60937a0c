//! Django support for migdoctor.
//!
//! Finds Django projects (`manage.py`, the settings module it names, `INSTALLED_APPS`,
//! `MIGRATION_MODULES`, `DATABASES`), reads every app's migrations with a real Python parser
//! into one graph across apps (contrib apps included, squashes resolved as Django's loader
//! does), derives schema effects with the names Django's schema editor generates, decodes
//! `django_migrations` and renders `migrate --fake` / unfake / dedupe / rebuild.
//!
//! ```
//! use migdoctor_adapter_django::Django;
//! use migdoctor_model::{Adapter, SourceTree};
//! let tree = SourceTree::new()
//!     .with_file("manage.py", "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_conf.settings')\n")
//!     .with_file("site_conf/settings.py", "INSTALLED_APPS = ['shop']\n")
//!     .with_file("shop/__init__.py", "")
//!     .with_file("shop/migrations/__init__.py", "")
//!     .with_file("shop/migrations/0001_initial.py", "from django.db import migrations\nclass Migration(migrations.Migration):\n    initial = True\n    operations = []\n")
//!     .with_file("shop/migrations/0002_more.py", "from django.db import migrations\nclass Migration(migrations.Migration):\n    dependencies = [('shop', '0001_initial')]\n    operations = []\n");
//! let site = &Django.detect(&tree)[0];
//! let history = Django.load_history(&tree, site).unwrap();
//! assert_eq!(history.heads()[0].as_str(), "shop.0002_more");
//! ```
#![warn(missing_docs)]

pub mod contrib;
mod detect;
mod findings;
mod history;
mod merge;
pub mod names;
mod ops;
mod parse;
mod quick;
mod settings;
mod tracking;

pub use detect::{apps_of, settings_module, version_in, App, CONTRIB_WITH_MIGRATIONS};
pub use merge::merge_migration;
pub use parse::{parse_migration, Op, Parsed};
pub use tracking::TABLE;

use migdoctor_model::{
    Action, Adapter, AdapterError, ConnectionFacts, Dialect, Finding, Framework, History, LockKey,
    Rows, Site, SourceTree, Sql, TableShape, TrackingLocation, TrackingState,
};

/// Returns nothing; the Django adapter.
#[derive(Clone, Copy, Debug, Default)]
pub struct Django;

impl Adapter for Django {
    fn framework(&self) -> Framework {
        Framework::Django
    }

    fn wants(&self, path: &str) -> bool {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = dir.rsplit('/').next().unwrap_or(dir);
        name == "manage.py"
            || name == "apps.py"
            || name == "__init__.py"
            || (name.ends_with(".py") && (name.contains("settings") || parent == "settings"))
            || (name.ends_with(".py") && (parent == "migrations" || parent.contains("migrations")))
            || matches!(
                name,
                "requirements.txt"
                    | "pyproject.toml"
                    | "Pipfile"
                    | "setup.cfg"
                    | "base.txt"
                    | "production.txt"
            )
    }

    fn detect(&self, tree: &SourceTree) -> Vec<Site> {
        detect::detect(tree)
    }

    fn folders(&self, site: &Site) -> Vec<(String, bool)> {
        // MIGRATION_MODULES may point at folders `wants` did not keep.
        apps_of(site)
            .into_iter()
            .filter_map(|a| a.migrations)
            .map(|m| (m, false))
            .collect()
    }

    fn load_history(&self, tree: &SourceTree, site: &Site) -> Result<History, AdapterError> {
        history::load_history(tree, site)
    }

    fn tracking_location(&self, _site: &Site, facts: &ConnectionFacts) -> TrackingLocation {
        tracking::location(facts)
    }

    fn tracking_query(&self, dialect: Dialect, at: &TrackingLocation) -> Sql {
        migdoctor_sql::select_all(dialect, at)
    }

    fn decode_tracking(
        &self,
        at: &TrackingLocation,
        shape: Option<&TableShape>,
        rows: &Rows,
    ) -> Result<TrackingState, AdapterError> {
        tracking::decode(at, shape, rows)
    }

    fn render(
        &self,
        dialect: Dialect,
        at: &TrackingLocation,
        action: &Action,
    ) -> Result<Vec<Sql>, AdapterError> {
        tracking::render(dialect, at, action)
    }

    fn expected_after(
        &self,
        _dialect: Dialect,
        before: &TrackingState,
        actions: &[Action],
    ) -> Result<Rows, AdapterError> {
        tracking::expected_after(before, actions)
    }

    // Django takes no lock; on SQLite migdoctor still holds the write lock.
    fn lock_key(&self, facts: &ConnectionFacts, _at: &TrackingLocation) -> Option<LockKey> {
        (facts.dialect == Dialect::Sqlite).then_some(LockKey::SqliteImmediate)
    }

    fn settle(&self, history: &mut History, tracking: &mut TrackingState) {
        findings::settle(history, tracking)
    }

    fn findings(&self, history: &History, tracking: Option<&TrackingState>) -> Vec<Finding> {
        findings::findings(history, tracking)
    }
}
