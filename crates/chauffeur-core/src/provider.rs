//! The provider contract: anything that captures and restores one part of the working
//! state, however it is hosted.
//!
//! Every hosting (builtin, in-process library, isolated child process, add-in over REST)
//! ends in the same place: a named function called with a JSON array of arguments that
//! answers JSON. The engine speaks only this trait; typed helpers parse the answers.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A boxed, sendable future, so the trait stays object-safe without an extra crate.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a provider's code runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Hosting {
    /// Compiled into the `chauffeur` binary, called through the C ABI table.
    Builtin,
    /// A native library loaded into the daemon.
    Inprocess,
    /// A native library loaded into a `chauffeur plugin-host` child process.
    Isolated,
    /// A separate program that registered over the REST API.
    Addin,
}

/// Whether a provider can be called right now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ProviderHealth {
    /// Ready.
    Ok,
    /// Reachable but slow to answer or missing heartbeats.
    Unresponsive,
    /// Gone; its last state is used, marked stale.
    Dead,
    /// A call overran its deadline; no further calls until it is restarted.
    Quarantined {
        /// Why.
        reason: String,
    },
    /// The isolated host crashed too often; `chauffeur plugins reset` re-arms it.
    CircuitOpen {
        /// Why.
        reason: String,
    },
    /// Turned off by the user or the configuration.
    Disabled,
}

/// Why a call into a provider did not produce an answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// The call overran its deadline.
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    /// What the provider captures is not there (no server running, app not installed).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The provider answered `{"error": ...}` or broke the contract.
    #[error("{0}")]
    Failed(String),
    /// The provider cannot be called (quarantined, circuit open, dead, disabled).
    #[error("not callable: {0}")]
    NotCallable(String),
    /// The provider is not live, but its last known state is still worth keeping
    /// (a dead add-in's last push).
    #[error("stale state from {captured_at}")]
    Stale {
        /// The last known state.
        state: Value,
        /// When it was captured (RFC 3339).
        captured_at: String,
    },
}

/// A capture/restore provider, whatever its hosting.
pub trait Provider: Send + Sync + 'static {
    /// Provider id, unique in the registry.
    fn id(&self) -> &str;

    /// Where its code runs.
    fn hosting(&self) -> Hosting;

    /// Calls one function with a JSON array of arguments; must give up after `deadline`.
    fn call<'a>(
        &'a self,
        func: &'a str,
        args: Value,
        deadline: Duration,
    ) -> BoxFuture<'a, Result<Value, ProviderError>>;

    /// Current health, for `status` and `plugins`.
    fn health(&self) -> ProviderHealth {
        ProviderHealth::Ok
    }

    /// Re-arms a provider that stopped being callable (an isolated plugin whose circuit
    /// breaker opened); `Err` says why it cannot be. The default has nothing to re-arm.
    fn reset(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Turns a provider's raw JSON answer into a result: `{"error": "..."}` becomes an error,
/// and `{"error": "...", "code": "unavailable"}` becomes [`ProviderError::Unavailable`].
pub fn answer_to_result(answer: Value) -> Result<Value, ProviderError> {
    let Value::Object(map) = &answer else {
        return Ok(answer);
    };
    let Some(error) = map.get("error") else {
        return Ok(answer);
    };
    let message = match error {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match map.get("code").and_then(Value::as_str) {
        Some("unavailable") => Err(ProviderError::Unavailable(message)),
        _ => Err(ProviderError::Failed(message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn error_objects_become_errors() {
        assert_eq!(
            answer_to_result(json!({"error": "boom"})),
            Err(ProviderError::Failed("boom".into()))
        );
        assert_eq!(
            answer_to_result(json!({"error": "no server", "code": "unavailable"})),
            Err(ProviderError::Unavailable("no server".into()))
        );
        assert_eq!(answer_to_result(json!([1, 2])), Ok(json!([1, 2])));
        assert_eq!(
            answer_to_result(json!({"items": []})),
            Ok(json!({"items": []}))
        );
    }
}
