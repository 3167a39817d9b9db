//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::routes::{addins, events, providers, restore, snapshots, system};

#[derive(OpenApi)]
#[openapi(
    info(title = "Chauffeur", description = "The local REST API of the Chauffeur daemon. Every route but /v1/health needs `Authorization: Bearer <token>` (the `token` file in the runtime directory). Errors are `{\"error\":{\"code\",\"message\"}}`."),
    paths(
        system::health, system::status, system::doctor, system::prune, system::openapi,
        snapshots::list, snapshots::create, snapshots::show, snapshots::update,
        snapshots::delete, snapshots::diff, snapshots::export, snapshots::import,
        restore::plan, restore::restore,
        providers::list, providers::call, providers::reset, events::events,
        addins::register, addins::alive, addins::unregister, addins::gone, addins::push, addins::poll,
        addins::answer, addins::list, addins::pair, addins::pairings, addins::approve,
    ),
    security(("token" = [])),
    modifiers(&BearerToken),
)]
struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// This API's OpenAPI 3.1 document.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The document as pretty JSON, as checked into `docs/openapi.json`.
pub fn document_json() -> String {
    document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
        + "\n"
}
