//! Chromium with the extension, driven by addins/browser/test/driver.mjs (playwright-core),
//! one JSON command per line. Fails loudly when Chromium or the node modules are missing:
//! `.ci/run` installs them.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use serde_json::{Value, json};

use crate::common::Daemon;

/// The add-in id the Chromium extension registers as.
pub const ADDIN: &str = "browser-chromium";

/// addins/browser in the repository.
pub fn addin_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../addins/browser")
}

/// Checks that `node_modules/MODULE` is installed and builds dist/chromium and dist/firefox;
/// returns addins/browser.
pub fn build_extension(module: &str) -> PathBuf {
    let dir = addin_dir();
    assert!(
        dir.join("node_modules").join(module).exists(),
        "addins/browser/node_modules is missing: run `(cd addins/browser && npm ci)`, as .ci/run does"
    );
    let built = Command::new("node")
        .arg("build.mjs")
        .current_dir(&dir)
        .output()
        .expect("node runs (install nodejs)");
    assert!(
        built.status.success(),
        "the extension build failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );
    dir
}

/// One driver (and so one Chromium) at a time in a test binary: on two shared cores two
/// browsers at once make the timing-based waits flaky.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The node driver and the browser it runs (both stopped on drop).
pub struct Driver {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    profiles: Vec<PathBuf>,
    /// The loopback URL the test pages are served from.
    pub base: String,
    /// Released after `drop` stopped the driver and the browser.
    _turn: MutexGuard<'static, ()>,
}

impl Driver {
    /// Builds the extension and starts the driver with `CHAUFFEUR_HOME` of the daemon.
    pub fn start(daemon: &Daemon) -> Driver {
        // A test that panicked while holding it has still cleaned up in `drop`.
        let turn = ONE_AT_A_TIME
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let chromium =
            std::env::var("CHROMIUM_PATH").unwrap_or_else(|_| "/usr/bin/chromium".into());
        assert!(
            Path::new(&chromium).exists(),
            "Chromium is missing at {chromium}: install it (`apt-get install chromium`, as .ci/run does)"
        );
        let dir = build_extension("playwright-core");
        let mut child = Command::new("node")
            .arg("test/driver.mjs")
            .current_dir(&dir)
            .env("CHAUFFEUR_HOME", daemon.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the driver starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        let mut driver = Driver {
            child,
            stdin,
            lines,
            profiles: Vec::new(),
            base: String::new(),
            _turn: turn,
        };
        let hello = driver.next_line(Duration::from_secs(30));
        driver.base = hello["base"].as_str().expect("base").to_owned();
        driver
    }

    fn next_line(&mut self, limit: Duration) -> Value {
        let line = self
            .lines
            .recv_timeout(limit)
            .expect("the driver answers in time");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("driver said {line:?}: {e}"))
    }

    /// Sends one command; panics with the driver's error when it failed.
    pub fn call(&mut self, command: Value) -> Value {
        let stdin = self.stdin.as_mut().expect("driver stdin");
        writeln!(stdin, "{command}").expect("write to the driver");
        let answer = self.next_line(Duration::from_secs(300));
        assert_eq!(
            answer["ok"], true,
            "driver command {command} failed: {}",
            answer["error"]
        );
        answer["value"].clone()
    }

    /// Launches Chromium on a profile with the native host installed for it.
    pub fn launch(&mut self, daemon: &Daemon, profile: &Path) {
        let out = daemon.cli(&[
            "integrations",
            "install",
            "chromium",
            "--user-data-dir",
            &profile.to_string_lossy(),
        ]);
        assert!(
            out.status.success(),
            "integrations install failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        self.profiles.push(profile.to_path_buf());
        self.call(json!({"cmd": "launch", "profile": profile}));
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = writeln!(stdin, "{}", json!({"cmd": "close"}));
        }
        let done = crate::common::wait_for(Duration::from_secs(15), || {
            self.child.try_wait().ok().flatten()
        });
        if done.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        for profile in &self.profiles {
            kill_browser(profile);
        }
    }
}

/// Kills any Chromium process still running on `profile`.
fn kill_browser(profile: &Path) {
    let flag = format!("--user-data-dir={}", profile.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        if cmdline.split(|b| *b == 0).any(|a| a == flag.as_bytes()) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// A daemon with `config`, and Chromium on a fresh profile `profile` showing the driver's
/// fixture (two windows, a pinned tab, a group...), its first push settled. Bind all four:
/// the profile directory lives as long as the temp dir, and the browser stops before the
/// daemon.
pub fn launched_with_fixture(
    config: &str,
    profile: &str,
) -> (Daemon, Driver, tempfile::TempDir, Value) {
    let daemon = Daemon::start(config);
    let mut driver = Driver::start(&daemon);
    let profiles = tempfile::tempdir().expect("profiles");
    driver.launch(&daemon, &profiles.path().join(profile));
    settled(&daemon);
    let fixture = driver.call(json!({"cmd": "fixture"}));
    (daemon, driver, profiles, fixture)
}

/// The Chromium add-in as `GET /v1/addins` shows it.
pub fn addin(daemon: &Daemon) -> Option<Value> {
    addin_of(daemon, ADDIN)
}

/// The add-in `id` as `GET /v1/addins` shows it.
pub fn addin_of(daemon: &Daemon, id: &str) -> Option<Value> {
    let (status, list) = daemon.request("GET", "/v1/addins", None);
    assert_eq!(status, 200, "{list}");
    list.as_array()?.iter().find(|a| a["id"] == id).cloned()
}

/// Waits until the Chromium add-in is alive, has pushed, and its pushes stopped for a second.
pub fn settled(daemon: &Daemon) -> Value {
    settled_of(daemon, ADDIN)
}

/// Waits until the add-in `id` is alive, has pushed, and its pushes stopped for a second.
pub fn settled_of(daemon: &Daemon, id: &str) -> Value {
    let mut last = (0u64, std::time::Instant::now());
    crate::common::wait_for(Duration::from_secs(60), || {
        let a = addin_of(daemon, id)?;
        let seq = a["seq"].as_u64().unwrap_or(0);
        if a["liveness"] != "alive" || seq == 0 {
            return None;
        }
        if seq != last.0 {
            last = (seq, std::time::Instant::now());
            return None;
        }
        (last.1.elapsed() > Duration::from_millis(1200)).then_some(a)
    })
    .expect("the extension registers and pushes its state")
}

/// Saves a snapshot and returns `(id, Chromium section, Chromium state)`.
pub fn save(daemon: &Daemon) -> (u64, Value, Value) {
    save_of(daemon, ADDIN)
}

/// Saves a snapshot and returns `(id, section, state)` of the add-in `addin`.
pub fn save_of(daemon: &Daemon, addin: &str) -> (u64, Value, Value) {
    let saved = daemon.json(&["save"]);
    let id = saved["id"]
        .as_u64()
        .or_else(|| saved["snapshot"]["id"].as_u64())
        .expect("snapshot id");
    let shown = daemon.json(&["show", &id.to_string()]);
    let section = shown["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["provider"] == addin))
        .cloned()
        .expect("a browser section");
    (id, section, shown["states"][addin].clone())
}

/// Items of one kind.
pub fn items<'a>(state: &'a Value, kind: &str) -> Vec<&'a Value> {
    state["items"]
        .as_array()
        .map(|i| i.iter().filter(|i| i["kind"] == kind).collect())
        .unwrap_or_default()
}

/// Every `{key, outcome}` result in a restore report, wherever it is nested.
pub fn outcomes(report: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    walk(report, &mut found);
    found
}

fn walk(v: &Value, found: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            if let (Some(Value::String(k)), Some(Value::String(o))) =
                (m.get("key"), m.get("outcome"))
            {
                found.push((k.clone(), o.clone()));
            }
            m.values().for_each(|x| walk(x, found));
        }
        Value::Array(a) => a.iter().for_each(|x| walk(x, found)),
        _ => {}
    }
}
