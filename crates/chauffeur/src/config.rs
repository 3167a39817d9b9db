//! `config.toml`: every setting with its documented default. Unknown keys and bad values
//! are refused with the key's name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use chauffeur_addins::AddinSettings;
use chauffeur_core::retention::RetentionPolicy;
use chauffeur_engine::EngineSettings;
use serde::{Deserialize, Serialize};

/// The port the daemon listens on when neither the config nor `CHAUFFEUR_PORT` says.
pub const DEFAULT_PORT: u16 = 7467;

/// Programs a restore may start without asking, unless the config says otherwise:
/// editors, pagers and monitors that only show things.
pub const DEFAULT_ALLOWLIST: &[&str] = &[
    "vim", "nvim", "vi", "nano", "emacs", "micro", "helix", "hx", "less", "more", "man", "top",
    "htop", "btop", "tail", "watch",
];

/// The whole configuration.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The daemon: where it listens and how it stops.
    pub daemon: DaemonConfig,
    /// Taking snapshots.
    pub capture: CaptureConfig,
    /// Which automatic snapshots are kept.
    pub retention: RetentionConfig,
    /// Restoring.
    pub restore: RestoreConfig,
    /// Native plugins.
    pub plugins: PluginsConfig,
    /// Add-ins.
    pub addins: AddinsConfig,
    /// Per-provider switches and settings, by provider name.
    pub providers: BTreeMap<String, ProviderConfig>,
}

/// `[daemon]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DaemonConfig {
    /// Loopback port; 0 picks a free one. `CHAUFFEUR_PORT` overrides it.
    pub port: u16,
    /// Take a `shutdown` snapshot when the daemon stops.
    pub shutdown_snapshot: bool,
    /// Browser origins allowed to call the API (CORS); none by default.
    pub trusted_origins: Vec<String>,
    /// Log filter, as in `RUST_LOG` (`info`, `chauffeur=debug`...).
    pub log: String,
}

/// `[capture]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CaptureConfig {
    /// How long each provider may take to capture, in milliseconds.
    pub deadline_ms: u64,
    /// Minutes between automatic snapshots; 0 turns them off.
    pub auto_snapshot_minutes: u64,
}

/// `[retention]`: automatic snapshots kept; manual and pinned ones are always kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetentionConfig {
    /// The newest N automatic snapshots.
    pub keep_last: usize,
    /// Then one per hour for this many hours.
    pub hourly_hours: u32,
    /// Then one per day for this many days.
    pub daily_days: u32,
}

/// `[restore]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RestoreConfig {
    /// Programs (executable base names) a restore may start without asking.
    pub allowlist: Vec<String>,
    /// How long each provider may take to plan or restore, in milliseconds.
    pub deadline_ms: u64,
}

/// `[addins]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AddinsConfig {
    /// The heartbeat interval given to add-ins, in milliseconds; they are unresponsive
    /// after 1.5 intervals of silence and dead after 3.
    pub heartbeat_interval_ms: u64,
}

impl Default for AddinsConfig {
    fn default() -> Self {
        AddinsConfig {
            heartbeat_interval_ms: 5_000,
        }
    }
}

/// `[plugins]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginsConfig {
    /// An extra plugin directory.
    pub dir: Option<PathBuf>,
}

/// How a native plugin library is hosted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PluginMode {
    /// Loaded into the daemon.
    Inprocess,
    /// Loaded into a `chauffeur plugin-host` child.
    Isolated,
}

/// `[providers.NAME]`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderConfig {
    /// Whether it takes part in snapshots and restores.
    pub enabled: bool,
    /// Its own capture deadline in milliseconds, instead of `capture.deadline_ms`.
    pub deadline_ms: Option<u64>,
    /// For native plugins: in-process or isolated (the manifest's `kind` otherwise).
    pub mode: Option<PluginMode>,
    /// Settings passed to the provider as they are.
    pub settings: Option<toml::Table>,
}

impl Default for DaemonConfig {
    fn default() -> Self {
        DaemonConfig {
            port: DEFAULT_PORT,
            shutdown_snapshot: true,
            trusted_origins: Vec::new(),
            log: "info".into(),
        }
    }
}

impl Default for CaptureConfig {
    fn default() -> Self {
        CaptureConfig {
            deadline_ms: 2_000,
            auto_snapshot_minutes: 15,
        }
    }
}

impl Default for RetentionConfig {
    fn default() -> Self {
        let p = RetentionPolicy::default();
        RetentionConfig {
            keep_last: p.keep_last,
            hourly_hours: p.hourly_hours,
            daily_days: p.daily_days,
        }
    }
}

impl Default for RestoreConfig {
    fn default() -> Self {
        RestoreConfig {
            allowlist: DEFAULT_ALLOWLIST.iter().map(|s| s.to_string()).collect(),
            deadline_ms: 60_000,
        }
    }
}

impl Default for ProviderConfig {
    fn default() -> Self {
        ProviderConfig {
            enabled: true,
            deadline_ms: None,
            mode: None,
            settings: None,
        }
    }
}

impl Config {
    /// Reads `path`, or the defaults when it does not exist, then applies `CHAUFFEUR_PORT`.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(&text).with_context(|| format!("in {}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if let Some(port) = std::env::var_os("CHAUFFEUR_PORT") {
            let port = port.to_string_lossy();
            config.daemon.port = port.trim().parse().with_context(|| {
                format!("CHAUFFEUR_PORT={port:?} is not a port (0 to 65535; 0 picks a free one)")
            })?;
        }
        Ok(config)
    }

    /// Parses and checks a configuration text.
    pub fn parse(text: &str) -> anyhow::Result<Self> {
        let config: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if self.capture.deadline_ms == 0 {
            bail!("capture.deadline_ms must be more than 0");
        }
        if self.restore.deadline_ms == 0 {
            bail!("restore.deadline_ms must be more than 0");
        }
        if !(50..=60_000).contains(&self.addins.heartbeat_interval_ms) {
            bail!("addins.heartbeat_interval_ms must be between 50 and 60000");
        }
        if self.retention.keep_last == 0 {
            bail!("retention.keep_last must be at least 1");
        }
        for (name, provider) in &self.providers {
            if provider.deadline_ms == Some(0) {
                bail!("providers.{name}.deadline_ms must be more than 0");
            }
        }
        for origin in &self.daemon.trusted_origins {
            if !(origin.starts_with("http://")
                || origin.starts_with("https://")
                || origin.contains("-extension://"))
            {
                bail!(
                    "daemon.trusted_origins: {origin:?} is not an origin like http://localhost:3000"
                );
            }
        }
        Ok(())
    }

    /// The interval between automatic snapshots, if they are on.
    pub fn auto_snapshot_interval(&self) -> Option<Duration> {
        (self.capture.auto_snapshot_minutes > 0)
            .then(|| Duration::from_secs(self.capture.auto_snapshot_minutes * 60))
    }

    /// What the engine needs to know.
    pub fn engine_settings(&self) -> EngineSettings {
        EngineSettings {
            capture_deadline: Duration::from_millis(self.capture.deadline_ms),
            capture_deadlines: self
                .providers
                .iter()
                .filter_map(|(name, p)| Some((name.clone(), Duration::from_millis(p.deadline_ms?))))
                .collect(),
            restore_deadline: Duration::from_millis(self.restore.deadline_ms),
            allowlist: self.restore.allowlist.clone(),
            disabled: self
                .providers
                .iter()
                .filter(|(_, p)| !p.enabled)
                .map(|(name, _)| name.clone())
                .collect(),
            provider_settings: self
                .providers
                .iter()
                .filter_map(|(name, p)| {
                    let settings = serde_json::to_value(p.settings.as_ref()?).ok()?;
                    Some((name.clone(), settings))
                })
                .collect(),
            retention: RetentionPolicy {
                keep_last: self.retention.keep_last,
                hourly_hours: self.retention.hourly_hours,
                daily_days: self.retention.daily_days,
            },
        }
    }

    /// The add-in protocol's timings.
    pub fn addin_settings(&self) -> AddinSettings {
        let interval = Duration::from_millis(self.addins.heartbeat_interval_ms);
        let defaults = AddinSettings::default();
        AddinSettings {
            heartbeat_interval: interval,
            min_interval: defaults.min_interval.min(interval),
            ..defaults
        }
    }

    /// The effective configuration as TOML, for `chauffeur config`.
    pub fn to_toml(&self) -> String {
        toml::to_string_pretty(self).unwrap_or_else(|e| format!("# cannot print: {e}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_documented_values() {
        let c = Config::parse("").expect("empty config is valid");
        assert_eq!(c.daemon.port, DEFAULT_PORT);
        assert_eq!(c.capture.deadline_ms, 2_000);
        assert_eq!(c.capture.auto_snapshot_minutes, 15);
        assert!(c.restore.allowlist.iter().any(|p| p == "nvim"));
        assert!(c.engine_settings().disabled.is_empty());
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::parse("[capture]\ndeadline = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("deadline"), "{err}");
        let err = Config::parse("colour = 1\n").unwrap_err().to_string();
        assert!(err.contains("colour"), "{err}");
    }

    #[test]
    fn bad_values_are_named() {
        let err = Config::parse("[daemon]\nport = 70000\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("port"), "{err}");
        let err = Config::parse("[capture]\ndeadline_ms = 0\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("capture.deadline_ms"), "{err}");
        let err = Config::parse("[providers.tmux]\nmode = \"sideways\"\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("mode"), "{err}");
    }

    #[test]
    fn provider_sections_reach_the_engine() {
        let c = Config::parse(
            "[providers.tmux]\ndeadline_ms = 5000\nsettings = { capture_contents_lines = 10 }\n\
             [providers.apps]\nenabled = false\n",
        )
        .expect("valid");
        let s = c.engine_settings();
        assert_eq!(s.capture_deadline_for("tmux"), Duration::from_secs(5));
        assert_eq!(s.capture_deadline_for("apps"), Duration::from_secs(2));
        assert!(s.disabled.contains("apps"));
        assert_eq!(s.settings_for("tmux")["capture_contents_lines"], 10);
        let back = Config::parse(&c.to_toml()).expect("printed config parses");
        assert!(back.engine_settings().disabled.contains("apps"));
    }
}
