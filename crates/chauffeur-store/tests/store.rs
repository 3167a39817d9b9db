//! The store against real SQLite files.

mod common;

use chauffeur_core::SectionStatus::{Error as Failed, Ok as Good, Stale, Timeout, Unavailable};
use chauffeur_core::Trigger;
use chauffeur_core::retention::RetentionPolicy;
use chauffeur_store::{EXPORT_FORMAT, Store, StoreError};
use common::*;

#[test]
fn save_get_list_round_trip() {
    let (_dir, store) = file_store();
    let mut sections = vec![
        section("tmux", Good, Some(envelope(3, "a"))),
        section("browser", Timeout, None),
        section("editor", Unavailable, None),
    ];
    sections[0].state_captured_at = Some(at(-5));
    let saved = store.save(snapshot(Trigger::Manual, 1, sections)).unwrap();
    assert!(saved.id > 0);
    assert_eq!(saved.trigger, Trigger::Manual);
    assert_eq!(saved.created_at, at(1), "nanosecond-exact time");
    assert!(
        saved.name.starts_with("manual 2026-11-24"),
        "{}",
        saved.name
    );
    let providers: Vec<_> = saved.sections.iter().map(|s| s.provider.as_str()).collect();
    assert_eq!(providers, ["browser", "editor", "tmux"]);
    let tmux = &saved.sections[2];
    assert_eq!(tmux.item_count, 3);
    assert_eq!(tmux.state_captured_at, Some(at(-5)));
    assert_eq!(tmux.state_hash.as_ref().map(String::len), Some(64));
    assert_eq!(saved.sections[0].status, Timeout);
    assert_eq!(saved.sections[0].error.as_deref(), Some("browser failed"));
    assert_eq!(saved.sections[0].state_hash, None);

    assert_eq!(store.get(saved.id).unwrap(), saved);
    assert_eq!(store.list(None).unwrap(), vec![saved.clone()]);
    assert_eq!(store.latest().unwrap(), Some(saved.clone()));
    let states = store.states(saved.id).unwrap();
    assert_eq!(states.len(), 1);
    assert_eq!(states["tmux"], envelope(3, "a"));
    assert_eq!(
        store.state(tmux.state_hash.as_deref().unwrap()).unwrap(),
        envelope(3, "a")
    );
    assert!(matches!(store.get(999), Err(StoreError::NotFound(999))));
    assert!(matches!(store.states(999), Err(StoreError::NotFound(999))));
    assert!(matches!(store.state("zz"), Err(StoreError::BadInput(_))));
    assert!(matches!(
        store.state(&"0".repeat(64)),
        Err(StoreError::StateNotFound(_))
    ));
}

#[test]
fn list_is_newest_first_and_limited() {
    let (_dir, store) = file_store();
    assert_eq!(store.latest().unwrap(), None);
    assert!(store.list(None).unwrap().is_empty());
    // Saved out of time order: listing follows created_at.
    for minutes in [10, 30, 20] {
        store
            .save(snapshot(
                Trigger::Schedule,
                minutes,
                vec![section(
                    "tmux",
                    Good,
                    Some(envelope(1, &minutes.to_string())),
                )],
            ))
            .unwrap();
    }
    let all = store.list(None).unwrap();
    let times: Vec<_> = all.iter().map(|s| s.created_at).collect();
    assert_eq!(times, [at(30), at(20), at(10)]);
    assert!(all.iter().all(|s| s.sections.len() == 1));
    let two = store.list(Some(2)).unwrap();
    assert_eq!(two, all[..2].to_vec());
    assert_eq!(store.latest().unwrap().unwrap().created_at, at(30));
    assert_eq!(store.count().unwrap(), 3);
    assert!(store.list(Some(0)).unwrap().is_empty());
}

#[test]
fn identical_states_share_one_blob() {
    let (dir, store) = file_store();
    let a = store
        .save(snapshot(
            Trigger::Schedule,
            0,
            vec![section("tmux", Good, Some(envelope(5, "x")))],
        ))
        .unwrap();
    let before = store.size_bytes().unwrap();
    let b = store
        .save(snapshot(
            Trigger::Schedule,
            1,
            vec![section("tmux", Good, Some(envelope(5, "x")))],
        ))
        .unwrap();
    assert_eq!(a.sections[0].state_hash, b.sections[0].state_hash);
    assert_eq!(rows(&dir, "blobs"), 1);
    assert_eq!(rows(&dir, "sections"), 2);
    assert!(store.size_bytes().unwrap() >= before);
    // Key order inside provider data does not change the hash.
    let mut reordered = envelope(5, "x");
    reordered.items[0].data =
        serde_json::from_str(r#"{"z": 1, "a": [1, 2.5, null], "cwd": "/home/me/x/0"}"#).unwrap();
    let c = store
        .save(snapshot(
            Trigger::Schedule,
            2,
            vec![section("tmux", Good, Some(reordered))],
        ))
        .unwrap();
    assert_eq!(a.sections[0].state_hash, c.sections[0].state_hash);
    assert_eq!(rows(&dir, "blobs"), 1);
}

#[test]
fn a_failed_save_leaves_nothing_behind() {
    let (dir, store) = file_store();
    store
        .save(snapshot(
            Trigger::Manual,
            0,
            vec![section("tmux", Good, Some(envelope(2, "old")))],
        ))
        .unwrap();
    let last_good = store.last_good_state("tmux").unwrap();
    // The first tmux section (with a brand new state) is written before the duplicate
    // fails, so this really exercises the rollback.
    let err = store
        .save(snapshot(
            Trigger::Manual,
            1,
            vec![
                section("tmux", Good, Some(envelope(4, "new"))),
                section("editor", Good, Some(envelope(1, "e"))),
                section("tmux", Good, Some(envelope(4, "newer"))),
            ],
        ))
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::BadInput(m) if m.contains("\"tmux\"") && m.contains("more than once")),
        "{err}"
    );
    assert_eq!(store.count().unwrap(), 1);
    assert_eq!(rows(&dir, "blobs"), 1);
    assert_eq!(rows(&dir, "sections"), 1);
    assert_eq!(store.last_good_state("tmux").unwrap(), last_good);
    assert_eq!(store.last_good_state("editor").unwrap(), None);

    // Invalid states are refused too.
    let mut bad = envelope(2, "dup");
    bad.items[1].key = bad.items[0].key.clone();
    let err = store
        .save(snapshot(
            Trigger::Manual,
            2,
            vec![section("tmux", Good, Some(bad))],
        ))
        .unwrap_err();
    assert!(matches!(err, StoreError::BadInput(_)), "{err}");
    assert_eq!(store.count().unwrap(), 1);
    // The next id is still handed out in order and never reused.
    let next = store.save(snapshot(Trigger::Manual, 3, vec![])).unwrap();
    assert!(next.id > 1);
}

#[test]
fn only_live_non_empty_states_become_last_good() {
    let (_dir, store) = file_store();
    assert_eq!(store.last_good_state("tmux").unwrap(), None);
    let first = store
        .save(snapshot(
            Trigger::Schedule,
            0,
            vec![section("tmux", Good, Some(envelope(3, "good")))],
        ))
        .unwrap();
    let good = store.last_good_state("tmux").unwrap().unwrap();
    assert_eq!(good.snapshot, first.id);
    assert_eq!(good.state, envelope(3, "good"));
    assert_eq!(good.captured_at, at(0));
    assert_eq!(Some(&good.hash), first.sections[0].state_hash.as_ref());

    // Failures that carry some state forward, and an empty "ok" capture, change nothing.
    for (i, (status, state)) in [
        (Failed, Some(envelope(1, "carried-but-different"))),
        (Stale, Some(envelope(2, "stale"))),
        (Timeout, Some(envelope(3, "good"))),
        (Unavailable, None),
        (Good, Some(envelope(0, "empty"))),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .save(snapshot(
                Trigger::Schedule,
                1 + i as i64,
                vec![section("tmux", status, state)],
            ))
            .unwrap();
        assert_eq!(store.last_good_state("tmux").unwrap().as_ref(), Some(&good));
    }

    // A later live capture replaces it, with the time the state was captured.
    let mut newer = section("tmux", Good, Some(envelope(4, "newer")));
    newer.captured_at = at(50);
    let later = store
        .save(snapshot(Trigger::Schedule, 50, vec![newer]))
        .unwrap();
    let good = store.last_good_state("tmux").unwrap().unwrap();
    assert_eq!(good.snapshot, later.id);
    assert_eq!(good.state, envelope(4, "newer"));
    assert_eq!(good.captured_at, at(50));
}

#[test]
fn delete_refuses_the_only_last_good_state() {
    let (dir, store) = file_store();
    let good = store
        .save(snapshot(
            Trigger::Manual,
            0,
            vec![section("tmux", Good, Some(envelope(3, "g")))],
        ))
        .unwrap();
    let failed = store
        .save(snapshot(
            Trigger::Manual,
            1,
            vec![section("tmux", Failed, None)],
        ))
        .unwrap();
    let err = store.delete(good.id).unwrap_err();
    assert!(
        matches!(&err, StoreError::BadInput(m) if m.contains("only last good state") && m.contains("tmux")),
        "{err}"
    );
    assert_eq!(store.count().unwrap(), 2);
    store.delete(failed.id).unwrap();
    assert!(matches!(store.get(failed.id), Err(StoreError::NotFound(_))));
    assert!(matches!(
        store.delete(failed.id),
        Err(StoreError::NotFound(_))
    ));

    // Another snapshot carrying the same state forward takes over as the holder.
    let carrier = store
        .save(snapshot(
            Trigger::Manual,
            2,
            vec![section("tmux", Stale, Some(envelope(3, "g")))],
        ))
        .unwrap();
    store.delete(good.id).unwrap();
    let lg = store.last_good_state("tmux").unwrap().unwrap();
    assert_eq!(lg.snapshot, carrier.id);
    assert_eq!(lg.state, envelope(3, "g"));
    assert_eq!(lg.captured_at, at(0));
    assert_eq!(rows(&dir, "blobs"), 1);
    assert!(store.delete(carrier.id).is_err());

    // Deleting a snapshot frees the states only it used.
    let other = store
        .save(snapshot(
            Trigger::Manual,
            3,
            vec![section("editor", Stale, Some(envelope(2, "e")))],
        ))
        .unwrap();
    assert_eq!(rows(&dir, "blobs"), 2);
    store.delete(other.id).unwrap();
    assert_eq!(rows(&dir, "blobs"), 1);
    assert!(store.doctor().unwrap().ok);
}

#[test]
fn rename_and_pin() {
    let (_dir, store) = file_store();
    let s = store.save(snapshot(Trigger::Schedule, 0, vec![])).unwrap();
    let default_name = s.name.clone();
    let renamed = store
        .rename(s.id, Some("  before the demo ".into()))
        .unwrap();
    assert_eq!(renamed.name, "before the demo");
    assert_eq!(store.get(s.id).unwrap().name, "before the demo");
    assert_eq!(store.rename(s.id, None).unwrap().name, default_name);
    assert!(matches!(
        store.rename(s.id, Some("x".repeat(500))),
        Err(StoreError::BadInput(_))
    ));
    assert!(store.pin(s.id, true).unwrap().pinned);
    assert!(store.get(s.id).unwrap().pinned);
    assert!(!store.pin(s.id, false).unwrap().pinned);
    assert!(matches!(store.pin(42, true), Err(StoreError::NotFound(42))));
    assert!(matches!(
        store.rename(42, None),
        Err(StoreError::NotFound(42))
    ));
    let named = store
        .save(chauffeur_store::NewSnapshot {
            name: Some("mine".into()),
            ..snapshot(Trigger::Manual, 1, vec![])
        })
        .unwrap();
    assert_eq!(named.name, "mine");
}

#[test]
fn prune_keeps_manual_pinned_and_protected() {
    let (dir, store) = file_store();
    let now = at(10_000);
    // An old good tmux state (protected), then old automatic snapshots where tmux fails.
    let protected = store
        .save(snapshot(
            Trigger::Schedule,
            0,
            vec![section("tmux", Good, Some(envelope(2, "keep")))],
        ))
        .unwrap();
    let mut automatic = Vec::new();
    for i in 1..=5 {
        automatic.push(
            store
                .save(snapshot(
                    Trigger::Schedule,
                    i,
                    vec![
                        section("tmux", Failed, Some(envelope(2, "keep"))),
                        section("editor", Stale, Some(envelope(1, &format!("e{i}")))),
                    ],
                ))
                .unwrap(),
        );
    }
    let manual = store.save(snapshot(Trigger::Manual, 6, vec![])).unwrap();
    let pinned = store.save(snapshot(Trigger::Shutdown, 7, vec![])).unwrap();
    store.pin(pinned.id, true).unwrap();
    let policy = RetentionPolicy {
        keep_last: 1,
        hourly_hours: 0,
        daily_days: 0,
    };
    let blobs_before = rows(&dir, "blobs");
    assert_eq!(blobs_before, 6);

    let would = store.prune(&policy, now, true).unwrap();
    let expected: Vec<i64> = automatic[..4].iter().rev().map(|s| s.id).collect();
    assert_eq!(would, expected);
    assert_eq!(store.count().unwrap(), 8, "dry run changes nothing");
    assert_eq!(rows(&dir, "blobs"), blobs_before);

    let pruned = store.prune(&policy, now, false).unwrap();
    assert_eq!(pruned, expected);
    let left: Vec<_> = store
        .list(None)
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(left, [pinned.id, manual.id, automatic[4].id, protected.id]);
    // The four editor states only the pruned snapshots used are gone.
    assert_eq!(rows(&dir, "blobs"), 2);
    assert_eq!(
        store.last_good_state("tmux").unwrap().unwrap().snapshot,
        protected.id
    );
    assert!(store.prune(&policy, now, false).unwrap().is_empty());
    assert!(store.doctor().unwrap().ok);
}

#[test]
fn export_import_round_trip() {
    let (dir, store) = file_store();
    let mut sections = vec![
        section("tmux", Good, Some(envelope(3, "t"))),
        section("browser", Stale, Some(envelope(2, "b"))),
        section("editor", Unavailable, None),
    ];
    sections[1].state_captured_at = Some(at(-60));
    let original = store
        .save(chauffeur_store::NewSnapshot {
            name: Some("friday".into()),
            ..snapshot(Trigger::Manual, 0, sections)
        })
        .unwrap();
    let doc = store.export(original.id).unwrap();
    assert_eq!(doc.format, EXPORT_FORMAT);
    assert_eq!(doc.format_version, 1);
    // Through JSON, as a file would.
    let json = serde_json::to_string_pretty(&doc).unwrap();
    let parsed: chauffeur_store::ExportDocument = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, doc);

    let (_dir2, other) = file_store();
    let imported = other.import(parsed.clone()).unwrap();
    assert_eq!(imported.trigger, Trigger::Import);
    assert_eq!(imported.name, "friday");
    assert_eq!(imported.created_at, original.created_at);
    assert_eq!(imported.sections, original.sections);
    assert_eq!(
        other.states(imported.id).unwrap(),
        store.states(original.id).unwrap()
    );
    // Imports never become anyone's last good state.
    assert_eq!(other.last_good_state("tmux").unwrap(), None);

    // Into the same store: shares the blobs.
    let again = store.import(parsed.clone()).unwrap();
    assert_eq!(store.states(again.id).unwrap(), doc.states);
    assert_eq!(rows(&dir, "blobs"), 2);

    let mut wrong_format = parsed.clone();
    wrong_format.format = "something-else".into();
    let mut wrong_version = parsed.clone();
    wrong_version.format_version = 2;
    let mut missing_state = parsed.clone();
    missing_state.states.remove("tmux");
    let mut orphan_state = parsed.clone();
    orphan_state.states.insert("ghost".into(), envelope(1, "g"));
    let count = store.count().unwrap();
    for (doc, needle) in [
        (wrong_format, "format"),
        (wrong_version, "version 2"),
        (missing_state, "no state"),
        (orphan_state, "ghost"),
    ] {
        let err = store.import(doc).unwrap_err();
        assert!(
            matches!(&err, StoreError::BadInput(m) if m.contains(needle)),
            "{err}"
        );
    }
    assert_eq!(store.count().unwrap(), count);

    // Unknown fields are refused at parse time.
    let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
    value["surprise"] = serde_json::json!(1);
    assert!(serde_json::from_value::<chauffeur_store::ExportDocument>(value).is_err());
}

#[test]
fn doctor_finds_a_corrupted_blob_and_a_missing_one() {
    let (dir, store) = file_store();
    store
        .save(snapshot(
            Trigger::Manual,
            0,
            vec![
                section("tmux", Good, Some(envelope(3, "t"))),
                section("editor", Good, Some(envelope(3, "e"))),
            ],
        ))
        .unwrap();
    let clean = store.doctor().unwrap();
    assert!(clean.ok, "{:?}", clean.problems);
    assert_eq!((clean.snapshots, clean.blobs), (1, 2));

    let conn = rusqlite::Connection::open(dir.path().join("nested/dir/store.db")).unwrap();
    let hash: String = conn
        .query_row("SELECT hash FROM blobs ORDER BY hash LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let good_data: Vec<u8> = conn
        .query_row("SELECT data FROM blobs WHERE hash = ?1", [&hash], |r| {
            r.get(0)
        })
        .unwrap();
    conn.execute(
        "UPDATE blobs SET data = ?1 WHERE hash = ?2",
        rusqlite::params![b"definitely not zstd".to_vec(), hash],
    )
    .unwrap();
    let report = store.doctor().unwrap();
    assert!(!report.ok);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(report.problems[0].contains(&hash), "{:?}", report.problems);
    assert!(matches!(store.state(&hash), Err(StoreError::Corrupt(_))));

    // Valid zstd of different content: caught by the hash check.
    let other = zstd_of(br#"{"schema":1,"items":[]}"#);
    conn.execute(
        "UPDATE blobs SET data = ?1, size = 23 WHERE hash = ?2",
        rusqlite::params![other, hash],
    )
    .unwrap();
    let report = store.doctor().unwrap();
    assert!(
        report.problems.iter().any(|p| p.contains("hashes to")),
        "{:?}",
        report.problems
    );

    // A section pointing at a blob that is gone.
    conn.execute(
        "UPDATE blobs SET data = ?1, size = ?2 WHERE hash = ?3",
        rusqlite::params![good_data, 0, hash],
    )
    .unwrap();
    conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
    conn.execute("DELETE FROM blobs WHERE hash = ?1", [&hash])
        .unwrap();
    let report = store.doctor().unwrap();
    assert!(!report.ok);
    assert_eq!(report.blobs, 1);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("missing state") && p.contains(&hash)),
        "{:?}",
        report.problems
    );
}

fn zstd_of(bytes: &[u8]) -> Vec<u8> {
    // The test does not depend on zstd directly: a raw frame of stored blocks would do,
    // but going through the store keeps it honest.
    let (_dir, store) = file_store();
    let env: chauffeur_core::Envelope = serde_json::from_slice(bytes).unwrap();
    let s = store
        .save(snapshot(
            Trigger::Manual,
            0,
            vec![section("p", Good, Some(env))],
        ))
        .unwrap();
    let conn = rusqlite::Connection::open(_dir.path().join("nested/dir/store.db")).unwrap();
    conn.query_row(
        "SELECT data FROM blobs WHERE hash = ?1",
        [s.sections[0].state_hash.clone().unwrap()],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn data_survives_reopen_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("store.db");
    let saved = {
        let store = Store::open(&path).unwrap();
        store
            .save(snapshot(
                Trigger::Shutdown,
                0,
                vec![section("tmux", Good, Some(envelope(2, "r")))],
            ))
            .unwrap()
    };
    for _ in 0..3 {
        let store = Store::open(&path).unwrap();
        assert_eq!(store.get(saved.id).unwrap(), saved);
        assert_eq!(store.states(saved.id).unwrap()["tmux"], envelope(2, "r"));
        assert_eq!(
            store.last_good_state("tmux").unwrap().unwrap().snapshot,
            saved.id
        );
        assert!(store.doctor().unwrap().ok);
    }
    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, 1);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // A database from the future is refused rather than misread.
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    assert!(matches!(
        Store::open(&path),
        Err(StoreError::NewerSchema { found: 99, .. })
    ));
}

#[test]
fn in_memory_store_works_and_sizes() {
    let store = Store::open_in_memory().unwrap();
    let s = store
        .save(snapshot(
            Trigger::Manual,
            0,
            vec![section("tmux", Good, Some(envelope(2, "m")))],
        ))
        .unwrap();
    assert_eq!(store.get(s.id).unwrap(), s);
    assert!(store.size_bytes().unwrap() > 0);
    assert!(store.doctor().unwrap().ok);
    let (_dir, file) = file_store();
    assert!(file.size_bytes().unwrap() > 0);
}

#[test]
fn store_is_usable_from_many_threads() {
    let (_dir, store) = file_store();
    let store = std::sync::Arc::new(store);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    store
                        .save(snapshot(
                            Trigger::Schedule,
                            t * 100 + i,
                            vec![section(
                                "tmux",
                                Good,
                                Some(envelope(2, &format!("{t}-{i}"))),
                            )],
                        ))
                        .unwrap();
                    store.list(Some(5)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(store.count().unwrap(), 40);
    assert!(store.doctor().unwrap().ok);
}
