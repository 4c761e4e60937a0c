use serde::{Deserialize, Serialize};
use std::fmt;

/// Returns nothing; names a migration framework migdoctor understands, with a stable lowercase id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Framework {
    /// Alembic (SQLAlchemy).
    #[serde(rename = "alembic")]
    Alembic,
    /// Django migrations.
    #[serde(rename = "django")]
    Django,
    /// Drizzle ORM / drizzle-kit.
    #[serde(rename = "drizzle")]
    Drizzle,
    /// golang-migrate/migrate.
    #[serde(rename = "golang-migrate")]
    GolangMigrate,
    /// migdoctor's own native format.
    #[serde(rename = "native")]
    Native,
}

impl Framework {
    /// Returns the stable id used in JSON, playbook ids and the CLI.
    pub fn id(self) -> &'static str {
        match self {
            Framework::Alembic => "alembic",
            Framework::Django => "django",
            Framework::Drizzle => "drizzle",
            Framework::GolangMigrate => "golang-migrate",
            Framework::Native => "native",
        }
    }

    /// Returns the framework whose stable id is `id`, if any.
    pub fn from_id(id: &str) -> Option<Framework> {
        [
            Framework::Alembic,
            Framework::Django,
            Framework::Drizzle,
            Framework::GolangMigrate,
            Framework::Native,
        ]
        .into_iter()
        .find(|f| f.id() == id)
    }
}

impl fmt::Display for Framework {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}
