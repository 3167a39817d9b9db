//! A real add-in process (the Python SDK) against a real daemon: it registers, negotiates,
//! pushes, is snapshotted and restored through the command channel; killed, stopped and
//! continued, and outliving a daemon restart.

mod addins_support;
mod common;

use std::time::Duration;

use addins_support::{
    AddinProcess, HEARTBEAT_MS, config, health, item_keys, outcomes, restore, restored,
    save_and_show, section, wait_health,
};
use common::Daemon;
use nix::sys::signal::Signal;

const LONG: Duration = Duration::from_secs(20);

#[test]
fn registers_negotiates_pushes_is_snapshotted_and_restored_through_commands() {
    let daemon = Daemon::start(&config());
    let mut addin = AddinProcess::fixture(&daemon, &["--id", "notes", "--items", "a,b,c"]);
    let (protocol, heartbeat) = addin.registered();
    assert_eq!(protocol, 1, "the only version both speak");
    assert_eq!(heartbeat, HEARTBEAT_MS, "the configured interval");
    addin.expect("pushed 3", LONG);
    wait_health(&daemon, "notes", "ok", LONG);

    let (saved, shown) = save_and_show(&daemon);
    let notes = section(&saved, "notes");
    assert_eq!(notes["status"], "ok", "{saved}");
    assert_eq!(notes["item_count"], 3, "{saved}");
    assert_eq!(item_keys(&shown, "notes"), ["a", "b", "c"]);

    // Only two of its items: the command carries the options, the add-in honours them.
    let id = saved["id"].to_string();
    let run = restore(&daemon, &[&id, "--only", "notes:a", "--only", "notes:c"]);
    assert_eq!(
        outcomes(restored(&run, "notes")),
        [
            ("a".to_owned(), "restored".to_owned()),
            ("c".to_owned(), "restored".to_owned())
        ],
        "{run}"
    );
    addin.expect("restore a", LONG);
    addin.expect("restore c", LONG);

    // A dry run reaches it as a `plan` command.
    let plan = daemon.json(&["restore", &id, "--dry-run"]);
    let notes_plan = plan["providers"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["provider"] == "notes"))
        .unwrap_or_else(|| panic!("no plan for notes in {plan}"));
    assert_eq!(notes_plan["plan"]["actions"][0]["action"], "open", "{plan}");
    addin.expect("plan a", LONG);
}

#[test]
fn killed_it_is_dead_in_time_and_its_last_state_is_used_stale() {
    let daemon = Daemon::start(&config());
    let mut addin = AddinProcess::fixture(&daemon, &["--id", "crashy", "--items", "x,y"]);
    let (_, heartbeat) = addin.registered();
    addin.expect("pushed 2", LONG);
    wait_health(&daemon, "crashy", "ok", LONG);

    addin.signal(Signal::SIGKILL);
    let took = wait_health(&daemon, "crashy", "dead", LONG);
    // Dead after three intervals since its last request (before the kill), plus one check
    // interval; 250 ms more for this test's own polling on a loaded machine.
    let limit = Duration::from_millis(3 * heartbeat + heartbeat + 250);
    assert!(took <= limit, "dead after {took:?}, limit {limit:?}");

    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "crashy")["status"], "stale", "{saved}");
    assert_eq!(item_keys(&shown, "crashy"), ["x", "y"], "its last state");
}

#[test]
fn stopped_it_turns_unresponsive_then_dead_and_continued_it_registers_again() {
    let daemon = Daemon::start(&config());
    let mut addin = AddinProcess::fixture(&daemon, &["--id", "sleepy", "--items", "z"]);
    addin.registered();
    addin.expect("pushed 1", LONG);
    wait_health(&daemon, "sleepy", "ok", LONG);

    addin.signal(Signal::SIGSTOP);
    wait_health(&daemon, "sleepy", "unresponsive", LONG);
    wait_health(&daemon, "sleepy", "dead", LONG);

    addin.signal(Signal::SIGCONT);
    // Its heartbeat is answered `404 register_again`; the SDK registers again by itself
    // and pushes its state again.
    addin.expect("registering sleepy again", LONG);
    wait_health(&daemon, "sleepy", "ok", LONG);
    addin.expect("pushed seq 1", LONG);
    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "sleepy")["status"], "ok", "{saved}");
    assert_eq!(item_keys(&shown, "sleepy"), ["z"]);
}

#[test]
fn after_the_daemon_restarts_the_addin_registers_again_by_itself() {
    let daemon = Daemon::start(&config());
    let mut addin = AddinProcess::fixture(&daemon, &["--id", "survivor", "--items", "p,q"]);
    addin.registered();
    addin.expect("pushed 2", LONG);
    wait_health(&daemon, "survivor", "ok", LONG);

    // SIGKILL and a new daemon in the same home: a new port and daemon.json, which the SDK
    // reads again.
    let daemon = daemon.restart_after_kill();
    wait_health(&daemon, "survivor", "ok", LONG);
    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "survivor")["status"], "ok", "{saved}");
    assert_eq!(item_keys(&shown, "survivor"), ["p", "q"], "pushed again");

    // And it keeps heartbeating there: still alive several dead-after periods later.
    std::thread::sleep(Duration::from_millis(HEARTBEAT_MS * 10));
    assert_eq!(health(&daemon, "survivor").as_deref(), Some("ok"));
}
