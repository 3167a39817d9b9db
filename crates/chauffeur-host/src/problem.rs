//! A plugin that was not loaded, and why.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// Something in a plugin directory that was refused or failed to load. Nothing else is
/// affected: the other plugins load as usual.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadProblem {
    /// The plugin's name, when the manifest could be read that far.
    pub plugin: Option<String>,
    /// The file or directory at fault.
    pub path: PathBuf,
    /// Why, for a person.
    pub reason: String,
}

impl LoadProblem {
    /// A problem with `path`.
    pub fn new(plugin: Option<&str>, path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        LoadProblem {
            plugin: plugin.map(str::to_owned),
            path: path.into(),
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for LoadProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.plugin {
            Some(name) => write!(f, "{name}: {} ({})", self.reason, self.path.display()),
            None => write!(f, "{}: {}", self.path.display(), self.reason),
        }
    }
}
