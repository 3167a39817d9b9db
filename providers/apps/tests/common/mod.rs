//! Helpers for tests against real processes: unique programs, and a guard that kills
//! everything a test started.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use chauffeur_core::{Envelope, Item};
use chauffeur_provider_apps::item::ProcessData;
use chauffeur_provider_apps::proc;
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

/// Kills what a test started, even when the test fails.
#[derive(Default)]
pub struct Guard {
    children: Vec<Child>,
    pids: Vec<u32>,
    groups: Vec<u32>,
}

impl Guard {
    /// Takes care of a child: killed and reaped on drop.
    pub fn child(&mut self, child: Child) -> u32 {
        let pid = child.id();
        self.children.push(child);
        pid
    }

    /// Takes care of a process that is not our child (or is reaped elsewhere).
    pub fn pid(&mut self, pid: u32) {
        self.pids.push(pid);
    }

    /// Takes care of a whole process group.
    pub fn group(&mut self, pgid: u32) {
        self.groups.push(pgid);
    }

    /// Kills and reaps one child now; returns once it is gone from /proc.
    pub fn kill_now(&mut self, pid: u32) {
        if let Some(i) = self.children.iter().position(|c| c.id() == pid) {
            let mut child = self.children.remove(i);
            let _ = child.kill();
            let _ = child.wait();
        } else {
            let _ = kill(Pid::from_raw(pid as i32), Signal::SIGKILL);
            wait_until(|| proc::read_process(pid).is_none());
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        for pgid in &self.groups {
            let _ = killpg(Pid::from_raw(*pgid as i32), Signal::SIGKILL);
        }
        for pid in &self.pids {
            let _ = kill(Pid::from_raw(*pid as i32), Signal::SIGKILL);
        }
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A `sleep` argument no other process has: `1000.<pid><n>` seconds.
pub fn unique_duration() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "1000.{}{:04}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// The real path of `sleep`, as /proc will show it.
pub fn sleep_exe() -> PathBuf {
    std::fs::canonicalize("/bin/sleep")
        .or_else(|_| std::fs::canonicalize("/usr/bin/sleep"))
        .expect("sleep is installed")
}

/// Runs the child in a new session, without the controlling terminal a developer's
/// `cargo test` may have: `apps` leaves programs in a terminal to the terminal's provider.
pub fn detach(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            nix::unistd::setsid()
                .map(drop)
                .map_err(std::io::Error::from)
        });
    }
}

/// Starts `program args...` in `cwd`, quietly, in its own session.
pub fn spawn(program: &Path, args: &[&str], cwd: &Path) -> Child {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let mut command = Command::new(program);
        command
            .args(args)
            .current_dir(cwd)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        detach(&mut command);
        match command.spawn() {
            Ok(child) => return child,
            // A freshly copied executable can still be open for writing in a child
            // another test thread forked meanwhile.
            Err(e) if e.raw_os_error() == Some(26) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("cannot start {}: {e}", program.display()),
        }
    }
}

/// Polls `cond` for up to five seconds.
pub fn wait_until(mut cond: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// Waits until `pid` has exec'd `exe` (right after spawn it may still be the forked test).
pub fn wait_exec(pid: u32, exe: &Path) {
    assert!(
        wait_until(|| proc::read_process(pid).is_some_and(|p| p.exe == exe)),
        "pid {pid} never became {}",
        exe.display()
    );
}

/// The captured item whose process is `pid`.
pub fn item_for_pid(envelope: &Envelope, pid: u32) -> Option<(Item, ProcessData)> {
    envelope.items.iter().find_map(|item| {
        let data = ProcessData::from_item(item)?;
        (data.pid == pid).then(|| (item.clone(), data))
    })
}

/// Every live process running `argv` in `cwd`.
pub fn find_processes(argv: &[String], cwd: &Path) -> Vec<u32> {
    proc::all_processes()
        .unwrap()
        .into_iter()
        .filter(|p| !p.is_dead() && p.argv == argv && p.cwd.as_deref() == Some(cwd))
        .map(|p| p.pid)
        .collect()
}

/// An envelope holding just `item`.
pub fn state_of(item: Item) -> Envelope {
    Envelope {
        schema: 1,
        items: vec![item],
    }
}

/// Starts perl sleeping with `marker`, a `--password` and `extra` on its command line (perl
/// ignores what follows `--`; it only shows in /proc/PID/cmdline), and waits until it has
/// exec'd. perl is part of every Debian system, so its absence is a failure, not a skip.
pub fn spawn_with_secrets(guard: &mut Guard, cwd: &Path, marker: &str, extra: &[&str]) -> u32 {
    let perl = std::fs::canonicalize("/usr/bin/perl").expect("perl is installed (perl-base)");
    let mut args = vec!["-e", "sleep 1000", "--", marker, "--password", "hunter2"];
    args.extend_from_slice(extra);
    let pid = guard.child(spawn(&perl, &args, cwd));
    wait_exec(pid, &perl);
    pid
}
