//! Chauffeur's snapshot store: SQLite, migrations, content-addressed blobs, retention,
//! export and import.
//!
//! One SQLite file holds every snapshot (DESIGN 6):
//!
//! - `snapshots` and `sections` hold what [`Store::list`] shows; listing never touches
//!   a state blob.
//! - `blobs` holds each distinct section state once, keyed by the blake3 hash of its
//!   canonical JSON and zstd-compressed, so an unchanged state costs one section row.
//! - `provider_last_good` remembers, per provider, the newest snapshot whose section was
//!   captured live (`ok`) with a non-empty state. That snapshot is never pruned, and
//!   deleting it is refused unless another snapshot holds the same state.
//!
//! Every snapshot is written in one transaction; the database runs in WAL mode with
//! `synchronous=FULL`, so a saved snapshot survives a power cut.

#![warn(missing_docs)]

mod blob;
mod schema;
mod store;

use std::collections::BTreeMap;

use chauffeur_core::{Envelope, SectionStatus, SnapshotId, SnapshotSummary, Trigger};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub use store::Store;

/// The `format` field of every export document.
pub const EXPORT_FORMAT: &str = "chauffeur-snapshot";

/// The export document version this build writes and reads.
pub const EXPORT_FORMAT_VERSION: u32 = 1;

/// Store result.
pub type Result<T> = std::result::Result<T, StoreError>;

/// What can go wrong in the store.
#[derive(thiserror::Error, Debug)]
pub enum StoreError {
    /// There is no snapshot with this id.
    #[error("no snapshot {0}")]
    NotFound(SnapshotId),
    /// There is no stored state with this hash.
    #[error("no stored state {0}")]
    StateNotFound(String),
    /// The caller asked for something the store refuses; the message says why.
    #[error("{0}")]
    BadInput(String),
    /// Something in the database is not what the store wrote.
    #[error("the snapshot store is damaged: {0}")]
    Corrupt(String),
    /// The database was written by a newer Chauffeur with a schema this build does not know.
    #[error(
        "the snapshot store has schema version {found}, newer than the {supported} this Chauffeur knows; upgrade Chauffeur"
    )]
    NewerSchema {
        /// The schema version in the file.
        found: i64,
        /// The newest schema version this build knows.
        supported: i64,
    },
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The file system failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// A snapshot to be saved.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSnapshot {
    /// A name for people; `None` names it after its trigger and time.
    pub name: Option<String>,
    /// Why it is taken.
    pub trigger: Trigger,
    /// When it was taken.
    pub created_at: DateTime<Utc>,
    /// One section per provider; provider ids must be unique.
    pub sections: Vec<NewSection>,
}

/// One provider's part of a [`NewSnapshot`].
#[derive(Debug, Clone, PartialEq)]
pub struct NewSection {
    /// Provider id.
    pub provider: String,
    /// Provider version, from its `describe`.
    pub provider_version: String,
    /// How the capture went. Only `Ok` with a non-empty state becomes the provider's
    /// last good state.
    pub status: SectionStatus,
    /// When the capture was attempted.
    pub captured_at: DateTime<Utc>,
    /// Why the capture did not succeed, when it did not.
    pub error: Option<String>,
    /// The state: freshly captured, or the last good one carried forward.
    pub state: Option<Envelope>,
    /// When a carried-forward state was really captured.
    pub state_captured_at: Option<DateTime<Utc>>,
}

/// A provider's last good state and where it lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastGood {
    /// The snapshot holding it (the newest one that captured it live).
    pub snapshot: SnapshotId,
    /// The state's blob hash.
    pub hash: String,
    /// When the state was captured.
    pub captured_at: DateTime<Utc>,
    /// The state itself.
    pub state: Envelope,
}

/// What [`Store::doctor`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoctorReport {
    /// No problems found.
    pub ok: bool,
    /// Number of snapshots.
    pub snapshots: usize,
    /// Number of state blobs.
    pub blobs: usize,
    /// One line per problem, for people.
    pub problems: Vec<String>,
}

/// A snapshot with its states, as a self-contained JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportDocument {
    /// Always [`EXPORT_FORMAT`].
    pub format: String,
    /// Always [`EXPORT_FORMAT_VERSION`] for documents this build writes.
    pub format_version: u32,
    /// When the document was written.
    pub exported_at: DateTime<Utc>,
    /// The Chauffeur version that wrote it.
    pub chauffeur_version: String,
    /// The snapshot and its sections.
    pub snapshot: SnapshotSummary,
    /// Provider id to state, for every section that has one.
    pub states: BTreeMap<String, Envelope>,
}

/// The engine shares one store between threads.
const _: fn() = || {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Store>();
};
