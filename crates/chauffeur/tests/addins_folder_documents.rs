//! The reference add-in, `sdk/python/examples/folder_documents.py`, end to end: documents
//! held open by real processes are captured, and a restore opens the missing ones with the
//! configured opener, honouring `--only`, and converges (`already-present`).

mod addins_support;
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use addins_support::{
    AddinProcess, config_with, item_keys, outcomes, restore, restored, save_and_show, sdk_dir,
    section, wait_health,
};
use common::{Daemon, wait_for};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

const LONG: Duration = Duration::from_secs(20);

/// `tail -f path`: a process holding the document open.
fn hold_open(path: &Path) -> Child {
    Command::new("tail")
        .arg("-f")
        .arg(path)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .expect("tail starts")
}

/// An opener that records its argument and its pid, then holds the file open like an
/// editor would.
fn opener(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let script = dir.join("opener.sh");
    let record = dir.join("opened.txt");
    let pids = dir.join("pids.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\necho $$ >> '{}'\nexec tail -f \"$1\" > /dev/null\n",
            record.display(),
            pids.display()
        ),
    )
    .expect("write opener");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    (script, record, pids)
}

fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Kills the openers' `tail`s when the test ends, however it ends.
struct Openers(PathBuf);

impl Drop for Openers {
    fn drop(&mut self) {
        for pid in lines(&self.0) {
            if let Ok(pid) = pid.parse() {
                let _ = kill(Pid::from_raw(pid), Signal::SIGKILL);
            }
        }
    }
}

#[test]
fn folder_documents_captures_open_files_and_reopens_the_missing_ones() {
    // The apps provider is off: it would relaunch the `tail`s itself.
    let daemon = Daemon::start(&config_with("[providers.apps]\nenabled = false\n"));
    let folder = tempfile::tempdir().expect("folder");
    let folder_path = folder.path().canonicalize().expect("canonical folder");
    std::fs::create_dir(folder_path.join("sub")).expect("sub");
    let a = folder_path.join("a.txt");
    let b = folder_path.join("sub/b.txt");
    let closed = folder_path.join("never-open.txt");
    for f in [&a, &b, &closed] {
        std::fs::write(f, "text\n").expect("write document");
    }
    let tools = tempfile::tempdir().expect("tools");
    let (script, record, pids) = opener(tools.path());
    let _openers = Openers(pids.clone());

    let mut holder_a = hold_open(&a);
    let mut holder_b = hold_open(&b);
    let example = sdk_dir().join("examples/folder_documents.py");
    let mut addin = AddinProcess::python(
        daemon.path(),
        &[
            example.to_str().expect("utf-8").to_owned(),
            folder_path.to_str().expect("utf-8").to_owned(),
            "--id".to_owned(),
            "docs".to_owned(),
            "--opener".to_owned(),
            script.to_str().expect("utf-8").to_owned(),
            "--every".to_owned(),
            "0.2".to_owned(),
        ],
    );
    addin.expect("(2 items)", LONG);
    wait_health(&daemon, "docs", "ok", LONG);

    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "docs")["status"], "ok", "{saved}");
    assert_eq!(item_keys(&shown, "docs"), ["a.txt", "sub/b.txt"]);
    let item = &shown["states"]["docs"]["items"][0];
    assert_eq!(item["kind"], "document");
    assert_eq!(item["data"]["path"], a.to_str().expect("utf-8"));
    let id = saved["id"].to_string();

    // Both closed: the add-in pushes the change.
    for holder in [&mut holder_a, &mut holder_b] {
        holder.kill().expect("kill holder");
        holder.wait().expect("reap holder");
    }
    addin.expect("(0 items)", LONG);

    // Only b: only b is opened.
    let run = restore(&daemon, &[&id, "--only", "docs:sub/b.txt"]);
    assert_eq!(
        outcomes(restored(&run, "docs")),
        [("sub/b.txt".to_owned(), "restored".to_owned())],
        "{run}"
    );
    let opened = wait_for(LONG, || {
        let l = lines(&record);
        (!l.is_empty()).then_some(l)
    })
    .expect("the opener ran");
    assert_eq!(opened, [b.to_str().expect("utf-8")]);
    addin.expect("(1 items)", LONG);

    // Everything: a is opened, b is already there.
    let run = restore(&daemon, &[&id]);
    let mut got = outcomes(restored(&run, "docs"));
    got.sort();
    assert_eq!(
        got,
        [
            ("a.txt".to_owned(), "restored".to_owned()),
            ("sub/b.txt".to_owned(), "already-present".to_owned())
        ],
        "{run}"
    );
    addin.expect("(2 items)", LONG);

    // Converged: a second restore opens nothing.
    let run = restore(&daemon, &[&id]);
    let got = outcomes(restored(&run, "docs"));
    assert!(
        got.iter().all(|(_, outcome)| outcome == "already-present"),
        "{run}"
    );
    assert_eq!(got.len(), 2);
    assert_eq!(
        lines(&record),
        [b.to_str().expect("utf-8"), a.to_str().expect("utf-8")],
        "each document opened exactly once"
    );

    // The add-in quits (SIGTERM): it says it is gone, and the snapshots still carry its
    // documents, stale, for a restore after it (or the machine) comes back.
    addin.signal(Signal::SIGTERM);
    let (status, said) = addin.exit(LONG);
    assert!(status.success(), "{status:?}\n{said}");
    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(section(&saved, "docs")["status"], "stale", "{saved}");
    assert_eq!(item_keys(&shown, "docs"), ["a.txt", "sub/b.txt"]);
}
