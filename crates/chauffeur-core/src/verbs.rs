//! The four verbs every provider answers, with their JSON shapes (DESIGN 2).

use serde::{Deserialize, Serialize};

/// The names of the verbs, as they appear in `plugin_call_json(func, ...)`.
pub mod names {
    /// `describe []` → [`super::Describe`].
    pub const DESCRIBE: &str = "describe";
    /// `capture [options]` → [`crate::Envelope`].
    pub const CAPTURE: &str = "capture";
    /// `plan [state, options]` → [`super::Plan`].
    pub const PLAN: &str = "plan";
    /// `restore [state, options]` → [`super::RestoreReport`].
    pub const RESTORE: &str = "restore";
}

/// What a provider says about itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Describe {
    /// Provider id; equals the plugin name.
    pub name: String,
    /// Provider version.
    pub version: String,
    /// Version of the state schema it writes.
    pub schema: u32,
    /// Which verbs it supports: `capture`, `plan`, `restore`.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Extra functions it answers to besides the four verbs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub functions: Vec<String>,
}

impl Describe {
    /// A provider that captures, plans and restores, with no extra functions.
    pub fn all_verbs(name: &str, version: &str, schema: u32) -> Self {
        Describe {
            name: name.to_owned(),
            version: version.to_owned(),
            schema,
            capabilities: vec!["capture".into(), "plan".into(), "restore".into()],
            functions: Vec::new(),
        }
    }
}

/// Options passed to `capture`, `plan` and `restore`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CallOptions {
    /// Restrict the call to these item keys (and their descendants); empty means all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub only: Vec<String>,
    /// The user allowed running commands from the snapshot even when not allowlisted.
    #[serde(default)]
    pub allow_commands: bool,
    /// Programs (executable base names) that may be started without asking.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowlist: Vec<String>,
    /// The snapshot was imported: run no command at all unless `allow_commands`.
    #[serde(default)]
    pub imported: bool,
    /// The provider's own settings from `config.toml` (`[providers.NAME.settings]`);
    /// `null` when there are none. Opaque to the core.
    #[serde(default, skip_serializing_if = "serde_json::Value::is_null")]
    pub settings: serde_json::Value,
}

impl CallOptions {
    /// Whether a program may be started: never for an imported snapshot unless the user
    /// passed the flag; otherwise when allowlisted or allowed by the user.
    pub fn may_run(&self, program: &str) -> bool {
        if self.allow_commands {
            return true;
        }
        if self.imported {
            return false;
        }
        let base = program.rsplit('/').next().unwrap_or(program);
        self.allowlist.iter().any(|p| p == base || p == program)
    }
}

/// What `plan` intends to do with one item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    /// It is missing and will be opened.
    Open,
    /// It is already there; nothing to do.
    AlreadyPresent,
    /// It will not be restored (not selected, not restorable).
    Skip,
    /// Restoring it would run a command the user has not allowed.
    NeedsConfirmation,
}

/// One line of a plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedAction {
    /// The item's key.
    pub key: String,
    /// What would happen.
    pub action: ActionKind,
    /// Why, or what exactly, for a person.
    #[serde(default)]
    pub detail: String,
}

/// The answer to `plan`: no side effects, just what `restore` would do.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    /// One action per item considered.
    pub actions: Vec<PlannedAction>,
}

/// How restoring one item went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// It was missing and is back.
    Restored,
    /// It was already there and left alone.
    AlreadyPresent,
    /// It was not restored on purpose.
    Skipped,
    /// Restoring it failed.
    Failed,
}

/// One line of a restore report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreResult {
    /// The item's key.
    pub key: String,
    /// What happened.
    pub outcome: Outcome,
    /// Details for a person.
    #[serde(default)]
    pub message: String,
}

/// The answer to `restore`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoreReport {
    /// One result per item considered.
    pub results: Vec<RestoreResult>,
}
