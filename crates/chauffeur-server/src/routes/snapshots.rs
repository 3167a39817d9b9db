//! Snapshots: list, create, show, rename/pin, delete, diff, export and import.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chauffeur_core::{Envelope, SnapshotDiff, SnapshotId, SnapshotSummary, Trigger};
use chauffeur_store::ExportDocument;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;
use crate::extract::{Body, Ids, Query};
use crate::state::ApiState;

/// Query of `GET /v1/snapshots`.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Newest N only.
    pub limit: Option<usize>,
}

/// `GET /v1/snapshots`: newest first.
#[utoipa::path(get, path = "/v1/snapshots", params(ListQuery),
    responses((status = 200, body = Vec<SnapshotSummary>)))]
pub async fn list(
    State(state): State<ApiState>,
    Query(query): Query<ListQuery>,
) -> Result<Json<Vec<SnapshotSummary>>, ApiError> {
    Ok(Json(state.engine.list(query.limit).await?))
}

/// Body of `POST /v1/snapshots`.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRequest {
    /// A name to find it by.
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST /v1/snapshots`: captures every enabled provider now.
#[utoipa::path(post, path = "/v1/snapshots", request_body = CreateRequest,
    responses((status = 201, body = SnapshotSummary), (status = 422, description = "Bad name")))]
pub async fn create(
    State(state): State<ApiState>,
    Body(request): Body<CreateRequest>,
) -> Result<(StatusCode, Json<SnapshotSummary>), ApiError> {
    let name = checked_name(request.name)?;
    let summary = state.engine.capture(Trigger::Manual, name).await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// A snapshot with its states, for `chauffeur show`.
#[derive(Serialize, ToSchema)]
pub struct SnapshotDetail {
    /// The snapshot and its sections.
    #[serde(flatten)]
    pub snapshot: SnapshotSummary,
    /// Each provider's state.
    pub states: BTreeMap<String, Envelope>,
}

/// `GET /v1/snapshots/{id}`.
#[utoipa::path(get, path = "/v1/snapshots/{id}", params(("id" = i64, Path)),
    responses((status = 200, body = SnapshotDetail), (status = 404, description = "No such snapshot")))]
pub async fn show(
    State(state): State<ApiState>,
    Ids(id): Ids<SnapshotId>,
) -> Result<Json<SnapshotDetail>, ApiError> {
    let (snapshot, states) = state
        .engine
        .with_store(move |s| Ok((s.get(id)?, s.states(id)?)))
        .await?;
    Ok(Json(SnapshotDetail { snapshot, states }))
}

/// Body of `PATCH /v1/snapshots/{id}`: what to change.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateRequest {
    /// A new name; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    /// Pin (kept by retention) or unpin.
    #[serde(default)]
    pub pinned: Option<bool>,
}

/// `PATCH /v1/snapshots/{id}`: rename and/or pin.
#[utoipa::path(patch, path = "/v1/snapshots/{id}", params(("id" = i64, Path)), request_body = UpdateRequest,
    responses((status = 200, body = SnapshotSummary), (status = 404, description = "No such snapshot")))]
pub async fn update(
    State(state): State<ApiState>,
    Ids(id): Ids<SnapshotId>,
    Body(request): Body<UpdateRequest>,
) -> Result<Json<SnapshotSummary>, ApiError> {
    let name = match request.name {
        Some(name) => Some(checked_name(name)?),
        None => None,
    };
    if name.is_none() && request.pinned.is_none() {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "give `name` and/or `pinned`",
        ));
    }
    let pinned = request.pinned;
    let summary = state
        .engine
        .with_store(move |s| {
            let mut summary = s.get(id)?;
            if let Some(name) = name {
                summary = s.rename(id, name)?;
            }
            if let Some(pinned) = pinned {
                summary = s.pin(id, pinned)?;
            }
            Ok(summary)
        })
        .await?;
    Ok(Json(summary))
}

/// `DELETE /v1/snapshots/{id}`: refused when it holds a provider's only good state.
#[utoipa::path(delete, path = "/v1/snapshots/{id}", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, description = "No such snapshot"),
        (status = 422, description = "It holds a provider's last good state")))]
pub async fn delete(
    State(state): State<ApiState>,
    Ids(id): Ids<SnapshotId>,
) -> Result<StatusCode, ApiError> {
    state.engine.with_store(move |s| s.delete(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/snapshots/{id}/diff/{other}`: what changed from `id` to `other`.
#[utoipa::path(get, path = "/v1/snapshots/{id}/diff/{other}",
    params(("id" = i64, Path), ("other" = i64, Path)),
    responses((status = 200, body = SnapshotDiff), (status = 404, description = "No such snapshot")))]
pub async fn diff(
    State(state): State<ApiState>,
    Ids((from, to)): Ids<(SnapshotId, SnapshotId)>,
) -> Result<Json<SnapshotDiff>, ApiError> {
    Ok(Json(state.engine.diff(from, to).await?))
}

/// `GET /v1/snapshots/{id}/export`: a self-describing, versioned JSON document.
#[utoipa::path(get, path = "/v1/snapshots/{id}/export", params(("id" = i64, Path)),
    responses((status = 200, description = "An export document (format chauffeur-snapshot)", body = Object),
        (status = 404, description = "No such snapshot")))]
pub async fn export(
    State(state): State<ApiState>,
    Ids(id): Ids<SnapshotId>,
) -> Result<Json<ExportDocument>, ApiError> {
    Ok(Json(state.engine.with_store(move |s| s.export(id)).await?))
}

/// `POST /v1/snapshots/import`: stores an exported snapshot, marked `import`.
#[utoipa::path(post, path = "/v1/snapshots/import",
    request_body(content = Object, description = "An export document"),
    responses((status = 201, body = SnapshotSummary), (status = 422, description = "Not an export document")))]
pub async fn import(
    State(state): State<ApiState>,
    Body(document): Body<ExportDocument>,
) -> Result<(StatusCode, Json<SnapshotSummary>), ApiError> {
    let summary = state.engine.with_store(move |s| s.import(document)).await?;
    Ok((StatusCode::CREATED, Json(summary)))
}

/// Tells a field given as `null` (`Some(None)`) from a missing one (`None`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// Longest snapshot name accepted.
const MAX_NAME: usize = 200;

fn checked_name(name: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(name) = name else { return Ok(None) };
    let name = name.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_NAME || name.chars().any(char::is_control) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_name",
            format!("a name is 1 to {MAX_NAME} printable characters"),
        ));
    }
    Ok(Some(name))
}
