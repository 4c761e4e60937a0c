//! Django's contrib apps and their migrations (placeholder until the contrib data lands).

use migdoctor_model::{Dialect, SchemaEffect};

/// Returns nothing; one contrib migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContribMigration {
    /// App label.
    pub app: &'static str,
    /// Migration name.
    pub name: &'static str,
    /// Dependencies.
    pub dependencies: Vec<(&'static str, &'static str)>,
}

/// Returns the contrib apps that ship migrations.
pub fn contrib_apps() -> &'static [&'static str] {
    crate::CONTRIB_WITH_MIGRATIONS
}

/// Returns the contrib migrations of a Django version, when known.
pub fn contrib_migrations(_version: (u32, u32)) -> Option<Vec<ContribMigration>> {
    None
}

/// Returns the schema effects of a contrib migration.
pub fn effects(_m: &ContribMigration, _d: Dialect) -> Vec<SchemaEffect> {
    Vec::new()
}

/// Returns the newest Django version known.
pub fn latest_known() -> (u32, u32) {
    (5, 2)
}
