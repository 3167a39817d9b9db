//! The checks every request passes before a handler sees it (DESIGN 6): a loopback Host
//! with our port, no untrusted browser Origin, and the bearer token.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use chauffeur_addins::Caller;

use crate::error::ApiError;
use crate::state::ApiState;

/// Routes that answer without a token.
const PUBLIC_PATHS: &[&str] = &["/v1/health", "/v1/addins/pair"];

/// Runs the Host, Origin and token checks, and adds CORS headers for allowed origins.
pub async fn guard(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    if let Err(e) = check_host(request.headers(), state.port) {
        return e.into_response();
    }
    let origin = match check_origin(request.headers(), &state.trusted_origins) {
        Ok(origin) => origin,
        Err(e) => return e.into_response(),
    };
    let cors = origin.as_ref().map(|o| o.value.clone());
    if request.method() == Method::OPTIONS && origin.is_some() {
        return with_cors(StatusCode::NO_CONTENT.into_response(), cors);
    }
    let mut request = request;
    if !PUBLIC_PATHS.contains(&request.uri().path()) {
        let checked = caller(request.headers(), &state)
            .and_then(|c| in_scope(c, request.uri().path()))
            .and_then(|c| extension_scope(c, origin.as_ref()));
        match checked {
            Ok(caller) => {
                request.extensions_mut().insert(caller);
            }
            Err(e) => return with_cors(e.into_response(), cors),
        }
    }
    with_cors(next.run(request).await, cors)
}

/// A browser Origin the request may come from.
struct AllowedOrigin {
    value: HeaderValue,
    /// Trusted in the config: may use every route.
    trusted: bool,
}

/// Browser extensions (`chrome-extension://`, `moz-extension://`) are add-ins: they may pair
/// and use add-in tokens, but the user's token only from an origin the config trusts. Web
/// pages never get that far unless trusted (DNS rebinding, cross-site requests).
fn extension_scope(caller: Caller, origin: Option<&AllowedOrigin>) -> Result<Caller, ApiError> {
    match (origin, &caller) {
        (Some(o), Caller::User) if !o.trusted => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "untrusted_origin",
            "a browser extension may use add-in tokens only; pair it or install the native host",
        )),
        _ => Ok(caller),
    }
}

/// Who the bearer token belongs to: the user, an add-in, or a pairing.
fn caller(headers: &HeaderMap, state: &ApiState) -> Result<Caller, ApiError> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    if check_token(presented, &state.token) {
        return Ok(Caller::User);
    }
    state.addins.caller_for(presented).ok_or_else(|| {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "send Authorization: Bearer <token>; the token is in the runtime directory's `token` file",
        )
    })
}

/// Add-in tokens reach only their own routes; pairing tokens only `/register`.
fn in_scope(caller: Caller, path: &str) -> Result<Caller, ApiError> {
    let allowed = match &caller {
        Caller::User => true,
        Caller::Addin(id) => {
            path == "/register"
                || path == format!("/plugin/alive/{id}")
                || path == format!("/v1/addins/{id}")
                || path.starts_with(&format!("/v1/addins/{id}/"))
        }
        Caller::Pairing { .. } => path == "/register",
    };
    if allowed {
        Ok(caller)
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "token_scope",
            "this token is scoped to one add-in and cannot call this route",
        ))
    }
}

fn check_host(headers: &HeaderMap, port: u16) -> Result<(), ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let allowed = ["127.0.0.1", "localhost", "[::1]"]
        .iter()
        .any(|name| host == format!("{name}:{port}"));
    if allowed {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "bad_host",
            format!("Host {host:?} is not a loopback name with port {port}"),
        ))
    }
}

fn check_origin(
    headers: &HeaderMap,
    trusted: &[String],
) -> Result<Option<AllowedOrigin>, ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(None);
    };
    let text = origin.to_str().unwrap_or_default();
    if trusted.iter().any(|t| t == text) {
        return Ok(Some(AllowedOrigin {
            value: origin.clone(),
            trusted: true,
        }));
    }
    if text.starts_with("chrome-extension://") || text.starts_with("moz-extension://") {
        return Ok(Some(AllowedOrigin {
            value: origin.clone(),
            trusted: false,
        }));
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "untrusted_origin",
        format!("origin {text:?} is not trusted; add it to daemon.trusted_origins in config.toml"),
    ))
}

fn check_token(presented: &str, token: &str) -> bool {
    !token.is_empty() && bool::from(presented.as_bytes().ct_eq(token.as_bytes()))
}

fn with_cors(mut response: Response, origin: Option<HeaderValue>) -> Response {
    if let Some(origin) = origin {
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, PATCH, DELETE"),
        );
        headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}
