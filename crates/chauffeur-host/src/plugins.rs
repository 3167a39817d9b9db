//! Loading every plugin the directories hold, each in the mode it should run in.
//!
//! The mode is, in order: isolated when a crash marker says the daemon died inside the
//! plugin (see [`crate::crash_marker`]); else the configuration's `mode`; else the
//! manifest's `kind`. A plugin that cannot be loaded becomes a [`LoadProblem`]; the others
//! are not affected.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use chauffeur_core::{Hosting, Provider};
use serde::{Deserialize, Serialize};

use crate::crash_marker::CrashMarkers;
use crate::discovery::{Discovered, discover};
use crate::host_api::{StateChangedHook, init_plugin};
use crate::isolated::{IsolatedProvider, IsolatedSpec};
use crate::manifest::{Kind, Manifest};
use crate::native::NativeProvider;
use crate::problem::LoadProblem;

/// What [`load_plugins`] needs.
#[derive(Clone)]
pub struct PluginSetup {
    /// Plugin directories in search order (see [`crate::discovery::plugin_dirs`]).
    pub dirs: Vec<PathBuf>,
    /// Per-plugin mode from the configuration, overriding the manifest's `kind`.
    pub modes: BTreeMap<String, Kind>,
    /// The `chauffeur` executable, started as `EXE plugin-host` for isolated plugins.
    pub exe: PathBuf,
    /// The data directory; crash markers live in `plugin-state/` under it.
    pub data_dir: PathBuf,
    /// Called with a plugin's name when it says its state changed.
    pub on_state_changed: Option<StateChangedHook>,
}

/// One plugin that is ready to register.
pub struct LoadedPlugin {
    /// The provider to register with the engine.
    pub provider: Arc<dyn Provider>,
    /// Its manifest.
    pub manifest: Manifest,
    /// The library file.
    pub library: PathBuf,
    /// Where it runs.
    pub mode: Kind,
    /// Why it runs somewhere other than it asked, when it does (a crash marker).
    pub note: Option<String>,
}

/// Everything [`load_plugins`] found.
#[derive(Default)]
pub struct LoadReport {
    /// Plugins ready to register, in discovery order.
    pub plugins: Vec<LoadedPlugin>,
    /// What was refused or failed, with the reason.
    pub problems: Vec<LoadProblem>,
}

/// A printable digest of a [`LoadReport`], for `chauffeur plugins`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginSummary {
    /// The loaded plugins.
    pub plugins: Vec<PluginLine>,
    /// What was refused or failed.
    pub problems: Vec<LoadProblem>,
}

/// One loaded plugin in a [`PluginSummary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginLine {
    /// Its name.
    pub name: String,
    /// `inprocess` or `isolated`.
    pub mode: Kind,
    /// The library file.
    pub library: PathBuf,
    /// The functions its manifest declares.
    pub functions: Vec<String>,
    /// Why its mode was forced, if it was.
    pub note: Option<String>,
}

impl LoadReport {
    /// The digest to show users.
    pub fn summary(&self) -> PluginSummary {
        PluginSummary {
            plugins: self
                .plugins
                .iter()
                .map(|p| PluginLine {
                    name: p.manifest.name.clone(),
                    mode: p.mode,
                    library: p.library.clone(),
                    functions: p.manifest.function_names(),
                    note: p.note.clone(),
                })
                .collect(),
            problems: self.problems.clone(),
        }
    }
}

/// Discovers and loads every plugin. In-process ones are `dlopen`ed and initialised now;
/// isolated ones start their child on the first call.
pub fn load_plugins(setup: &PluginSetup) -> LoadReport {
    let (found, mut problems) = discover(&setup.dirs);
    let markers = CrashMarkers::in_data_dir(&setup.data_dir);
    let mut plugins = Vec::new();
    for plugin in found {
        let name = plugin.manifest.name.clone();
        let forced = markers.isolation_reason(&name);
        if let Some(reason) = &forced {
            tracing::warn!(plugin = name.as_str(), "{reason}");
        }
        let mode = if forced.is_some() {
            Kind::Isolated
        } else {
            setup
                .modes
                .get(&name)
                .copied()
                .unwrap_or(plugin.manifest.kind)
        };
        let provider: Result<Arc<dyn Provider>, String> = match mode {
            Kind::Isolated => Ok(Arc::new(isolated(setup, &plugin))),
            Kind::Inprocess => inprocess(setup, &markers, &plugin),
        };
        match provider {
            Ok(provider) => plugins.push(LoadedPlugin {
                provider,
                manifest: plugin.manifest,
                library: plugin.library,
                mode,
                note: forced,
            }),
            Err(reason) => problems.push(LoadProblem::new(Some(&name), &plugin.library, reason)),
        }
    }
    LoadReport { plugins, problems }
}

fn isolated(setup: &PluginSetup, plugin: &Discovered) -> IsolatedProvider {
    let mut spec = IsolatedSpec::new(
        &plugin.manifest.name,
        plugin.library.clone(),
        setup.exe.clone(),
    );
    spec.on_state_changed = setup.on_state_changed.clone();
    IsolatedProvider::new(spec)
}

fn inprocess(
    setup: &PluginSetup,
    markers: &CrashMarkers,
    plugin: &Discovered,
) -> Result<Arc<dyn Provider>, String> {
    let name = plugin.manifest.name.as_str();
    let marker = markers.marker(name).map_err(|e| {
        format!(
            "cannot write its crash marker in {}: {e}",
            markers.dir().display()
        )
    })?;
    // Loading runs the library's initialisers and `chauffeur_plugin_init`: mark them too.
    let table = {
        let _marked = marker.enter();
        let (vtable, table) =
            crate::dylib::load(&plugin.library, name).map_err(|e| e.to_string())?;
        init_plugin(&vtable, name, setup.on_state_changed.clone())?;
        table
    };
    Ok(Arc::new(
        NativeProvider::new(table, Hosting::Inprocess).with_crash_marker(marker),
    ))
}
