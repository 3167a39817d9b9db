//! Helpers for tests against real tmux servers on private sockets (`-S <tempdir>/sock`),
//! killed when the test ends. The user's default server is never touched.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use chauffeur_core::{CallOptions, Envelope, Item};
use chauffeur_plugin::{Plugin, PluginError};
use chauffeur_provider_tmux::TmuxProvider;
use serde_json::{Value, json};

/// A private tmux server: its socket lives in a temporary directory.
pub struct Server {
    /// The temporary directory (also a place for test files).
    pub dir: tempfile::TempDir,
    /// The socket path.
    pub socket: PathBuf,
}

impl Server {
    /// A server socket in a fresh temporary directory; nothing is started yet.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("chtmux")
            .tempdir()
            .expect("tempdir");
        let socket = dir.path().join("sock");
        Server { dir, socket }
    }

    /// Runs tmux on this server (no user configuration when it starts the server).
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-f")
            .arg("/dev/null")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env("SHELL", "/bin/sh")
            .output()
            .expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Starts a detached session of the given size in `dir`.
    pub fn session(&self, name: &str, dir: &Path) {
        let dir = dir.to_string_lossy();
        self.tmux(&[
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "160",
            "-y",
            "48",
            "-c",
            &dir,
        ]);
    }

    /// Types a command line and Enter into a pane.
    pub fn run_in(&self, target: &str, line: &str) {
        self.tmux(&["send-keys", "-t", target, "-l", line]);
        self.tmux(&["send-keys", "-t", target, "Enter"]);
    }

    /// Kills the server (ignoring "no server").
    pub fn kill(&self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
        wait_until(Duration::from_secs(5), || !self.alive());
    }

    /// Whether a server answers on the socket.
    pub fn alive(&self) -> bool {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("list-sessions")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// Settings that name only this server.
    pub fn settings(&self) -> Value {
        json!({ "servers": [self.socket.to_string_lossy()] })
    }

    /// Options for this server with an allowlist.
    pub fn options(&self, allowlist: &[&str]) -> CallOptions {
        CallOptions {
            allowlist: allowlist.iter().map(|s| (*s).to_owned()).collect(),
            settings: self.settings(),
            ..CallOptions::default()
        }
    }

    /// Captures this server through the provider.
    pub fn capture(&self) -> Result<Envelope, PluginError> {
        TmuxProvider.capture(self.options(&[]))
    }

    /// What a pane shows now.
    pub fn screen(&self, target: &str) -> String {
        self.tmux(&["capture-pane", "-p", "-t", target])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `ok` every 50 ms until it holds or `limit` passes; returns whether it held.
pub fn wait_until(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    loop {
        if ok() {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// An item with the fields that cannot survive a restore removed (documented in
/// docs/tmux.md): the pane's process id, the session's attached flag, and the automatic
/// name of a window not named by hand (tmux derives it from whatever runs, e.g. the shell,
/// which may differ between the server that was captured and the one restore starts).
pub fn stable(item: &Item) -> Item {
    let mut item = item.clone();
    if item.kind == "window" && item.data["renamed"] == false {
        item.title.clear();
        if let Some(map) = item.data.as_object_mut() {
            map.remove("name");
        }
    }
    if let Some(map) = item.data.as_object_mut() {
        map.remove("pid");
        map.remove("attached");
    }
    item
}

/// The stable items of a state.
pub fn stable_items(state: &Envelope) -> Vec<Item> {
    state.items.iter().map(stable).collect()
}

/// The item of a state with `key`, panicking with the keys when it is missing.
pub fn item<'a>(state: &'a Envelope, key: &str) -> &'a Item {
    state.item(key).unwrap_or_else(|| {
        panic!(
            "no item {key:?} in {:?}",
            state.items.iter().map(|i| &i.key).collect::<Vec<_>>()
        )
    })
}

/// The program argv of a pane item, if any.
pub fn program(state: &Envelope, key: &str) -> Option<Vec<String>> {
    item(state, key).data["program"].as_array().map(|a| {
        a.iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    })
}

/// Captures once every pane's shell has finished starting (no program in the foreground,
/// e.g. `mesg n` from a login profile).
pub fn capture_idle(server: &Server) -> Envelope {
    wait_until(Duration::from_secs(10), || {
        server
            .capture()
            .is_ok_and(|s| s.items.iter().all(|i| i.data.get("program").is_none()))
    });
    server.capture().expect("capture")
}
