//! Save and list latency of the store (a real SQLite file in a temp dir).
//!
//! `cargo bench -p chauffeur-store --bench store`

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

#[path = "support/synth.rs"]
mod synth;

use std::time::Duration;

use chauffeur_store::Store;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

fn save(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("bench.db")).expect("open");
    let mut n = 0u64;
    let mut group = c.benchmark_group("save 8 sections x 100 KB");
    group.measurement_time(Duration::from_secs(8));
    // Every state new: 8 serializations, hashes and compressions, ~8 blobs written.
    group.bench_function("all 8 states changed", |b| {
        b.iter_batched(
            || {
                n += 1;
                let base = n * 8 + 1_000_000;
                synth::snapshot(std::array::from_fn(|i| base + i as u64), n as i64)
            },
            |s| store.save(s).expect("save"),
            BatchSize::SmallInput,
        )
    });
    // The common automatic case: one provider's state changed.
    group.bench_function("1 of 8 states changed", |b| {
        b.iter_batched(
            || {
                n += 1;
                let mut seeds: [u64; 8] = std::array::from_fn(|i| i as u64);
                seeds[(n % 8) as usize] = 2_000_000 + n;
                synth::snapshot(seeds, n as i64)
            },
            |s| store.save(s).expect("save"),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

/// A store of 10,000 snapshots x 8 sections. The first snapshot goes through
/// `Store::save`; the rest copy its section rows with raw SQL in one transaction (10,000
/// fsynced saves would only slow the setup; listing reads the same rows either way).
fn big_store(dir: &std::path::Path) -> Store {
    let path = dir.join("list.db");
    let store = Store::open(&path).expect("open");
    let first = store
        .save(synth::snapshot([1, 2, 3, 4, 5, 6, 7, 8], 0))
        .expect("save");
    let mut conn = rusqlite::Connection::open(&path).expect("raw open");
    let tx = conn.transaction().expect("tx");
    {
        let mut snap = tx
            .prepare(
                "INSERT INTO snapshots (name, created_at, trigger, pinned) \
                 SELECT 'schedule ' || ?1, created_at + ?1 * 60000000000, trigger, 0 \
                 FROM snapshots WHERE id = ?2",
            )
            .expect("prepare");
        let mut sec = tx
            .prepare(
                "INSERT INTO sections SELECT ?1, provider, provider_version, status, \
                 captured_at + ?2 * 60000000000, error, state_hash, state_captured_at, item_count \
                 FROM sections WHERE snapshot_id = ?3",
            )
            .expect("prepare");
        for i in 1..10_000i64 {
            snap.execute(rusqlite::params![i, first.id])
                .expect("insert");
            let id = tx.last_insert_rowid();
            sec.execute(rusqlite::params![id, i, first.id])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
    drop(conn);
    assert_eq!(store.count().expect("count"), 10_000);
    store
}

fn list(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = big_store(dir.path());
    let mut group = c.benchmark_group("list of 10,000 snapshots x 8 sections");
    group.bench_function("list(Some(50))", |b| {
        b.iter(|| assert_eq!(store.list(Some(50)).expect("list").len(), 50))
    });
    group.bench_function("list(None)", |b| {
        b.iter(|| assert_eq!(store.list(None).expect("list").len(), 10_000))
    });
    // The same call with the 10,000 summaries (250k strings) freed outside the timing.
    group.bench_function("list(None), result dropped untimed", |b| {
        b.iter_with_large_drop(|| store.list(None).expect("list"))
    });
    group.bench_function("latest()", |b| {
        b.iter(|| store.latest().expect("latest").expect("some"))
    });
    group.finish();
}

criterion_group!(benches, save, list);
criterion_main!(benches);
