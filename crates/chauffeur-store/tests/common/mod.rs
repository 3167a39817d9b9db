//! Helpers shared by the store's integration tests.
#![allow(dead_code)]

use chauffeur_core::{Envelope, Item, SectionStatus, Trigger};
use chauffeur_store::{NewSection, NewSnapshot, Store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;

/// A fixed, nanosecond-precise instant, `minutes` after a base time.
pub fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
        + Duration::minutes(minutes)
        + Duration::nanoseconds(123_456_789)
}

/// An envelope with `n` items whose data depends on `seed`.
pub fn envelope(n: usize, seed: &str) -> Envelope {
    Envelope {
        schema: 1,
        items: (0..n)
            .map(|i| Item {
                key: format!("item-{i}"),
                kind: "pane".into(),
                title: format!("{seed} title {i}"),
                parent: (i > 0).then(|| "item-0".to_owned()),
                data: json!({"cwd": format!("/home/me/{seed}/{i}"), "z": 1, "a": [1, 2.5, null]}),
            })
            .collect(),
    }
}

/// A section with the given status and state.
pub fn section(provider: &str, status: SectionStatus, state: Option<Envelope>) -> NewSection {
    NewSection {
        provider: provider.into(),
        provider_version: "1.2.3".into(),
        status,
        captured_at: at(0),
        error: (status != SectionStatus::Ok).then(|| format!("{provider} failed")),
        state,
        state_captured_at: None,
    }
}

/// A snapshot taken `minutes` after the base time.
pub fn snapshot(trigger: Trigger, minutes: i64, sections: Vec<NewSection>) -> NewSnapshot {
    NewSnapshot {
        name: None,
        trigger,
        created_at: at(minutes),
        sections,
    }
}

/// A file store in a fresh temp dir (kept alive by the returned guard).
pub fn file_store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("nested/dir/store.db")).unwrap();
    (dir, store)
}

/// Counts rows of a table through a raw connection.
pub fn rows(dir: &tempfile::TempDir, table: &str) -> i64 {
    let conn = rusqlite::Connection::open(dir.path().join("nested/dir/store.db")).unwrap();
    conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}
