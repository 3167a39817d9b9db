//! The shape of one captured process in the state envelope: its data, key and title.

use serde::{Deserialize, Serialize};

use chauffeur_core::Item;
use chauffeur_core::redact::REDACTED;

/// The item kind this provider writes.
pub const KIND: &str = "process";

/// Longest title, in characters.
const TITLE_MAX: usize = 80;

/// `data` of a `process` item (schema 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessData {
    /// Absolute path of the executable.
    pub exe: String,
    /// Command line, secrets already redacted.
    pub argv: Vec<String>,
    /// Working directory.
    pub cwd: String,
    /// Process id at capture time (informative only).
    #[serde(default)]
    pub pid: u32,
    /// Start time, RFC 3339 (informative only).
    #[serde(default)]
    pub started_at: String,
    /// How many running processes shared this key at capture time.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

impl ProcessData {
    /// Reads the data of a state item; `None` when it is not a process this provider wrote.
    pub fn from_item(item: &Item) -> Option<Self> {
        if item.kind != KIND {
            return None;
        }
        serde_json::from_value(item.data.clone()).ok()
    }

    /// The stable key of this program: see [`key_for`].
    pub fn key(&self) -> String {
        key_for(&self.exe, &self.argv, &self.cwd)
    }

    /// A short command line for a person: base name and arguments, at most 80 characters.
    pub fn title(&self) -> String {
        let mut words = vec![exe_base(&self.exe).to_owned()];
        words.extend(self.argv.iter().skip(1).cloned());
        truncate(&words.join(" "), TITLE_MAX)
    }

    /// The full command line, for plan details.
    pub fn command_line(&self) -> String {
        let mut words = vec![self.exe.clone()];
        words.extend(self.argv.iter().skip(1).cloned());
        words.join(" ")
    }

    /// Whether redaction removed something from the command line, so it cannot be rerun.
    pub fn is_redacted(&self) -> bool {
        self.argv.iter().any(|a| a.contains(REDACTED))
    }

    /// This data as an envelope item.
    pub fn into_item(self) -> Item {
        Item {
            key: self.key(),
            kind: KIND.to_owned(),
            title: self.title(),
            parent: None,
            data: serde_json::to_value(&self).unwrap_or_default(),
        }
    }
}

/// `<exe base name>-<first 12 hex digits of blake3(exe NUL argv... NUL cwd)>`: the same
/// program with the same (redacted) arguments in the same directory keeps its key across
/// restarts, whatever its pid.
pub fn key_for(exe: &str, argv: &[String], cwd: &str) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(exe.as_bytes());
    hasher.update(b"\0");
    hasher.update(argv.join("\0").as_bytes());
    hasher.update(b"\0");
    hasher.update(cwd.as_bytes());
    let hex = hasher.finalize().to_hex();
    format!("{}-{}", exe_base(exe), &hex[..12])
}

fn exe_base(exe: &str) -> &str {
    exe.rsplit('/').next().unwrap_or(exe)
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(argv: &[&str]) -> ProcessData {
        ProcessData {
            exe: "/usr/bin/sleep".into(),
            argv: argv.iter().map(|a| (*a).to_owned()).collect(),
            cwd: "/home/me".into(),
            pid: 1,
            started_at: String::new(),
            count: 1,
        }
    }

    #[test]
    fn key_is_stable_and_depends_on_what_runs() {
        let a = data(&["sleep", "1000"]);
        let mut b = a.clone();
        b.pid = 999;
        b.started_at = "2024-01-01T00:00:00Z".into();
        assert_eq!(a.key(), b.key());
        assert!(a.key().starts_with("sleep-"));
        assert_eq!(a.key().len(), "sleep-".len() + 12);
        assert_ne!(a.key(), data(&["sleep", "1001"]).key());
        let mut c = a.clone();
        c.cwd = "/tmp".into();
        assert_ne!(a.key(), c.key());
        // argument boundaries matter
        assert_ne!(
            data(&["sleep", "1 0"]).key(),
            data(&["sleep", "1", "0"]).key()
        );
    }

    #[test]
    fn title_is_short() {
        assert_eq!(data(&["sleep", "1000"]).title(), "sleep 1000");
        let long = "x".repeat(200);
        let t = data(&["sleep", &long]).title();
        assert_eq!(t.chars().count(), 80);
        assert!(t.ends_with('…'));
    }

    #[test]
    fn round_trips_through_an_item() {
        let d = data(&["sleep", "--token", "[REDACTED]"]);
        assert!(d.is_redacted());
        let item = d.clone().into_item();
        assert_eq!(item.kind, "process");
        assert_eq!(ProcessData::from_item(&item), Some(d));
        assert!(!data(&["sleep", "1"]).is_redacted());
    }
}
