//! `manifest.json`: what a plugin directory declares, parsed and checked.
//!
//! ```json
//! {"name": "rust_inproc", "version": "0.1.0", "entry": "rust_inproc", "kind": "inprocess",
//!  "description": "...", "functions": [{"name": "echo", "args": ["value..."], "description": "..."}]}
//! ```
//! `name`, `entry` and `kind` are required (the seed's manifest); the rest is optional.

use serde::{Deserialize, Serialize};

/// Where a plugin asks to run; the configuration may override it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Loaded into the daemon.
    Inprocess,
    /// Loaded into a `chauffeur plugin-host` child process.
    Isolated,
}

impl Kind {
    /// `inprocess` or `isolated`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Inprocess => "inprocess",
            Kind::Isolated => "isolated",
        }
    }
}

/// One function a plugin declares besides the four verbs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionDecl {
    /// The name passed as `func` to `plugin_call_json`.
    pub name: String,
    /// The names of its arguments, in order (documentation only).
    #[serde(default)]
    pub args: Vec<String>,
    /// What it does.
    #[serde(default)]
    pub description: String,
}

/// A validated `manifest.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The plugin's name; `plugin_name()` must return exactly this.
    pub name: String,
    /// The plugin's version.
    #[serde(default)]
    pub version: Option<String>,
    /// The library's base name: a bare name, never a path.
    pub entry: String,
    /// Where it asks to run.
    pub kind: Kind,
    /// What it captures.
    #[serde(default)]
    pub description: String,
    /// Functions it answers to besides the four verbs.
    #[serde(default)]
    pub functions: Vec<FunctionDecl>,
}

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// Not JSON, or not the expected shape.
    #[error("manifest.json is invalid: {0}")]
    Invalid(String),
    /// `entry` names a path instead of a bare library name.
    #[error("entry {0:?} is not a bare library name (no '/', '\\', '..' or absolute paths)")]
    EntryNotBare(String),
    /// `name` is empty or has characters other than letters, digits, `_` and `-`.
    #[error("name {0:?} must be 1 to 64 letters, digits, '_' or '-'")]
    BadName(String),
    /// A declared function has no name or a duplicate one.
    #[error("function {0:?} is declared without a name or twice")]
    BadFunction(String),
}

impl Manifest {
    /// Parses and validates the text of a `manifest.json`.
    pub fn parse(text: &str) -> Result<Self, ManifestError> {
        let manifest: Manifest =
            serde_json::from_str(text).map_err(|e| ManifestError::Invalid(e.to_string()))?;
        manifest.validate()?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<(), ManifestError> {
        if !is_plain_name(&self.name) {
            return Err(ManifestError::BadName(self.name.clone()));
        }
        if !is_bare_entry(&self.entry) {
            return Err(ManifestError::EntryNotBare(self.entry.clone()));
        }
        let mut seen = std::collections::BTreeSet::new();
        for f in &self.functions {
            if f.name.is_empty() || !seen.insert(f.name.as_str()) {
                return Err(ManifestError::BadFunction(f.name.clone()));
            }
        }
        Ok(())
    }

    /// The names of the declared functions.
    pub fn function_names(&self) -> Vec<String> {
        self.functions.iter().map(|f| f.name.clone()).collect()
    }
}

fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Whether `entry` is a bare file name: no separators, no `..`, not absolute, no NUL.
pub fn is_bare_entry(entry: &str) -> bool {
    !entry.is_empty()
        && !entry.contains(['/', '\\', '\0'])
        && !entry.contains("..")
        && !entry.starts_with('.')
        && !std::path::Path::new(entry).is_absolute()
        && entry.as_bytes().get(1) != Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_manifest_parses() {
        let m =
            Manifest::parse(r#"{"name":"rust_inproc","entry":"rust_inproc","kind":"inprocess"}"#)
                .expect("valid");
        assert_eq!(m.kind, Kind::Inprocess);
        assert!(m.functions.is_empty());
    }

    #[test]
    fn a_full_manifest_parses() {
        let m = Manifest::parse(
            r#"{"name":"c_plugin","version":"1.2.0","entry":"c_plugin","kind":"isolated",
                "description":"d","functions":[{"name":"echo","args":["value"],"description":"e"}]}"#,
        )
        .expect("valid");
        assert_eq!(m.function_names(), ["echo"]);
        assert_eq!(m.version.as_deref(), Some("1.2.0"));
    }

    #[test]
    fn paths_in_entry_are_refused() {
        for entry in [
            "../evil",
            "/usr/lib/libx",
            "a/b",
            "a\\b",
            "..",
            "C:evil",
            ".hidden",
            "",
        ] {
            let text = format!(r#"{{"name":"x","entry":{entry:?},"kind":"inprocess"}}"#);
            assert!(
                matches!(Manifest::parse(&text), Err(ManifestError::EntryNotBare(_))),
                "{entry:?} accepted"
            );
        }
    }

    #[test]
    fn bad_shapes_are_refused_with_the_reason() {
        let err = Manifest::parse(r#"{"name":"x","entry":"x","kind":"sideways"}"#).unwrap_err();
        assert!(err.to_string().contains("sideways"), "{err}");
        let err = Manifest::parse(r#"{"name":"x","entry":"x"}"#).unwrap_err();
        assert!(err.to_string().contains("kind"), "{err}");
        let err = Manifest::parse(r#"{"name":"a b","entry":"x","kind":"isolated"}"#).unwrap_err();
        assert!(matches!(err, ManifestError::BadName(_)));
        let err = Manifest::parse(
            r#"{"name":"x","entry":"x","kind":"isolated","functions":[{"name":"f"},{"name":"f"}]}"#,
        )
        .unwrap_err();
        assert!(matches!(err, ManifestError::BadFunction(_)));
    }
}
