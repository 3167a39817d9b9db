//! Chauffeur's local REST API: axum routes, bearer-token and Host checks, OpenAPI.
