//! Hosting Chauffeur providers: the builtin table, dlopen'd libraries, isolated
//! plugin-host children and add-ins.
//!
//! Every native provider, builtin or loaded, is reached through one [`NativeTable`]: the
//! ABI's function pointers. [`NativeProvider`] turns such a table into an engine
//! [`chauffeur_core::Provider`] whose calls run on a worker thread under a deadline.
//!
//! Native plugins are found by [`discovery`] (directories, `manifest.json` per
//! [`manifest`], ownership checks), loaded by [`dylib`] with the callbacks of
//! [`host_api`], guarded by [`crash_marker`], or run in a child process by [`isolated`].
//! [`load_plugins`] puts it all together.

pub mod crash_marker;
pub mod discovery;
pub mod dylib;
pub mod host_api;
pub mod isolated;
pub mod manifest;
mod native;
mod plugins;
mod problem;

pub use crash_marker::CrashMarkers;
pub use discovery::{Discovered, plugin_dirs};
pub use host_api::StateChangedHook;
pub use isolated::{BreakerPolicy, IsolatedProvider, IsolatedSpec, serve_stdio};
pub use manifest::{Kind, Manifest};
pub use native::{NativeProvider, NativeTable, TableError};
pub use plugins::{LoadReport, LoadedPlugin, PluginLine, PluginSetup, PluginSummary, load_plugins};
pub use problem::LoadProblem;
