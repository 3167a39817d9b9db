//! The daemon side: an engine provider whose calls go to a `plugin-host` child process,
//! started on demand, one call at a time, killed when a call overruns its deadline,
//! restarted with backoff after a crash, and left alone once its circuit opens.

use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chauffeur_core::{BoxFuture, Hosting, Provider, ProviderError, ProviderHealth};
use serde_json::Value;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

use super::breaker::{Breaker, BreakerPolicy};
use super::frame::{read_async, write_async};
use super::protocol::{Hello, Outcome, Request, Response};
use crate::host_api::StateChangedHook;

/// How to start the child for one plugin.
#[derive(Clone)]
pub struct IsolatedSpec {
    /// The plugin's name (from its manifest).
    pub name: String,
    /// The library the child loads.
    pub library: PathBuf,
    /// The program to run: normally the `chauffeur` executable.
    pub program: PathBuf,
    /// Arguments before `--library PATH --name NAME`: normally `["plugin-host"]`.
    pub args: Vec<String>,
    /// The restart rules.
    pub policy: BreakerPolicy,
    /// Called when the plugin says its state changed.
    pub on_state_changed: Option<StateChangedHook>,
}

impl IsolatedSpec {
    /// `program plugin-host --library LIBRARY --name NAME` with the default restart rules.
    pub fn new(name: &str, library: PathBuf, program: PathBuf) -> Self {
        IsolatedSpec {
            name: name.to_owned(),
            library,
            program,
            args: vec!["plugin-host".into()],
            policy: BreakerPolicy::default(),
            on_state_changed: None,
        }
    }
}

/// A running child with its protocol pipes.
struct Conn {
    child: Child,
    stdin: ChildStdin,
    stdout: ChildStdout,
}

/// A native plugin hosted in its own process: a crash or hang there costs one call, not
/// the daemon.
pub struct IsolatedProvider {
    spec: IsolatedSpec,
    conn: tokio::sync::Mutex<Option<Conn>>,
    breaker: Mutex<Breaker>,
    starts: Mutex<u64>,
}

impl IsolatedProvider {
    /// A provider for `spec`; no process is started until the first call.
    pub fn new(spec: IsolatedSpec) -> Self {
        let breaker = Mutex::new(Breaker::new(spec.policy));
        IsolatedProvider {
            spec,
            conn: tokio::sync::Mutex::new(None),
            breaker,
            starts: Mutex::new(0),
        }
    }

    /// How many times a child was started.
    pub fn starts(&self) -> u64 {
        *self.starts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many times a child crashed, hung or failed to start.
    pub fn crashes(&self) -> u64 {
        self.breaker().total_crashes()
    }

    fn breaker(&self) -> std::sync::MutexGuard<'_, Breaker> {
        self.breaker.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn record_crash(&self, what: &str) {
        let mut breaker = self.breaker();
        breaker.record_crash(Instant::now(), what);
        match breaker.open() {
            Some(reason) => {
                tracing::error!(
                    plugin = self.spec.name.as_str(),
                    reason,
                    "circuit breaker open"
                )
            }
            None => tracing::warn!(
                plugin = self.spec.name.as_str(),
                what,
                "plugin host crashed"
            ),
        }
    }

    async fn start(&self) -> Result<Conn, String> {
        let mut child = Command::new(&self.spec.program)
            .args(&self.spec.args)
            .arg("--library")
            .arg(&self.spec.library)
            .arg("--name")
            .arg(&self.spec.name)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.spec.program.display()))?;
        *self.starts.lock().unwrap_or_else(|p| p.into_inner()) += 1;
        if let Some(stderr) = child.stderr.take() {
            let plugin = self.spec.name.clone();
            tokio::spawn(async move {
                let mut lines = tokio::io::BufReader::new(stderr).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    tracing::info!(plugin = plugin.as_str(), "plugin-host: {line}");
                }
            });
        }
        let (Some(stdin), Some(mut stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err("the plugin host has no stdin/stdout pipes".into());
        };
        match read_async::<Hello>(&mut stdout).await {
            Ok(Hello::Ready(_)) => Ok(Conn {
                child,
                stdin,
                stdout,
            }),
            Ok(Hello::Failed(reason)) => Err(reason),
            Err(e) => Err(format!(
                "the plugin host {} before it was ready ({e})",
                exit_description(child).await
            )),
        }
    }

    async fn call_inner(
        &self,
        func: &str,
        args: Value,
        deadline: Duration,
    ) -> Result<Value, ProviderError> {
        let started = Instant::now();
        let name = self.spec.name.as_str();
        let remaining = || deadline.saturating_sub(started.elapsed());
        if let Some(reason) = self.breaker().open() {
            return Err(ProviderError::NotCallable(format!(
                "circuit open: {reason}"
            )));
        }
        let mut slot = tokio::time::timeout(deadline, self.conn.lock())
            .await
            .map_err(|_| ProviderError::Timeout(deadline))?;
        let mut conn = match slot.take() {
            Some(conn) => conn,
            None => {
                let wait = self.breaker().wait(Instant::now());
                if let Some(wait) = wait {
                    if wait >= remaining() {
                        return Err(ProviderError::NotCallable(format!(
                            "{name}'s plugin host crashed; it restarts in {} ms",
                            wait.as_millis()
                        )));
                    }
                    tokio::time::sleep(wait).await;
                }
                match tokio::time::timeout(remaining(), self.start()).await {
                    Ok(Ok(conn)) => conn,
                    Ok(Err(reason)) => {
                        self.record_crash(&reason);
                        return Err(ProviderError::Failed(format!("{name}: {reason}")));
                    }
                    Err(_) => {
                        self.record_crash("did not start within the deadline");
                        return Err(ProviderError::Timeout(deadline));
                    }
                }
            }
        };
        let request = Request {
            func: func.to_owned(),
            args,
        };
        let exchange = async {
            write_async(&mut conn.stdin, &request).await?;
            read_async::<Response>(&mut conn.stdout).await
        };
        match tokio::time::timeout(remaining(), exchange).await {
            Ok(Ok(response)) => {
                *slot = Some(conn);
                if response.state_changed
                    && let Some(hook) = &self.spec.on_state_changed
                {
                    hook(name);
                }
                match response.result {
                    Outcome::Ok(value) => Ok(value),
                    Outcome::Failed(message) => Err(ProviderError::Failed(message)),
                    Outcome::Unavailable(message) => Err(ProviderError::Unavailable(message)),
                }
            }
            Ok(Err(e)) => {
                let what = format!(
                    "the plugin host {} during {name}.{func} ({e})",
                    exit_description(conn.child).await
                );
                self.record_crash(&what);
                Err(ProviderError::Failed(what))
            }
            Err(_) => {
                let _ = conn.child.start_kill();
                let _ = conn.child.wait().await;
                self.record_crash(&format!(
                    "{name}.{func} overran its {deadline:?} deadline; the plugin host was killed"
                ));
                Err(ProviderError::Timeout(deadline))
            }
        }
    }
}

/// Waits briefly for a child that broke the protocol, kills it if it is still there, and
/// says how it ended: `was killed by SIGSEGV`, `exited with status 3`...
async fn exit_description(mut child: Child) -> String {
    let status = match tokio::time::timeout(Duration::from_millis(500), child.wait()).await {
        Ok(Ok(status)) => status,
        _ => {
            let _ = child.start_kill();
            match child.wait().await {
                Ok(status) => status,
                Err(e) => return format!("could not be waited for ({e})"),
            }
        }
    };
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exited with status {code}"),
        (None, Some(signal)) => {
            let name = nix::sys::signal::Signal::try_from(signal)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|_| format!("signal {signal}"));
            format!("was killed by {name}")
        }
        _ => "ended".to_owned(),
    }
}

impl Provider for IsolatedProvider {
    fn id(&self) -> &str {
        &self.spec.name
    }

    fn hosting(&self) -> Hosting {
        Hosting::Isolated
    }

    fn call<'a>(
        &'a self,
        func: &'a str,
        args: Value,
        deadline: Duration,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(self.call_inner(func, args, deadline))
    }

    fn health(&self) -> ProviderHealth {
        match self.breaker().open() {
            Some(reason) => ProviderHealth::CircuitOpen {
                reason: reason.to_owned(),
            },
            None => ProviderHealth::Ok,
        }
    }

    fn reset(&self) -> Result<(), String> {
        self.breaker().reset();
        if let Ok(mut slot) = self.conn.try_lock() {
            // A fresh child on the next call; kill_on_drop ends the old one.
            slot.take();
        }
        tracing::info!(plugin = self.spec.name.as_str(), "circuit breaker reset");
        Ok(())
    }
}
