//! The add-in protocol (docs/protocol.md): register, heartbeat, push, the command channel,
//! pairing, and the list the user sees.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use chauffeur_addins::{
    AddinError, AddinInfo, AddinProvider, Caller, Command, PairingInfo, PairingTicket,
    RegisterRequest, Registered,
};
use chauffeur_core::{Envelope, Provider};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::extract::{Body, Query};
use crate::state::ApiState;

impl From<AddinError> for ApiError {
    fn from(e: AddinError) -> Self {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        ApiError::new(status, e.code(), e.to_string())
    }
}

/// `POST /register`: an add-in joins; answers its scoped token and timings.
#[utoipa::path(post, path = "/register", request_body(content = Object, description = "See docs/protocol.md"),
    responses((status = 201, description = "Registered: protocol, token, heartbeat_interval_ms, dead_after_ms", body = Object),
        (status = 403, description = "Pairing not approved, or a token for another add-in"),
        (status = 409, description = "A live add-in holds the id"),
        (status = 422, description = "No common protocol, or a bad field")))]
pub async fn register(
    State(state): State<ApiState>,
    Extension(caller): Extension<Caller>,
    Body(request): Body<RegisterRequest>,
) -> Result<(StatusCode, Json<Registered>), ApiError> {
    let registered = state.addins.register(request, &caller)?;
    let provider = AddinProvider::new(registered.id.clone(), Arc::clone(&state.addins));
    let describe = provider
        .call(
            chauffeur_core::verbs::names::DESCRIBE,
            Value::Array(vec![]),
            Duration::from_secs(1),
        )
        .await
        .ok()
        .and_then(|v| serde_json::from_value(v).ok());
    state
        .engine
        .registry()
        .replace(Arc::new(provider), describe);
    Ok((StatusCode::CREATED, Json(registered)))
}

/// `POST /plugin/alive/{id}`: the heartbeat.
#[utoipa::path(post, path = "/plugin/alive/{id}", params(("id" = String, Path)),
    responses((status = 204, description = "Alive"), (status = 404, description = "register_again")))]
pub async fn alive(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.addins.touch(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /v1/addins/{id}`: the add-in leaves.
#[utoipa::path(delete, path = "/v1/addins/{id}", params(("id" = String, Path)),
    responses((status = 204, description = "Unregistered"), (status = 404, description = "Not registered")))]
pub async fn unregister(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.addins.unregister(&id)?;
    state.engine.registry().remove(&id);
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/addins/{id}/gone`: the add-in (or the native host speaking for a browser)
/// says it is gone; it is dead at once and its last state stays, stale.
#[utoipa::path(post, path = "/v1/addins/{id}/gone", params(("id" = String, Path)),
    responses((status = 204, description = "Marked dead"), (status = 404, description = "Not live")))]
pub async fn gone(
    State(state): State<ApiState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.addins.declare_dead(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `PUT /v1/addins/{id}/state`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Grows with every push of one registration.
    pub seq: u64,
    /// The state envelope.
    pub state: Envelope,
}

/// `PUT /v1/addins/{id}/state`: a push add-in's new state.
#[utoipa::path(put, path = "/v1/addins/{id}/state", params(("id" = String, Path)), request_body = PushRequest,
    responses((status = 204, description = "Accepted"), (status = 404, description = "register_again"),
        (status = 409, description = "stale_sequence"), (status = 422, description = "Bad envelope")))]
pub async fn push(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Body(request): Body<PushRequest>,
) -> Result<StatusCode, ApiError> {
    // Envelope's own rules (unique, non-empty keys) beyond what serde checks.
    let envelope = serde_json::to_value(&request.state)
        .ok()
        .and_then(|v| Envelope::from_value(v).ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "item keys must be unique and non-empty",
            )
        })?;
    state.addins.push(&id, request.seq, envelope)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of the long-poll.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PollQuery {
    /// How long to wait for a command, in ms (default 25000, at most 30000).
    pub wait_ms: Option<u64>,
}

/// What the long-poll answers.
#[derive(Serialize, ToSchema)]
pub struct Commands {
    /// Commands to carry out; empty when the wait ran out.
    #[schema(value_type = Vec<Object>)]
    pub commands: Vec<Command>,
}

/// `GET /v1/addins/{id}/commands`: waits for commands (push add-ins).
#[utoipa::path(get, path = "/v1/addins/{id}/commands", params(("id" = String, Path), PollQuery),
    responses((status = 200, body = Commands), (status = 404, description = "register_again")))]
pub async fn poll(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(query): Query<PollQuery>,
) -> Result<Json<Commands>, ApiError> {
    let wait = Duration::from_millis(query.wait_ms.unwrap_or(25_000));
    let mut stopping = state.stopping.clone();
    let commands = tokio::select! {
        commands = state.addins.poll(&id, wait) => commands?,
        _ = stopping.wait_for(|s| *s) => Vec::new(),
    };
    Ok(Json(Commands { commands }))
}

/// Body of a command's result: exactly one of `result` and `error`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommandResult {
    /// The function's answer.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub result: Option<Value>,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
}

/// `POST /v1/addins/{id}/commands/{command}`: a command's result.
#[utoipa::path(post, path = "/v1/addins/{id}/commands/{command}",
    params(("id" = String, Path), ("command" = String, Path)), request_body = CommandResult,
    responses((status = 204, description = "Taken"), (status = 404, description = "unknown_command or register_again")))]
pub async fn answer(
    State(state): State<ApiState>,
    Path((id, command)): Path<(String, String)>,
    Body(body): Body<CommandResult>,
) -> Result<StatusCode, ApiError> {
    let result = match (body.result, body.error) {
        (_, Some(error)) => Err(error),
        (Some(result), None) => Ok(result),
        (None, None) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                "send {\"result\": ...} or {\"error\": \"...\"}",
            ));
        }
    };
    state.addins.answer(&id, &command, result)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/addins`: every add-in with its liveness.
#[utoipa::path(get, path = "/v1/addins", responses((status = 200, body = Vec<Object>)))]
pub async fn list(State(state): State<ApiState>) -> Json<Vec<AddinInfo>> {
    Json(state.addins.list())
}

/// Body of `POST /v1/addins/pair`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PairRequest {
    /// The add-in id to register once approved.
    pub id: String,
    /// Its name, shown to the user.
    pub name: String,
}

/// `POST /v1/addins/pair` (no token): asks the user for approval.
#[utoipa::path(post, path = "/v1/addins/pair", request_body = PairRequest, security(()),
    responses((status = 201, description = "code, pairing_token, expires_in_ms", body = Object),
        (status = 429, description = "Too many pairings waiting")))]
pub async fn pair(
    State(state): State<ApiState>,
    Body(request): Body<PairRequest>,
) -> Result<(StatusCode, Json<PairingTicket>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(state.addins.pair(request.id, request.name)?),
    ))
}

/// `GET /v1/addins/pairings`: pairings waiting for the user.
#[utoipa::path(get, path = "/v1/addins/pairings", responses((status = 200, body = Vec<Object>)))]
pub async fn pairings(State(state): State<ApiState>) -> Json<Vec<PairingInfo>> {
    Json(state.addins.pairings())
}

/// `POST /v1/addins/pairings/{code}/approve`: the user approves a code.
#[utoipa::path(post, path = "/v1/addins/pairings/{code}/approve", params(("code" = String, Path)),
    responses((status = 200, body = Object), (status = 404, description = "No such code")))]
pub async fn approve(
    State(state): State<ApiState>,
    Path(code): Path<String>,
) -> Result<Json<PairingInfo>, ApiError> {
    Ok(Json(state.addins.approve(&code)?))
}
