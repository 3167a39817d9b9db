//! The providers the daemon starts with.

use std::sync::Arc;

use chauffeur_engine::Registry;
use chauffeur_host::NativeProvider;

/// Registers the providers compiled into the binary. Ones the config turns off stay
/// registered (so `chauffeur plugins` lists them as disabled) but are never called.
pub async fn register_builtins(registry: &Registry) -> anyhow::Result<()> {
    let builtins = [chauffeur_provider_apps::abi::vtable()];
    for vtable in &builtins {
        registry
            .add(Arc::new(NativeProvider::builtin(vtable)?))
            .await?;
    }
    Ok(())
}
