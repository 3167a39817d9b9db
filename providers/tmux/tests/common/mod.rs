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
    /// The tmux the test and the provider run: a wrapper that starts servers without the
    /// user's tmux configuration and with `/bin/sh` as the panes' shell, so that a server
    /// the provider starts on restore is like the one the test built, and the user's
    /// shell start-up (slow under load) does not decide the outcome.
    pub binary: PathBuf,
}

impl Server {
    /// A server socket in a fresh temporary directory; nothing is started yet.
    pub fn new() -> Self {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::Builder::new()
            .prefix("chtmux")
            .tempdir()
            .expect("tempdir");
        let socket = dir.path().join("sock");
        let binary = dir.path().join("tmux");
        std::fs::write(
            &binary,
            "#!/bin/sh\nSHELL=/bin/sh exec tmux -f /dev/null \"$@\"\n",
        )
        .expect("write the tmux wrapper");
        std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755))
            .expect("make the tmux wrapper executable");
        // Another test thread forking right now may still hold the written file open for
        // a moment ("text file busy"); wait until the wrapper runs.
        assert!(
            wait_until(Duration::from_secs(5), || {
                Command::new(&binary).arg("-V").output().is_ok()
            }),
            "the tmux wrapper does not run"
        );
        Server {
            dir,
            socket,
            binary,
        }
    }

    /// Runs tmux on this server (through [`Server::binary`]).
    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new(&self.binary)
            .arg("-u")
            .arg("-S")
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
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
        json!({
            "servers": [self.socket.to_string_lossy()],
            "tmux": self.binary.to_string_lossy(),
        })
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

/// Captures once every pane's shell has finished starting: its prompt is on the screen
/// (so the login profile, with programs like `mesg n`, has run) and no program is in the
/// foreground.
pub fn capture_idle(server: &Server) -> Envelope {
    let idle = || {
        let state = server.capture().ok()?;
        let prompts = server.tmux(&["list-panes", "-a", "-F", "#{pane_id}"]);
        let ready = prompts
            .lines()
            .all(|pane| !server.screen(pane).trim().is_empty())
            && state.items.iter().all(|i| i.data.get("program").is_none());
        ready.then_some(state)
    };
    let mut state = None;
    assert!(
        wait_until(Duration::from_secs(20), || {
            state = idle();
            state.is_some()
        }),
        "the panes' shells did not settle"
    );
    state.expect("settled")
}
