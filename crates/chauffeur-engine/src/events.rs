//! What the engine tells its clients as it happens.

use chauffeur_core::{SnapshotId, SnapshotSummary};
use serde::Serialize;

/// One thing that happened, as sent on the event stream.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Event {
    /// A snapshot was written.
    SnapshotTaken {
        /// The snapshot, without states.
        snapshot: Box<SnapshotSummary>,
    },
    /// A restore started.
    RestoreStarted {
        /// The snapshot being restored.
        snapshot: SnapshotId,
        /// The providers that will be asked.
        providers: Vec<String>,
    },
    /// One provider finished restoring.
    RestoreProgress {
        /// The snapshot being restored.
        snapshot: SnapshotId,
        /// The provider that finished.
        provider: String,
        /// Items restored, already present, skipped, failed.
        counts: [usize; 4],
    },
    /// The restore finished.
    RestoreFinished {
        /// The snapshot restored.
        snapshot: SnapshotId,
        /// Whether every provider succeeded.
        ok: bool,
    },
    /// A provider's health changed (an add-in died, a plugin was quarantined).
    ProviderHealth {
        /// The provider.
        provider: String,
        /// Its new health, in words.
        health: String,
    },
}
