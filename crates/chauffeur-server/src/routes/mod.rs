//! The `/v1` routes, one file per area.

pub mod providers;
pub mod restore;
pub mod snapshots;
pub mod system;

use axum::Router;
use axum::routing::{get, post};

use crate::state::ApiState;

/// Every route of the API.
pub fn routes() -> Router<ApiState> {
    Router::new()
        .route("/v1/health", get(system::health))
        .route("/v1/status", get(system::status))
        .route("/v1/openapi.json", get(system::openapi))
        .route("/v1/doctor", get(system::doctor))
        .route("/v1/prune", post(system::prune))
        .route(
            "/v1/snapshots",
            get(snapshots::list).post(snapshots::create),
        )
        .route("/v1/snapshots/import", post(snapshots::import))
        .route(
            "/v1/snapshots/{id}",
            get(snapshots::show)
                .patch(snapshots::update)
                .delete(snapshots::delete),
        )
        .route("/v1/snapshots/{id}/export", get(snapshots::export))
        .route("/v1/snapshots/{id}/diff/{other}", get(snapshots::diff))
        .route("/v1/snapshots/{id}/plan", post(restore::plan))
        .route("/v1/snapshots/{id}/restore", post(restore::restore))
        .route("/v1/providers", get(providers::list))
        .route("/v1/providers/{name}/call", post(providers::call))
        .route("/v1/providers/{name}/reset", post(providers::reset))
}
