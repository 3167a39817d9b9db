//! The providers the daemon starts with: the builtins, then the native plugins found in
//! the plugin directories.

use std::sync::Arc;

use chauffeur_engine::Registry;
use chauffeur_host::{Kind, NativeProvider, PluginSetup, PluginSummary, load_plugins, plugin_dirs};

use crate::config::{Config, PluginMode};
use crate::paths::Paths;

/// Registers the providers compiled into the binary. Ones the config turns off stay
/// registered (so `chauffeur plugins` lists them as disabled) but are never called.
pub async fn register_builtins(registry: &Registry) -> anyhow::Result<()> {
    let builtins = [
        chauffeur_provider_apps::abi::vtable(),
        chauffeur_provider_tmux::abi::vtable(),
    ];
    for vtable in &builtins {
        registry
            .add(Arc::new(NativeProvider::builtin(vtable)?))
            .await?;
    }
    Ok(())
}

/// Finds, loads and registers the native plugins, each in-process or isolated as the
/// config, the manifest or a crash marker says. What could not be loaded is logged and
/// written to [`Paths::plugin_report_file`] for `chauffeur plugins`; it never stops the
/// daemon.
pub async fn register_plugins(
    registry: &Registry,
    paths: &Paths,
    config: &Config,
    state_changed: Arc<tokio::sync::Notify>,
) {
    let exe = std::env::current_exe().unwrap_or_else(|_| "chauffeur".into());
    let setup = PluginSetup {
        dirs: plugin_dirs(config.plugins.dir.as_deref(), &paths.data_dir, Some(&exe)),
        modes: config
            .providers
            .iter()
            .filter_map(|(name, p)| {
                let kind = match p.mode? {
                    PluginMode::Inprocess => Kind::Inprocess,
                    PluginMode::Isolated => Kind::Isolated,
                };
                Some((name.clone(), kind))
            })
            .collect(),
        exe,
        data_dir: paths.data_dir.clone(),
        on_state_changed: Some(Arc::new(move |plugin: &str| {
            tracing::debug!(plugin, "plugin reports its state changed");
            state_changed.notify_one();
        })),
    };
    let report = tokio::task::spawn_blocking(move || load_plugins(&setup)).await;
    let mut summary = match report {
        Ok(report) => {
            let summary = report.summary();
            for plugin in report.plugins {
                let name = plugin.manifest.name.clone();
                match registry.add(plugin.provider).await {
                    Ok(_) => tracing::info!(
                        plugin = name.as_str(),
                        mode = plugin.mode.as_str(),
                        library = %plugin.library.display(),
                        "plugin loaded"
                    ),
                    Err(e) => {
                        tracing::error!(plugin = name.as_str(), error = %e, "plugin not registered")
                    }
                }
            }
            summary
        }
        Err(e) => {
            tracing::error!(error = %e, "loading plugins failed");
            PluginSummary::default()
        }
    };
    for problem in &summary.problems {
        tracing::warn!("plugin not loaded: {problem}");
    }
    summary.plugins.retain(|p| registry.get(&p.name).is_some());
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    if let Err(e) = std::fs::write(paths.plugin_report_file(), text) {
        tracing::warn!(error = %e, "cannot write the plugin report");
    }
}
