//! Builtin provider `apps`: the user's running programs, read from `/proc`, relaunched
//! on restore when the program is allowlisted.
//!
//! - [`proc`] reads `/proc`; [`filter`] decides which processes are programs of interest;
//! - [`item`] is the shape of a captured process (key, title, data);
//! - [`capture`], [`plan`] and [`restore`] implement the verbs; [`launch`] starts a
//!   program detached.
//!
//! The host reaches it through [`abi::vtable`], like any native plugin. See `docs/apps.md`
//! for what is captured and the settings.

pub mod capture;
pub mod filter;
pub mod item;
pub mod launch;
pub mod plan;
pub mod proc;
pub mod restore;

use chauffeur_core::{CallOptions, Describe, Envelope, Plan, RestoreReport};
use chauffeur_plugin::{Plugin, PluginError};

pub use capture::SCHEMA;

/// The provider's name, as the host and the configuration know it.
pub const NAME: &str = "apps";

/// The `apps` provider. Stateless: every call reads the live system.
#[derive(Debug, Default, Clone, Copy)]
pub struct AppsProvider;

impl Plugin for AppsProvider {
    fn describe(&self) -> Describe {
        Describe::all_verbs(NAME, env!("CARGO_PKG_VERSION"), SCHEMA)
    }

    fn capture(&self, options: CallOptions) -> Result<Envelope, PluginError> {
        capture::capture(&options)
    }

    fn plan(&self, state: Envelope, options: CallOptions) -> Result<Plan, PluginError> {
        let running = capture::running_keys()?;
        Ok(plan::plan(&state, &options, &running))
    }

    fn restore(&self, state: Envelope, options: CallOptions) -> Result<RestoreReport, PluginError> {
        restore::restore(&state, &options)
    }
}

chauffeur_plugin::plugin_vtable!(pub mod abi, name = "apps", plugin = AppsProvider::default);
