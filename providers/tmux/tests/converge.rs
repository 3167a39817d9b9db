//! Restore converges: what exists is left alone and completed, never duplicated; and a
//! program off the allowlist is typed, not run.

mod common;

use std::time::Duration;

use chauffeur_core::{ActionKind, CallOptions, Outcome};
use chauffeur_plugin::Plugin;
use chauffeur_provider_tmux::TmuxProvider;
use common::{Server, item, program, stable_items, wait_until};

fn action(plan: &chauffeur_core::Plan, key: &str) -> ActionKind {
    plan.actions
        .iter()
        .find(|a| a.key == key)
        .unwrap_or_else(|| panic!("no action for {key}: {plan:?}"))
        .action
}

#[test]
fn restore_into_partly_existing_server_duplicates_nothing() {
    let server = Server::new();
    let home = server.dir.path().to_path_buf();
    server.session("one", &home);
    server.tmux(&["split-window", "-t", "one:0", "-c", "/"]);
    server.tmux(&["split-window", "-h", "-t", "one:0", "-c", "/tmp"]);
    server.tmux(&["new-window", "-t", "one:1", "-n", "logs"]);
    server.tmux(&["new-window", "-t", "one:2"]);
    server.session("two", &home);
    server.tmux(&["new-window", "-t", "two:1"]);
    let before = common::capture_idle(&server);
    assert_eq!(before.items.len(), 2 + 5 + 7);

    // Take parts away: a pane, a window, a whole session.
    server.tmux(&["kill-pane", "-t", "one:0.2"]);
    server.tmux(&["kill-window", "-t", "one:2"]);
    server.tmux(&["kill-session", "-t", "two"]);
    let opts = server.options(&[]);
    let plan = TmuxProvider.plan(before.clone(), opts.clone()).unwrap();
    assert_eq!(action(&plan, "one"), ActionKind::AlreadyPresent);
    assert_eq!(action(&plan, "one:0"), ActionKind::AlreadyPresent);
    assert_eq!(action(&plan, "one:0:0"), ActionKind::AlreadyPresent);
    assert_eq!(action(&plan, "one:0:2"), ActionKind::Open);
    assert_eq!(action(&plan, "one:1"), ActionKind::AlreadyPresent);
    assert_eq!(action(&plan, "one:2"), ActionKind::Open);
    assert_eq!(action(&plan, "two"), ActionKind::Open);
    assert_eq!(action(&plan, "two:1:0"), ActionKind::Open);

    let pid_before = item(&server.capture().unwrap(), "one:0:0").data["pid"].clone();
    let report = TmuxProvider.restore(before.clone(), opts.clone()).unwrap();
    assert!(
        report.results.iter().all(|r| r.outcome != Outcome::Failed),
        "{report:#?}"
    );
    let mut want = stable_items(&before);
    want[0].data["active_window"] = 1.into();
    // Automatic window names follow the program after a moment: wait for them.
    wait_until(Duration::from_secs(5), || {
        stable_items(&server.capture().unwrap()) == want
    });
    let after = server.capture().unwrap();
    // The current window of a session that existed is not changed (someone may be
    // looking at it): killing window 2 made tmux pick window 1.
    assert_eq!(item(&before, "one").data["active_window"], 2);
    assert_eq!(item(&after, "one").data["active_window"], 1);
    assert_eq!(
        stable_items(&after),
        want,
        "restore completed the server exactly"
    );
    // The existing pane was left alone (same process).
    assert_eq!(item(&after, "one:0:0").data["pid"], pid_before);

    // Again: everything is already there, nothing is added.
    let again = TmuxProvider.restore(before.clone(), opts).unwrap();
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == Outcome::AlreadyPresent)
    );
    assert_eq!(server.capture().unwrap().items.len(), before.items.len());
    let sessions = server.tmux(&["list-sessions", "-F", "#{session_name}"]);
    assert_eq!(sessions.lines().count(), 2);
}

#[test]
fn only_restores_the_selected_window() {
    let server = Server::new();
    let home = server.dir.path().to_path_buf();
    server.session("s", &home);
    server.tmux(&["new-window", "-t", "s:4", "-n", "four"]);
    server.tmux(&["new-window", "-t", "s:7", "-n", "seven"]);
    let before = common::capture_idle(&server);
    server.kill();
    let opts = CallOptions {
        only: vec!["s:7".into()],
        ..server.options(&[])
    };
    let report = TmuxProvider.restore(before, opts).unwrap();
    let keys: Vec<&str> = report.results.iter().map(|r| r.key.as_str()).collect();
    assert_eq!(keys, vec!["s:7", "s:7:0"]);
    assert!(
        report
            .results
            .iter()
            .all(|r| r.outcome == Outcome::Restored),
        "{report:#?}"
    );
    let windows = server.tmux(&[
        "list-windows",
        "-t",
        "s",
        "-F",
        "#{window_index} #{window_name}",
    ]);
    assert_eq!(windows.trim(), "7 seven");
}

#[test]
fn a_program_off_the_allowlist_is_typed_not_run() {
    let server = Server::new();
    let home = server.dir.path().to_path_buf();
    server.session("p", &home);
    server.run_in("p:0", "sleep 1234");
    server.tmux(&["split-window", "-t", "p:0"]);
    server.run_in("p:0.1", "less /etc/hostname");
    assert!(wait_until(Duration::from_secs(10), || {
        server.capture().is_ok_and(|s| {
            program(&s, "p:0:0").is_some_and(|p| p == ["sleep", "1234"])
                && program(&s, "p:0:1").is_some()
        })
    }));
    let before = server.capture().unwrap();
    server.kill();

    let opts = server.options(&["less"]);
    let plan = TmuxProvider.plan(before.clone(), opts.clone()).unwrap();
    assert_eq!(action(&plan, "p:0:0"), ActionKind::NeedsConfirmation);
    assert_eq!(action(&plan, "p:0:1"), ActionKind::Open);
    let report = TmuxProvider.restore(before.clone(), opts).unwrap();
    assert!(
        report
            .results
            .iter()
            .all(|r| r.outcome == Outcome::Restored),
        "{report:#?}"
    );

    assert!(
        wait_until(Duration::from_secs(10), || {
            server
                .capture()
                .is_ok_and(|s| program(&s, "p:0:1").is_some_and(|p| p[0] == "less"))
        }),
        "{:?} {}",
        program(&server.capture().unwrap(), "p:0:1"),
        server.screen("p:0.1")
    );
    assert!(wait_until(Duration::from_secs(5), || server
        .screen("p:0.0")
        .contains("sleep 1234")));
    // Typed, never started: give it time, it must still not run.
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(program(&server.capture().unwrap(), "p:0:0"), None);

    // An imported snapshot runs nothing, even allowlisted programs.
    server.kill();
    let imported = CallOptions {
        imported: true,
        ..server.options(&["less", "sleep"])
    };
    let plan = TmuxProvider.plan(before.clone(), imported.clone()).unwrap();
    assert_eq!(action(&plan, "p:0:1"), ActionKind::NeedsConfirmation);
    TmuxProvider.restore(before.clone(), imported).unwrap();
    assert!(wait_until(Duration::from_secs(5), || server
        .screen("p:0.1")
        .contains("less /etc/hostname")));
    std::thread::sleep(Duration::from_millis(500));
    let now = server.capture().unwrap();
    assert_eq!(program(&now, "p:0:0"), None);
    assert_eq!(program(&now, "p:0:1"), None);
}
