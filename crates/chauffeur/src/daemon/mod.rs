//! `chauffeur daemon`: the background service.
//!
//! One per user (a lock in the runtime directory), loopback only, `daemon.json` and
//! `token` written owner-only and removed on a clean exit. SIGTERM/SIGINT stop accepting
//! requests, let the in-flight ones finish, take a `shutdown` snapshot when configured,
//! and exit 0.

mod logging;
mod providers;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use anyhow::{Context, bail};
use chauffeur_addins::Addins;
use chauffeur_core::Trigger;
use chauffeur_engine::{Engine, Event, Registry};
use chauffeur_server::{ApiState, DaemonInfo};
use chauffeur_store::Store;
use chrono::Utc;

use crate::config::Config;
use crate::paths::Paths;
use crate::runtime::{self, DaemonRecord, RuntimeFiles};

/// Runs the daemon until a signal stops it.
pub fn run(paths: &Paths, config: &Config) -> anyhow::Result<()> {
    paths.ensure_private_runtime_dir()?;
    std::fs::create_dir_all(&paths.data_dir)
        .with_context(|| format!("cannot create {}", paths.data_dir.display()))?;
    let lock_file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(paths.lock_file())
        .with_context(|| format!("cannot open {}", paths.lock_file().display()))?;
    let mut lock = fd_lock::RwLock::new(lock_file);
    let Ok(_held) = lock.try_write() else {
        let at =
            runtime::find(paths).map(|d| format!(" at {} (pid {})", d.record.url, d.record.pid));
        bail!(
            "a Chauffeur daemon is already running{}; stop it first",
            at.unwrap_or_default()
        );
    };
    let _log_guard = logging::init(paths, &config.daemon.log)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(serve(paths, config));
    // A worker stuck inside a hung in-process plugin must not keep the daemon from exiting.
    runtime.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// How long blocking workers get to finish once the daemon stops.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Quiet time after a plugin says its state changed before an automatic snapshot is
/// considered, so a burst of changes makes one snapshot.
const STATE_CHANGED_DEBOUNCE: std::time::Duration = std::time::Duration::from_secs(2);

async fn serve(paths: &Paths, config: &Config) -> anyhow::Result<()> {
    let store_path = paths.store_file();
    let store = tokio::task::spawn_blocking(move || Store::open(&store_path))
        .await?
        .with_context(|| format!("cannot open the store {}", paths.store_file().display()))?;
    let registry = Registry::new();
    providers::register_builtins(&registry).await?;
    let state_changed = Arc::new(tokio::sync::Notify::new());
    providers::register_plugins(&registry, paths, config, Arc::clone(&state_changed)).await;
    let engine = Engine::new(Arc::new(store), registry, config.engine_settings());
    let nudges = tokio::spawn(auto_snapshot_on_change(Arc::clone(&engine), state_changed));
    let addins = {
        let engine = Arc::clone(&engine);
        Addins::new(
            config.addin_settings(),
            Box::new(move |id, liveness| {
                engine.publish(Event::ProviderHealth {
                    provider: id.to_owned(),
                    health: liveness.as_str().to_owned(),
                })
            }),
        )
    };
    let liveness = tokio::spawn(Arc::clone(&addins).run_liveness());

    let listener =
        tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, config.daemon.port)))
            .await
            .with_context(|| format!("cannot listen on 127.0.0.1:{}", config.daemon.port))?;
    let port = listener.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}");
    let token = runtime::new_token();
    let info = DaemonInfo {
        pid: std::process::id(),
        url: url.clone(),
        version: env!("CARGO_PKG_VERSION").to_owned(),
        started_at: Utc::now(),
    };
    let record = DaemonRecord {
        pid: info.pid,
        url: info.url.clone(),
        version: info.version.clone(),
        started_at: info.started_at,
    };
    // Listen for signals before telling anyone we run, so an early SIGTERM is graceful too.
    let stop = stop_signal()?;
    let (stopping_tx, stopping_rx) = tokio::sync::watch::channel(false);
    let state = ApiState {
        engine: Arc::clone(&engine),
        info: Arc::new(info),
        token: token.as_str().into(),
        port,
        trusted_origins: config.daemon.trusted_origins.clone().into(),
        addins,
        stopping: stopping_rx,
    };
    let _files = RuntimeFiles::write(paths, &record, &token)?;
    let schedule = config
        .auto_snapshot_interval()
        .map(|interval| chauffeur_engine::spawn_auto_snapshots(Arc::clone(&engine), interval));
    tracing::info!(%url, pid = record.pid, "daemon listening");

    axum::serve(listener, chauffeur_server::router(state))
        .with_graceful_shutdown(async move {
            stop.await;
            // End event streams and long-polls so in-flight requests can finish.
            let _ = stopping_tx.send(true);
        })
        .await
        .context("the API server failed")?;

    if let Some(schedule) = schedule {
        schedule.abort();
    }
    liveness.abort();
    nudges.abort();
    if config.daemon.shutdown_snapshot {
        match engine.capture(Trigger::Shutdown, None).await {
            Ok(s) => tracing::info!(id = s.id, "shutdown snapshot taken"),
            Err(e) => tracing::error!(error = %e, "shutdown snapshot failed"),
        }
    }
    tracing::info!("daemon stopped");
    Ok(())
}

/// Takes an automatic snapshot (skipped when nothing changed) after a plugin says its state
/// changed and things have been quiet for a moment.
async fn auto_snapshot_on_change(engine: Arc<Engine>, changed: Arc<tokio::sync::Notify>) {
    loop {
        changed.notified().await;
        while tokio::time::timeout(STATE_CHANGED_DEBOUNCE, changed.notified())
            .await
            .is_ok()
        {}
        match engine.auto_capture().await {
            Ok(Some(s)) => tracing::info!(id = s.id, "snapshot after a plugin's state changed"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "snapshot after a state change failed"),
        }
    }
}

/// A future that resolves on SIGTERM or SIGINT; the handlers are installed at once.
fn stop_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    let mut int = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: stopping"),
            _ = int.recv() => tracing::info!("SIGINT: stopping"),
        }
    })
}
