//! Chauffeur's domain model.
//!
//! Everything here is pure data and pure functions: what a snapshot, a section and a
//! provider's state envelope are, how two snapshots differ, which items a selective
//! restore touches, which automatic snapshots retention keeps, and how secrets are
//! redacted. It knows nothing of HTTP, SQL, threads or processes; the store, the engine,
//! the plugin hosts and the API are built around it.

pub mod diff;
pub mod envelope;
pub mod provider;
pub mod redact;
pub mod retention;
pub mod selection;
pub mod snapshot;
pub mod verbs;

pub use diff::{ItemChange, ProviderDiff, SnapshotDiff, diff_envelopes};
pub use envelope::{Envelope, Item};
pub use provider::{BoxFuture, Hosting, Provider, ProviderError, ProviderHealth};
pub use selection::Selection;
pub use snapshot::{Section, SectionStatus, SnapshotId, SnapshotSummary, Trigger};
pub use verbs::{
    ActionKind, CallOptions, Describe, Outcome, Plan, PlannedAction, RestoreReport, RestoreResult,
};
