//! Restore: the plan (what `--dry-run` prints) and the run.

use axum::Json;
use axum::extract::State;
use chauffeur_core::SnapshotId;
use chauffeur_engine::{RestorePlan, RestoreRun};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::{Body, Ids};
use crate::state::ApiState;

/// Body of `POST /v1/snapshots/{id}/plan` and `/restore`.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreRequest {
    /// `PROVIDER` or `PROVIDER:ITEM_KEY` selections; empty means everything.
    #[serde(default)]
    pub only: Vec<String>,
    /// Run programs from the snapshot even when they are not on the allowlist.
    #[serde(default)]
    pub allow_commands: bool,
}

/// `POST /v1/snapshots/{id}/plan`: what a restore would do, with no side effects.
#[utoipa::path(post, path = "/v1/snapshots/{id}/plan", params(("id" = i64, Path)), request_body = RestoreRequest,
    responses((status = 200, description = "A plan per provider", body = Object),
        (status = 404, description = "No such snapshot"), (status = 422, description = "Bad selection")))]
pub async fn plan(
    State(state): State<ApiState>,
    Ids(id): Ids<SnapshotId>,
    Body(request): Body<RestoreRequest>,
) -> Result<Json<RestorePlan>, ApiError> {
    Ok(Json(
        state
            .engine
            .plan(id, &request.only, request.allow_commands)
            .await?,
    ))
}

/// `POST /v1/snapshots/{id}/restore`: saves a `before-restore` snapshot, then restores.
#[utoipa::path(post, path = "/v1/snapshots/{id}/restore", params(("id" = i64, Path)), request_body = RestoreRequest,
    responses((status = 200, description = "A per-item report per provider", body = Object),
        (status = 404, description = "No such snapshot"), (status = 422, description = "Bad selection")))]
pub async fn restore(
    State(state): State<ApiState>,
    Ids(id): Ids<SnapshotId>,
    Body(request): Body<RestoreRequest>,
) -> Result<Json<RestoreRun>, ApiError> {
    Ok(Json(
        state
            .engine
            .restore(id, &request.only, request.allow_commands)
            .await?,
    ))
}
