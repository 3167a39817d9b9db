//! The messages between the daemon and a `chauffeur plugin-host` child.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The child's first message, once the library is loaded (or failed to load).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hello {
    /// Loaded and initialised; the plugin's name.
    Ready(String),
    /// Could not load; why. The child exits after sending it.
    Failed(String),
}

/// A call from the daemon.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// The function.
    pub func: String,
    /// Its arguments, a JSON array.
    pub args: Value,
}

/// The child's answer to one [`Request`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Response {
    /// The result, or why there is none.
    pub result: Outcome,
    /// The plugin called `state_changed` since the previous answer.
    #[serde(default)]
    pub state_changed: bool,
}

/// A call's outcome, as [`chauffeur_core::ProviderError`] would classify it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The plugin's JSON answer.
    Ok(Value),
    /// The plugin answered `{"error"}` or broke the contract.
    Failed(String),
    /// The plugin answered `{"error", "code": "unavailable"}`.
    Unavailable(String),
}
