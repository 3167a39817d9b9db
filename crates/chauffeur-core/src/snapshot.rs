//! Snapshots and their sections (DESIGN 2).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A snapshot's identifier: a positive integer, assigned in creation order.
pub type SnapshotId = i64;

/// What caused a snapshot to be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum Trigger {
    /// The user asked for it.
    Manual,
    /// The auto-snapshot timer.
    Schedule,
    /// Taken automatically before a restore, so the restore can be undone.
    BeforeRestore,
    /// Taken when the daemon shut down.
    Shutdown,
    /// Brought in from an export file.
    Import,
}

impl Trigger {
    /// The wire and storage name of the trigger.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Manual => "manual",
            Trigger::Schedule => "schedule",
            Trigger::BeforeRestore => "before-restore",
            Trigger::Shutdown => "shutdown",
            Trigger::Import => "import",
        }
    }

    /// Parses a storage name back into a trigger.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "manual" => Trigger::Manual,
            "schedule" => Trigger::Schedule,
            "before-restore" => Trigger::BeforeRestore,
            "shutdown" => Trigger::Shutdown,
            "import" => Trigger::Import,
            _ => return None,
        })
    }

    /// Automatic snapshots are subject to retention; manual ones are kept until deleted.
    pub fn is_automatic(self) -> bool {
        matches!(
            self,
            Trigger::Schedule | Trigger::BeforeRestore | Trigger::Shutdown
        )
    }
}

/// How a provider's capture went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum SectionStatus {
    /// Captured live just now.
    Ok,
    /// The state is an older one (a dead add-in, or an empty capture that must not
    /// replace a good state).
    Stale,
    /// The provider did not answer before its deadline.
    Timeout,
    /// The provider answered with an error.
    Error,
    /// The thing the provider captures is not there (no tmux server, no browser).
    Unavailable,
}

impl SectionStatus {
    /// The wire and storage name of the status.
    pub fn as_str(self) -> &'static str {
        match self {
            SectionStatus::Ok => "ok",
            SectionStatus::Stale => "stale",
            SectionStatus::Timeout => "timeout",
            SectionStatus::Error => "error",
            SectionStatus::Unavailable => "unavailable",
        }
    }

    /// Parses a storage name back into a status.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "ok" => SectionStatus::Ok,
            "stale" => SectionStatus::Stale,
            "timeout" => SectionStatus::Timeout,
            "error" => SectionStatus::Error,
            "unavailable" => SectionStatus::Unavailable,
            _ => return None,
        })
    }
}

/// What one provider contributed to a snapshot.
///
/// A section whose capture failed still carries the provider's last good state (with the
/// time that state was really captured), so restoring any snapshot brings back the best
/// state that was known at that moment (DESIGN 6).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Section {
    /// Provider id.
    pub provider: String,
    /// Provider version, from its `describe`.
    pub provider_version: String,
    /// How the capture went.
    pub status: SectionStatus,
    /// When the capture was attempted.
    pub captured_at: DateTime<Utc>,
    /// Why the capture did not succeed, when it did not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// blake3 hash of the state blob, when the section has a state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_hash: Option<String>,
    /// When the carried state was really captured, if it is older than `captured_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_captured_at: Option<DateTime<Utc>>,
    /// Number of items in the state.
    #[serde(default)]
    pub item_count: usize,
}

/// A snapshot as listed: everything but the section states themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotSummary {
    /// Identifier.
    pub id: SnapshotId,
    /// A name for people; defaults to the trigger and time.
    pub name: String,
    /// When it was taken.
    pub created_at: DateTime<Utc>,
    /// Why it was taken.
    pub trigger: Trigger,
    /// Pinned snapshots are never pruned.
    pub pinned: bool,
    /// The sections, one per provider.
    pub sections: Vec<Section>,
}
