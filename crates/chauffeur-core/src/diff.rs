//! What changed between two states of the same providers, item by item, computed from the
//! envelope alone.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::envelope::{Envelope, Item};
use crate::snapshot::SnapshotId;

/// How one item differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// Only in the newer state.
    Added,
    /// Only in the older state.
    Removed,
    /// In both, with different fields.
    Changed,
}

/// One item that differs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemChange {
    /// The item's key.
    pub key: String,
    /// Added, removed or changed.
    pub change: ChangeKind,
    /// The item's title (the newer one when both exist).
    pub title: String,
    /// For a change: which fields differ (`title`, `kind`, `parent`, `data.<name>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
}

/// The differences within one provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProviderDiff {
    /// Provider id.
    pub provider: String,
    /// Items that differ, in key order.
    pub changes: Vec<ItemChange>,
}

/// The differences between two snapshots.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotDiff {
    /// The older snapshot.
    pub from: SnapshotId,
    /// The newer snapshot.
    pub to: SnapshotId,
    /// Providers with at least one difference, in id order.
    pub providers: Vec<ProviderDiff>,
}

/// Diffs two snapshots given each one's states by provider id; a provider missing from
/// one side counts as an empty state there.
pub fn diff_snapshots(
    from: SnapshotId,
    old: &BTreeMap<String, Envelope>,
    to: SnapshotId,
    new: &BTreeMap<String, Envelope>,
) -> SnapshotDiff {
    let empty = Envelope::default();
    let providers: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    let providers = providers
        .into_iter()
        .filter_map(|p| {
            let changes =
                diff_envelopes(old.get(p).unwrap_or(&empty), new.get(p).unwrap_or(&empty));
            (!changes.is_empty()).then(|| ProviderDiff {
                provider: p.clone(),
                changes,
            })
        })
        .collect();
    SnapshotDiff {
        from,
        to,
        providers,
    }
}

/// Diffs two states of one provider.
pub fn diff_envelopes(old: &Envelope, new: &Envelope) -> Vec<ItemChange> {
    let old_items: BTreeMap<&str, &Item> = old.items.iter().map(|i| (i.key.as_str(), i)).collect();
    let new_items: BTreeMap<&str, &Item> = new.items.iter().map(|i| (i.key.as_str(), i)).collect();
    let keys: BTreeSet<&str> = old_items.keys().chain(new_items.keys()).copied().collect();
    keys.into_iter()
        .filter_map(|key| match (old_items.get(key), new_items.get(key)) {
            (None, Some(n)) => Some(change(n, ChangeKind::Added, Vec::new())),
            (Some(o), None) => Some(change(o, ChangeKind::Removed, Vec::new())),
            (Some(o), Some(n)) => {
                let fields = changed_fields(o, n);
                (!fields.is_empty()).then(|| change(n, ChangeKind::Changed, fields))
            }
            (None, None) => None,
        })
        .collect()
}

fn change(item: &Item, kind: ChangeKind, fields: Vec<String>) -> ItemChange {
    ItemChange {
        key: item.key.clone(),
        change: kind,
        title: item.title.clone(),
        fields,
    }
}

fn changed_fields(old: &Item, new: &Item) -> Vec<String> {
    let mut fields = Vec::new();
    if old.kind != new.kind {
        fields.push("kind".to_owned());
    }
    if old.title != new.title {
        fields.push("title".to_owned());
    }
    if old.parent != new.parent {
        fields.push("parent".to_owned());
    }
    match (&old.data, &new.data) {
        (Value::Object(a), Value::Object(b)) => {
            let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            fields.extend(
                names
                    .into_iter()
                    .filter(|name| a.get(*name) != b.get(*name))
                    .map(|name| format!("data.{name}")),
            );
        }
        (a, b) if a != b => fields.push("data".to_owned()),
        _ => {}
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item(key: &str, title: &str, data: Value) -> Item {
        Item {
            key: key.into(),
            kind: "tab".into(),
            title: title.into(),
            parent: None,
            data,
        }
    }

    #[test]
    fn reports_added_removed_and_changed_fields() {
        let old = Envelope {
            schema: 1,
            items: vec![
                item("a", "A", json!({"url": "x", "pinned": false})),
                item("b", "B", json!({})),
            ],
        };
        let new = Envelope {
            schema: 1,
            items: vec![
                item("a", "A2", json!({"url": "x", "pinned": true})),
                item("c", "C", json!({})),
            ],
        };
        let changes = diff_envelopes(&old, &new);
        assert_eq!(changes.len(), 3);
        assert_eq!(changes[0].key, "a");
        assert_eq!(changes[0].change, ChangeKind::Changed);
        assert_eq!(changes[0].fields, vec!["title", "data.pinned"]);
        assert_eq!(changes[1].key, "b");
        assert_eq!(changes[1].change, ChangeKind::Removed);
        assert_eq!(changes[2].key, "c");
        assert_eq!(changes[2].change, ChangeKind::Added);
    }

    #[test]
    fn identical_states_have_no_diff() {
        let state = Envelope {
            schema: 1,
            items: vec![item("a", "A", json!({"n": 1}))],
        };
        let mut old = BTreeMap::new();
        old.insert("p".to_owned(), state.clone());
        let d = diff_snapshots(1, &old, 2, &old.clone());
        assert!(d.providers.is_empty());
    }

    #[test]
    fn a_provider_missing_on_one_side_is_all_added() {
        let mut new = BTreeMap::new();
        new.insert(
            "p".to_owned(),
            Envelope {
                schema: 1,
                items: vec![item("a", "A", json!(null))],
            },
        );
        let d = diff_snapshots(1, &BTreeMap::new(), 2, &new);
        assert_eq!(d.providers.len(), 1);
        assert_eq!(d.providers[0].changes[0].change, ChangeKind::Added);
    }
}
