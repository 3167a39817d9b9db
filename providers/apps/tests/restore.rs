//! `plan` and `restore` against real processes.

#![cfg(target_os = "linux")]

mod common;

use std::path::Path;

use chauffeur_core::{ActionKind, CallOptions, Envelope, Outcome, PlannedAction, RestoreResult};
use chauffeur_plugin::Plugin;
use chauffeur_provider_apps::AppsProvider;
use chauffeur_provider_apps::item::ProcessData;
use common::*;

/// Starts a unique `sleep` in `cwd`, captures it, and returns its one-item state.
fn captured_sleep(guard: &mut Guard, cwd: &Path) -> (u32, Envelope, ProcessData) {
    let exe = sleep_exe();
    let pid = guard.child(spawn(&exe, &[&unique_duration()], cwd));
    wait_exec(pid, &exe);
    let envelope = AppsProvider.capture(CallOptions::default()).unwrap();
    let (item, data) = item_for_pid(&envelope, pid).expect("sleep is captured");
    (pid, state_of(item), data)
}

fn plan_one(state: &Envelope, options: CallOptions) -> PlannedAction {
    let plan = AppsProvider.plan(state.clone(), options).unwrap();
    assert_eq!(plan.actions.len(), 1, "{plan:?}");
    plan.actions[0].clone()
}

fn restore_one(state: &Envelope, options: CallOptions) -> RestoreResult {
    let report = AppsProvider.restore(state.clone(), options).unwrap();
    assert_eq!(report.results.len(), 1, "{report:?}");
    report.results[0].clone()
}

fn allow_sleep() -> CallOptions {
    CallOptions {
        allowlist: vec!["sleep".into()],
        ..CallOptions::default()
    }
}

#[test]
fn plan_follows_what_runs_and_what_is_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let mut guard = Guard::default();
    let (pid, state, _) = captured_sleep(&mut guard, &cwd);

    let running = plan_one(&state, allow_sleep());
    assert_eq!(running.action, ActionKind::AlreadyPresent);
    assert_eq!(running.key, state.items[0].key);

    guard.kill_now(pid);

    let ask = plan_one(&state, CallOptions::default());
    assert_eq!(ask.action, ActionKind::NeedsConfirmation);
    assert!(ask.detail.contains("sleep"), "{}", ask.detail);
    assert!(ask.detail.contains("restore.allowlist"), "{}", ask.detail);
    assert!(ask.detail.contains("--allow-commands"), "{}", ask.detail);

    let open = plan_one(&state, allow_sleep());
    assert_eq!(open.action, ActionKind::Open);
    assert!(open.detail.contains("sleep 1000."), "{}", open.detail);

    let imported = CallOptions {
        imported: true,
        ..allow_sleep()
    };
    assert_eq!(
        plan_one(&state, imported.clone()).action,
        ActionKind::NeedsConfirmation
    );
    let flagged = CallOptions {
        allow_commands: true,
        ..imported
    };
    assert_eq!(plan_one(&state, flagged).action, ActionKind::Open);

    let elsewhere = CallOptions {
        only: vec!["sleep-000000000000".into()],
        ..allow_sleep()
    };
    assert!(
        AppsProvider
            .plan(state.clone(), elsewhere)
            .unwrap()
            .actions
            .is_empty()
    );

    // Planning started nothing.
    let data = ProcessData::from_item(&state.items[0]).unwrap();
    assert!(find_processes(&data.argv, &cwd).is_empty());
}

#[test]
fn restore_relaunches_once_and_converges() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let mut guard = Guard::default();
    let (pid, state, data) = captured_sleep(&mut guard, &cwd);
    guard.kill_now(pid);
    assert!(find_processes(&data.argv, &cwd).is_empty());

    let first = restore_one(&state, allow_sleep());
    let relaunched = find_processes(&data.argv, &cwd);
    for p in &relaunched {
        guard.pid(*p);
    }
    assert_eq!(first.outcome, Outcome::Restored, "{first:?}");
    assert_eq!(relaunched.len(), 1, "{relaunched:?}");
    let new_pid = relaunched[0];
    assert_ne!(new_pid, pid);
    let info = chauffeur_provider_apps::proc::read_process(new_pid).unwrap();
    assert_eq!(info.exe, Path::new(&data.exe));
    assert_eq!(info.cwd.as_deref(), Some(cwd.as_path()));
    assert!(
        first.message.contains(&new_pid.to_string()),
        "{}",
        first.message
    );
    // Detached: its own session, away from the test's terminal.
    let sid = nix::unistd::getsid(Some(nix::unistd::Pid::from_raw(new_pid as i32))).unwrap();
    assert_eq!(sid.as_raw() as u32, new_pid);

    // The relaunched process is the same program: same key in a new capture.
    let envelope = AppsProvider.capture(CallOptions::default()).unwrap();
    let (item, _) = item_for_pid(&envelope, new_pid).unwrap();
    assert_eq!(item.key, state.items[0].key);

    let second = restore_one(&state, allow_sleep());
    assert_eq!(second.outcome, Outcome::AlreadyPresent, "{second:?}");
    assert_eq!(find_processes(&data.argv, &cwd), vec![new_pid]);
}

#[test]
fn restore_skips_what_is_not_allowed_and_starts_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let mut guard = Guard::default();
    let (pid, state, data) = captured_sleep(&mut guard, &cwd);
    guard.kill_now(pid);

    let result = restore_one(&state, CallOptions::default());
    assert_eq!(result.outcome, Outcome::Skipped);
    assert!(result.message.contains("restore.allowlist"));
    let imported = CallOptions {
        imported: true,
        ..allow_sleep()
    };
    assert_eq!(restore_one(&state, imported).outcome, Outcome::Skipped);
    assert!(find_processes(&data.argv, &cwd).is_empty());
}

#[test]
fn restore_fails_cleanly_when_the_directory_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap().join("work");
    std::fs::create_dir(&cwd).unwrap();
    let mut guard = Guard::default();
    let (pid, state, data) = captured_sleep(&mut guard, &cwd);
    guard.kill_now(pid);
    std::fs::remove_dir(&cwd).unwrap();

    let result = restore_one(&state, allow_sleep());
    assert_eq!(result.outcome, Outcome::Failed);
    assert!(
        result.message.contains("working directory"),
        "{}",
        result.message
    );
    assert!(find_processes(&data.argv, &cwd).is_empty());
}

#[test]
fn a_program_that_is_gone_from_disk_is_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let copy = cwd.join("chauffeur-apps-test-gone");
    std::fs::copy(sleep_exe(), &copy).unwrap();
    let mut guard = Guard::default();
    let pid = guard.child(spawn(&copy, &[&unique_duration()], &cwd));
    wait_exec(pid, &copy);
    let envelope = AppsProvider.capture(CallOptions::default()).unwrap();
    let (item, _) = item_for_pid(&envelope, pid).unwrap();
    guard.kill_now(pid);
    std::fs::remove_file(&copy).unwrap();

    let state = state_of(item);
    let everything = CallOptions {
        allow_commands: true,
        ..CallOptions::default()
    };
    let planned = plan_one(&state, everything.clone());
    assert_eq!(planned.action, ActionKind::Skip);
    assert!(
        planned.detail.contains("no longer exists"),
        "{}",
        planned.detail
    );
    assert_eq!(restore_one(&state, everything).outcome, Outcome::Skipped);
}

#[test]
fn a_redacted_command_line_is_never_relaunched() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let mut guard = Guard::default();
    let marker = unique_duration();
    let pid = spawn_with_secrets(&mut guard, &cwd, &marker, &[]);
    let envelope = AppsProvider.capture(CallOptions::default()).unwrap();
    let (item, data) = item_for_pid(&envelope, pid).unwrap();
    guard.kill_now(pid);

    let state = state_of(item);
    let everything = CallOptions {
        allow_commands: true,
        ..CallOptions::default()
    };
    let planned = plan_one(&state, everything.clone());
    assert_eq!(planned.action, ActionKind::Skip);
    assert!(planned.detail.contains("secret"), "{}", planned.detail);
    let result = restore_one(&state, everything);
    assert_eq!(result.outcome, Outcome::Skipped);
    assert!(find_processes(&data.argv, &cwd).is_empty());
}
