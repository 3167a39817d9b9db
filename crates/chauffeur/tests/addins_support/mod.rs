//! Shared by the `addins_*` tests: real Python add-in processes running `sdk/python`, their
//! output as lines a test can wait for, and raw protocol requests with any token.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};

use crate::common::{Daemon, raw, wait_for};

/// Heartbeat of the tests' daemons: dead after three of them (600 ms).
pub const HEARTBEAT_MS: u64 = 200;

/// A daemon config with auto-snapshots off and a short add-in heartbeat.
pub fn config() -> String {
    config_with("")
}

/// [`config`] plus more TOML.
pub fn config_with(extra: &str) -> String {
    format!(
        "[capture]\nauto_snapshot_minutes = 0\n[addins]\nheartbeat_interval_ms = {HEARTBEAT_MS}\n{extra}"
    )
}

/// `sdk/python` in this repository.
pub fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk/python")
}

/// The add-in the tests drive (`sdk/python/tests/fixtures/addin_under_test.py`).
pub fn fixture() -> PathBuf {
    sdk_dir().join("tests/fixtures/addin_under_test.py")
}

/// A running Python add-in; its stdout and stderr lines arrive in one channel.
/// Killed (after a SIGCONT, in case it was stopped) when dropped.
pub struct AddinProcess {
    pub child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
}

impl AddinProcess {
    /// Runs the fixture add-in against `daemon` (found through `CHAUFFEUR_HOME`).
    pub fn fixture(daemon: &Daemon, args: &[&str]) -> AddinProcess {
        let mut all = vec![fixture().to_str().expect("utf-8").to_owned()];
        all.extend(args.iter().map(|a| (*a).to_owned()));
        AddinProcess::python(daemon.path(), &all)
    }

    /// Runs `python3 -u ARGS` with the SDK on `PYTHONPATH` and `CHAUFFEUR_HOME=home`.
    pub fn python(home: &Path, args: &[String]) -> AddinProcess {
        let mut child = Command::new("python3")
            .arg("-u")
            .args(args)
            .env("PYTHONPATH", sdk_dir())
            .env("CHAUFFEUR_HOME", home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 starts");
        let (tx, lines) = channel();
        forward(child.stdout.take().expect("stdout"), tx.clone());
        forward(child.stderr.take().expect("stderr"), tx);
        AddinProcess {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.child.id() as i32)
    }

    /// Sends a signal.
    pub fn signal(&self, signal: Signal) {
        kill(self.pid(), signal).expect("signal the add-in");
    }

    /// Waits for a line containing `needle` and answers it; panics with everything the
    /// process said when it does not come within `limit`.
    pub fn expect(&mut self, needle: &str, limit: Duration) -> String {
        let end = Instant::now() + limit;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => panic!(
                    "the add-in never said {needle:?}; it said:\n{}",
                    self.seen.join("\n")
                ),
            }
        }
    }

    /// Waits for the process to exit by itself; answers its status and all it said.
    pub fn exit(&mut self, limit: Duration) -> (std::process::ExitStatus, String) {
        let status = wait_for(limit, || self.child.try_wait().expect("wait"))
            .expect("the add-in exits by itself");
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            self.seen.push(line);
        }
        (status, self.seen.join("\n"))
    }

    /// `negotiated <protocol> <heartbeat_ms>` from the fixture (once it registered): both numbers.
    pub fn registered(&mut self) -> (u64, u64) {
        let line = self.expect("negotiated ", Duration::from_secs(20));
        let words: Vec<&str> = line.split_whitespace().collect();
        let number = |i: usize| -> u64 {
            words
                .get(i)
                .and_then(|w| w.parse().ok())
                .unwrap_or_else(|| panic!("bad line {line:?}"))
        };
        (number(1), number(2))
    }
}

impl Drop for AddinProcess {
    fn drop(&mut self) {
        let _ = kill(self.pid(), Signal::SIGCONT);
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn forward(stream: impl std::io::Read + Send + 'static, tx: Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
}

/// The health state (`ok`, `unresponsive`, `dead`...) `GET /v1/providers` gives `id`.
pub fn health(daemon: &Daemon, id: &str) -> Option<String> {
    let (status, providers) = daemon.request("GET", "/v1/providers", None);
    assert_eq!(status, 200, "{providers}");
    providers
        .as_array()
        .expect("providers")
        .iter()
        .find(|p| p["id"] == id)
        .and_then(|p| p["health"]["state"].as_str().map(str::to_owned))
}

/// Waits until `id`'s health is `state`; answers how long that took.
pub fn wait_health(daemon: &Daemon, id: &str, state: &str, limit: Duration) -> Duration {
    let started = Instant::now();
    let mut last = None;
    wait_for(limit, || {
        last = health(daemon, id);
        (last.as_deref() == Some(state)).then_some(())
    })
    .unwrap_or_else(|| panic!("{id} never became {state:?} (last: {last:?})"));
    started.elapsed()
}

/// A request with `token` (or none) and the right Host.
pub fn call(
    daemon: &Daemon,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut headers = vec![
        ("Host".to_owned(), format!("127.0.0.1:{}", daemon.port)),
        ("Content-Type".to_owned(), "application/json".to_owned()),
    ];
    if let Some(token) = token {
        headers.push(("Authorization".to_owned(), format!("Bearer {token}")));
    }
    let body = body.map(Value::to_string);
    raw(
        daemon.port,
        method,
        path,
        &headers,
        body.as_deref().map(str::as_bytes),
    )
}

/// A push add-in's registration body.
pub fn push_body(id: &str) -> Value {
    json!({
        "id": id,
        "type": "push",
        "name": format!("raw {id}"),
        "version": "1.0.0",
        "protocols": [1],
        "capabilities": ["capture", "restore"],
    })
}

/// Registers with the user's token; answers the reply (asserts 201).
pub fn register(daemon: &Daemon, body: &Value) -> Value {
    let (status, reply) = call(daemon, Some(&daemon.token), "POST", "/register", Some(body));
    assert_eq!(status, 201, "{reply}");
    reply
}

/// A state envelope with these item keys.
pub fn state(keys: &[&str]) -> Value {
    json!({
        "schema": 1,
        "items": keys.iter().map(|k| json!({"key": k, "kind": "note", "title": k})).collect::<Vec<_>>(),
    })
}

/// The section of `provider` in a snapshot (`chauffeur save --json` / `show --json`).
pub fn section<'a>(snapshot: &'a Value, provider: &str) -> &'a Value {
    snapshot["sections"]
        .as_array()
        .and_then(|s| s.iter().find(|s| s["provider"] == provider))
        .unwrap_or_else(|| panic!("no section {provider:?} in {snapshot}"))
}

/// The item keys of `provider`'s state in `chauffeur show --json`.
pub fn item_keys(shown: &Value, provider: &str) -> Vec<String> {
    shown["states"][provider]["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["key"].as_str().map(str::to_owned))
        .collect()
}

/// `chauffeur save`, then `show` of it: `(saved, shown)`.
pub fn save_and_show(daemon: &Daemon) -> (Value, Value) {
    let saved = daemon.json(&["save"]);
    let shown = daemon.json(&["show", &saved["id"].to_string()]);
    (saved, shown)
}

/// The entry of `provider` in a restore run (`chauffeur restore --json`).
pub fn restored<'a>(run: &'a Value, provider: &str) -> &'a Value {
    run["providers"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["provider"] == provider))
        .unwrap_or_else(|| panic!("no provider {provider:?} in {run}"))
}

/// `(key, outcome)` of each result of a provider's restore report.
pub fn outcomes(entry: &Value) -> Vec<(String, String)> {
    entry["report"]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| {
            (
                r["key"].as_str().unwrap_or_default().to_owned(),
                r["outcome"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// `chauffeur --json restore ARGS`, parsed, whether or not it exited 0 (a restore with a
/// failed provider exits 1 but still prints its report).
pub fn restore(daemon: &Daemon, args: &[&str]) -> Value {
    let mut all = vec!["--json", "restore"];
    all.extend_from_slice(args);
    let out = daemon.cli(&all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "restore printed no JSON (exit {:?}): {}",
            out.status.code(),
            crate::common::text(&out.stderr)
        )
    })
}
