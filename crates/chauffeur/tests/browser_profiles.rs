//! Two browser profiles running the extension at once, through real `chauffeur native-host`
//! processes speaking the browser's framing to a real daemon: the last one started holds
//! `browser-chromium` and the other is told to name itself instead of taking the id back
//! (they used to displace each other at every heartbeat); a named profile is saved beside
//! it; renaming a profile retires its old id.

mod addins_support;
mod common;

use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use addins_support::{call, config, health, save_and_show, section, state, wait_health};
use common::{Daemon, chauffeur_bin};
use serde_json::{Value, json};

/// The extension's origin, as Chromium passes it to the host.
const ORIGIN: &str = "chrome-extension://eoogedgimkekgimmpbnjflbkiampkblj/";

/// A native host process, as the browser starts one for a profile's extension.
struct Host {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
}

impl Host {
    fn start(daemon: &Daemon) -> Host {
        let mut child = Command::new(chauffeur_bin())
            .args(["native-host", ORIGIN])
            .env("CHAUFFEUR_HOME", daemon.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the native host starts");
        let mut stdout = child.stdout.take().expect("stdout");
        let (tx, messages) = channel();
        std::thread::spawn(move || {
            let mut len = [0u8; 4];
            while stdout.read_exact(&mut len).is_ok() {
                let mut body = vec![0u8; u32::from_ne_bytes(len) as usize];
                if stdout.read_exact(&mut body).is_err() {
                    break;
                }
                let message = serde_json::from_slice(&body).expect("the host writes JSON");
                if tx.send(message).is_err() {
                    break;
                }
            }
        });
        Host {
            stdin: child.stdin.take(),
            child,
            messages,
        }
    }

    /// Sends one framed message, as the extension's port does.
    fn send(&mut self, message: Value) {
        let body = message.to_string();
        let stdin = self.stdin.as_mut().expect("stdin");
        stdin
            .write_all(&(body.len() as u32).to_ne_bytes())
            .and_then(|()| stdin.write_all(body.as_bytes()))
            .and_then(|()| stdin.flush())
            .expect("write to the host");
    }

    /// The next message of `kind`, skipping others.
    fn next(&self, kind: &str) -> Value {
        loop {
            let message = self
                .messages
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("the host never sent a {kind:?} message"));
            if message["type"] == kind {
                return message;
            }
        }
    }

    /// `connect` and the host's `connected` answer.
    fn connect(&mut self, extra: Value) -> Value {
        let mut message = json!({"type": "connect", "browser": "chromium", "version": "1.0.0"});
        merge(&mut message, extra);
        self.send(message);
        self.next("connected")
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn merge(into: &mut Value, extra: Value) {
    if let (Some(into), Value::Object(extra)) = (into.as_object_mut(), extra) {
        into.extend(extra);
    }
}

/// What a resuming extension sends back: the registration a host gave it.
fn resume(connected: &Value) -> Value {
    json!({"resume": {
        "id": connected["id"],
        "token": connected["token"],
        "url": connected["url"],
        "heartbeat_interval_ms": connected["heartbeat_interval_ms"],
    }})
}

fn push(daemon: &Daemon, connected: &Value, keys: &[&str]) {
    let id = connected["id"].as_str().expect("id");
    let (status, body) = call(
        daemon,
        connected["token"].as_str(),
        "PUT",
        &format!("/v1/addins/{id}/state"),
        Some(&json!({"seq": 1, "state": state(keys)})),
    );
    assert_eq!(status, 204, "{body}");
}

#[test]
fn two_profiles_never_take_the_id_from_each_other_and_a_named_one_is_saved_beside() {
    let daemon = Daemon::start(&config());
    let mut first = Host::start(&daemon);
    let first_reg = first.connect(json!({}));
    assert_eq!(first_reg["id"], "browser-chromium");

    // A second profile starts: a fresh start takes the id over (the holder may be a
    // browser whose host vanished).
    let mut second = Host::start(&daemon);
    let second_reg = second.connect(json!({}));
    assert_eq!(second_reg["id"], "browser-chromium");

    // The first one lost it and must not take it back: it is told what to do instead.
    first.send(json!({"type": "reconnect", "browser": "chromium"}));
    let refused = first.next("error");
    let message = refused["message"].as_str().unwrap_or_default();
    assert!(message.contains("give this profile a name"), "{refused}");
    // Its heartbeat (every 10 s) finds the same and leaves the id where it is.
    let heartbeat = first.next("error");
    assert!(
        heartbeat["message"]
            .as_str()
            .is_some_and(|m| m.contains("give this profile a name")),
        "{heartbeat}"
    );
    let (status, _) = call(
        &daemon,
        second_reg["token"].as_str(),
        "POST",
        "/plugin/alive/browser-chromium",
        None,
    );
    assert_eq!(status, 204, "the second profile still holds the id");

    // Named, the first profile is saved beside the second.
    let mut name = json!({"profile": "work"});
    merge(&mut name, resume(&first_reg));
    let named = first.connect(name);
    assert_eq!(named["id"], "browser-chromium-work");
    push(&daemon, &named, &["work-tab"]);
    push(&daemon, &second_reg, &["home-tab"]);
    let (saved, shown) = save_and_show(&daemon);
    assert_eq!(
        section(&saved, "browser-chromium")["status"],
        "ok",
        "{saved}"
    );
    assert_eq!(
        section(&saved, "browser-chromium-work")["status"],
        "ok",
        "{saved}"
    );
    assert_eq!(
        addins_support::item_keys(&shown, "browser-chromium-work"),
        ["work-tab"]
    );
    assert_eq!(
        addins_support::item_keys(&shown, "browser-chromium"),
        ["home-tab"]
    );

    // Renaming the second profile retires `browser-chromium` at once.
    let mut rename = json!({"profile": "home"});
    merge(&mut rename, resume(&second_reg));
    let renamed = second.connect(rename);
    assert_eq!(renamed["id"], "browser-chromium-home");
    wait_health(&daemon, "browser-chromium", "dead", Duration::from_secs(5));
    assert_eq!(
        health(&daemon, "browser-chromium-home").as_deref(),
        Some("ok")
    );

    // A name the daemon could not use as an id is refused.
    let mut third = Host::start(&daemon);
    third.send(json!({"type": "connect", "browser": "chromium", "profile": "Work!"}));
    let bad = third.next("error");
    assert!(
        bad["message"]
            .as_str()
            .is_some_and(|m| m.contains("bad profile name")),
        "{bad}"
    );
}
