//! The state envelope every provider's `capture` returns (DESIGN 2).
//!
//! The envelope is what lets the core list, diff and selectively restore any provider's
//! state without understanding it: a flat list of items with stable keys, a kind, a human
//! title, an optional parent key, and provider-specific data the core never interprets.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One provider's captured state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// The provider's own state schema version, so it can read old states.
    pub schema: u32,
    /// The captured items, in the order the provider wants them restored.
    #[serde(default)]
    pub items: Vec<Item>,
}

/// One thing a provider captured: a pane, a tab, a window, a document, a process...
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Stable identifier within the provider; the same thing keeps the same key across
    /// captures, so diff and `--only PROVIDER:KEY` work.
    pub key: String,
    /// What sort of thing this is (`pane`, `tab`, `window`, `process`, ...).
    pub kind: String,
    /// What a person would call it.
    #[serde(default)]
    pub title: String,
    /// Key of the item that contains this one, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Provider-specific data; opaque to the core.
    #[serde(default)]
    pub data: Value,
}

/// Why an envelope a provider returned cannot be accepted.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum EnvelopeError {
    /// The JSON was not an envelope.
    #[error("not a state envelope: {0}")]
    Shape(String),
    /// Two items share a key, so diff and selective restore would be ambiguous.
    #[error("duplicate item key {0:?}")]
    DuplicateKey(String),
    /// An item has an empty key.
    #[error("an item has an empty key")]
    EmptyKey,
}

impl Envelope {
    /// Parses and validates a provider's JSON answer to `capture`.
    pub fn from_value(value: Value) -> Result<Self, EnvelopeError> {
        let envelope: Envelope =
            serde_json::from_value(value).map_err(|e| EnvelopeError::Shape(e.to_string()))?;
        envelope.validate()?;
        Ok(envelope)
    }

    /// Checks that keys are non-empty and unique.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        let mut seen = std::collections::HashSet::with_capacity(self.items.len());
        for item in &self.items {
            if item.key.is_empty() {
                return Err(EnvelopeError::EmptyKey);
            }
            if !seen.insert(item.key.as_str()) {
                return Err(EnvelopeError::DuplicateKey(item.key.clone()));
            }
        }
        Ok(())
    }

    /// True when the provider captured nothing at all.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Finds an item by key.
    pub fn item(&self, key: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.key == key)
    }
}
