//! What the add-in protocol refuses, each with a clear 4xx and nothing else changed: no
//! common protocol version, a malformed registration, a live id taken from another process,
//! a scoped token used elsewhere, a non-loopback callback, a push with an old sequence number.

mod addins_support;
mod common;

use std::time::Duration;

use addins_support::{
    AddinProcess, call, config, health, item_keys, push_body, register, save_and_show, section,
    state, wait_health,
};
use common::Daemon;
use serde_json::{Value, json};

const LONG: Duration = Duration::from_secs(20);

/// The ids `GET /v1/providers` lists, to show that a refusal added nothing.
fn provider_ids(daemon: &Daemon) -> Vec<String> {
    let (_, providers) = daemon.request("GET", "/v1/providers", None);
    providers
        .as_array()
        .expect("providers")
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_owned))
        .collect()
}

fn code(reply: &Value) -> &str {
    reply["error"]["code"].as_str().unwrap_or_default()
}

#[test]
fn no_common_protocol_is_422_listing_the_core_versions() {
    let daemon = Daemon::start(&config());
    let before = provider_ids(&daemon);
    let mut body = push_body("future");
    body["protocols"] = json!([99]);
    let (status, reply) = call(
        &daemon,
        Some(&daemon.token),
        "POST",
        "/register",
        Some(&body),
    );
    assert_eq!(status, 422, "{reply}");
    assert_eq!(code(&reply), "no_common_protocol", "{reply}");
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains('1'),
        "lists the versions it speaks: {message}"
    );
    assert_eq!(provider_ids(&daemon), before);

    // The same through the SDK: its start() raises, the process exits non-zero.
    let mut old = AddinProcess::python(
        daemon.path(),
        &[
            "-c".to_owned(),
            "from chauffeur_addin import AddIn\n\
             AddIn('future', protocols=[99]).start()"
                .to_owned(),
        ],
    );
    let (status, said) = old.exit(LONG);
    assert!(!status.success());
    assert!(said.contains("no_common_protocol"), "{said}");
    assert_eq!(provider_ids(&daemon), before);
}

#[test]
fn malformed_registrations_are_422_and_register_nothing() {
    let daemon = Daemon::start(&config());
    let before = provider_ids(&daemon);
    let mut bad = Vec::new();
    for (field, value) in [
        ("id", json!("has spaces")),
        ("id", json!("")),
        ("id", json!("x".repeat(65))),
        ("type", json!("poll")),
        ("protocols", json!("1")),
        ("colour", json!("red")),
    ] {
        let mut body = push_body("ok-id");
        body[field] = value;
        bad.push(body);
    }
    let mut no_protocols = push_body("ok-id");
    no_protocols
        .as_object_mut()
        .expect("object")
        .remove("protocols");
    bad.push(no_protocols);
    let mut pull_without_callback = push_body("ok-id");
    pull_without_callback["type"] = json!("pull");
    bad.push(pull_without_callback);
    for body in bad {
        let (status, reply) = call(
            &daemon,
            Some(&daemon.token),
            "POST",
            "/register",
            Some(&body),
        );
        assert_eq!(status, 422, "{body} -> {reply}");
        assert!(
            ["invalid_body", "invalid"].contains(&code(&reply)),
            "{body} -> {reply}"
        );
    }
    // Not JSON at all.
    let (status, _) = daemon.request("POST", "/register", Some("{\"id\": "));
    assert!((400..500).contains(&status), "{status}");
    // No token.
    let (status, reply) = call(
        &daemon,
        None,
        "POST",
        "/register",
        Some(&push_body("ok-id")),
    );
    assert_eq!((status, code(&reply)), (401, "unauthorized"), "{reply}");
    assert_eq!(provider_ids(&daemon), before);
}

#[test]
fn a_non_loopback_callback_is_refused() {
    let daemon = Daemon::start(&config());
    let before = provider_ids(&daemon);
    for callback in [
        "http://192.168.1.5:4555/chauffeur",
        "http://example.com:4555/chauffeur",
        "http://127.0.0.1.example.com:4555/x",
        "http://0.0.0.0:4555/x",
        "https://127.0.0.1:4555/x",
        "file:///tmp/x",
    ] {
        let mut body = push_body("puller");
        body["type"] = json!("pull");
        body["callback"] = json!(callback);
        let (status, reply) = call(
            &daemon,
            Some(&daemon.token),
            "POST",
            "/register",
            Some(&body),
        );
        assert_eq!(status, 422, "{callback} -> {reply}");
        assert!(
            ["invalid_body", "invalid"].contains(&code(&reply)),
            "{callback} -> {reply}"
        );
    }
    assert_eq!(provider_ids(&daemon), before);
}

#[test]
fn a_push_with_an_old_sequence_number_is_409_and_the_state_stays() {
    let daemon = Daemon::start(&config());
    let reply = register(&daemon, &push_body("seq"));
    let token = reply["token"].as_str().expect("token").to_owned();
    let push = |seq: u64, keys: &[&str]| {
        call(
            &daemon,
            Some(&token),
            "PUT",
            "/v1/addins/seq/state",
            Some(&json!({"seq": seq, "state": state(keys)})),
        )
    };
    assert_eq!(push(5, &["five"]).0, 204);
    for old in [5, 3] {
        let (status, reply) = push(old, &["old"]);
        assert_eq!((status, code(&reply)), (409, "stale_sequence"), "{reply}");
        let message = reply["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains('5'), "says the last accepted: {message}");
    }
    // A bad envelope: duplicate keys.
    let (status, reply) = push(6, &["d", "d"]);
    assert_eq!((status, code(&reply)), (422, "invalid_body"), "{reply}");

    // Keep it alive while snapshotting: the state is the one of seq 5.
    let (status, _) = call(&daemon, Some(&token), "POST", "/plugin/alive/seq", None);
    assert_eq!(status, 204);
    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "seq")["status"], "ok", "{saved}");
    assert_eq!(item_keys(&shown, "seq"), ["five"]);
    assert_eq!(push(6, &["six"]).0, 204, "a greater seq is taken");
}

#[test]
fn a_scoped_token_reaches_only_its_own_routes() {
    let daemon = Daemon::start(&config());
    let alpha = register(&daemon, &push_body("alpha"));
    let beta = register(&daemon, &push_body("beta"));
    let alpha_token = alpha["token"].as_str().expect("token");
    let beta_token = beta["token"].as_str().expect("token");
    assert_ne!(alpha_token, beta_token);
    assert_ne!(alpha_token, daemon.token);

    let refused = [
        ("GET", "/v1/snapshots".to_owned(), None),
        ("GET", "/v1/providers".to_owned(), None),
        ("POST", "/plugin/alive/beta".to_owned(), None),
        (
            "PUT",
            "/v1/addins/beta/state".to_owned(),
            Some(json!({"seq": 1, "state": state(&["stolen"])})),
        ),
        ("GET", "/v1/addins/beta/commands?wait_ms=0".to_owned(), None),
        ("DELETE", "/v1/addins/beta".to_owned(), None),
    ];
    for (method, path, body) in &refused {
        let (status, reply) = call(&daemon, Some(alpha_token), method, path, body.as_ref());
        assert_eq!(
            (status, code(&reply)),
            (403, "token_scope"),
            "{method} {path}: {reply}"
        );
    }
    // Its own routes work.
    let (status, _) = call(
        &daemon,
        Some(alpha_token),
        "POST",
        "/plugin/alive/alpha",
        None,
    );
    assert_eq!(status, 204);
    let (status, reply) = call(
        &daemon,
        Some(alpha_token),
        "GET",
        "/v1/addins/alpha/commands?wait_ms=0",
        None,
    );
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["commands"], json!([]));
    // Nothing of beta's changed: no state pushed, still registered.
    let (status, _) = call(
        &daemon,
        Some(beta_token),
        "POST",
        "/plugin/alive/beta",
        None,
    );
    assert_eq!(status, 204);
    let (saved, _) = save_and_show(&daemon);
    let beta_section = saved["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["provider"] == "beta"));
    assert!(
        beta_section.is_none_or(|s| s["item_count"] == 0 || s["status"] != "ok"),
        "beta never pushed: {saved}"
    );
}

#[test]
fn a_live_id_cannot_be_taken_from_another_process() {
    let daemon = Daemon::start(&config());
    let mut holder = AddinProcess::fixture(&daemon, &["--id", "taken", "--items", "mine"]);
    holder.registered();
    holder.expect("pushed 1", LONG);
    wait_health(&daemon, "taken", "ok", LONG);

    // Raw, with the user's token.
    let (status, reply) = call(
        &daemon,
        Some(&daemon.token),
        "POST",
        "/register",
        Some(&push_body("taken")),
    );
    assert_eq!(
        (status, code(&reply)),
        (409, "already_registered"),
        "{reply}"
    );

    // A second SDK process with the same id: start() raises, the process exits.
    let mut thief = AddinProcess::fixture(&daemon, &["--id", "taken", "--items", "theirs"]);
    let (status, said) = thief.exit(LONG);
    assert!(!status.success());
    assert!(said.contains("already_registered"), "{said}");

    // The holder is untouched: alive, its state in the snapshot.
    assert_eq!(health(&daemon, "taken").as_deref(), Some("ok"));
    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "taken")["status"], "ok");
    assert_eq!(item_keys(&shown, "taken"), ["mine"]);
}
