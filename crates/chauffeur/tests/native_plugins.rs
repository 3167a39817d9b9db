//! Native plugins against a real daemon: the Rust and C examples in-process and isolated,
//! refused manifests, the fault plugin (segfault, abort, hang, invalid JSON, NULL, 50 MB,
//! panic), the circuit breaker and its reset, and the crash marker.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::plugins::{example_manifest, install, install_examples, rust_libraries};
use common::{Daemon, text};
use serde_json::{Value, json};

const QUIET: &str = "[capture]\nauto_snapshot_minutes = 0\n[providers.apps]\nenabled = false\n";

/// A home whose config points `[plugins] dir` at `HOME/plugins`, plus `extra` config.
fn home(extra: &str) -> (tempfile::TempDir, PathBuf) {
    let home = tempfile::tempdir().expect("home");
    let plugins = home.path().join("plugins");
    std::fs::create_dir_all(home.path().join("config")).expect("config dir");
    std::fs::create_dir_all(&plugins).expect("plugins dir");
    std::fs::write(
        home.path().join("config/config.toml"),
        format!(
            "{QUIET}{extra}\n[plugins]\ndir = {:?}\n",
            plugins.display().to_string()
        ),
    )
    .expect("config");
    (home, plugins)
}

fn provider<'a>(list: &'a Value, id: &str) -> &'a Value {
    list["providers"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["id"] == id))
        .unwrap_or_else(|| panic!("no provider {id} in {list}"))
}

fn section<'a>(snapshot: &'a Value, id: &str) -> &'a Value {
    snapshot["sections"]
        .as_array()
        .and_then(|ss| ss.iter().find(|s| s["provider"] == id))
        .unwrap_or_else(|| panic!("no section {id} in {snapshot}"))
}

fn call(daemon: &Daemon, name: &str, function: &str, args: Value) -> (u16, Value) {
    daemon.request(
        "POST",
        &format!("/v1/providers/{name}/call"),
        Some(&json!({ "function": function, "args": args }).to_string()),
    )
}

#[test]
fn examples_are_listed_called_verified_and_take_part_in_save_and_restore() {
    let (home, plugins) = home("");
    install_examples(&plugins, Some("inprocess"), Some("inprocess"), None);
    let daemon = Daemon::start_in(home);

    let list = daemon.json(&["plugins"]);
    for id in ["rust_inproc", "c_plugin"] {
        assert_eq!(provider(&list, id)["hosting"], "inprocess", "{list}");
        assert_eq!(provider(&list, id)["health"]["state"], "ok", "{list}");
    }
    assert_eq!(list["problems"], json!([]), "{list}");
    let human = text(&daemon.cli(&["plugins"]).stdout);
    assert!(
        human.contains("rust_inproc") && human.contains("c_plugin"),
        "{human}"
    );

    // CLI and REST calls.
    let echo = daemon.json(&["plugins", "call", "rust_inproc", "echo", r#"["hi", 2]"#]);
    assert_eq!(echo, json!(["hi", 2]));
    let (status, answer) = call(&daemon, "c_plugin", "echo", json!(["hi", {"a": 1}]));
    assert_eq!((status, answer), (200, json!(["hi", {"a": 1}])));
    let (status, answer) = call(&daemon, "rust_inproc", "nope", json!([]));
    assert_eq!(status, 422, "{answer}");
    assert!(answer.to_string().contains("unknown function"), "{answer}");

    for name in ["rust_inproc", "c_plugin"] {
        let verify = daemon.json(&["plugins", "verify", name]);
        assert_eq!(verify["ok"], true, "{verify}");
    }

    // Save: both sections ok, with the note the Rust plugin holds.
    daemon.json(&["plugins", "call", "rust_inproc", "note", r#"["buy milk"]"#]);
    let snap = daemon.json(&["save", "--name", "plugins"]);
    assert_eq!(section(&snap, "rust_inproc")["status"], "ok", "{snap}");
    assert_eq!(section(&snap, "c_plugin")["status"], "ok", "{snap}");
    let id = snap["id"].to_string();

    // A new daemon forgets the note; restore brings it back, and the C plugin converges.
    let daemon = daemon.restart_after_kill();
    let run = daemon.json(&["restore", &id]);
    let outcome = |provider: &str| {
        run["providers"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["provider"] == provider))
            .map(|p| p["report"]["results"][0]["outcome"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(outcome("rust_inproc"), "restored", "{run}");
    assert_eq!(outcome("c_plugin"), "already-present", "{run}");
    let again = daemon.json(&["save"]);
    let show = daemon.json(&["show", &again["id"].to_string()]);
    assert_eq!(
        show["states"]["rust_inproc"]["items"][0]["key"], "buy milk",
        "{show}"
    );
}

#[test]
fn one_config_line_runs_a_plugin_isolated() {
    let (home, plugins) = home(
        "[providers.rust_inproc]\nmode = \"isolated\"\n[providers.c_plugin]\nmode = \"isolated\"",
    );
    install_examples(&plugins, Some("inprocess"), Some("inprocess"), None);
    let daemon = Daemon::start_in(home);

    let list = daemon.json(&["plugins"]);
    assert_eq!(
        provider(&list, "rust_inproc")["hosting"],
        "isolated",
        "{list}"
    );
    assert_eq!(provider(&list, "c_plugin")["hosting"], "isolated", "{list}");
    let echo = daemon.json(&["plugins", "call", "rust_inproc", "echo", r#"["hi"]"#]);
    assert_eq!(echo, json!(["hi"]));
    let echo = daemon.json(&["plugins", "call", "c_plugin", "echo", r#"["hi"]"#]);
    assert_eq!(echo, json!(["hi"]));
    daemon.json(&[
        "plugins",
        "call",
        "rust_inproc",
        "note",
        r#"["in a child"]"#,
    ]);
    let snap = daemon.json(&["save"]);
    assert_eq!(section(&snap, "rust_inproc")["status"], "ok", "{snap}");
    assert_eq!(section(&snap, "rust_inproc")["item_count"], 1, "{snap}");
    assert_eq!(section(&snap, "c_plugin")["status"], "ok", "{snap}");
    let run = daemon.json(&["restore", &snap["id"].to_string()]);
    assert!(run.to_string().contains("already-present"), "{run}");
}

#[test]
fn refused_manifests_say_why_and_affect_nothing_else() {
    let (home, plugins) = home("");
    let lib = rust_libraries().join("librust_inproc.so");
    let path_entry = example_manifest("rust_inproc", "inprocess").replace(
        "\"entry\":\"rust_inproc\"",
        "\"entry\":\"../rust_inproc/rust_inproc\"",
    );
    install(
        &plugins,
        "path_entry",
        &path_entry.replace("\"name\":\"rust_inproc\"", "\"name\":\"pathy\""),
        &lib,
        "librust_inproc.so",
    );
    let open = install(
        &plugins,
        "open",
        &example_manifest("rust_inproc", "inprocess")
            .replace("\"name\":\"rust_inproc\"", "\"name\":\"open\""),
        &lib,
        "librust_inproc.so",
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        open.join("manifest.json"),
        std::fs::Permissions::from_mode(0o666),
    )
    .expect("chmod");
    install(
        &plugins,
        "mismatch",
        &example_manifest("rust_inproc", "inprocess")
            .replace("\"name\":\"rust_inproc\"", "\"name\":\"mismatch\""),
        &lib,
        "librust_inproc.so",
    );
    install_examples(&plugins, None, Some("inprocess"), None);
    let daemon = Daemon::start_in(home);

    let list = daemon.json(&["plugins"]);
    let problems = list["problems"].to_string();
    assert!(problems.contains("not a bare library name"), "{problems}");
    assert!(problems.contains("writable by others"), "{problems}");
    assert!(
        problems
            .contains(r#"plugin_name() is \"rust_inproc\" but manifest.json says \"mismatch\""#),
        "{problems}"
    );
    let ids: Vec<&str> = list["providers"]
        .as_array()
        .expect("providers")
        .iter()
        .filter(|p| p["hosting"] != "builtin")
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["c_plugin"], "{list}");
    let human = text(&daemon.cli(&["plugins"]).stdout);
    assert!(human.contains("not loaded: mismatch"), "{human}");
    // `status`, the first thing a user runs, says so too.
    let status = text(&daemon.cli(&["status"]).stdout);
    assert!(status.contains("not loaded: mismatch"), "{status}");
    let status = daemon.json(&["status"]);
    assert_eq!(
        status["plugin_problems"].as_array().map(Vec::len),
        Some(3),
        "{status}"
    );
    assert_eq!(
        daemon.json(&["plugins", "call", "c_plugin", "echo", "[1]"]),
        json!([1])
    );
}

/// Polls the fault provider's health until it is `state`.
fn wait_health(daemon: &Daemon, state: &str) -> Value {
    let started = Instant::now();
    loop {
        let list = daemon.json(&["plugins"]);
        let p = provider(&list, "fault").clone();
        if p["health"]["state"] == state || started.elapsed() > Duration::from_secs(20) {
            return p;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn fault_capture(home: &Path, fault: Option<&str>) {
    let file = home.join("fault_capture");
    match fault {
        Some(f) => std::fs::write(file, f).expect("fault file"),
        None => {
            let _ = std::fs::remove_file(file);
        }
    }
}

#[test]
fn isolated_faults_cost_a_call_not_the_daemon_and_open_the_circuit() {
    let (home, plugins) =
        home("[restore]\ndeadline_ms = 30000\n[providers.fault]\ndeadline_ms = 3000");
    install_examples(&plugins, None, None, Some("isolated"));
    let daemon = Daemon::start_in(home);
    assert_eq!(
        provider(&daemon.json(&["plugins"]), "fault")["hosting"],
        "isolated"
    );

    // 1: a capture that segfaults; the snapshot completes with an error section.
    fault_capture(daemon.path(), Some("segv"));
    let snap = daemon.json(&["save"]);
    let s = section(&snap, "fault");
    assert_eq!(s["status"], "error", "{snap}");
    assert!(s["error"].to_string().contains("SIGSEGV"), "{snap}");
    fault_capture(daemon.path(), None);

    // The child comes back (after its backoff) and answers.
    let (status, answer) = call(&daemon, "fault", "echo", json!(["back"]));
    assert_eq!((status, answer), (200, json!(["back"])));

    // 2: abort.
    let (status, answer) = call(&daemon, "fault", "abort", json!([]));
    assert_eq!(status, 422, "{answer}");
    assert!(answer.to_string().contains("SIGABRT"), "{answer}");

    // 3: a capture that hangs: the snapshot completes at the deadline with a timeout
    // section, and the child is killed.
    fault_capture(daemon.path(), Some("hang"));
    let started = Instant::now();
    let snap = daemon.json(&["save"]);
    assert_eq!(section(&snap, "fault")["status"], "timeout", "{snap}");
    assert!(started.elapsed() < Duration::from_secs(10));
    fault_capture(daemon.path(), None);

    // Contract breaches that are not crashes.
    let (status, answer) = call(&daemon, "fault", "bad_json", json!([]));
    assert_eq!(status, 422);
    assert!(
        answer
            .to_string()
            .contains("fault.bad_json returned invalid JSON"),
        "{answer}"
    );
    let (status, answer) = call(&daemon, "fault", "null", json!([]));
    assert_eq!(status, 422);
    assert!(
        answer.to_string().contains("fault.null returned null"),
        "{answer}"
    );
    let (status, answer) = call(&daemon, "fault", "panic", json!([]));
    assert_eq!(status, 422);
    assert!(answer.to_string().contains("plugin panicked"), "{answer}");
    let (status, answer) = call(&daemon, "fault", "big", json!([]));
    assert_eq!(status, 200);
    assert_eq!(answer[0].as_str().map(str::len), Some(50 * 1024 * 1024));
    assert_eq!(wait_health(&daemon, "ok")["health"]["state"], "ok");

    // 4 and 5: the circuit opens, and stays open.
    for _ in 0..2 {
        let (status, answer) = call(&daemon, "fault", "segv", json!([]));
        assert_eq!(status, 422, "{answer}");
    }
    let p = wait_health(&daemon, "circuit-open");
    assert_eq!(p["health"]["state"], "circuit-open", "{p}");
    assert!(
        p["health"]["reason"].to_string().contains("5 crashes"),
        "{p}"
    );
    let (status, answer) = call(&daemon, "fault", "echo", json!([1]));
    assert_eq!(status, 503, "{answer}");
    let human = text(&daemon.cli(&["plugins"]).stdout);
    assert!(human.contains("circuit-open"), "{human}");
    // The daemon itself is fine: other calls and snapshots work.
    let snap = daemon.json(&["save"]);
    assert!(
        section(&snap, "fault")["error"]
            .to_string()
            .contains("circuit open"),
        "{snap}"
    );

    // Reset re-arms it.
    let out = daemon.cli(&["plugins", "reset", "fault"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        daemon.json(&["plugins", "call", "fault", "echo", "[2]"]),
        json!([2])
    );
    let (status, _) = daemon.request("POST", "/v1/providers/fault/reset", Some("{}"));
    assert_eq!(status, 200);
    let (status, _) = daemon.request("POST", "/v1/providers/nope/reset", Some("{}"));
    assert_eq!(status, 404);
}

#[test]
fn inprocess_faults_become_errors_and_a_hang_quarantines() {
    let (home, plugins) = home("");
    // The QUIET prefix already has a [capture] table: write this config whole instead.
    let plugins_dir = plugins.display().to_string();
    std::fs::write(
        home.path().join("config/config.toml"),
        format!(
            "[capture]\nauto_snapshot_minutes = 0\ndeadline_ms = 1000\n[providers.apps]\nenabled = false\n\
             [providers.fault]\nmode = \"inprocess\"\n[plugins]\ndir = {plugins_dir:?}\n"
        ),
    )
    .expect("config");
    install_examples(&plugins, None, None, Some("isolated"));
    let daemon = Daemon::start_in(home);
    assert_eq!(
        provider(&daemon.json(&["plugins"]), "fault")["hosting"],
        "inprocess"
    );

    for (function, expected) in [
        ("bad_json", "fault.bad_json returned invalid JSON"),
        ("null", "fault.null returned null"),
        ("panic", "plugin panicked"),
    ] {
        let (status, answer) = call(&daemon, "fault", function, json!([]));
        assert_eq!(status, 422, "{answer}");
        assert!(answer.to_string().contains(expected), "{answer}");
    }
    let (status, answer) = call(&daemon, "fault", "big", json!([]));
    assert_eq!(status, 200);
    assert_eq!(answer[0].as_str().map(str::len), Some(50 * 1024 * 1024));

    // A capture that hangs: the snapshot completes within the deadline, then quarantine.
    fault_capture(daemon.path(), Some("hang"));
    let started = Instant::now();
    let snap = daemon.json(&["save"]);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(section(&snap, "fault")["status"], "timeout", "{snap}");
    let p = wait_health(&daemon, "quarantined");
    assert_eq!(p["health"]["state"], "quarantined", "{p}");
    let (status, _) = call(&daemon, "fault", "echo", json!([]));
    assert_eq!(status, 503);
    // In-process quarantine cannot be reset: the thread may still be inside the library.
    let (status, answer) = daemon.request("POST", "/v1/providers/fault/reset", Some("{}"));
    assert_eq!(status, 409, "{answer}");
    assert!(
        answer.to_string().contains("restart the daemon"),
        "{answer}"
    );
}

#[test]
fn a_daemon_that_dies_inside_a_plugin_runs_it_isolated_next_time() {
    let (home, plugins) = home("");
    install_examples(&plugins, None, None, Some("inprocess"));
    let daemon = Daemon::start_in(home);
    assert_eq!(
        provider(&daemon.json(&["plugins"]), "fault")["hosting"],
        "inprocess"
    );

    let out = daemon.cli(&["plugins", "call", "fault", "segv"]);
    assert!(!out.status.success(), "the daemon should have died");

    let daemon = daemon.restart_after_kill();
    let list = daemon.json(&["plugins"]);
    assert_eq!(provider(&list, "fault")["hosting"], "isolated", "{list}");
    let line = list["plugins"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "fault"))
        .expect("fault in the report");
    assert!(
        line["note"]
            .to_string()
            .contains("died during a call into fault"),
        "{list}"
    );
    let human = text(&daemon.cli(&["plugins"]).stdout);
    assert!(human.contains("note: fault"), "{human}");
    assert_eq!(
        daemon.json(&["plugins", "call", "fault", "echo", "[3]"]),
        json!([3])
    );

    // The decision persists across further restarts.
    let daemon = daemon.restart_after_kill();
    assert_eq!(
        provider(&daemon.json(&["plugins"]), "fault")["hosting"],
        "isolated"
    );
}

#[test]
fn a_plugin_saying_its_state_changed_brings_an_automatic_snapshot() {
    let (home, plugins) = home("");
    install_examples(&plugins, Some("inprocess"), Some("inprocess"), None);
    let daemon = Daemon::start_in(home);
    assert_eq!(daemon.json(&["list"]), json!([]));
    daemon.json(&[
        "plugins",
        "call",
        "rust_inproc",
        "note",
        r#"["water plants"]"#,
    ]);
    let snapshot = common::wait_for(Duration::from_secs(10), || {
        let list = daemon.json(&["list"]);
        list.as_array()?.first().cloned()
    })
    .expect("an automatic snapshot follows the change");
    assert_eq!(snapshot["trigger"], "schedule", "{snapshot}");
    let show = daemon.json(&["show", &snapshot["id"].to_string()]);
    assert_eq!(
        show["states"]["rust_inproc"]["items"][0]["key"], "water plants",
        "{show}"
    );
}
