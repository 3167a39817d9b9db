//! Health, status, doctor, prune and the OpenAPI document.

use axum::Json;
use axum::extract::State;
use chauffeur_engine::ProviderInfo;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::Body;
use crate::state::{ApiState, DaemonInfo};

/// The daemon's state, for `chauffeur status`.
#[derive(Serialize, ToSchema)]
pub struct Status {
    /// Process id, URL, version and start time.
    #[schema(value_type = Object)]
    pub daemon: DaemonInfo,
    /// Seconds since start.
    pub uptime_secs: i64,
    /// Every provider with its health.
    #[schema(value_type = Vec<Object>)]
    pub providers: Vec<ProviderInfo>,
    /// Snapshots stored.
    pub snapshots: usize,
    /// Bytes the store takes on disk.
    pub store_bytes: u64,
}

/// `GET /v1/health`: answers without a token, so a client can tell the daemon runs.
#[utoipa::path(get, path = "/v1/health", security(()), responses((status = 200, description = "The daemon runs")))]
pub async fn health(State(state): State<ApiState>) -> Json<Value> {
    Json(json!({ "status": "ok", "version": state.info.version }))
}

/// `GET /v1/status`.
#[utoipa::path(get, path = "/v1/status", responses((status = 200, body = Status)))]
pub async fn status(State(state): State<ApiState>) -> Result<Json<Status>, ApiError> {
    let (snapshots, store_bytes) = state
        .engine
        .with_store(|s| Ok((s.count()?, s.size_bytes()?)))
        .await?;
    Ok(Json(Status {
        daemon: (*state.info).clone(),
        uptime_secs: (Utc::now() - state.info.started_at).num_seconds(),
        providers: state.engine.provider_infos(),
        snapshots,
        store_bytes,
    }))
}

/// `GET /v1/doctor`: SQLite integrity and every blob's hash.
#[utoipa::path(get, path = "/v1/doctor", responses((status = 200, description = "A DoctorReport")))]
pub async fn doctor(State(state): State<ApiState>) -> Result<Json<Value>, ApiError> {
    let report = state.engine.with_store(|s| s.doctor()).await?;
    Ok(Json(to_json(&report)?))
}

/// Body of `POST /v1/prune`.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PruneRequest {
    /// Only say what would be deleted.
    #[serde(default)]
    pub dry_run: bool,
}

/// What prune deleted, or would delete.
#[derive(Serialize, ToSchema)]
pub struct PruneResult {
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// The snapshots deleted (or that would be).
    pub pruned: Vec<i64>,
}

/// `POST /v1/prune`: applies retention to automatic snapshots.
#[utoipa::path(post, path = "/v1/prune", request_body = PruneRequest, responses((status = 200, body = PruneResult)))]
pub async fn prune(
    State(state): State<ApiState>,
    Body(request): Body<PruneRequest>,
) -> Result<Json<PruneResult>, ApiError> {
    let policy = state.engine.settings().retention;
    let dry_run = request.dry_run;
    let pruned = state
        .engine
        .with_store(move |s| s.prune(&policy, Utc::now(), dry_run))
        .await?;
    Ok(Json(PruneResult { dry_run, pruned }))
}

/// `GET /v1/openapi.json`: this API's OpenAPI document.
#[utoipa::path(get, path = "/v1/openapi.json", responses((status = 200, description = "OpenAPI 3.1 document")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(crate::openapi::document())
}

/// Serializes a value from another crate into JSON for a response.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Result<Value, ApiError> {
    serde_json::to_value(value).map_err(|e| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            e.to_string(),
        )
    })
}
