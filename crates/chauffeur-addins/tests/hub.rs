//! The add-in registry: registration rules, scoped tokens, pushes, the command channel and
//! liveness on one timer (with tokio's clock paused, so timings are exact).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chauffeur_addins::{
    AddinError, AddinKind, AddinProvider, AddinSettings, Addins, Caller, Liveness, RegisterRequest,
};
use chauffeur_core::{Envelope, Provider, ProviderError};
use serde_json::json;

type Transitions = Arc<Mutex<Vec<(String, Liveness)>>>;

fn hub() -> (Arc<Addins>, Transitions) {
    let seen: Transitions = Arc::default();
    let log = Arc::clone(&seen);
    let settings = AddinSettings {
        heartbeat_interval: Duration::from_secs(2),
        ..AddinSettings::default()
    };
    let hub = Addins::new(
        settings,
        Box::new(move |id, l| log.lock().expect("lock").push((id.to_owned(), l))),
    );
    (hub, seen)
}

fn push_request(id: &str) -> RegisterRequest {
    RegisterRequest {
        id: id.into(),
        kind: AddinKind::Push,
        name: "Notes".into(),
        version: "1.0".into(),
        protocols: vec![1],
        capabilities: vec!["capture".into(), "restore".into()],
        callback: None,
        heartbeat_interval_ms: None,
    }
}

fn envelope(keys: &[&str]) -> Envelope {
    Envelope::from_value(json!({"schema": 1, "items": keys.iter().map(|k| json!({"key": k, "kind": "document", "title": k})).collect::<Vec<_>>()}))
        .expect("valid envelope")
}

#[tokio::test]
async fn a_live_id_cannot_be_taken_but_its_own_token_renews_and_a_dead_one_is_taken_over() {
    let (hub, _) = hub();
    let first = hub
        .register(push_request("notes"), &Caller::User)
        .expect("registers");
    assert_eq!(first.protocol, 1);
    assert_eq!(first.dead_after_ms, 6000);
    assert_eq!(
        hub.register(push_request("notes"), &Caller::User)
            .expect_err("live"),
        AddinError::AlreadyRegistered("notes".into())
    );
    let caller = hub.caller_for(&first.token).expect("token known");
    assert_eq!(caller, Caller::Addin("notes".into()));
    hub.push("notes", 1, envelope(&["a"])).expect("push");
    let renewed = hub
        .register(push_request("notes"), &caller)
        .expect("renewal");
    assert_ne!(renewed.token, first.token);
    assert!(
        hub.caller_for(&first.token).is_none(),
        "the old token is gone"
    );
    assert_eq!(
        hub.push("notes", 1, envelope(&["a"])),
        Err(AddinError::StaleSequence { last: 1, got: 1 }),
        "renewal keeps seq"
    );

    let other = hub
        .register(push_request("other"), &Caller::User)
        .expect("second add-in");
    let theirs = hub.caller_for(&other.token).expect("known");
    assert!(matches!(
        hub.register(push_request("notes"), &theirs),
        Err(AddinError::Scope(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn silence_marks_unresponsive_then_dead_and_a_dead_addin_must_register_again() {
    let (hub, seen) = hub();
    tokio::spawn(Arc::clone(&hub).run_liveness());
    hub.register(push_request("notes"), &Caller::User)
        .expect("registers");
    hub.push("notes", 1, envelope(&["a", "b"])).expect("push");

    tokio::time::sleep(Duration::from_millis(3100)).await;
    assert_eq!(hub.liveness("notes"), Some(Liveness::Unresponsive));
    hub.touch("notes").expect("a beat revives it");
    assert_eq!(hub.liveness("notes"), Some(Liveness::Alive));

    tokio::time::sleep(Duration::from_millis(6100)).await;
    assert_eq!(hub.liveness("notes"), Some(Liveness::Dead));
    assert_eq!(
        hub.touch("notes"),
        Err(AddinError::RegisterAgain("notes".into()))
    );
    let seen: Vec<Liveness> = seen.lock().expect("lock").iter().map(|(_, l)| *l).collect();
    assert_eq!(
        seen,
        vec![
            Liveness::Alive,
            Liveness::Unresponsive,
            Liveness::Alive,
            Liveness::Unresponsive,
            Liveness::Dead
        ]
    );

    // Its last state is still there, as stale.
    let provider = AddinProvider::new("notes".into(), Arc::clone(&hub));
    match provider
        .call("capture", json!([{}]), Duration::from_secs(1))
        .await
    {
        Err(ProviderError::Stale { state, .. }) => {
            assert_eq!(state["items"].as_array().map(Vec::len), Some(2))
        }
        other => panic!("expected stale, got {other:?}"),
    }

    // Taking over the dead id keeps the state and restarts the sequence.
    hub.register(push_request("notes"), &Caller::User)
        .expect("takeover");
    hub.push("notes", 1, envelope(&["c"]))
        .expect("seq starts again");
}

#[tokio::test(start_paused = true)]
async fn commands_reach_the_poller_and_unanswered_ones_time_out() {
    let (hub, _) = hub();
    hub.register(push_request("notes"), &Caller::User)
        .expect("registers");
    let provider = AddinProvider::new("notes".into(), Arc::clone(&hub));

    let poller = {
        let hub = Arc::clone(&hub);
        tokio::spawn(async move {
            let commands = hub
                .poll("notes", Duration::from_secs(25))
                .await
                .expect("poll");
            assert_eq!(commands.len(), 1);
            assert_eq!(commands[0].function, "restore");
            hub.answer(
                "notes",
                &commands[0].id,
                Ok(json!({"results": [{"key": "a", "outcome": "restored", "message": ""}]})),
            )
            .expect("answer");
        })
    };
    let answer = provider
        .call("restore", json!([{}, {}]), Duration::from_secs(10))
        .await
        .expect("answered");
    assert_eq!(answer["results"][0]["outcome"], "restored");
    poller.await.expect("poller");

    let err = provider
        .call("restore", json!([{}, {}]), Duration::from_secs(1))
        .await
        .expect_err("nobody polls");
    assert_eq!(err, ProviderError::Timeout(Duration::from_secs(1)));
    assert_eq!(hub.liveness("notes"), Some(Liveness::Unresponsive));
    let late = hub
        .poll("notes", Duration::from_millis(10))
        .await
        .expect("poll");
    assert!(late.is_empty(), "an expired command is not handed out");
}

#[tokio::test]
async fn pairing_tokens_register_only_after_approval() {
    let (hub, _) = hub();
    let ticket = hub.pair("browser".into(), "Browser".into()).expect("pair");
    let caller = hub
        .caller_for(&ticket.pairing_token)
        .expect("pairing token known");
    assert!(matches!(
        hub.register(push_request("browser"), &caller),
        Err(AddinError::PairingPending(_))
    ));
    hub.approve(&ticket.code).expect("approve");
    assert!(matches!(
        hub.register(push_request("elsewhere"), &caller),
        Err(AddinError::Scope(_))
    ));
    hub.register(push_request("browser"), &caller)
        .expect("registers");
    assert!(hub.caller_for(&ticket.pairing_token).is_none(), "spent");
}

#[tokio::test]
async fn protocols_must_overlap() {
    let (hub, _) = hub();
    let mut request = push_request("future");
    request.protocols = vec![7, 9];
    let err = hub
        .register(request, &Caller::User)
        .expect_err("no overlap");
    assert_eq!(err.code(), "no_common_protocol");
    assert_eq!(err.status(), 422);
    assert!(err.to_string().contains("[1]"), "{err}");
}
