//! Every bad request gets the right 4xx in the error shape, and nothing stored changes.

mod common;

use common::{Daemon, raw};
use serde_json::{Value, json};

const QUIET: &str = "[capture]\nauto_snapshot_minutes = 0\n[providers.apps]\nenabled = false\n";

fn assert_error(answer: (u16, Value), status: u16, code: &str) {
    assert_eq!(answer.0, status, "{}", answer.1);
    assert_eq!(answer.1["error"]["code"], code, "{}", answer.1);
    assert!(
        answer.1["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

#[test]
fn bad_requests_get_4xx_and_change_nothing() {
    let daemon = Daemon::start(QUIET);
    let (status, first) = daemon.request("POST", "/v1/snapshots", Some("{\"name\":\"keep me\"}"));
    assert_eq!(status, 201, "{first}");
    let id = first["id"].as_i64().expect("id");
    let before = daemon.request("GET", "/v1/snapshots", None).1;

    assert_error(
        daemon.request("POST", "/v1/snapshots", Some("{\"name\":")),
        400,
        "malformed_json",
    );
    assert_error(
        daemon.request("POST", "/v1/snapshots", Some("{\"name\":42}")),
        422,
        "invalid_body",
    );
    assert_error(
        daemon.request("POST", "/v1/snapshots", Some("{\"nmae\":\"x\"}")),
        422,
        "invalid_body",
    );
    assert_error(
        daemon.request("POST", "/v1/snapshots", Some("{\"name\":\"\\u0007\"}")),
        422,
        "invalid_name",
    );
    assert_error(
        daemon.request(
            "PATCH",
            &format!("/v1/snapshots/{id}"),
            Some("{\"pinned\":\"yes\"}"),
        ),
        422,
        "invalid_body",
    );
    assert_error(
        daemon.request("PATCH", &format!("/v1/snapshots/{id}"), Some("{}")),
        422,
        "invalid_body",
    );
    assert_error(
        daemon.request("GET", "/v1/snapshots/999999", None),
        404,
        "not_found",
    );
    assert_error(
        daemon.request("DELETE", "/v1/snapshots/999999", None),
        404,
        "not_found",
    );
    assert_error(
        daemon.request("GET", "/v1/snapshots/abc", None),
        400,
        "bad_id",
    );
    assert_error(
        daemon.request("GET", "/v1/snapshots/-3", None),
        400,
        "bad_id",
    );
    assert_error(
        daemon.request("GET", &format!("/v1/snapshots/{id}/diff/77777"), None),
        404,
        "not_found",
    );
    assert_error(
        daemon.request("GET", "/v1/snapshots?limit=many", None),
        400,
        "bad_query",
    );
    assert_error(
        daemon.request(
            "POST",
            &format!("/v1/snapshots/{id}/plan"),
            Some("{\"only\":[\"nosuch\"]}"),
        ),
        422,
        "invalid",
    );
    assert_error(
        daemon.request(
            "POST",
            &format!("/v1/snapshots/{id}/restore"),
            Some("{\"only\":\"apps\"}"),
        ),
        422,
        "invalid_body",
    );
    assert_error(
        daemon.request("POST", "/v1/snapshots/import", Some("{\"format\":\"x\"}")),
        422,
        "invalid_body",
    );
    let wrong_version = json!({"format": "chauffeur-snapshot", "format_version": 99, "exported_at": "2026-01-01T00:00:00Z",
        "chauffeur_version": "0", "snapshot": first, "states": {}});
    assert_error(
        daemon.request(
            "POST",
            "/v1/snapshots/import",
            Some(&wrong_version.to_string()),
        ),
        422,
        "invalid",
    );
    assert_error(
        daemon.request(
            "POST",
            "/v1/providers/nosuch/call",
            Some("{\"function\":\"describe\"}"),
        ),
        404,
        "not_found",
    );
    assert_error(daemon.request("GET", "/v1/nosuch", None), 404, "not_found");
    assert_error(
        daemon.request("PUT", "/v1/snapshots", Some("{}")),
        405,
        "method_not_allowed",
    );

    let huge = format!("{{\"name\":\"{}\"}}", "x".repeat(17 * 1024 * 1024));
    assert_error(
        daemon.request("POST", "/v1/snapshots", Some(&huge)),
        413,
        "body_too_large",
    );

    let host = |h: &str| {
        vec![
            ("Host".to_string(), h.to_string()),
            (
                "Authorization".to_string(),
                format!("Bearer {}", daemon.token),
            ),
        ]
    };
    assert_error(
        raw(
            daemon.port,
            "GET",
            "/v1/snapshots",
            &host("evil.example:80"),
            None,
        ),
        403,
        "bad_host",
    );
    assert_error(
        raw(daemon.port, "GET", "/v1/snapshots", &host(""), None),
        403,
        "bad_host",
    );
    assert_error(
        raw(
            daemon.port,
            "GET",
            "/v1/snapshots",
            &host("127.0.0.1:1"),
            None,
        ),
        403,
        "bad_host",
    );
    let local = format!("localhost:{}", daemon.port);
    assert_eq!(
        raw(daemon.port, "GET", "/v1/snapshots", &host(&local), None).0,
        200
    );

    let no_token = vec![("Host".to_string(), format!("127.0.0.1:{}", daemon.port))];
    assert_error(
        raw(daemon.port, "GET", "/v1/snapshots", &no_token, None),
        401,
        "unauthorized",
    );
    let mut wrong = no_token.clone();
    wrong.push((
        "Authorization".to_string(),
        format!("Bearer {}", "0".repeat(64)),
    ));
    assert_error(
        raw(daemon.port, "POST", "/v1/snapshots", &wrong, Some(b"{}")),
        401,
        "unauthorized",
    );
    assert_eq!(
        raw(daemon.port, "GET", "/v1/health", &no_token, None).0,
        200,
        "health needs no token"
    );

    let mut evil_origin = host(&format!("127.0.0.1:{}", daemon.port));
    evil_origin.push(("Origin".to_string(), "https://evil.example".to_string()));
    assert_error(
        raw(daemon.port, "GET", "/v1/snapshots", &evil_origin, None),
        403,
        "untrusted_origin",
    );

    let after = daemon.request("GET", "/v1/snapshots", None).1;
    assert_eq!(before, after, "nothing stored changed");
}

#[test]
fn the_served_openapi_document_is_the_checked_in_one() {
    let daemon = Daemon::start(QUIET);
    let (status, served) = daemon.request("GET", "/v1/openapi.json", None);
    assert_eq!(status, 200);
    let checked_in: Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/openapi.json"
        ))
        .expect("docs/openapi.json"),
    )
    .expect("valid JSON");
    assert_eq!(
        served, checked_in,
        "run `cargo test -p chauffeur-server` with UPDATE_OPENAPI=1"
    );
    assert!(served["paths"]["/v1/snapshots/{id}/restore"]["post"].is_object());
}
