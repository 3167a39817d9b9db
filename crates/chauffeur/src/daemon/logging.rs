//! Daemon logs: a daily file in the data directory and stderr.

use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::paths::Paths;

/// Log files kept.
const KEEP_FILES: usize = 7;

/// Lines the background writer holds before it drops new ones. The daemon logs a few
/// lines a minute; tracing-appender's default (128,000) would allocate and touch a 4 MB
/// channel up front, a quarter of the idle daemon's memory.
const BUFFERED_LINES: usize = 1024;

/// Starts logging; keep the guard alive until exit so the last lines are flushed.
/// `RUST_LOG` overrides the configured filter.
pub fn init(paths: &Paths, filter: &str) -> anyhow::Result<WorkerGuard> {
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("chauffeur")
        .filename_suffix("log")
        .max_log_files(KEEP_FILES)
        .build(paths.log_dir())?;
    let (file, guard) = NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(appender);
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(filter))
        .map_err(|e| anyhow::anyhow!("daemon.log: {e}"))?;
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(file),
        )
        .try_init()?;
    Ok(guard)
}
