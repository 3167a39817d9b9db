//! The engine: turns the providers in the registry and the store into snapshots and
//! restores.
//!
//! Capture fans out to every enabled provider at once, each under its own deadline, and
//! always finishes with one section per provider; a provider that fails, times out or
//! comes back empty keeps its last good state in the snapshot (DESIGN 6). Restore plans
//! first, saves a `before-restore` snapshot, then asks each selected provider to restore
//! its state and reports item by item.

mod capture;
mod error;
mod events;
mod registry;
mod restore;
mod schedule;
mod settings;

pub use error::{EngineError, Result};
pub use events::Event;
pub use registry::{ProviderInfo, Registry};
pub use restore::{ProviderPlan, ProviderRestore, RestorePlan, RestoreRun};
pub use schedule::spawn_auto_snapshots;
pub use settings::EngineSettings;

use std::sync::Arc;

use chauffeur_core::diff::{SnapshotDiff, diff_snapshots};
use chauffeur_core::{SnapshotId, SnapshotSummary};
use chauffeur_store::Store;
use tokio::sync::broadcast;

/// The engine; cheap to share behind an `Arc`.
pub struct Engine {
    store: Arc<Store>,
    registry: Registry,
    settings: EngineSettings,
    events: broadcast::Sender<Event>,
    /// One capture or restore at a time, so `before-restore` snapshots and auto-snapshots
    /// never interleave with a restore.
    exclusive: tokio::sync::Mutex<()>,
}

impl Engine {
    /// Builds an engine over a store, a provider registry and the settings.
    pub fn new(store: Arc<Store>, registry: Registry, settings: EngineSettings) -> Arc<Self> {
        let (events, _) = broadcast::channel(256);
        Arc::new(Engine {
            store,
            registry,
            settings,
            events,
            exclusive: tokio::sync::Mutex::new(()),
        })
    }

    /// The store, for reads that need no provider.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The providers.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The settings the engine runs with.
    pub fn settings(&self) -> &EngineSettings {
        &self.settings
    }

    /// Subscribes to what happens (snapshots taken, restore progress...).
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.events.subscribe()
    }

    /// Publishes an event to every subscriber; nobody listening is fine.
    pub fn publish(&self, event: Event) {
        let _ = self.events.send(event);
    }

    /// Runs a store operation off the async workers.
    pub async fn with_store<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> chauffeur_store::Result<T> + Send + 'static,
    {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .map_err(|e| EngineError::Internal(format!("store task failed: {e}")))?
            .map_err(EngineError::from)
    }

    /// Lists snapshots, newest first.
    pub async fn list(&self, limit: Option<usize>) -> Result<Vec<SnapshotSummary>> {
        self.with_store(move |s| s.list(limit)).await
    }

    /// Every provider with its health; ones the configuration turns off show as disabled.
    pub fn provider_infos(&self) -> Vec<ProviderInfo> {
        let mut infos = self.registry.infos();
        for info in &mut infos {
            if self.settings.disabled.contains(&info.id) {
                info.health = chauffeur_core::ProviderHealth::Disabled;
            }
        }
        infos
    }

    /// Diffs two snapshots item by item.
    pub async fn diff(&self, from: SnapshotId, to: SnapshotId) -> Result<SnapshotDiff> {
        let (old, new) = self
            .with_store(move |s| Ok((s.states(from)?, s.states(to)?)))
            .await?;
        Ok(diff_snapshots(from, &old, to, &new))
    }
}
