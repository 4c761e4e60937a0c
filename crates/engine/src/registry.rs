//! The adapters compiled into this build.

use migdoctor_model::{Adapter, Framework};

/// Returns every adapter compiled in (each behind its `adapter-<name>` feature).
pub fn adapters() -> Vec<&'static dyn Adapter> {
    #[allow(unused_mut)]
    let mut out: Vec<&'static dyn Adapter> = Vec::new();
    #[cfg(feature = "adapter-golang-migrate")]
    out.push(&migdoctor_adapter_golang_migrate::GolangMigrate);
    out
}

/// Returns the adapter for `framework`, if compiled in.
pub fn adapter_for(framework: Framework) -> Option<&'static dyn Adapter> {
    adapters().into_iter().find(|a| a.framework() == framework)
}
