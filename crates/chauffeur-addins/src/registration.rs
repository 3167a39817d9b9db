//! `POST /register`: what an add-in says about itself, and what it is told back.

use serde::{Deserialize, Serialize};

use crate::error::AddinError;

/// Push add-ins send their state; pull add-ins are called back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AddinKind {
    /// Sends its state when it changes; restores come through the command channel.
    Push,
    /// Runs a loopback HTTP callback the core calls.
    Pull,
}

/// The body of `POST /register`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Stable id: `[A-Za-z0-9._-]`, 1 to 64 characters.
    pub id: String,
    /// `push` or `pull`.
    #[serde(rename = "type")]
    pub kind: AddinKind,
    /// What a person calls it.
    pub name: String,
    /// Its own version.
    pub version: String,
    /// Every protocol version it speaks.
    pub protocols: Vec<u32>,
    /// Verbs it supports: `capture`, `plan`, `restore`.
    #[serde(default)]
    pub capabilities: Vec<String>,
    /// Pull add-ins: the loopback URL the core calls.
    #[serde(default)]
    pub callback: Option<String>,
    /// The heartbeat interval it would like, in milliseconds.
    #[serde(default)]
    pub heartbeat_interval_ms: Option<u64>,
}

/// Ids that would collide with routes under `/v1/addins/`.
const RESERVED_IDS: &[&str] = &["pair", "pairings"];

impl RegisterRequest {
    /// Checks every field but the protocol list.
    pub fn validate(&self) -> Result<(), AddinError> {
        valid_id(&self.id)?;
        if self.name.trim().is_empty() || self.name.chars().count() > 200 {
            return Err(AddinError::Invalid("`name` is 1 to 200 characters".into()));
        }
        if self.version.trim().is_empty() || self.version.len() > 64 {
            return Err(AddinError::Invalid(
                "`version` is 1 to 64 characters".into(),
            ));
        }
        if let Some(bad) = self
            .capabilities
            .iter()
            .find(|c| !["capture", "plan", "restore"].contains(&c.as_str()))
        {
            return Err(AddinError::Invalid(format!(
                "unknown capability {bad:?}; use capture, plan, restore"
            )));
        }
        match (self.kind, &self.callback) {
            (AddinKind::Pull, None) => Err(AddinError::Invalid(
                "a pull add-in needs a loopback `callback` URL".into(),
            )),
            (AddinKind::Push, Some(_)) => Err(AddinError::Invalid(
                "`callback` is for pull add-ins only".into(),
            )),
            (AddinKind::Pull, Some(url)) => loopback_url(url),
            (AddinKind::Push, None) => Ok(()),
        }
    }

    /// The highest protocol version both sides speak.
    pub fn negotiate(&self, ours: &[u32]) -> Result<u32, AddinError> {
        self.protocols
            .iter()
            .filter(|p| ours.contains(p))
            .max()
            .copied()
            .ok_or_else(|| AddinError::NoCommonProtocol {
                offered: self.protocols.clone(),
                ours: ours.to_vec(),
            })
    }
}

/// Checks an add-in id.
pub fn valid_id(id: &str) -> Result<(), AddinError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        && !RESERVED_IDS.contains(&id)
        && !id.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(AddinError::Invalid(format!(
            "add-in id {id:?} must be 1 to 64 of A-Z a-z 0-9 . _ - (and not {RESERVED_IDS:?})"
        )))
    }
}

/// Accepts only `http://` URLs whose host is a loopback name.
fn loopback_url(url: &str) -> Result<(), AddinError> {
    let refuse = || {
        AddinError::Invalid(format!(
            "callback {url:?} is not a loopback URL like http://127.0.0.1:PORT/path"
        ))
    };
    let rest = url.strip_prefix("http://").ok_or_else(refuse)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(refuse());
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6
            .split(']')
            .next()
            .map(|h| format!("[{h}]"))
            .unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default().to_owned(),
    };
    if ["127.0.0.1", "localhost", "[::1]"].contains(&host.as_str()) {
        Ok(())
    } else {
        Err(refuse())
    }
}

/// The reply to a successful registration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Registered {
    /// The add-in's id.
    pub id: String,
    /// The protocol version chosen.
    pub protocol: u32,
    /// The add-in's scoped token.
    pub token: String,
    /// How often to beat.
    pub heartbeat_interval_ms: u64,
    /// Silence after which it counts as dead.
    pub dead_after_ms: u64,
    /// Every version this core speaks.
    pub protocols: Vec<u32>,
    /// This core's version.
    pub core_version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(kind: AddinKind, callback: Option<&str>) -> RegisterRequest {
        RegisterRequest {
            id: "notes".into(),
            kind,
            name: "Notes".into(),
            version: "1.0".into(),
            protocols: vec![1, 2],
            capabilities: vec!["capture".into()],
            callback: callback.map(str::to_owned),
            heartbeat_interval_ms: None,
        }
    }

    #[test]
    fn callbacks_must_be_loopback() {
        for good in [
            "http://127.0.0.1:4555/cb",
            "http://localhost:1/",
            "http://[::1]:80/x",
        ] {
            assert!(
                request(AddinKind::Pull, Some(good)).validate().is_ok(),
                "{good}"
            );
        }
        for bad in [
            "http://example.com/cb",
            "https://127.0.0.1/cb",
            "http://127.0.0.1.evil.com/",
            "http://user@127.0.0.1@evil.com/",
            "http://10.0.0.1:80/",
            "ftp://127.0.0.1/",
        ] {
            assert!(
                request(AddinKind::Pull, Some(bad)).validate().is_err(),
                "{bad}"
            );
        }
        assert!(request(AddinKind::Pull, None).validate().is_err());
        assert!(
            request(AddinKind::Push, Some("http://127.0.0.1:1/"))
                .validate()
                .is_err()
        );
    }

    #[test]
    fn ids_are_plain_and_not_reserved() {
        assert!(valid_id("browser.chromium-1_x").is_ok());
        for bad in ["", "a/b", "pair", "..", "x y", &"a".repeat(65)] {
            assert!(valid_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_highest_common_version_wins() {
        let r = request(AddinKind::Push, None);
        assert_eq!(r.negotiate(&[1]), Ok(1));
        assert_eq!(r.negotiate(&[1, 2, 3]), Ok(2));
        let err = r.negotiate(&[3]).expect_err("nothing in common");
        assert!(err.to_string().contains("[3]"), "{err}");
    }
}
