//! The CLI's side of the REST API: finds the daemon (starting one when asked), sends
//! requests with the token, and turns the API's error shape into CLI errors.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::CliError;
use crate::paths::Paths;
use crate::runtime::{self, RunningDaemon};

/// Longest answer read (an export of a big snapshot fits).
const MAX_ANSWER: u64 = 256 * 1024 * 1024;
/// How long a request may take: restores run long.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// How long to wait for a daemon we started.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A connection to the running daemon.
pub struct Client {
    daemon: RunningDaemon,
    agent: ureq::Agent,
}

impl Client {
    /// Connects to the running daemon, or says how to start one.
    pub fn connect(paths: &Paths) -> Result<Self, CliError> {
        runtime::find(paths).map(Self::new).ok_or_else(|| {
            CliError::failed(
                "the Chauffeur daemon is not running; start it with `chauffeur daemon`",
            )
        })
    }

    /// Connects to the running daemon, starting one in the background when none runs.
    pub fn connect_or_start(paths: &Paths) -> Result<Self, CliError> {
        if let Some(daemon) = runtime::find(paths) {
            return Ok(Self::new(daemon));
        }
        let exe = std::env::current_exe()
            .map_err(|e| CliError::failed(format!("cannot find the chauffeur binary: {e}")))?;
        let mut child = Command::new(exe);
        child
            .arg("daemon")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        detach(&mut child);
        let mut child = child
            .spawn()
            .map_err(|e| CliError::failed(format!("cannot start the daemon: {e}")))?;
        let started = Instant::now();
        while started.elapsed() < START_TIMEOUT {
            if let Some(daemon) = runtime::find(paths) {
                let client = Self::new(daemon);
                if client.get::<Value>("/v1/health").is_ok() {
                    eprintln!(
                        "started the Chauffeur daemon in the background (pid {}, {})",
                        client.daemon.record.pid, client.daemon.record.url
                    );
                    std::thread::spawn(move || child.wait());
                    return Ok(client);
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                return Err(CliError::failed(format!(
                    "the daemon exited at once ({status}); run `chauffeur daemon` to see why"
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(CliError::failed(
            "the daemon did not start in time; run `chauffeur daemon` to see why",
        ))
    }

    fn new(daemon: RunningDaemon) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(REQUEST_TIMEOUT))
            .build()
            .into();
        Client { daemon, agent }
    }

    /// `GET path`.
    pub fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, CliError> {
        let request = self
            .agent
            .get(self.url(path))
            .header("Authorization", self.bearer());
        self.answer(request.call())
    }

    /// `POST path` with a JSON body.
    pub fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        self.send_json(self.agent.post(self.url(path)), body)
    }

    /// `PATCH path` with a JSON body.
    pub fn patch<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        self.send_json(self.agent.patch(self.url(path)), body)
    }

    fn send_json<T: DeserializeOwned>(
        &self,
        request: ureq::RequestBuilder<ureq::typestate::WithBody>,
        body: &impl Serialize,
    ) -> Result<T, CliError> {
        let request = request.header("Authorization", self.bearer());
        self.answer(request.send_json(body))
    }

    /// `DELETE path`.
    pub fn delete(&self, path: &str) -> Result<(), CliError> {
        let request = self
            .agent
            .delete(self.url(path))
            .header("Authorization", self.bearer());
        self.answer::<Value>(request.call()).map(drop)
    }

    /// Follows `GET /v1/events`, calling `on_event` with each event's JSON until the
    /// stream ends or `on_event` returns false.
    pub fn follow_events(&self, mut on_event: impl FnMut(Value) -> bool) -> Result<(), CliError> {
        use std::io::BufRead;
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        let response = agent
            .get(self.url("/v1/events"))
            .header("Authorization", self.bearer())
            .call()
            .map_err(|e| CliError::failed(format!("cannot follow events: {e}")))?;
        if !response.status().is_success() {
            return Err(CliError::failed(format!(
                "events answered {}",
                response.status()
            )));
        }
        let reader = std::io::BufReader::new(response.into_body().into_reader());
        for line in reader.lines() {
            let Ok(line) = line else { break };
            if let Some(data) = line.strip_prefix("data:")
                && let Ok(event) = serde_json::from_str::<Value>(data.trim())
                && !on_event(event)
            {
                break;
            }
        }
        Ok(())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.daemon.record.url)
    }

    fn bearer(&self) -> String {
        format!("Bearer {}", self.daemon.token)
    }

    fn answer<T: DeserializeOwned>(
        &self,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, CliError> {
        let mut response = response.map_err(|e| {
            CliError::failed(format!(
                "cannot reach the daemon at {}: {e}",
                self.daemon.record.url
            ))
        })?;
        let status = response.status();
        let text = response
            .body_mut()
            .with_config()
            .limit(MAX_ANSWER)
            .read_to_string()
            .map_err(|e| CliError::failed(format!("cannot read the daemon's answer: {e}")))?;
        let text = if text.is_empty() { "null" } else { &text };
        if status.is_success() {
            return serde_json::from_str(text)
                .map_err(|e| CliError::failed(format!("unexpected answer from the daemon: {e}")));
        }
        let message = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v["error"]["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("the daemon answered {status}"));
        Err(if status.is_client_error() {
            CliError::usage(message)
        } else {
            CliError::failed(message)
        })
    }
}

/// Starts the child in its own session, so it outlives this terminal.
fn detach(command: &mut Command) {
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
