//! The daemon's lifecycle: one per user, owner-only runtime files, graceful signals,
//! config errors that name the key.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use common::{Daemon, cli_in, text, wait_for};
use nix::sys::signal::Signal;

const QUIET: &str = "[capture]\nauto_snapshot_minutes = 0\n[providers.apps]\nenabled = false\n";

/// Starts a new daemon in a stopped daemon's home; the trigger of the newest snapshot.
fn newest_trigger_after_restart(mut stopped: Daemon) -> String {
    let daemon = Daemon::start_in(std::mem::replace(
        &mut stopped.home,
        tempfile::tempdir().expect("tmp"),
    ));
    let list = daemon.json(&["list"]);
    list[0]["trigger"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn runtime_files_are_private_and_removed_after_sigterm_with_a_shutdown_snapshot() {
    let mut daemon = Daemon::start(QUIET);
    let run = daemon.path().join("run");
    for file in ["daemon.json", "token"] {
        let mode = std::fs::metadata(run.join(file))
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
    let dir_mode = std::fs::metadata(&run)
        .expect("run dir")
        .permissions()
        .mode();
    assert_eq!(dir_mode & 0o777, 0o700);
    assert_eq!(daemon.token.len(), 64, "256-bit hex token");

    let status = daemon.stop(Signal::SIGTERM);
    assert!(status.success(), "exit 0 on SIGTERM: {status:?}");
    assert!(!run.join("daemon.json").exists());
    assert!(!run.join("token").exists());

    assert_eq!(newest_trigger_after_restart(daemon), "shutdown");
}

#[test]
fn stop_waits_for_the_shutdown_snapshot_and_is_a_no_op_when_nothing_runs() {
    let mut daemon = Daemon::start(QUIET);
    let out = daemon.cli(&["stop"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("stopped"),
        "{}",
        text(&out.stdout)
    );
    // `stop` returned only once the daemon let go of its lock: it has exited cleanly.
    assert!(daemon.wait_exit().success());
    assert!(!daemon.path().join("run/daemon.json").exists());

    let out = daemon.cli(&["stop"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("not running"));

    assert_eq!(newest_trigger_after_restart(daemon), "shutdown");
}

#[test]
fn stop_never_signals_a_pid_from_a_stale_record() {
    let home = Daemon::home_with(QUIET);
    let run = home.path().join("run");
    std::fs::create_dir_all(&run).unwrap();
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    // A daemon died without cleaning up, and its pid now belongs to another program.
    let mut other = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .expect("sleep");
    let record = serde_json::json!({
        "pid": other.id(),
        "url": "http://127.0.0.1:1",
        "version": "0.1.0",
        "started_at": "2026-01-01T00:00:00Z",
    });
    std::fs::write(run.join("daemon.json"), record.to_string()).unwrap();
    std::fs::write(run.join("token"), "0".repeat(64)).unwrap();

    let out = cli_in(home.path(), &["stop"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        other.try_wait().expect("wait").is_none(),
        "the other program was signalled"
    );
    other.kill().expect("kill");
    other.wait().expect("reap");
}

#[test]
fn a_second_daemon_is_refused() {
    let daemon = Daemon::start(QUIET);
    let out = cli_in(daemon.path(), &["daemon"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("already running"),
        "{}",
        text(&out.stderr)
    );
    // The first one is unharmed.
    assert_eq!(daemon.request("GET", "/v1/health", None).0, 200);
}

#[test]
fn a_runtime_directory_open_to_others_is_refused() {
    let home = Daemon::home_with(QUIET);
    let run = home.path().join("run");
    std::fs::create_dir_all(&run).expect("run");
    std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = cli_in(home.path(), &["daemon"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("chmod 700"),
        "{}",
        text(&out.stderr)
    );
    assert!(!run.join("daemon.json").exists());
}

#[test]
fn a_bad_config_names_the_key_and_exits_2() {
    let home = Daemon::home_with("[capture]\ndeadline = 3\n");
    let out = cli_in(home.path(), &["daemon"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("deadline"),
        "{}",
        text(&out.stderr)
    );
    let out = cli_in(home.path(), &["config"]);
    assert_eq!(out.status.code(), Some(2));

    let home = Daemon::home_with("[restore]\nallowlist = [\"htop\"]\n");
    let out = cli_in(home.path(), &["--json", "config"]);
    assert!(out.status.success());
    let config: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(
        config["config"]["restore"]["allowlist"],
        serde_json::json!(["htop"])
    );
    assert_eq!(config["config"]["capture"]["deadline_ms"], 2000);
}

#[test]
fn status_reports_version_url_uptime_providers_and_store() {
    let daemon = Daemon::start("[capture]\nauto_snapshot_minutes = 0\n");
    let out = daemon.cli(&["status"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    for needle in [
        "running",
        env!("CARGO_PKG_VERSION"),
        &daemon.url,
        "uptime",
        "apps",
        "builtin",
    ] {
        assert!(shown.contains(needle), "{needle} missing in {shown}");
    }
    let log_dir = daemon.path().join("data/logs");
    assert!(
        wait_for(Duration::from_secs(5), || std::fs::read_dir(&log_dir)
            .ok()?
            .next()
            .map(|_| ()))
        .is_some(),
        "a log file is written"
    );
}
