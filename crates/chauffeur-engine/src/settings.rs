//! What the engine needs from the configuration.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chauffeur_core::retention::RetentionPolicy;
use serde_json::Value;

/// Engine settings, derived from `config.toml` by the daemon.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    /// How long a provider may take to capture, unless overridden.
    pub capture_deadline: Duration,
    /// Per-provider capture deadlines.
    pub capture_deadlines: HashMap<String, Duration>,
    /// How long a provider may take to plan or restore.
    pub restore_deadline: Duration,
    /// Programs a restore may start without asking.
    pub allowlist: Vec<String>,
    /// Providers turned off.
    pub disabled: HashSet<String>,
    /// Each provider's own settings, passed in `CallOptions.settings`.
    pub provider_settings: HashMap<String, Value>,
    /// Which automatic snapshots survive.
    pub retention: RetentionPolicy,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            capture_deadline: Duration::from_secs(2),
            capture_deadlines: HashMap::new(),
            restore_deadline: Duration::from_secs(60),
            allowlist: Vec::new(),
            disabled: HashSet::new(),
            provider_settings: HashMap::new(),
            retention: RetentionPolicy::default(),
        }
    }
}

impl EngineSettings {
    /// The capture deadline for one provider.
    pub fn capture_deadline_for(&self, provider: &str) -> Duration {
        self.capture_deadlines
            .get(provider)
            .copied()
            .unwrap_or(self.capture_deadline)
    }

    /// A provider's own settings, `null` when none.
    pub fn settings_for(&self, provider: &str) -> Value {
        self.provider_settings
            .get(provider)
            .cloned()
            .unwrap_or(Value::Null)
    }
}
