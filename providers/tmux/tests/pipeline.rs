//! A pane running a pipeline (`tail -f log | grep … | cat`) is captured whole and comes
//! back whole, and runs only when every program in it is allowlisted.

mod common;

use std::time::Duration;

use chauffeur_core::{ActionKind, Envelope};
use chauffeur_plugin::Plugin;
use chauffeur_provider_tmux::TmuxProvider;
use common::{Server, item, program, wait_until};

fn piped_to(state: &Envelope, key: &str) -> Vec<Vec<String>> {
    serde_json::from_value(item(state, key).data["piped_to"].clone()).unwrap_or_default()
}

#[test]
fn a_pipeline_is_captured_and_restored_whole() {
    let server = Server::new();
    server.session("p", server.dir.path());
    let log = server.dir.path().join("app.log");
    std::fs::write(&log, "one\n").expect("log");
    let log = log.to_string_lossy().into_owned();
    server.run_in(
        "p:0",
        &format!("tail -f {log} | grep --line-buffered o | cat"),
    );
    let tail = vec!["tail".to_owned(), "-f".to_owned(), log.clone()];
    let rest = vec![
        vec![
            "grep".to_owned(),
            "--line-buffered".to_owned(),
            "o".to_owned(),
        ],
        vec!["cat".to_owned()],
    ];
    let whole =
        |s: &Envelope| program(s, "p:0:0").as_ref() == Some(&tail) && piped_to(s, "p:0:0") == rest;
    assert!(
        wait_until(Duration::from_secs(10), || server
            .capture()
            .is_ok_and(|s| whole(&s))),
        "{:?}",
        server.capture().map(|s| item(&s, "p:0:0").clone())
    );
    let before = server.capture().expect("capture");
    assert!(
        item(&before, "p:0:0")
            .title
            .ends_with(&format!("tail -f {log} | grep --line-buffered o | cat")),
        "{}",
        item(&before, "p:0:0").title
    );
    server.kill();

    // One program of the pipeline off the allowlist: the whole line is only typed.
    let plan = TmuxProvider
        .plan(before.clone(), server.options(&["tail", "cat"]))
        .expect("plan");
    let pane = plan
        .actions
        .iter()
        .find(|a| a.key == "p:0:0")
        .expect("pane planned");
    assert_eq!(pane.action, ActionKind::NeedsConfirmation, "{pane:?}");
    assert!(pane.detail.contains("grep"), "{pane:?}");

    // Every program allowlisted: it runs again, whole.
    TmuxProvider
        .restore(before, server.options(&["tail", "grep", "cat"]))
        .expect("restore");
    assert!(
        wait_until(Duration::from_secs(10), || server
            .capture()
            .is_ok_and(|s| whole(&s))),
        "{:?}\n{}",
        server.capture().map(|s| item(&s, "p:0:0").clone()),
        server.screen("p:0.0")
    );
}
