//! Pairing a token-less add-in, a pull add-in captured and restored through its loopback
//! callback, and a command that misses its deadline while the other providers' restore
//! goes on.

mod addins_support;
mod common;

use std::time::{Duration, Instant};

use addins_support::{
    AddinProcess, call, config, config_with, health, item_keys, outcomes, push_body, restore,
    restored, save_and_show, section, wait_health,
};
use common::{Daemon, text};
use serde_json::json;

const LONG: Duration = Duration::from_secs(20);

#[test]
fn an_approved_pairing_lets_a_tokenless_addin_register() {
    let daemon = Daemon::start(&config());
    let mut addin = AddinProcess::fixture(&daemon, &["--id", "paired", "--pair", "--items", "t"]);
    let line = addin.expect("pairing ", LONG);
    let code = line.split_whitespace().nth(1).expect("a code").to_owned();
    // Not approved yet: not registered.
    assert_eq!(health(&daemon, "paired"), None);

    let out = daemon.cli(&["addins", "approve", &code]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    addin.registered();
    addin.expect("pushed 1", LONG);
    wait_health(&daemon, "paired", "ok", LONG);
    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "paired")["status"], "ok", "{saved}");
    assert_eq!(item_keys(&shown, "paired"), ["t"]);

    // A code nobody asked for is refused.
    let out = daemon.cli(&["addins", "approve", "ZZZZ-ZZZZ"]);
    assert!(!out.status.success());
}

#[test]
fn a_pairing_token_registers_only_after_approval_and_only_once() {
    let daemon = Daemon::start(&config());
    let (status, pairing) = call(
        &daemon,
        None,
        "POST",
        "/v1/addins/pair",
        Some(&json!({"id": "browser", "name": "Chauffeur for Chromium"})),
    );
    assert_eq!(status, 201, "{pairing}");
    let pairing_token = pairing["pairing_token"].as_str().expect("pairing token");
    let code = pairing["code"].as_str().expect("code");

    let register = |id: &str| {
        call(
            &daemon,
            Some(pairing_token),
            "POST",
            "/register",
            Some(&push_body(id)),
        )
    };
    let (status, reply) = register("browser");
    assert_eq!(
        (status, &reply["error"]["code"]),
        (403, &json!("pairing_pending"))
    );
    // The pairing token cannot call the user's routes.
    let (status, _) = call(&daemon, Some(pairing_token), "GET", "/v1/snapshots", None);
    assert!(status == 401 || status == 403, "{status}");

    let out = daemon.cli(&["addins", "approve", code]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (status, reply) = register("someone-else");
    assert_eq!(
        (status, &reply["error"]["code"]),
        (403, &json!("token_scope")),
        "{reply}"
    );
    let (status, reply) = register("browser");
    assert_eq!(status, 201, "{reply}");
    let (status, _) = register("browser");
    assert_eq!(
        status, 401,
        "a pairing token is spent after one registration"
    );
}

#[test]
fn a_pull_addin_is_captured_and_restored_through_its_callback() {
    let daemon = Daemon::start(&config());
    let mut addin = AddinProcess::fixture(&daemon, &["--id", "puller", "--mode", "pull"]);
    addin.registered();
    wait_health(&daemon, "puller", "ok", LONG);

    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "puller")["status"], "ok", "{saved}");
    assert_eq!(item_keys(&shown, "puller"), ["a", "b"]);
    addin.expect("capture", LONG);

    let run = restore(&daemon, &[&saved["id"].to_string(), "--only", "puller:b"]);
    assert_eq!(
        outcomes(restored(&run, "puller")),
        [("b".to_owned(), "restored".to_owned())],
        "{run}"
    );
    addin.expect("restore b", LONG);
}

#[test]
fn a_command_past_its_deadline_times_out_and_the_others_are_restored() {
    let daemon = Daemon::start(&config_with("[restore]\ndeadline_ms = 1500\n"));
    let mut slow = AddinProcess::fixture(
        &daemon,
        &["--id", "slow", "--items", "s", "--restore-delay", "6"],
    );
    let mut fast = AddinProcess::fixture(&daemon, &["--id", "fast", "--items", "f"]);
    slow.expect("pushed 1", LONG);
    fast.expect("pushed 1", LONG);
    wait_health(&daemon, "slow", "ok", LONG);
    wait_health(&daemon, "fast", "ok", LONG);
    let (saved, _) = save_and_show(&daemon);

    let started = Instant::now();
    let run = restore(&daemon, &[&saved["id"].to_string()]);
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "the restore did not wait for the slow add-in: {took:?}"
    );
    let slow_entry = restored(&run, "slow").to_string();
    // The engine reports a provider that overran as `timed out after …`.
    assert!(
        slow_entry.contains("timed out") || slow_entry.contains("timeout"),
        "{slow_entry}"
    );
    assert!(
        !slow_entry.contains("\"restored\""),
        "the late answer is not taken: {slow_entry}"
    );
    assert_eq!(
        outcomes(restored(&run, "fast")),
        [("f".to_owned(), "restored".to_owned())],
        "{run}"
    );
    fast.expect("restore f", LONG);
    // The slow one answers later; the core says that command is gone, and the add-in lives on.
    slow.expect("answered after its deadline", LONG);
    wait_health(&daemon, "slow", "ok", LONG);
}
