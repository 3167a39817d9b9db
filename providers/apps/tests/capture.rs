//! `capture` against real processes.

#![cfg(target_os = "linux")]

mod common;

use std::path::Path;

use chauffeur_core::CallOptions;
use chauffeur_core::redact::REDACTED;
use chauffeur_plugin::Plugin;
use chauffeur_provider_apps::AppsProvider;
use chauffeur_provider_apps::item::ProcessData;
use chauffeur_provider_apps::proc;
use common::*;
use serde_json::json;

fn capture(settings: serde_json::Value) -> chauffeur_core::Envelope {
    AppsProvider
        .capture(CallOptions {
            settings,
            ..CallOptions::default()
        })
        .expect("capture works")
}

#[test]
fn captures_a_running_program_with_a_stable_key() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let exe = sleep_exe();
    let duration = unique_duration();
    let mut guard = Guard::default();
    let pid = guard.child(spawn(&exe, &[&duration], &cwd));
    wait_exec(pid, &exe);

    let first = capture(serde_json::Value::Null);
    first.validate().unwrap();
    let (item, data) = item_for_pid(&first, pid).expect("the sleep is captured");
    assert_eq!(item.kind, "process");
    assert_eq!(data.exe, exe.to_string_lossy());
    assert_eq!(
        data.argv,
        vec![exe.to_string_lossy().into_owned(), duration.clone()]
    );
    assert_eq!(data.cwd, cwd.to_string_lossy());
    assert_eq!(data.count, 1);
    assert!(item.key.starts_with("sleep-"), "{}", item.key);
    assert_eq!(item.title, format!("sleep {duration}"));
    assert!(data.started_at.ends_with('Z') && data.started_at.contains('T'));
    // Started just now, give or take the clock-tick rounding.
    let started = chrono::DateTime::parse_from_rfc3339(&data.started_at).unwrap();
    let age = chrono::Utc::now().signed_duration_since(started);
    assert!(age.num_seconds().abs() < 60, "started_at {started} is off");

    let second = capture(serde_json::Value::Null);
    let (again, _) = item_for_pid(&second, pid).unwrap();
    assert_eq!(again.key, item.key);

    // Items come sorted by key.
    let keys: Vec<&str> = first.items.iter().map(|i| i.key.as_str()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn the_key_survives_a_restart_of_the_same_program() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let exe = sleep_exe();
    let duration = unique_duration();
    let mut guard = Guard::default();
    let first_pid = guard.child(spawn(&exe, &[&duration], &cwd));
    wait_exec(first_pid, &exe);
    let (before, _) = item_for_pid(&capture(serde_json::Value::Null), first_pid).unwrap();
    guard.kill_now(first_pid);

    let second_pid = guard.child(spawn(&exe, &[&duration], &cwd));
    wait_exec(second_pid, &exe);
    let (after, _) = item_for_pid(&capture(serde_json::Value::Null), second_pid).unwrap();
    assert_ne!(first_pid, second_pid);
    assert_eq!(before.key, after.key);
}

#[test]
fn identical_processes_collapse_into_one_item_with_a_count() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let exe = sleep_exe();
    let duration = unique_duration();
    let mut guard = Guard::default();
    let a = guard.child(spawn(&exe, &[&duration], &cwd));
    let b = guard.child(spawn(&exe, &[&duration], &cwd));
    wait_exec(a, &exe);
    wait_exec(b, &exe);

    let envelope = capture(serde_json::Value::Null);
    let matching: Vec<ProcessData> = envelope
        .items
        .iter()
        .filter_map(ProcessData::from_item)
        .filter(|d| d.argv.get(1) == Some(&duration))
        .collect();
    assert_eq!(matching.len(), 1, "{matching:?}");
    assert_eq!(matching[0].count, 2);
    assert!(matching[0].pid == a || matching[0].pid == b);
}

#[test]
fn shells_are_left_out_but_what_they_run_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let duration = unique_duration();
    let mut guard = Guard::default();
    // `; true` keeps the shell from exec-ing into sleep, so both processes exist.
    let mut command = std::process::Command::new("/bin/sh");
    command
        .args(["-c", &format!("sleep {duration}; true")])
        .current_dir(&cwd);
    // Its own session (and so its own process group), without a controlling terminal.
    common::detach(&mut command);
    let shell = guard.child(command.spawn().unwrap());
    guard.group(shell);
    let sleep_pid = {
        let mut found = None;
        wait_until(|| {
            found = proc::all_processes()
                .unwrap()
                .into_iter()
                .find(|p| p.ppid == shell && p.argv.get(1) == Some(&duration))
                .map(|p| p.pid);
            found.is_some()
        });
        found.expect("the shell started sleep")
    };
    let shell_info = proc::read_process(shell).unwrap();
    assert!(shell_info.argv.first().is_some_and(|a| a.ends_with("sh")));

    let envelope = capture(serde_json::Value::Null);
    assert!(
        item_for_pid(&envelope, shell).is_none(),
        "the shell was captured"
    );
    assert!(
        item_for_pid(&envelope, sleep_pid).is_some(),
        "its sleep was not"
    );
    // No shell at all, nor this test process.
    for item in &envelope.items {
        let data = ProcessData::from_item(item).unwrap();
        let base = data.exe.rsplit('/').next().unwrap();
        assert!(
            !["bash", "sh", "dash", "zsh", "fish"].contains(&base),
            "captured a shell: {data:?}"
        );
        assert_ne!(data.pid, std::process::id());
    }
}

#[test]
fn settings_include_and_exclude_programs() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let exe = sleep_exe();
    let mut guard = Guard::default();
    let pid = guard.child(spawn(&exe, &[&unique_duration()], &cwd));
    wait_exec(pid, &exe);

    let excluded = capture(json!({"exclude": ["sleep"]}));
    assert!(item_for_pid(&excluded, pid).is_none());

    let included = capture(json!({"include": ["sleep"]}));
    assert!(item_for_pid(&included, pid).is_some());
    for item in &included.items {
        let data = ProcessData::from_item(item).unwrap();
        assert!(
            data.exe.ends_with("/sleep") || data.argv[0].ends_with("sleep"),
            "include let {data:?} through"
        );
    }

    let bad = AppsProvider.capture(CallOptions {
        settings: json!({"include": "sleep"}),
        ..CallOptions::default()
    });
    assert!(bad.is_err());
}

#[test]
fn secrets_in_command_lines_are_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let mut guard = Guard::default();
    let marker = unique_duration();
    let pid = spawn_with_secrets(&mut guard, &cwd, &marker, &["--token=abc123"]);

    let envelope = capture(serde_json::Value::Null);
    let Some((item, data)) = item_for_pid(&envelope, pid) else {
        panic!(
            "perl {pid} is not captured: {:?} {:?}",
            proc::read_process(pid),
            envelope
                .items
                .iter()
                .filter(|i| i.key.starts_with("perl"))
                .collect::<Vec<_>>()
        );
    };
    let text = serde_json::to_string(&item).unwrap();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(!text.contains("abc123"), "{text}");
    assert!(data.argv.contains(&REDACTED.to_owned()), "{:?}", data.argv);
    assert!(
        data.argv.contains(&format!("--token={REDACTED}")),
        "{:?}",
        data.argv
    );
    assert!(data.argv.contains(&marker));
}

#[test]
fn a_deleted_executable_is_reported_without_the_kernel_suffix() {
    let dir = tempfile::tempdir().unwrap();
    let cwd = dir.path().canonicalize().unwrap();
    let copy = cwd.join("chauffeur-apps-test-deleted");
    std::fs::copy(sleep_exe(), &copy).unwrap();
    let mut guard = Guard::default();
    let pid = guard.child(spawn(&copy, &[&unique_duration()], &cwd));
    wait_exec(pid, &copy);
    std::fs::remove_file(&copy).unwrap();
    assert!(
        std::fs::read_link(format!("/proc/{pid}/exe"))
            .unwrap()
            .to_string_lossy()
            .ends_with(" (deleted)")
    );

    let envelope = capture(serde_json::Value::Null);
    let (item, data) = item_for_pid(&envelope, pid).unwrap();
    assert_eq!(Path::new(&data.exe), copy);
    assert!(item.key.starts_with("chauffeur-apps-test-deleted-"));
}

#[test]
fn a_program_running_in_a_terminal_is_left_to_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let duration = unique_duration();
    let mut guard = Guard::default();
    // `script` gives its command a pseudo-terminal as controlling terminal, like a
    // terminal emulator or a tmux pane does.
    let mut command = std::process::Command::new("script");
    command
        .args(["-qfec", &format!("sleep {duration}"), "/dev/null"])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null());
    common::detach(&mut command);
    let script = guard.child(command.spawn().expect("script (bsdutils) runs"));
    guard.group(script);
    let mut in_terminal = None;
    wait_until(|| {
        in_terminal = proc::all_processes()
            .unwrap()
            .into_iter()
            .find(|p| p.argv.get(1) == Some(&duration) && p.exe_name() == "sleep");
        in_terminal.is_some()
    });
    let sleeper = in_terminal.expect("sleep started in the terminal");
    assert!(sleeper.has_terminal(), "{sleeper:?}");

    let envelope = capture(serde_json::Value::Null);
    assert!(
        item_for_pid(&envelope, sleeper.pid).is_none(),
        "a program in a terminal was captured: {sleeper:?}"
    );
}

#[test]
fn a_program_run_from_memory_is_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let duration = unique_duration();
    let mut guard = Guard::default();
    // Python copies `sleep` into a memfd and execs it from there: no file on disk.
    let script = format!(
        "import os\n\
         fd = os.memfd_create('chauffeur-test', 0)\n\
         os.write(fd, open({sleep:?}, 'rb').read())\n\
         os.execv(f'/proc/self/fd/{{fd}}', ['sleep', {duration:?}])\n",
        sleep = sleep_exe().to_string_lossy(),
    );
    let mut command = std::process::Command::new("python3");
    command
        .args(["-c", &script])
        .current_dir(dir.path())
        .stdin(std::process::Stdio::null());
    common::detach(&mut command);
    let pid = guard.child(command.spawn().expect("python3 runs"));
    assert!(
        wait_until(|| std::fs::read_link(format!("/proc/{pid}/exe"))
            .is_ok_and(|exe| exe.to_string_lossy().starts_with("/memfd:chauffeur-test"))),
        "the program did not start from memory"
    );

    let envelope = capture(serde_json::Value::Null);
    assert!(
        item_for_pid(&envelope, pid).is_none(),
        "a program with no file to start again was captured"
    );
}
