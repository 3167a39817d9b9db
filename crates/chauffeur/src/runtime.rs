//! The files a running daemon leaves in the runtime directory, and how the CLI reads them.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::paths::Paths;

/// `daemon.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DaemonRecord {
    /// Process id of the daemon.
    pub pid: u32,
    /// Base URL of its API.
    pub url: String,
    /// Its version.
    pub version: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
}

/// A daemon the CLI can talk to.
#[derive(Debug, Clone)]
pub struct RunningDaemon {
    /// What it wrote about itself.
    pub record: DaemonRecord,
    /// Its bearer token.
    pub token: String,
}

/// Finds the running daemon, if any: `daemon.json` and `token` exist and the pid is alive.
pub fn find(paths: &Paths) -> Option<RunningDaemon> {
    let text = std::fs::read_to_string(paths.daemon_file()).ok()?;
    let record: DaemonRecord = serde_json::from_str(&text).ok()?;
    let pid = i32::try_from(record.pid).ok()?;
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None).ok()?;
    let token = std::fs::read_to_string(paths.token_file()).ok()?;
    Some(RunningDaemon {
        record,
        token: token.trim().to_owned(),
    })
}

/// Whether no daemon holds the per-user lock (so none runs, not even one still exiting).
pub fn lock_is_free(paths: &Paths) -> bool {
    let Ok(file) = std::fs::OpenOptions::new()
        .read(true)
        .open(paths.lock_file())
    else {
        return true;
    };
    let mut lock = fd_lock::RwLock::new(file);
    lock.try_write().is_ok()
}

/// A new random bearer token: 256 bits, hex.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Writes a file readable and writable by the owner only, replacing any old one.
pub fn write_private(path: &Path, contents: &str) -> anyhow::Result<()> {
    let _ = std::fs::remove_file(path);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(contents.as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The runtime files of this daemon process; removed when dropped (clean exit).
pub struct RuntimeFiles<'a> {
    paths: &'a Paths,
}

impl<'a> RuntimeFiles<'a> {
    /// Writes `token` first, then `daemon.json`, so a client that sees the record can read
    /// the token.
    pub fn write(paths: &'a Paths, record: &DaemonRecord, token: &str) -> anyhow::Result<Self> {
        write_private(&paths.token_file(), token)?;
        let json = serde_json::to_string_pretty(record).context("cannot encode daemon.json")?;
        write_private(&paths.daemon_file(), &json)?;
        Ok(RuntimeFiles { paths })
    }
}

impl Drop for RuntimeFiles<'_> {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(self.paths.daemon_file());
        let _ = std::fs::remove_file(self.paths.token_file());
    }
}
