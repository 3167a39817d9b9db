//! Auto-snapshots on the configured interval while the daemon runs.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::Engine;

/// Starts the auto-snapshot timer: one wake-up per interval, nothing in between. Each tick
/// takes a `schedule` snapshot unless nothing changed, then applies retention.
pub fn spawn_auto_snapshots(engine: Arc<Engine>, interval: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match engine.auto_capture().await {
                Ok(Some(s)) => tracing::info!(id = s.id, "auto-snapshot taken"),
                Ok(None) => {}
                Err(e) => tracing::error!(error = %e, "auto-snapshot failed"),
            }
            let policy = engine.settings().retention;
            match engine
                .with_store(move |s| s.prune(&policy, chrono::Utc::now(), false))
                .await
            {
                Ok(pruned) if !pruned.is_empty() => {
                    tracing::info!(count = pruned.len(), "retention pruned snapshots")
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "retention failed"),
            }
        }
    })
}
