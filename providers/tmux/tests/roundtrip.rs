//! Capture → kill the server → restore → capture again, on a private tmux server.

mod common;

use std::time::Duration;

use chauffeur_core::{ActionKind, Outcome};
use chauffeur_plugin::Plugin;
use chauffeur_provider_tmux::TmuxProvider;
use common::{Server, item, program, stable_items, wait_until};

/// Builds a server with several sessions, nested splits, a zoomed window, renamed
/// windows, odd names, directories with spaces, an editor and a pager.
fn build(server: &Server) -> std::path::PathBuf {
    let odd_dir = server.dir.path().join("dir with spaces/ünï cödé");
    std::fs::create_dir_all(&odd_dir).unwrap();
    std::fs::write(odd_dir.join("my notes.txt"), "hello\n").unwrap();
    let odd = odd_dir.to_string_lossy().into_owned();
    let home = server.dir.path().to_path_buf();

    server.session("alpha", &home);
    // Window 1: renamed with odd characters, nested splits, an editor.
    server.tmux(&[
        "new-window",
        "-t",
        "alpha:1",
        "-c",
        &odd,
        "-n",
        "edit: a.b \"q\" 'é' ;x",
    ]);
    server.tmux(&["split-window", "-h", "-t", "alpha:1", "-c", &odd]);
    server.tmux(&["split-window", "-v", "-t", "alpha:1.1", "-c", &odd]);
    server.tmux(&["split-window", "-h", "-t", "alpha:1.2", "-c", "/"]);
    server.tmux(&["select-pane", "-t", "alpha:1.0", "-T", "my editor ✎"]);
    server.run_in("alpha:1.0", "nvim -n 'my notes.txt'");
    // Window 3 (a gap at 2): zoomed, a pager.
    server.tmux(&["new-window", "-t", "alpha:3", "-c", "/etc"]);
    server.tmux(&["split-window", "-v", "-t", "alpha:3", "-c", "/etc"]);
    server.run_in("alpha:3.1", "less hosts");
    server.tmux(&["resize-pane", "-Z", "-t", "alpha:3.1"]);
    server.tmux(&["select-window", "-t", "alpha:1"]);
    server.tmux(&["select-pane", "-t", "alpha:1.2"]);

    // An odd session name: tmux turns ':' and '.' into '_'.
    server.session("b'e \"ta\" é.x:y", &odd_dir);
    server.tmux(&[
        "rename-window",
        "-t",
        "=b'e \"ta\" é_x_y:0",
        "ünïcode wïndow",
    ]);
    server.tmux(&[
        "split-window",
        "-h",
        "-t",
        "=b'e \"ta\" é_x_y:0",
        "-c",
        &odd,
    ]);

    server.session("gamma", &home);
    server.tmux(&["new-window", "-t", "gamma:5", "-c", "/tmp"]);
    server.tmux(&["select-window", "-t", "gamma:0"]);
    odd_dir
}

fn programs_running(server: &Server) -> bool {
    server.capture().is_ok_and(|s| {
        program(&s, "alpha:1:0").is_some_and(|p| p[0] == "nvim")
            && program(&s, "alpha:3:1").is_some_and(|p| p[0] == "less")
    })
}

#[test]
fn round_trip_restores_everything_exactly() {
    let server = Server::new();
    build(&server);
    assert!(wait_until(Duration::from_secs(10), || programs_running(
        &server
    )));
    // Let automatic names settle (tmux renames windows after their program).
    std::thread::sleep(Duration::from_millis(700));
    let before = server.capture().expect("capture");

    // What was captured.
    let s = item(&before, "alpha");
    assert_eq!(s.kind, "session");
    assert_eq!(s.data["windows"], serde_json::json!([0, 1, 3]));
    assert_eq!(s.data["active_window"], 1);
    let w = item(&before, "alpha:1");
    assert_eq!(w.data["name"], "edit: a.b \"q\" 'é' ;x");
    assert_eq!(w.data["renamed"], true);
    assert_eq!(w.data["active_pane"], 2);
    assert_eq!(item(&before, "alpha:3").data["zoomed"], true);
    assert_eq!(item(&before, "alpha:0").data["renamed"], false);
    assert_eq!(
        program(&before, "alpha:1:0").unwrap(),
        vec!["nvim", "-n", "my notes.txt"]
    );
    assert_eq!(
        program(&before, "alpha:3:1").unwrap(),
        vec!["less", "hosts"]
    );
    assert_eq!(item(&before, "alpha:1:0").data["title"], "my editor ✎");
    assert!(
        item(&before, "alpha:1:0").data["cwd"]
            .as_str()
            .unwrap()
            .ends_with("dir with spaces/ünï cödé")
    );
    let odd = item(&before, "b'e \"ta\" é_x_y");
    assert_eq!(odd.data["name"], "b'e \"ta\" é_x_y");
    assert_eq!(
        item(&before, "b'e \"ta\" é_x_y:0").data["name"],
        "ünïcode wïndow"
    );
    assert_eq!(before.items.len(), 3 + 6 + 11);

    server.kill();
    let options = server.options(&["nvim", "less"]);
    let plan = TmuxProvider
        .plan(before.clone(), options.clone())
        .expect("plan");
    assert!(
        plan.actions.iter().all(|a| a.action == ActionKind::Open),
        "{plan:?}"
    );

    let report = TmuxProvider
        .restore(before.clone(), options.clone())
        .expect("restore");
    assert!(
        report
            .results
            .iter()
            .all(|r| r.outcome == Outcome::Restored),
        "{report:#?}"
    );
    assert!(wait_until(Duration::from_secs(10), || programs_running(
        &server
    )));
    let want = stable_items(&before);
    let mut after = None;
    wait_until(Duration::from_secs(5), || {
        let now = server.capture().expect("capture after restore");
        let same = stable_items(&now) == want;
        after = Some(now);
        same
    });
    let after = after.unwrap();
    for (a, b) in want.iter().zip(stable_items(&after).iter()) {
        assert_eq!(a, b, "item {} differs after restore", a.key);
    }
    assert_eq!(want.len(), after.items.len());

    // Restoring again changes nothing.
    let again = TmuxProvider
        .restore(before.clone(), options)
        .expect("restore");
    assert!(
        again
            .results
            .iter()
            .all(|r| r.outcome == Outcome::AlreadyPresent),
        "{again:#?}"
    );
    assert_eq!(server.capture().unwrap().items.len(), before.items.len());
}
