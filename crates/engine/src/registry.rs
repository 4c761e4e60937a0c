//! The adapters compiled into this build.

use migdoctor_model::{Adapter, Framework};

/// Returns every adapter compiled in (each behind its `adapter-<name>` feature).
pub fn adapters() -> Vec<&'static dyn Adapter> {
    vec![
        #[cfg(feature = "adapter-alembic")]
        &migdoctor_adapter_alembic::Alembic,
        #[cfg(feature = "adapter-django")]
        &migdoctor_adapter_django::Django,
        #[cfg(feature = "adapter-golang-migrate")]
        &migdoctor_adapter_golang_migrate::GolangMigrate,
        #[cfg(feature = "adapter-drizzle")]
        &migdoctor_adapter_drizzle::Drizzle,
    ]
}

/// Returns the adapter for `framework`, if compiled in.
pub fn adapter_for(framework: Framework) -> Option<&'static dyn Adapter> {
    adapters().into_iter().find(|a| a.framework() == framework)
}
