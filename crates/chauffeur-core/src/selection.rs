//! Selective restore: which providers and which items `--only` picks.

use std::collections::{BTreeMap, HashSet};

use crate::envelope::Envelope;

/// The parsed `--only` arguments. No entries means everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Provider id → selected item keys; an empty list means the whole provider.
    providers: BTreeMap<String, Vec<String>>,
}

/// An `--only` argument that cannot be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad selection {0:?}: expected PROVIDER or PROVIDER:ITEM_KEY")]
pub struct SelectionError(pub String);

impl Selection {
    /// Parses `PROVIDER` and `PROVIDER:ITEM_KEY` entries. Item keys may contain colons;
    /// only the first one separates the provider.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, SelectionError> {
        let mut providers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut whole = Vec::new();
        for entry in entries {
            let entry = entry.as_ref();
            let (provider, key) = match entry.split_once(':') {
                Some((p, k)) => (p, Some(k)),
                None => (entry, None),
            };
            if provider.is_empty() || key.is_some_and(str::is_empty) {
                return Err(SelectionError(entry.to_owned()));
            }
            let keys = providers.entry(provider.to_owned()).or_default();
            match key {
                Some(k) => keys.push(k.to_owned()),
                None => whole.push(provider),
            }
        }
        // A whole-provider entry wins over item entries for the same provider.
        for provider in whole {
            if let Some(keys) = providers.get_mut(provider) {
                keys.clear();
            }
        }
        Ok(Selection { providers })
    }

    /// True when nothing was selected, i.e. everything is.
    pub fn is_everything(&self) -> bool {
        self.providers.is_empty()
    }

    /// Whether any of the provider's items is selected.
    pub fn includes_provider(&self, provider: &str) -> bool {
        self.is_everything() || self.providers.contains_key(provider)
    }

    /// The item keys selected in a provider; empty means all of them.
    pub fn keys_for(&self, provider: &str) -> Vec<String> {
        self.providers.get(provider).cloned().unwrap_or_default()
    }

    /// The providers named, for checking them against the snapshot.
    pub fn provider_ids(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }
}

/// The keys of the items `only` selects in a state: each named item and everything below
/// it (following `parent`). An empty `only` selects every item.
pub fn selected_keys(state: &Envelope, only: &[String]) -> HashSet<String> {
    if only.is_empty() {
        return state.items.iter().map(|i| i.key.clone()).collect();
    }
    let mut selected: HashSet<String> = only
        .iter()
        .filter(|k| state.item(k).is_some())
        .cloned()
        .collect();
    // Parents precede or follow children in any order, so repeat until nothing is added.
    loop {
        let before = selected.len();
        for item in &state.items {
            if let Some(parent) = &item.parent
                && selected.contains(parent)
            {
                selected.insert(item.key.clone());
            }
        }
        if selected.len() == before {
            return selected;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::envelope::Item;
    use serde_json::Value;

    #[test]
    fn parses_providers_and_keys_with_colons() {
        let s = Selection::parse(&["tmux:work:2", "apps"]).unwrap();
        assert_eq!(s.keys_for("tmux"), vec!["work:2"]);
        assert!(s.keys_for("apps").is_empty());
        assert!(s.includes_provider("apps"));
        assert!(!s.includes_provider("browser"));
        assert!(Selection::parse(&[":x"]).is_err());
        assert!(Selection::parse(&["tmux:"]).is_err());
    }

    #[test]
    fn whole_provider_wins_over_items() {
        let s = Selection::parse(&["tmux:a", "tmux"]).unwrap();
        assert!(s.keys_for("tmux").is_empty());
        let s = Selection::parse(&["tmux", "tmux:a"]).unwrap();
        assert!(s.keys_for("tmux").is_empty());
    }

    #[test]
    fn selecting_an_item_selects_its_descendants() {
        let item = |key: &str, parent: Option<&str>| Item {
            key: key.into(),
            kind: "x".into(),
            title: String::new(),
            parent: parent.map(Into::into),
            data: Value::Null,
        };
        let state = Envelope {
            schema: 1,
            items: vec![
                item("s:1:0", Some("s:1")),
                item("s", None),
                item("s:1", Some("s")),
                item("t", None),
            ],
        };
        let keys = selected_keys(&state, &["s".to_owned()]);
        assert_eq!(keys.len(), 3);
        assert!(!keys.contains("t"));
        assert_eq!(selected_keys(&state, &[]).len(), 4);
        assert!(selected_keys(&state, &["nope".to_owned()]).is_empty());
    }
}
