//! Calling a pull add-in's loopback callback.

use std::time::Duration;

use chauffeur_core::ProviderError;
use serde_json::{Value, json};

/// Largest answer read from a callback.
const MAX_ANSWER: u64 = 64 * 1024 * 1024;

/// `POST callback {"function","args","deadline_ms"}` with the add-in's own token as the
/// bearer, under the deadline; blocking, so it runs on a blocking thread.
pub async fn call(
    url: String,
    token: String,
    function: &str,
    args: Value,
    deadline: Duration,
) -> Result<Value, ProviderError> {
    let body =
        json!({ "function": function, "args": args, "deadline_ms": deadline.as_millis() as u64 });
    let work = tokio::task::spawn_blocking(move || post(&url, &token, &body, deadline));
    match tokio::time::timeout(deadline, work).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(e)) => Err(ProviderError::Failed(format!("callback task failed: {e}"))),
        Err(_) => Err(ProviderError::Timeout(deadline)),
    }
}

fn post(url: &str, token: &str, body: &Value, deadline: Duration) -> Result<Value, ProviderError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .max_redirects(0)
        .timeout_global(Some(deadline))
        .build()
        .into();
    let mut response = agent
        .post(url)
        .header("Authorization", format!("Bearer {token}"))
        .send_json(body)
        .map_err(|e| match e {
            ureq::Error::Timeout(_) => ProviderError::Timeout(deadline),
            other => ProviderError::Unavailable(format!("callback {url} unreachable: {other}")),
        })?;
    let status = response.status();
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER)
        .read_to_string()
        .map_err(|e| ProviderError::Failed(format!("callback answer unreadable: {e}")))?;
    if !status.is_success() {
        return Err(ProviderError::Failed(format!(
            "callback answered {status}: {text}"
        )));
    }
    serde_json::from_str(&text)
        .map_err(|e| ProviderError::Failed(format!("callback answered invalid JSON: {e}")))
}
