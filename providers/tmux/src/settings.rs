//! The provider's settings: `[providers.tmux.settings]` in `config.toml`, received as
//! `options.settings` in every call.

use serde::Deserialize;

use crate::server::ServerSpec;

/// `[providers.tmux.settings]`. Every field is optional; unknown keys are an error.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// The servers to capture: socket paths (anything containing `/`, like `tmux -S`) or
    /// socket names (like `tmux -L`). Empty means the user's default server, found the way
    /// tmux finds it (`TMUX_TMPDIR`, uid, `default`).
    pub servers: Vec<String>,
    /// How many of the last lines of each pane's contents to capture; `0` (the default)
    /// captures none.
    pub capture_contents_lines: u32,
    /// The tmux binary: a path or a name looked up in `PATH`. Default `tmux`.
    pub tmux: String,
    /// Programs that may be started again in restored panes, on top of the user's
    /// `[restore] allowlist`. Imported snapshots still run nothing without consent.
    pub allowlist: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            servers: Vec::new(),
            capture_contents_lines: 0,
            tmux: "tmux".to_owned(),
            allowlist: Vec::new(),
        }
    }
}

impl Settings {
    /// Reads the settings from the options' JSON; `null` means the defaults.
    pub fn from_value(value: &serde_json::Value) -> Result<Self, String> {
        if value.is_null() {
            return Ok(Settings::default());
        }
        let settings: Settings = serde_json::from_value(value.clone())
            .map_err(|e| format!("invalid tmux settings: {e}"))?;
        if settings.tmux.is_empty() {
            return Err("invalid tmux settings: `tmux` must not be empty".to_owned());
        }
        if settings.servers.iter().any(String::is_empty) {
            return Err("invalid tmux settings: a server must not be empty".to_owned());
        }
        Ok(settings)
    }

    /// The servers to capture, the default one when none is configured.
    pub fn server_specs(&self) -> Vec<ServerSpec> {
        if self.servers.is_empty() {
            return vec![ServerSpec::Default];
        }
        self.servers.iter().map(|s| ServerSpec::parse(s)).collect()
    }

    /// Whether keys must name the server (more than one server is configured).
    pub fn keys_name_server(&self) -> bool {
        self.servers.len() > 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_values() {
        assert_eq!(Settings::from_value(&json!(null)), Ok(Settings::default()));
        let s = Settings::from_value(&json!({
            "servers": ["/tmp/x/sock", "work"],
            "capture_contents_lines": 50,
            "tmux": "/usr/local/bin/tmux",
            "allowlist": ["cargo"]
        }))
        .unwrap();
        assert_eq!(s.capture_contents_lines, 50);
        assert_eq!(
            s.server_specs(),
            vec![
                ServerSpec::Socket("/tmp/x/sock".into()),
                ServerSpec::Name("work".into())
            ]
        );
        assert!(s.keys_name_server());
        assert_eq!(
            Settings::default().server_specs(),
            vec![ServerSpec::Default]
        );
        assert!(Settings::from_value(&json!({"nope": 1})).is_err());
        assert!(Settings::from_value(&json!({"tmux": ""})).is_err());
        assert!(Settings::from_value(&json!({"servers": [""]})).is_err());
    }
}
