//! Providers: what is registered, and calling any function of one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chauffeur_core::ProviderError;
use chauffeur_engine::ProviderInfo;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::Body;
use crate::state::ApiState;

/// `GET /v1/providers`: every provider with its hosting, version and health.
#[utoipa::path(get, path = "/v1/providers",
    responses((status = 200, description = "Every provider", body = Vec<Object>)))]
pub async fn list(State(state): State<ApiState>) -> Json<Vec<ProviderInfo>> {
    Json(state.engine.provider_infos())
}

/// Body of `POST /v1/providers/{name}/call`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    /// The function to call (`describe`, `capture`, or one the provider declares).
    pub function: String,
    /// Its arguments, a JSON array.
    #[serde(default)]
    pub args: Vec<Value>,
}

/// `POST /v1/providers/{name}/call`: calls one function under the capture deadline and
/// answers its JSON result; a provider's `{"error"}` answer is a 422 `provider_error`.
#[utoipa::path(post, path = "/v1/providers/{name}/call", params(("name" = String, Path)), request_body = CallRequest,
    responses((status = 200, description = "The function's JSON result", body = Object),
        (status = 404, description = "No such provider"),
        (status = 422, description = "The provider answered an error"),
        (status = 504, description = "The call overran its deadline")))]
pub async fn call(
    State(state): State<ApiState>,
    Path(name): Path<String>,
    Body(request): Body<CallRequest>,
) -> Result<Json<Value>, ApiError> {
    let provider = state
        .engine
        .registry()
        .get(&name)
        .ok_or_else(|| ApiError::not_found(format!("no provider named {name:?}")))?;
    let deadline = state.engine.settings().restore_deadline;
    provider
        .call(&request.function, Value::Array(request.args), deadline)
        .await
        .map(Json)
        .map_err(|e| provider_error(&name, &request.function, e))
}

/// `POST /v1/providers/{name}/reset`: re-arms a provider, e.g. an isolated plugin whose
/// circuit breaker opened after repeated crashes; answers its new state.
#[utoipa::path(post, path = "/v1/providers/{name}/reset", params(("name" = String, Path)),
    responses((status = 200, description = "The provider after the reset", body = Object),
        (status = 404, description = "No such provider"),
        (status = 409, description = "The provider cannot be reset (an in-process plugin that is quarantined)")))]
pub async fn reset(
    State(state): State<ApiState>,
    Path(name): Path<String>,
) -> Result<Json<ProviderInfo>, ApiError> {
    let provider = state
        .engine
        .registry()
        .get(&name)
        .ok_or_else(|| ApiError::not_found(format!("no provider named {name:?}")))?;
    provider
        .reset()
        .map_err(|reason| ApiError::new(StatusCode::CONFLICT, "cannot_reset", reason))?;
    let info = state
        .engine
        .provider_infos()
        .into_iter()
        .find(|i| i.id == name)
        .ok_or_else(|| ApiError::not_found(format!("no provider named {name:?}")))?;
    Ok(Json(info))
}

fn provider_error(name: &str, function: &str, e: ProviderError) -> ApiError {
    let message = format!("{name}.{function}: {e}");
    match e {
        ProviderError::Timeout(_) => ApiError::new(StatusCode::GATEWAY_TIMEOUT, "timeout", message),
        ProviderError::Failed(_) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "provider_error", message)
        }
        ProviderError::Unavailable(_) | ProviderError::Stale { .. } => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
        }
        ProviderError::NotCallable(_) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_callable", message)
        }
    }
}
