//! Store growth over 1,000 automatic snapshots where one of eight ~100 KB sections
//! changes each time: file growth (after a WAL checkpoint) against the compressed bytes
//! of the states that actually changed.
//!
//! `cargo bench -p chauffeur-store --bench growth`

#[path = "support/synth.rs"]
mod synth;

use std::time::Instant;

use chauffeur_store::Store;

const SNAPSHOTS: u64 = 1_000;

fn main() {
    breakdown();
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("growth.db");
    let store = Store::open(&path).expect("open");
    let raw = rusqlite::Connection::open(&path).expect("raw open");
    let measure = |raw: &rusqlite::Connection| -> (u64, u64) {
        raw.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .expect("checkpoint");
        let blob_bytes: i64 = raw
            .query_row(
                "SELECT COALESCE(SUM(length(data)), 0) FROM blobs",
                [],
                |r| r.get(0),
            )
            .expect("sum");
        let file = std::fs::metadata(&path).expect("metadata").len();
        (file, blob_bytes as u64)
    };

    let mut seeds: [u64; 8] = std::array::from_fn(|i| i as u64);
    store.save(synth::snapshot(seeds, 0)).expect("first save");
    let (file_before, blobs_before) = measure(&raw);

    let mut raw_changed = 0u64;
    let mut times = Vec::with_capacity(SNAPSHOTS as usize);
    for n in 1..=SNAPSHOTS {
        seeds[(n % 8) as usize] = 1_000_000 + n;
        let snapshot = synth::snapshot(seeds, n as i64);
        let changed = snapshot.sections[(n % 8) as usize]
            .state
            .as_ref()
            .map(|s| serde_json::to_vec(s).map(|v| v.len()).unwrap_or(0))
            .unwrap_or(0);
        raw_changed += changed as u64;
        let t = Instant::now();
        store.save(snapshot).expect("save");
        times.push(t.elapsed());
    }
    let (file_after, blobs_after) = measure(&raw);
    times.sort();

    let growth = file_after - file_before;
    let compressed_changed = blobs_after - blobs_before;
    println!("snapshots saved:                 {SNAPSHOTS} (1 of 8 ~100 KB sections changed each)");
    println!("raw JSON of changed states:      {raw_changed} bytes");
    println!("compressed changed states:       {compressed_changed} bytes");
    println!("database file growth:            {growth} bytes (after wal_checkpoint(TRUNCATE))");
    println!(
        "growth / compressed changed:     {:.3}",
        growth as f64 / compressed_changed as f64
    );
    println!(
        "overhead per snapshot:           {} bytes",
        (growth as i64 - compressed_changed as i64) / SNAPSHOTS as i64
    );
    println!(
        "save latency p50 / p90 / max:    {:?} / {:?} / {:?}",
        times[times.len() / 2],
        times[times.len() * 9 / 10],
        times[times.len() - 1]
    );
    println!(
        "store.size_bytes():              {}",
        store.size_bytes().expect("size")
    );
}

/// Where the time of one save goes, for the record.
fn breakdown() {
    let states: Vec<_> = (0..8).map(|i| synth::state(i, 100 * 1024)).collect();
    let t = Instant::now();
    let bytes: Vec<Vec<u8>> = states
        .iter()
        .map(|s| serde_json::to_vec(s).expect("json"))
        .collect();
    println!("serialize 8 states:              {:?}", t.elapsed());
    let t = Instant::now();
    for b in &bytes {
        std::hint::black_box(blake3::hash(b));
    }
    println!("blake3 8 states:                 {:?}", t.elapsed());
    let t = Instant::now();
    let c = zstd::bulk::compress(&bytes[0], 3).expect("zstd");
    println!(
        "zstd-3 one state:                {:?} ({} -> {} bytes)",
        t.elapsed(),
        bytes[0].len(),
        c.len()
    );
    let t = Instant::now();
    drop(states);
    println!("drop 8 states:                   {:?}", t.elapsed());
}
