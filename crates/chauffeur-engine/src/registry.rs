//! The providers the engine knows, however they are hosted.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chauffeur_core::provider::answer_to_result;
use chauffeur_core::verbs::names;
use chauffeur_core::{Describe, Hosting, Provider, ProviderHealth};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{EngineError, Result};

/// How long a provider may take to describe itself when it is registered.
const DESCRIBE_DEADLINE: Duration = Duration::from_secs(2);

/// A registered provider and what it said about itself.
#[derive(Clone)]
struct Entry {
    provider: Arc<dyn Provider>,
    describe: Option<Describe>,
}

/// What `status` and `plugins` show about one provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProviderInfo {
    /// Provider id.
    pub id: String,
    /// Where it runs.
    pub hosting: Hosting,
    /// Its version, when it answered `describe`.
    pub version: Option<String>,
    /// The verbs it supports.
    pub capabilities: Vec<String>,
    /// Extra functions it answers to.
    pub functions: Vec<String>,
    /// Whether it can be called now.
    pub health: ProviderHealth,
}

/// The set of providers, which add-ins join and leave while the daemon runs.
#[derive(Default)]
pub struct Registry {
    entries: RwLock<BTreeMap<String, Entry>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks a provider to describe itself and adds it. A provider whose `describe` fails
    /// is still added (its sections will say why it fails); a duplicate id is refused.
    pub async fn add(&self, provider: Arc<dyn Provider>) -> Result<ProviderInfo> {
        let describe = describe(provider.as_ref()).await;
        if let Err(e) = &describe {
            tracing::warn!(provider = provider.id(), error = %e, "describe failed");
        }
        self.insert(provider, describe.ok())
    }

    /// Adds a provider whose description is already known.
    pub fn insert(
        &self,
        provider: Arc<dyn Provider>,
        describe: Option<Describe>,
    ) -> Result<ProviderInfo> {
        let id = provider.id().to_owned();
        let mut entries = self.write();
        if entries.contains_key(&id) {
            return Err(EngineError::BadInput(format!(
                "a provider named {id:?} is already registered"
            )));
        }
        let entry = Entry { provider, describe };
        let info = info(&entry);
        entries.insert(id, entry);
        Ok(info)
    }

    /// Replaces a provider with the same id, or adds it.
    pub fn replace(&self, provider: Arc<dyn Provider>, describe: Option<Describe>) {
        let id = provider.id().to_owned();
        self.write().insert(id, Entry { provider, describe });
    }

    /// Removes a provider; its states stay in the store.
    pub fn remove(&self, id: &str) -> bool {
        self.write().remove(id).is_some()
    }

    /// Finds a provider.
    pub fn get(&self, id: &str) -> Option<Arc<dyn Provider>> {
        self.read().get(id).map(|e| Arc::clone(&e.provider))
    }

    /// A provider's version, for its sections.
    pub fn version_of(&self, id: &str) -> String {
        self.read()
            .get(id)
            .and_then(|e| e.describe.as_ref().map(|d| d.version.clone()))
            .unwrap_or_else(|| "unknown".to_owned())
    }

    /// Every provider, in id order.
    pub fn providers(&self) -> Vec<Arc<dyn Provider>> {
        self.read()
            .values()
            .map(|e| Arc::clone(&e.provider))
            .collect()
    }

    /// What to show about every provider, in id order.
    pub fn infos(&self) -> Vec<ProviderInfo> {
        self.read().values().map(info).collect()
    }

    /// What to show about one provider.
    pub fn info(&self, id: &str) -> Option<ProviderInfo> {
        self.read().get(id).map(info)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, BTreeMap<String, Entry>> {
        self.entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, BTreeMap<String, Entry>> {
        self.entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn describe(provider: &dyn Provider) -> Result<Describe> {
    let answer = provider
        .call(names::DESCRIBE, json!([]), DESCRIBE_DEADLINE)
        .await
        .and_then(answer_to_result)
        .map_err(|e| EngineError::Provider(e.to_string()))?;
    serde_json::from_value(answer)
        .map_err(|e| EngineError::Provider(format!("describe answered an invalid shape: {e}")))
}

fn info(entry: &Entry) -> ProviderInfo {
    ProviderInfo {
        id: entry.provider.id().to_owned(),
        hosting: entry.provider.hosting(),
        version: entry.describe.as_ref().map(|d| d.version.clone()),
        capabilities: entry
            .describe
            .as_ref()
            .map(|d| d.capabilities.clone())
            .unwrap_or_default(),
        functions: entry
            .describe
            .as_ref()
            .map(|d| d.functions.clone())
            .unwrap_or_default(),
        health: entry.provider.health(),
    }
}
