//! The local REST API.
//!
//! JSON everywhere, versioned routes under `/v1`, one error shape
//! (`{"error":{"code","message"}}`), a bearer token on every route but the health check,
//! a Host allowlist against DNS rebinding and no CORS unless an origin is trusted
//! (DESIGN 6). Handlers only translate between HTTP and the engine.

mod error;
mod extract;
mod guard;
pub mod openapi;
pub mod routes;
mod state;

pub use error::ApiError;
pub use state::{ApiState, DaemonInfo};

use axum::Router;
use axum::extract::DefaultBodyLimit;

/// Largest request body accepted, in bytes (an import of a big snapshot fits easily).
pub const BODY_LIMIT: usize = 16 * 1024 * 1024;

/// Builds the whole API around a state.
pub fn router(state: ApiState) -> Router {
    routes::routes()
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::guard,
        ))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(state)
}
