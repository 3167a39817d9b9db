//! The `/v1` routes, one file per area.

pub mod addins;
pub mod events;
pub mod providers;
pub mod restore;
pub mod snapshots;
pub mod system;

use axum::Router;
use axum::routing::{delete, get, post, put};

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
        .route("/v1/events", get(events::events))
        .route("/register", post(addins::register))
        .route("/plugin/alive/{id}", post(addins::alive))
        .route("/v1/addins", get(addins::list))
        .route("/v1/addins/pair", post(addins::pair))
        .route("/v1/addins/pairings", get(addins::pairings))
        .route("/v1/addins/pairings/{code}/approve", post(addins::approve))
        .route("/v1/addins/{id}", delete(addins::unregister))
        .route("/v1/addins/{id}/state", put(addins::push))
        .route("/v1/addins/{id}/gone", post(addins::gone))
        .route("/v1/addins/{id}/commands", get(addins::poll))
        .route("/v1/addins/{id}/commands/{command}", post(addins::answer))
        .route("/v1/providers/{name}/call", post(providers::call))
        .route("/v1/providers/{name}/reset", post(providers::reset))
}
