//! `chauffeur native-host`: the native messaging host the browser extension starts
//! (docs/browser.md). It speaks the browser's framing (a native-endian `u32` length, then
//! JSON) on stdin/stdout, registers the extension as an add-in with the user's token — which
//! never leaves this process — and hands the extension the add-in's scoped token. While the
//! browser keeps the port open it heartbeats for it. When stdin closes and the browser
//! process exits, the browser is gone and the add-in is marked dead at once; when the browser
//! still runs, only its service worker stopped (idle, or reloaded): the registration is left
//! alive, and the worker resumes it through the next host it starts.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use crate::client::Client;
use crate::error::CliError;
use crate::paths::Paths;
use crate::runtime;

/// Largest message accepted from the browser.
const MAX_IN: usize = 1024 * 1024;
/// Largest message the browser accepts from a host.
const MAX_OUT: usize = 1024 * 1024;
/// Request timeout towards the daemon.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The heartbeat interval the host asks for. The extension's 30 s alarm wakes a stopped
/// service worker, which then reconnects; the daemon counts an add-in unresponsive after one
/// and a half intervals of silence, and the host beats every third of an interval, so a
/// worker stopped right after a beat is back (10 s + 30 s) before that (45 s).
const INTERVAL: Duration = Duration::from_secs(30);
/// How long after stdin closed the host waits for the browser process to exit, to tell a
/// closing browser from a stopped service worker. Chromium kills a host 2 s after closing
/// its port, so this stays below that.
const EXIT_GRACE: Duration = Duration::from_millis(1500);

/// One registration of the extension.
#[derive(Clone)]
struct Session {
    url: String,
    user_token: String,
    id: String,
    token: String,
    interval: Duration,
}

/// What the threads share: the current session and stdout.
struct Shared {
    paths: Paths,
    session: Mutex<Option<Session>>,
    out: Mutex<std::io::Stdout>,
    agent: ureq::Agent,
}

/// Runs the host until the browser closes stdin. `browser_args` (the extension's origin, or
/// Firefox's manifest path and add-on id) are only logged: the manifest's allowed origins
/// already decided who may start us.
pub fn run(paths: Paths, browser_args: &[String]) -> Result<(), CliError> {
    eprintln!("chauffeur native-host started for {browser_args:?}");
    // The install script `exec`s us, so the parent is the browser itself.
    let browser = std::os::unix::process::parent_id();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    let shared = Arc::new(Shared {
        paths,
        session: Mutex::new(None),
        out: Mutex::new(std::io::stdout()),
        agent,
    });
    let mut heartbeat_started = false;
    let mut stdin = std::io::stdin().lock();
    while let Some(message) = read_message(&mut stdin)? {
        let kind = message["type"].as_str().unwrap_or_default();
        match kind {
            "connect" | "reconnect" => {
                let name = message["browser"].as_str().unwrap_or("chromium");
                let profile = message["profile"].as_str().filter(|p| !p.is_empty());
                match connect(
                    &shared,
                    name,
                    profile,
                    kind == "connect",
                    &message["resume"],
                ) {
                    Ok(reply) => send(&shared, &reply),
                    Err(e) => send(&shared, &json!({"type": "error", "message": e.message})),
                }
                if !heartbeat_started {
                    heartbeat_started = true;
                    let shared = Arc::clone(&shared);
                    std::thread::spawn(move || heartbeat(&shared));
                }
            }
            other => send(
                &shared,
                &json!({"type": "error", "message": format!("unknown message type {other:?}")}),
            ),
        }
    }
    // Taken, so the heartbeat thread stops at once and cannot register the id again while
    // the browser's exit is awaited.
    let session = lock(&shared.session).take();
    if let Some(s) = session {
        if browser_exited(browser) {
            let path = format!("/v1/addins/{}/gone", s.id);
            let _ = request(&shared.agent, &s.url, &s.token, "POST", &path, None);
        } else {
            eprintln!(
                "chauffeur native-host: the port closed while the browser runs (its service worker stopped): {} stays registered",
                s.id
            );
        }
    }
    Ok(())
}

/// Whether the browser process `pid` (our parent) exits within [`EXIT_GRACE`]: once it has,
/// we are re-parented.
fn browser_exited(pid: u32) -> bool {
    let start = std::time::Instant::now();
    loop {
        if std::os::unix::process::parent_id() != pid {
            return true;
        }
        if start.elapsed() >= EXIT_GRACE {
            return false;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// The registration a previous host made for a service worker that was stopped and started
/// again (`{"id","token","url","heartbeat_interval_ms"}` from the extension), when it is for
/// this daemon.
fn saved_session(url: &str, user_token: &str, saved: &Value) -> Option<Session> {
    let (Some(id), Some(token)) = (saved["id"].as_str(), saved["token"].as_str()) else {
        return None;
    };
    if saved["url"].as_str() != Some(url) || !id.starts_with("browser-") {
        return None;
    }
    Some(Session {
        url: url.to_owned(),
        user_token: user_token.to_owned(),
        id: id.to_owned(),
        token: token.to_owned(),
        interval: saved["heartbeat_interval_ms"]
            .as_u64()
            .map_or(INTERVAL, Duration::from_millis)
            .clamp(Duration::from_millis(500), Duration::from_secs(60)),
    })
}

/// Whether the daemon still knows a registration (one heartbeat with its token).
fn still_alive(shared: &Shared, session: &Session) -> bool {
    let path = format!("/plugin/alive/{}", session.id);
    matches!(
        request(
            &shared.agent,
            &session.url,
            &session.token,
            "POST",
            &path,
            None
        ),
        Ok((204, _))
    )
}

/// Whether `name` is 1 to 32 lowercase letters and digits, and `-` when `dash` allows it.
fn is_word(name: &str, dash: bool) -> bool {
    (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || (dash && b == b'-'))
}

/// The add-in id of a browser profile: `browser-chromium`, or `browser-chromium-work` for a
/// profile the user named `work` in the extension's options.
fn addin_id(browser: &str, profile: Option<&str>) -> Result<String, CliError> {
    if !is_word(browser, false) {
        return Err(CliError::usage(format!("bad browser name {browser:?}")));
    }
    match profile {
        None => Ok(format!("browser-{browser}")),
        Some(p) if is_word(p, true) => Ok(format!("browser-{browser}-{p}")),
        Some(p) => Err(CliError::usage(format!(
            "bad profile name {p:?}: use 1 to 32 lowercase letters, digits or '-'"
        ))),
    }
}

/// Finds (or, on the first connect, starts) the daemon and registers the extension.
///
/// Only a fresh connect (`connect` without a registration to resume: a browser starting) may
/// take the id over from a holder that is still registered, which is how a browser whose
/// host vanished gets its id back. A host that lost its registration to another instance
/// must not take it back, or two profiles would displace each other at every heartbeat.
fn connect(
    shared: &Shared,
    browser: &str,
    profile: Option<&str>,
    may_start: bool,
    saved: &Value,
) -> Result<Value, CliError> {
    let id = addin_id(browser, profile)?;
    let daemon = if may_start {
        Client::connect_or_start(&shared.paths)?;
        runtime::find(&shared.paths)
    } else {
        runtime::find(&shared.paths)
    }
    .ok_or_else(|| CliError::failed("the Chauffeur daemon is not running"))?;
    let take_over = may_start && saved.is_null();
    // A registration the daemon still knows is taken over instead of registering anew: this
    // host's own (the extension asking again, say after a push raced a rename), or the one
    // a previous host made for this browser (a stopped service worker started again).
    let own = lock(&shared.session)
        .clone()
        .filter(|s| s.id == id && s.url == daemon.record.url);
    let known = own
        .into_iter()
        .chain(saved_session(&daemon.record.url, &daemon.token, saved))
        .find(|s| still_alive(shared, s));
    let session = match known {
        Some(s) if s.id == id => s,
        Some(renamed) => {
            // The profile was given another name: the old id is gone, not left to linger.
            let gone = format!("/v1/addins/{}/gone", renamed.id);
            request(
                &shared.agent,
                &renamed.url,
                &daemon.token,
                "POST",
                &gone,
                None,
            )?;
            register(shared, &daemon.record.url, &daemon.token, &id, take_over)?
        }
        None => register(shared, &daemon.record.url, &daemon.token, &id, take_over)?,
    };
    let reply = connected(&session);
    *lock(&shared.session) = Some(session);
    Ok(reply)
}

/// The `connected` message that hands the extension a registration.
fn connected(session: &Session) -> Value {
    json!({
        "type": "connected",
        "url": session.url,
        "token": session.token,
        "id": session.id,
        "heartbeat_interval_ms": session.interval.as_millis() as u64,
    })
}

/// What people call the browser an add-in id belongs to.
fn browser_label(id: &str) -> &'static str {
    if id.starts_with("browser-firefox") {
        "Firefox"
    } else {
        "Chromium"
    }
}

/// `POST /register` with the user's token. When the id is held by a live add-in, `take_over`
/// declares that one gone and replaces it (a browser instance that vanished without closing
/// its port); otherwise the holder is another instance or profile, and the answer says how
/// to save both.
fn register(
    shared: &Shared,
    url: &str,
    user_token: &str,
    id: &str,
    take_over: bool,
) -> Result<Session, CliError> {
    let label = browser_label(id);
    let name = match id
        .strip_prefix("browser-")
        .and_then(|rest| rest.split_once('-'))
    {
        Some((_, profile)) => format!("{label} ({profile})"),
        None => label.to_owned(),
    };
    let body = json!({
        "id": id,
        "type": "push",
        "name": name,
        "version": env!("CARGO_PKG_VERSION"),
        "protocols": [1],
        "capabilities": ["capture", "plan", "restore"],
        "heartbeat_interval_ms": INTERVAL.as_millis() as u64,
    });
    let mut answer = request(
        &shared.agent,
        url,
        user_token,
        "POST",
        "/register",
        Some(&body),
    )?;
    if answer.0 == 409 && !take_over {
        return Err(CliError::failed(format!(
            "another {label} profile or instance is connected to Chauffeur as {id}; give this \
             profile a name in the extension's options so that both are saved"
        )));
    }
    if answer.0 == 409 {
        let gone = format!("/v1/addins/{id}/gone");
        request(&shared.agent, url, user_token, "POST", &gone, None)?;
        answer = request(
            &shared.agent,
            url,
            user_token,
            "POST",
            "/register",
            Some(&body),
        )?;
    }
    let (status, value) = answer;
    if status != 201 {
        let message = value["error"]["message"].as_str().unwrap_or("no message");
        return Err(CliError::failed(format!(
            "the daemon refused the registration ({status}): {message}"
        )));
    }
    let token = value["token"]
        .as_str()
        .ok_or_else(|| CliError::failed("the registration answer has no token"))?;
    let interval = value["heartbeat_interval_ms"].as_u64().unwrap_or(5000);
    Ok(Session {
        url: url.to_owned(),
        user_token: user_token.to_owned(),
        id: id.to_owned(),
        token: token.to_owned(),
        interval: Duration::from_millis(interval.clamp(500, 60_000)),
    })
}

/// Heartbeats for the extension (three times an interval) while the port is open; registers again (and tells the
/// extension the new token) when the daemon forgot the add-in or restarted.
fn heartbeat(shared: &Shared) {
    let mut last_error: Option<String> = None;
    loop {
        let Some(session) = lock(&shared.session).clone() else {
            std::thread::sleep(Duration::from_secs(1));
            continue;
        };
        std::thread::sleep(session.interval / 3);
        if lock(&shared.session).as_ref().map(|s| &s.token) != Some(&session.token) {
            // Replaced meanwhile, or the port closed: beat for what is current, if anything.
            continue;
        }
        if still_alive(shared, &session) {
            continue;
        }
        let renewed = match runtime::find(&shared.paths) {
            Some(d) => register(shared, &d.record.url, &d.token, &session.id, false),
            None => register(
                shared,
                &session.url,
                &session.user_token,
                &session.id,
                false,
            ),
        };
        match &renewed {
            Err(e) if last_error.as_deref() != Some(e.message.as_str()) => {
                last_error = Some(e.message.clone());
                send(shared, &json!({"type": "error", "message": e.message}));
            }
            Err(_) => {}
            Ok(_) => last_error = None,
        }
        if let Ok(new) = renewed {
            let reply = connected(&new);
            *lock(&shared.session) = Some(new);
            send(shared, &reply);
        }
    }
}

/// One request to the daemon: `(status, JSON body or null)`.
fn request(
    agent: &ureq::Agent,
    url: &str,
    token: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), CliError> {
    let full = format!("{url}{path}");
    let bearer = format!("Bearer {token}");
    let response = match (method, body) {
        ("POST", Some(b)) => agent
            .post(&full)
            .header("Authorization", &bearer)
            .send_json(b),
        ("POST", None) => agent
            .post(&full)
            .header("Authorization", &bearer)
            .send_empty(),
        _ => agent.get(&full).header("Authorization", &bearer).call(),
    };
    let mut response =
        response.map_err(|e| CliError::failed(format!("cannot reach the daemon: {e}")))?;
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// Reads one framed message; `None` at end of input.
fn read_message(input: &mut impl Read) -> Result<Option<Value>, CliError> {
    let mut len = [0u8; 4];
    match input.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => {
            return Err(CliError::failed(format!(
                "cannot read from the browser: {e}"
            )));
        }
    }
    let len = u32::from_ne_bytes(len) as usize;
    if len > MAX_IN {
        return Err(CliError::failed(format!(
            "the browser sent a message of {len} bytes"
        )));
    }
    let mut buf = vec![0u8; len];
    input
        .read_exact(&mut buf)
        .map_err(|e| CliError::failed(format!("cannot read from the browser: {e}")))?;
    serde_json::from_slice(&buf)
        .map(Some)
        .map_err(|e| CliError::failed(format!("the browser sent bad JSON: {e}")))
}

/// Writes one framed message to the browser (dropped when larger than it accepts).
fn send(shared: &Shared, message: &Value) {
    let Ok(bytes) = serde_json::to_vec(message) else {
        return;
    };
    if bytes.len() > MAX_OUT {
        eprintln!(
            "chauffeur native-host: a message of {} bytes was dropped",
            bytes.len()
        );
        return;
    }
    let mut out = lock(&shared.out);
    let len = (bytes.len() as u32).to_ne_bytes();
    let _ = out
        .write_all(&len)
        .and_then(|()| out.write_all(&bytes))
        .and_then(|()| out.flush());
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_framed_messages_until_eof() {
        let body = br#"{"type":"connect","browser":"chromium"}"#;
        let mut input = (body.len() as u32).to_ne_bytes().to_vec();
        input.extend_from_slice(body);
        let mut cursor = std::io::Cursor::new(input);
        let first = read_message(&mut cursor)
            .expect("reads")
            .expect("a message");
        assert_eq!(first["type"], "connect");
        assert!(read_message(&mut cursor).expect("reads").is_none());
    }

    #[test]
    fn profile_names_make_their_own_ids() {
        assert_eq!(addin_id("chromium", None).unwrap(), "browser-chromium");
        assert_eq!(
            addin_id("chromium", Some("work-2")).unwrap(),
            "browser-chromium-work-2"
        );
        assert!(addin_id("chromium", Some("Work")).is_err());
        assert!(addin_id("chromium", Some(&"x".repeat(33))).is_err());
        assert!(addin_id("chro-mium", None).is_err());
    }

    #[test]
    fn refuses_oversized_messages() {
        let mut cursor = std::io::Cursor::new(((MAX_IN + 1) as u32).to_ne_bytes().to_vec());
        assert!(read_message(&mut cursor).is_err());
    }
}
