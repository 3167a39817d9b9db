//! Pane contents: captured when configured, shown again above the prompt of the restored
//! pane.

mod common;

use std::time::Duration;

use chauffeur_core::CallOptions;
use chauffeur_plugin::Plugin;
use chauffeur_provider_tmux::TmuxProvider;
use common::{Server, item, wait_until};
use serde_json::json;

#[test]
fn contents_come_back_above_the_prompt() {
    let server = Server::new();
    server.session("c", server.dir.path());
    server.run_in("c:0", "echo first-line-$((6*7)); echo second-line");
    assert!(wait_until(Duration::from_secs(5), || server
        .screen("c:0")
        .lines()
        .any(|l| l == "second-line")));
    let options = CallOptions {
        settings: json!({
            "servers": [server.socket],
            "tmux": server.binary,
            "capture_contents_lines": 3,
        }),
        ..CallOptions::default()
    };
    let state = TmuxProvider.capture(options.clone()).unwrap();
    let contents = item(&state, "c:0:0").data["contents"]
        .as_str()
        .expect("contents captured")
        .to_owned();
    assert_eq!(contents.lines().count(), 3, "{contents:?}");
    assert!(
        contents.contains("first-line-42\nsecond-line"),
        "{contents:?}"
    );
    // Off by default.
    assert!(
        item(&server.capture().unwrap(), "c:0:0")
            .data
            .get("contents")
            .is_none()
    );

    server.kill();
    let report = TmuxProvider.restore(state, options).unwrap();
    assert!(
        report
            .results
            .iter()
            .all(|r| r.message.contains("open") || r.message.contains("create"))
    );
    assert!(
        wait_until(Duration::from_secs(5), || {
            let screen = server.screen("c:0");
            screen.contains("first-line-42") && screen.contains("second-line")
        }),
        "{}",
        server.screen("c:0")
    );
    // The file was printed once and deleted; the pane runs a shell.
    assert!(wait_until(Duration::from_secs(5), || {
        server.capture().is_ok_and(|s| {
            s.item("c:0:0")
                .is_some_and(|p| p.data.get("program").is_none())
        })
    }));
}
