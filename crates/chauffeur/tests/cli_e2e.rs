//! End to end: the CLI against a real daemon process and a real SQLite store, with the
//! builtin `apps` provider capturing and restoring real processes.

mod common;

use std::time::Duration;

use common::{Daemon, Sleeper, text, wait_for};
use serde_json::Value;

fn config_for(sleeper: &Sleeper) -> String {
    format!(
        "[capture]\nauto_snapshot_minutes = 0\n\
         [restore]\nallowlist = [\"{name}\"]\n\
         [providers.apps.settings]\ninclude = [\"{name}\"]\n",
        name = sleeper.name
    )
}

fn apps_keys(detail: &Value) -> Vec<String> {
    detail["states"]["apps"]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["key"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn save_list_show_diff_export_import_delete_prune() {
    let sleeper = Sleeper::new("chauffeur-e2e-a");
    let daemon = Daemon::start(&config_for(&sleeper));

    let empty = daemon.json(&["save", "--name", "nothing running"]);
    let mut child = sleeper.spawn();
    let busy = daemon.json(&["save", "--name", "one sleeper"]);
    assert_eq!(busy["name"], "one sleeper");
    let apps = &busy["sections"][0];
    assert_eq!(apps["provider"], "apps");
    assert_eq!(apps["status"], "ok");
    assert_eq!(apps["item_count"], 1);

    let list = daemon.json(&["list"]);
    let ids: Vec<i64> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(
        ids,
        vec![
            busy["id"].as_i64().expect("id"),
            empty["id"].as_i64().expect("id")
        ]
    );

    let show = daemon.json(&["show", "latest"]);
    let item = &show["states"]["apps"]["items"][0];
    assert_eq!(item["kind"], "process");
    assert_eq!(item["data"]["exe"], sleeper.exe.to_str().expect("utf-8"));
    assert_eq!(item["data"]["argv"][1], "1000");

    let human = daemon.cli(&["list"]);
    assert!(human.status.success());
    assert!(
        text(&human.stdout).contains("one sleeper"),
        "{}",
        text(&human.stdout)
    );

    let diff = daemon.json(&["diff", &empty["id"].to_string(), &busy["id"].to_string()]);
    let changes = &diff["providers"][0]["changes"];
    assert_eq!(changes.as_array().expect("changes").len(), 1);
    assert_eq!(changes[0]["change"], "added");
    assert_eq!(changes[0]["key"], item["key"]);

    // Export and import: the same states, marked imported.
    let file = daemon.path().join("export.json");
    let out = daemon.cli(&["export", "latest", "-o", file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let imported = daemon.json(&["import", file.to_str().expect("utf-8")]);
    assert_eq!(imported["trigger"], "import");
    let again = daemon.json(&["show", &imported["id"].to_string()]);
    assert_eq!(again["states"], show["states"]);

    // A bad import changes nothing.
    std::fs::write(&file, "{\"format\": \"something else\"}").expect("write");
    let out = daemon.cli(&["import", file.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert_eq!(daemon.json(&["list"]).as_array().expect("list").len(), 3);

    // Rename, pin, delete.
    let renamed = daemon.json(&["rename", &imported["id"].to_string(), "from a file"]);
    assert_eq!(renamed["name"], "from a file");
    let pinned = daemon.json(&["pin", &imported["id"].to_string()]);
    assert_eq!(pinned["pinned"], true);
    let out = daemon.cli(&["delete", &imported["id"].to_string()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = daemon.cli(&["show", &imported["id"].to_string()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no snapshot"),
        "{}",
        text(&out.stderr)
    );

    // Prune: manual snapshots are kept.
    let pruned = daemon.json(&["prune", "--dry-run"]);
    assert_eq!(pruned["pruned"], serde_json::json!([]));
    let doctor = daemon.json(&["doctor"]);
    assert_eq!(doctor["ok"], true, "{doctor}");

    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn restore_relaunches_a_stopped_allowlisted_program_once() {
    let sleeper = Sleeper::new("chauffeur-e2e-b");
    let daemon = Daemon::start(&config_for(&sleeper));
    let mut child = sleeper.spawn();
    let snap = daemon.json(&["save"]);
    let id = snap["id"].to_string();

    // Running: the plan says already-present and a restore starts nothing.
    let plan = daemon.json(&["restore", &id, "--dry-run"]);
    assert_eq!(
        plan["providers"][0]["plan"]["actions"][0]["action"],
        "already-present"
    );

    child.kill().expect("kill");
    child.wait().expect("reap");
    assert!(
        wait_for(Duration::from_secs(5), || sleeper
            .pids()
            .is_empty()
            .then_some(()))
        .is_some()
    );

    let plan = daemon.json(&["restore", &id, "--dry-run"]);
    assert_eq!(plan["providers"][0]["plan"]["actions"][0]["action"], "open");
    assert!(sleeper.pids().is_empty(), "a dry run starts nothing");

    let run = daemon.json(&["restore", &id]);
    assert_eq!(
        run["providers"][0]["report"]["results"][0]["outcome"], "restored",
        "{run}"
    );
    let pids = wait_for(Duration::from_secs(5), || {
        let pids = sleeper.pids();
        (!pids.is_empty()).then_some(pids)
    })
    .expect("relaunched");
    assert_eq!(pids.len(), 1);
    let cwd = std::fs::read_link(format!("/proc/{}/cwd", pids[0])).expect("cwd");
    assert_eq!(cwd, sleeper.dir.path());

    // The restore saved the state before it; that snapshot had no sleeper.
    let before = daemon.json(&["show", &run["before_restore"].to_string()]);
    assert_eq!(before["trigger"], "before-restore");
    assert!(apps_keys(&before).is_empty() || before["sections"][0]["status"] != "ok");

    // Converging: a second restore starts nothing new.
    let run = daemon.json(&["restore", &id]);
    assert_eq!(
        run["providers"][0]["report"]["results"][0]["outcome"],
        "already-present"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(sleeper.pids().len(), 1);

    // Not on the allowlist: needs confirmation, and nothing runs.
    sleeper.kill_all();
    assert!(
        wait_for(Duration::from_secs(5), || sleeper
            .pids()
            .is_empty()
            .then_some(()))
        .is_some()
    );
    let strict = Daemon::start("[capture]\nauto_snapshot_minutes = 0\n[restore]\nallowlist = []\n");
    let file = daemon.path().join("x.json");
    assert!(
        daemon
            .cli(&["export", &id, "-o", file.to_str().expect("utf-8")])
            .status
            .success()
    );
    let imported = strict.json(&["import", file.to_str().expect("utf-8")]);
    let plan = strict.json(&["restore", &imported["id"].to_string(), "--dry-run"]);
    assert_eq!(
        plan["providers"][0]["plan"]["actions"][0]["action"],
        "needs-confirmation"
    );
    let run = strict.json(&["restore", &imported["id"].to_string()]);
    assert_eq!(
        run["providers"][0]["report"]["results"][0]["outcome"],
        "skipped"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(sleeper.pids().is_empty(), "nothing ran without consent");
}

#[test]
fn selective_restore_names_unknown_providers_and_bad_ids() {
    let sleeper = Sleeper::new("chauffeur-e2e-c");
    let daemon = Daemon::start(&config_for(&sleeper));
    daemon.json(&["save"]);
    let out = daemon.cli(&["restore", "latest", "--dry-run", "--only", "nosuch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("nosuch"),
        "{}",
        text(&out.stderr)
    );
    let out = daemon.cli(&["show", "banana"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("chauffeur list"),
        "{}",
        text(&out.stderr)
    );
    let out = daemon.cli(&["restore", "9999", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    let out = daemon.cli(&["frobnicate"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn save_starts_a_daemon_when_none_runs() {
    let home = Daemon::home_with(
        "[capture]\nauto_snapshot_minutes = 0\n[providers.apps]\nenabled = false\n",
    );
    let out = common::cli_in(home.path(), &["status"]);
    assert_eq!(out.status.code(), Some(1), "no daemon yet");
    let out = common::cli_in(home.path(), &["save"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("started the Chauffeur daemon"),
        "{}",
        text(&out.stderr)
    );
    let status = common::cli_in(home.path(), &["--json", "status"]);
    assert!(status.status.success());
    let status: Value = serde_json::from_slice(&status.stdout).expect("json");
    assert_eq!(status["running"], true);
    assert_eq!(status["snapshots"], 1);
    assert_eq!(status["providers"][0]["health"]["state"], "disabled");
    let pid = status["daemon"]["pid"].as_i64().expect("pid") as i32;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .expect("stop");
    assert!(
        wait_for(Duration::from_secs(10), || (!home
            .path()
            .join("run/daemon.json")
            .exists())
        .then_some(()))
        .is_some(),
        "daemon.json removed on exit"
    );
}
