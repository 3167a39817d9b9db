//! What every handler can reach.

use std::sync::Arc;

use chauffeur_addins::Addins;
use chauffeur_engine::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// Facts about the running daemon, for `status`.
#[derive(Debug, Clone, Serialize)]
pub struct DaemonInfo {
    /// Process id.
    pub pid: u32,
    /// Base URL of the API.
    pub url: String,
    /// Chauffeur version.
    pub version: String,
    /// When the daemon started.
    pub started_at: DateTime<Utc>,
}

/// Shared state of the API.
#[derive(Clone)]
pub struct ApiState {
    /// The engine.
    pub engine: Arc<Engine>,
    /// The daemon's facts.
    pub info: Arc<DaemonInfo>,
    /// The user's bearer token.
    pub token: Arc<str>,
    /// The port we listen on, for the Host check.
    pub port: u16,
    /// Browser origins allowed to call the API (none by default).
    pub trusted_origins: Arc<[String]>,
    /// Registered add-ins.
    pub addins: Arc<Addins>,
    /// Becomes `true` when the daemon stops, so open streams and long-polls end.
    pub stopping: tokio::sync::watch::Receiver<bool>,
}
