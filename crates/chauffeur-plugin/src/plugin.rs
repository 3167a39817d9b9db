//! The safe trait a plugin implements.

use chauffeur_core::{CallOptions, Describe, Envelope, Plan, RestoreReport};
use serde_json::Value;

use crate::host::HostHandle;

/// An error a plugin returns; it crosses the ABI as `{"error": message, "code": code}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginError {
    /// For a person.
    pub message: String,
    /// Machine-readable kind; `unavailable` makes the section `unavailable`, not `error`.
    pub code: Option<&'static str>,
}

impl PluginError {
    /// A plain failure.
    pub fn new(message: impl Into<String>) -> Self {
        PluginError {
            message: message.into(),
            code: None,
        }
    }

    /// What the plugin captures is not there (no server running, app not installed).
    pub fn unavailable(message: impl Into<String>) -> Self {
        PluginError {
            message: message.into(),
            code: Some("unavailable"),
        }
    }

    /// The host asked for a function the plugin does not have.
    pub fn unknown_function(func: &str) -> Self {
        PluginError {
            message: format!("unknown function {func:?}"),
            code: Some("unknown-function"),
        }
    }
}

impl std::fmt::Display for PluginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for PluginError {}

/// A provider written in Rust: the four verbs of DESIGN 2, plus any extra functions.
///
/// Implementations are called from one host thread at a time per call but must be
/// `Send + Sync`; the instance lives for the whole process (libraries are never unloaded).
pub trait Plugin: Send + Sync + 'static {
    /// `describe []`.
    fn describe(&self) -> Describe;

    /// `capture [options]`.
    fn capture(&self, options: CallOptions) -> Result<Envelope, PluginError>;

    /// `plan [state, options]`: what `restore` would do, with no side effects.
    fn plan(&self, state: Envelope, options: CallOptions) -> Result<Plan, PluginError>;

    /// `restore [state, options]`.
    fn restore(&self, state: Envelope, options: CallOptions) -> Result<RestoreReport, PluginError>;

    /// Any other function; the default knows none.
    fn call(&self, func: &str, args: Vec<Value>) -> Result<Value, PluginError> {
        let _ = args;
        Err(PluginError::unknown_function(func))
    }

    /// Receives the host's callbacks once, before any call; the default ignores them.
    fn attach_host(&self, host: HostHandle) {
        let _ = host;
    }

    /// The host is shutting down.
    fn shutdown(&self) {}
}
