//! A real `chauffeur daemon` in a temp `CHAUFFEUR_HOME` on an ephemeral port, the CLI run
//! against it, and raw HTTP to it.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub mod plugins;

use serde_json::Value;

/// The binary under test.
pub fn chauffeur_bin() -> &'static str {
    env!("CARGO_BIN_EXE_chauffeur")
}

/// A temp home with a config, and the daemon running in it (killed on drop).
pub struct Daemon {
    pub home: tempfile::TempDir,
    pub child: Option<Child>,
    pub url: String,
    pub port: u16,
    pub token: String,
}

impl Daemon {
    /// A home with this `config.toml`, auto-snapshots off unless the config says.
    pub fn home_with(config: &str) -> tempfile::TempDir {
        let home = tempfile::tempdir().expect("temp home");
        std::fs::create_dir_all(home.path().join("config")).expect("config dir");
        std::fs::write(home.path().join("config/config.toml"), config).expect("config");
        home
    }

    /// Starts a daemon in a new home.
    pub fn start(config: &str) -> Daemon {
        Self::start_in(Self::home_with(config))
    }

    /// Starts a daemon in an existing home.
    pub fn start_in(home: tempfile::TempDir) -> Daemon {
        let child = Command::new(chauffeur_bin())
            .arg("daemon")
            .env("CHAUFFEUR_HOME", home.path())
            .env("CHAUFFEUR_PORT", "0")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("daemon starts");
        let pid = child.id();
        let record = wait_for(Duration::from_secs(20), || {
            let text = std::fs::read_to_string(home.path().join("run/daemon.json")).ok()?;
            let record: Value = serde_json::from_str(&text).ok()?;
            (record["pid"] == pid).then_some(record)
        })
        .expect("daemon.json appears");
        let url = record["url"].as_str().expect("url").to_owned();
        let port = url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port");
        let token = std::fs::read_to_string(home.path().join("run/token")).expect("token");
        Daemon {
            home,
            child: Some(child),
            url,
            port,
            token: token.trim().to_owned(),
        }
    }

    /// The home directory.
    pub fn path(&self) -> &Path {
        self.home.path()
    }

    /// Runs the CLI in this home.
    pub fn cli(&self, args: &[&str]) -> Output {
        cli_in(self.path(), args)
    }

    /// Runs the CLI with `--json` and parses its stdout; panics if it failed.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.cli(&all);
        assert!(
            out.status.success(),
            "chauffeur {args:?} failed: {}",
            text(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON output")
    }

    /// A request with the right Host and token.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let headers = vec![
            ("Host".to_string(), format!("127.0.0.1:{}", self.port)),
            (
                "Authorization".to_string(),
                format!("Bearer {}", self.token),
            ),
            ("Content-Type".to_string(), "application/json".to_string()),
        ];
        raw(self.port, method, path, &headers, body.map(str::as_bytes))
    }

    /// Stops the daemon with a signal and waits for it; returns its exit status.
    pub fn stop(&mut self, signal: nix::sys::signal::Signal) -> std::process::ExitStatus {
        let child = self.child.as_ref().expect("daemon runs");
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        nix::sys::signal::kill(pid, signal).expect("signal");
        self.wait_exit()
    }

    /// Waits (up to 30 s) for the daemon to exit; returns its exit status.
    pub fn wait_exit(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("daemon runs");
        let started = Instant::now();
        loop {
            if let Some(status) = child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "daemon did not stop"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops this daemon with SIGKILL and starts a new one in the same home.
    pub fn restart_after_kill(mut self) -> Daemon {
        self.stop(nix::sys::signal::Signal::SIGKILL);
        let home = std::mem::replace(&mut self.home, tempfile::tempdir().expect("tempdir"));
        Daemon::start_in(home)
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Runs the CLI with `CHAUFFEUR_HOME=home`.
pub fn cli_in(home: &Path, args: &[&str]) -> Output {
    Command::new(chauffeur_bin())
        .args(args)
        .env("CHAUFFEUR_HOME", home)
        .env("CHAUFFEUR_PORT", "0")
        .stdin(Stdio::null())
        .output()
        .expect("chauffeur runs")
}

/// Lossy UTF-8.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Polls `f` until it gives a value or the time is up.
pub fn wait_for<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    loop {
        if let Some(v) = f() {
            return Some(v);
        }
        if started.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

/// One HTTP/1.1 request with exactly these headers; returns the status and the JSON
/// body (`null` when empty or not JSON).
pub fn raw(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .expect("timeout");
    let mut head = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    let body = body.unwrap_or_default();
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).expect("write head");
    // The server may answer (413) and close before the whole body is written.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let answer = text(&answer);
    let status = answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status in {answer:?}"));
    let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let body = dechunk(body);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn dechunk(body: &str) -> String {
    // axum answers JSON with a Content-Length; this only guards against chunked bodies.
    if body.trim_start().starts_with(['{', '[']) {
        return body.to_owned();
    }
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || tail.len() < n {
            break;
        }
        out.push_str(&tail[..n]);
        rest = tail[n..].trim_start_matches("\r\n");
    }
    out
}

/// A copy of `/bin/sleep` under a unique name, so a test can find exactly its processes.
pub struct Sleeper {
    pub dir: tempfile::TempDir,
    pub exe: PathBuf,
    pub name: String,
}

impl Sleeper {
    /// Copies sleep to `dir/name`.
    pub fn new(name: &str) -> Sleeper {
        let dir = tempfile::tempdir().expect("tempdir");
        let exe = dir.path().join(name);
        std::fs::copy("/bin/sleep", &exe).expect("copy sleep");
        Sleeper {
            dir,
            exe,
            name: name.to_owned(),
        }
    }

    /// Starts it with `1000` as argument, in its directory.
    pub fn spawn(&self) -> Child {
        use std::os::unix::process::CommandExt;
        let mut command = Command::new(&self.exe);
        command
            .arg("1000")
            .current_dir(self.dir.path())
            .stdin(Stdio::null());
        // Its own session, without the controlling terminal `cargo test` may run in:
        // `apps` leaves programs in a terminal to the terminal's provider.
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
        unsafe {
            command.pre_exec(|| {
                nix::unistd::setsid()
                    .map(drop)
                    .map_err(std::io::Error::from)
            });
        }
        command.spawn().expect("sleeper starts")
    }

    /// Pids of running processes of this executable.
    pub fn pids(&self) -> Vec<i32> {
        let mut pids = Vec::new();
        for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
                continue;
            };
            if let Ok(exe) = std::fs::read_link(entry.path().join("exe"))
                && exe == self.exe
                && !is_zombie(pid)
            {
                pids.push(pid);
            }
        }
        pids
    }

    /// Kills every process of this executable.
    pub fn kill_all(&self) {
        for pid in self.pids() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        self.kill_all();
    }
}

fn is_zombie(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| {
            s.rsplit_once(')')
                .map(|(_, r)| r.trim_start().starts_with('Z'))
                .unwrap_or(false)
        })
        .unwrap_or(true)
}

/// One keep-alive HTTP/1.1 connection to the daemon, for many requests in a row.
pub struct KeepAlive {
    stream: std::io::BufReader<TcpStream>,
    host: String,
}

impl KeepAlive {
    /// Connects to the daemon on `port`.
    pub fn connect(port: u16) -> KeepAlive {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        KeepAlive {
            stream: std::io::BufReader::new(stream),
            host: format!("127.0.0.1:{port}"),
        }
    }

    /// Sends one request and reads the answer; returns the status and the body.
    pub fn send(&mut self, method: &str, path: &str, token: &str, body: &[u8]) -> (u16, Vec<u8>) {
        use std::io::BufRead;
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.host,
            body.len()
        );
        let stream = self.stream.get_mut();
        stream.write_all(head.as_bytes()).expect("write");
        stream.write_all(body).expect("write body");
        let mut status = 0;
        let mut length = 0;
        let mut line = String::new();
        loop {
            line.clear();
            self.stream.read_line(&mut line).expect("read header");
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if status == 0 {
                status = trimmed
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .expect("status line");
            } else if let Some((name, value)) = trimmed.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().expect("length");
            }
        }
        let mut answer = vec![0; length];
        self.stream.read_exact(&mut answer).expect("body");
        (status, answer)
    }
}
