//! Builtin provider `tmux`: every configured tmux server's sessions, windows and panes —
//! layouts, directories, names, titles and the programs that were running — captured in
//! a few tmux commands plus `/proc` reads, and restored exactly and convergently.
//!
//! - [`settings`]: `[providers.tmux.settings]`; [`server`]: running tmux;
//! - [`format`]: the one `list-panes` format and its parsing; [`foreground`]: a pane's
//!   directory and foreground program; [`layout`]: layout strings; [`contents`]: pane
//!   contents;
//! - [`item`]: item data and keys; [`capture`], [`plan`], [`script`] and [`restore`]
//!   implement the verbs.
//!
//! The host reaches it through [`abi::vtable`], like any native plugin. See `docs/tmux.md`.

pub mod capture;
pub mod contents;
pub mod foreground;
pub mod format;
pub mod item;
pub mod layout;
pub mod plan;
pub mod restore;
pub mod script;
pub mod server;
pub mod settings;

use chauffeur_core::{CallOptions, Describe, Envelope, Plan, RestoreReport};
use chauffeur_plugin::{Plugin, PluginError};

pub use capture::SCHEMA;
use settings::Settings;

/// The provider's name, as the host and the configuration know it.
pub const NAME: &str = "tmux";

/// Programs this provider considers safe to start again in a restored pane: editors,
/// pagers and monitors that only show or edit what the user asks for. It documents the
/// defaults of `[restore] allowlist`; what actually runs is decided by the allowlist the
/// engine passes (`CallOptions::may_run`) plus this provider's `allowlist` setting.
/// `tail` is meant for `tail -f`; it is allowlisted by program name.
pub const DEFAULT_ALLOWLIST: &[&str] = &[
    "vim", "nvim", "vi", "nano", "emacs", "micro", "helix", "hx", "less", "more", "man", "top",
    "htop", "btop", "tail", "watch",
];

/// The `tmux` provider. Stateless: every call asks the live servers.
#[derive(Debug, Default, Clone, Copy)]
pub struct TmuxProvider;

/// The settings and the options with the settings' allowlist added.
fn effective(options: CallOptions) -> Result<(CallOptions, Settings), PluginError> {
    let settings = Settings::from_value(&options.settings).map_err(PluginError::new)?;
    let mut options = options;
    options.allowlist.extend(settings.allowlist.iter().cloned());
    Ok((options, settings))
}

impl Plugin for TmuxProvider {
    fn describe(&self) -> Describe {
        Describe::all_verbs(NAME, env!("CARGO_PKG_VERSION"), SCHEMA)
    }

    fn capture(&self, options: CallOptions) -> Result<Envelope, PluginError> {
        capture::capture(&options)
    }

    fn plan(&self, state: Envelope, options: CallOptions) -> Result<Plan, PluginError> {
        let (options, settings) = effective(options)?;
        let live = restore::live_for(&state, &settings)?;
        Ok(plan::plan(&state, &options, &live))
    }

    fn restore(&self, state: Envelope, options: CallOptions) -> Result<RestoreReport, PluginError> {
        let (options, settings) = effective(options)?;
        restore::restore(&state, &options, &settings)
    }
}

chauffeur_plugin::plugin_vtable!(pub mod abi, name = "tmux", plugin = TmuxProvider::default);
