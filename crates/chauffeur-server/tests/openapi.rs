//! The OpenAPI document checked into docs/ is the one the code generates.

use std::path::PathBuf;

fn checked_in() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/openapi.json")
}

#[test]
fn docs_openapi_json_matches_the_code() {
    let generated = chauffeur_server::openapi::document_json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(checked_in(), &generated).expect("write docs/openapi.json");
    }
    let on_disk = std::fs::read_to_string(checked_in()).unwrap_or_default();
    assert!(
        on_disk == generated,
        "docs/openapi.json is out of date; run `UPDATE_OPENAPI=1 cargo test -p chauffeur-server --test openapi`"
    );
}

#[test]
fn every_route_but_health_requires_the_token() {
    let doc = serde_json::to_value(chauffeur_server::openapi::document()).expect("json");
    assert_eq!(
        doc["components"]["securitySchemes"]["token"]["scheme"],
        "bearer"
    );
    let paths = doc["paths"].as_object().expect("paths");
    for route in [
        "/v1/snapshots",
        "/v1/snapshots/{id}/restore",
        "/v1/status",
        "/v1/providers/{name}/call",
    ] {
        assert!(paths.contains_key(route), "{route} documented");
    }
}
