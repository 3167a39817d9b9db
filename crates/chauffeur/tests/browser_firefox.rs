//! The browser add-in in Debian's firefox-esr (headless) against a real daemon. The unsigned
//! extension is installed as a temporary add-on by `web-ext run` (addins/browser's dev
//! dependency) into a fresh profile, and finds the daemon through the native host manifest
//! `chauffeur integrations install firefox` wrote under a temporary `HOME`. Covered: capture
//! of the started pages, Firefox exiting (dead at once, state kept stale), and a restore into
//! another fresh profile (the window and its tabs open; a second restore opens nothing).
//! Fails loudly when firefox-esr or the node modules are missing: `.ci/run` installs them.

mod browser_support;
mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use browser_support::{addin_of, build_extension, items, outcomes, save_of, settled_of};
use common::{Daemon, chauffeur_bin, wait_for};
use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;
use serde_json::Value;

/// The add-in id the Firefox extension registers as.
const ADDIN: &str = "browser-firefox";

const CONFIG: &str = "[capture]\nauto_snapshot_minutes = 0\n[daemon]\nshutdown_snapshot = false\n";

#[test]
fn captures_survives_exit_and_restores_in_firefox_esr() {
    let daemon = Daemon::start(CONFIG);
    let pages = Pages::start();
    let dir = tempfile::tempdir().expect("tempdir");
    let home = dir.path().join("home");
    install_native_host(&daemon, &home);

    // Two pages in one window of a fresh profile.
    let started = [pages.url("alpha"), pages.url("beta")];
    let mut firefox = Firefox::start(&daemon, &home, &dir.path().join("one"), &started);
    let (first, state) = snapshot_with(&daemon, &started);
    let windows = items(&state, "window");
    assert_eq!(windows.len(), 1, "one window: {state:#}");
    let tabs = items(&state, "tab");
    assert_eq!(tabs.len(), 2, "{state:#}");
    for (index, (tab, title)) in tabs.iter().zip(["alpha", "beta"]).enumerate() {
        assert_eq!(tab["parent"], windows[0]["key"], "{state:#}");
        assert_eq!(tab["title"], title, "{state:#}");
        assert_eq!(tab["data"]["url"], started[index].as_str(), "{state:#}");
        assert_eq!(tab["data"]["index"], index, "{state:#}");
    }
    assert_eq!(tabs[0]["data"]["active"], true, "{state:#}");
    let saved_keys: BTreeSet<String> = state["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|i| i["key"].as_str().map(str::to_owned))
        .collect();

    // Firefox exits: the native host sees its parent go, so the add-in is dead at once, and
    // the next snapshot keeps the tabs, stale.
    firefox.close();
    wait_for(Duration::from_secs(5), || {
        addin_of(&daemon, ADDIN).filter(|a| a["liveness"] == "dead")
    })
    .expect("the add-in is dead as soon as Firefox exited");
    let (_, stale, stale_state) = save_of(&daemon, ADDIN);
    assert_eq!(stale["status"], "stale", "{stale}");
    assert_eq!(urls(&stale_state), urls(&state));

    // Another fresh profile: the restore opens the window with both tabs, the active one
    // loaded (the page server sees it asked for again).
    let other = [pages.url("gamma")];
    let mut firefox = Firefox::start(&daemon, &home, &dir.path().join("two"), &other);
    snapshot_with(&daemon, &other);
    let loads = pages.hits("alpha");
    let report = daemon.json(&["restore", &first.to_string(), "--only", ADDIN]);
    let results = outcomes(&report);
    assert_eq!(
        results
            .iter()
            .map(|(k, _)| k.clone())
            .collect::<BTreeSet<_>>(),
        saved_keys,
        "the window and its two tabs: {report:#}"
    );
    assert!(results.iter().all(|(_, o)| o == "restored"), "{report:#}");
    let everything: Vec<String> = other.iter().chain(&started).cloned().collect();
    let (_, restored) = snapshot_with(&daemon, &everything);
    let window = &windows[0]["key"];
    let inside: Vec<&Value> = items(&restored, "tab")
        .into_iter()
        .filter(|t| t["parent"] == *window)
        .collect();
    assert_eq!(
        inside
            .iter()
            .map(|t| t["data"]["url"].clone())
            .collect::<Vec<_>>(),
        started
            .iter()
            .map(|u| Value::from(u.as_str()))
            .collect::<Vec<_>>(),
        "the restored window takes its snapshot key and holds the tabs in order: {restored:#}"
    );
    wait_for(Duration::from_secs(20), || {
        (pages.hits("alpha") > loads).then_some(())
    })
    .expect("the restored active tab loads its page");

    // A second restore opens nothing new.
    let again = daemon.json(&["restore", &first.to_string(), "--only", ADDIN]);
    let results = outcomes(&again);
    assert_eq!(results.len(), saved_keys.len(), "{again:#}");
    assert!(
        results.iter().all(|(_, o)| o == "already-present"),
        "{again:#}"
    );
    firefox.close();
}

fn urls(state: &Value) -> BTreeSet<String> {
    items(state, "tab")
        .iter()
        .filter_map(|t| t["data"]["url"].as_str().map(str::to_owned))
        .collect()
}

/// Waits until the add-in has settled with exactly these tab URLs (pages still loading
/// when it first pushes are pushed again) and returns the snapshot id and the state.
fn snapshot_with(daemon: &Daemon, expected: &[String]) -> (u64, Value) {
    let want: BTreeSet<String> = expected.iter().cloned().collect();
    let mut last = Value::Null;
    wait_for(Duration::from_secs(45), || {
        settled_of(daemon, ADDIN);
        let (id, section, state) = save_of(daemon, ADDIN);
        assert_eq!(section["status"], "ok", "{section}");
        let found = (urls(&state) == want).then(|| (id, state.clone()));
        last = state;
        found
    })
    .unwrap_or_else(|| panic!("the add-in pushes the tabs {want:?}; last state: {last:#}"))
}

/// `chauffeur integrations install firefox` with `HOME=home`.
fn install_native_host(daemon: &Daemon, home: &Path) {
    let out = Command::new(chauffeur_bin())
        .args(["integrations", "install", "firefox"])
        .env("HOME", home)
        .env("CHAUFFEUR_HOME", daemon.path())
        .stdin(Stdio::null())
        .output()
        .expect("chauffeur runs");
    assert!(
        out.status.success(),
        "integrations install failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest = home.join(".mozilla/native-messaging-hosts/dev.chauffeur.host.json");
    assert!(manifest.exists(), "{} is written", manifest.display());
}

/// `web-ext run` with headless Firefox in its own process group (killed on drop).
struct Firefox {
    web_ext: Child,
    /// Firefox's main process, the native host's parent.
    main: Pid,
}

impl Firefox {
    /// Builds the extension and starts Firefox on a new `profile` with the extension
    /// installed temporarily and `urls` open; `HOME` is `home`, where the native host is.
    fn start(daemon: &Daemon, home: &Path, profile: &Path, urls: &[String]) -> Firefox {
        let binary =
            std::env::var("FIREFOX_PATH").unwrap_or_else(|_| "/usr/bin/firefox-esr".into());
        assert!(
            Path::new(&binary).exists(),
            "Firefox is missing at {binary}: install it (`apt-get install firefox-esr`, as .ci/run does)"
        );
        let dir = build_extension("web-ext");
        let mut command = Command::new("node");
        command
            .arg("node_modules/.bin/web-ext")
            .arg("run")
            .arg("--source-dir")
            .arg(dir.join("dist/firefox"))
            .arg(format!("--firefox={binary}"))
            .arg("--firefox-profile")
            .arg(profile)
            .args([
                "--profile-create-if-missing",
                "--keep-profile-changes",
                "--no-reload",
                "--no-input",
            ]);
        for url in urls {
            command.arg("--start-url").arg(url);
        }
        let web_ext = command
            .current_dir(&dir)
            .env("HOME", home)
            .env("CHAUFFEUR_HOME", daemon.path())
            .env("MOZ_HEADLESS", "1")
            .env("MOZ_CRASHREPORTER_DISABLE", "1")
            .env("NO_UPDATE_NOTIFIER", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .process_group(0)
            .spawn()
            .expect("web-ext starts");
        let parent = web_ext.id() as i32;
        let mut firefox = Firefox {
            web_ext,
            main: Pid::from_raw(0),
        };
        firefox.main = wait_for(Duration::from_secs(30), || firefox_child(parent))
            .expect("web-ext starts Firefox");
        firefox
    }

    /// Quits Firefox with SIGTERM (the native host stays to report it gone) and waits for
    /// web-ext to exit after it.
    fn close(&mut self) {
        let _ = kill(self.main, Signal::SIGTERM);
        wait_for(Duration::from_secs(20), || {
            self.web_ext.try_wait().ok().flatten()
        })
        .expect("web-ext exits once Firefox has");
    }
}

impl Drop for Firefox {
    fn drop(&mut self) {
        if self.web_ext.try_wait().ok().flatten().is_none() {
            let _ = kill(self.main, Signal::SIGTERM);
            wait_for(Duration::from_secs(10), || {
                self.web_ext.try_wait().ok().flatten()
            });
        }
        // Whatever is left of web-ext, Firefox and its content processes.
        let _ = killpg(Pid::from_raw(self.web_ext.id() as i32), Signal::SIGKILL);
        let _ = self.web_ext.wait();
    }
}

/// The Firefox process web-ext (`parent`) started.
fn firefox_child(parent: i32) -> Option<Pid> {
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let ppid = rest.split_whitespace().nth(1).and_then(|p| p.parse().ok());
        if ppid == Some(parent) && head.contains("(firefox") {
            return Some(Pid::from_raw(pid));
        }
    }
    None
}

/// Test pages on loopback: `/page/NAME` answers a page titled NAME; requests are counted.
struct Pages {
    port: u16,
    hits: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Pages {
    fn start() -> Pages {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let hits = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen, stopped) = (hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let seen = seen.clone();
                // One thread per connection: Firefox opens speculative ones that send nothing.
                std::thread::spawn(move || answer(stream, &seen));
            }
        });
        Pages {
            port,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/page/{name}", self.port)
    }

    /// How often `/page/NAME` was asked for.
    fn hits(&self, name: &str) -> usize {
        let path = format!("/page/{name}");
        let hits = self.hits.lock().expect("hits");
        hits.iter().filter(|p| **p == path).count()
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn answer(stream: TcpStream, hits: &Mutex<Vec<String>>) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).unwrap_or(0) == 0 {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
            break;
        }
    }
    hits.lock().expect("hits").push(path.clone());
    let (status, body) = match path.strip_prefix("/page/") {
        Some(name) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => (
            "200 OK",
            format!("<!doctype html><title>{name}</title><p>{name}</p>"),
        ),
        _ => ("404 Not Found", String::new()),
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}
