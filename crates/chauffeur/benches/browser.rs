//! Browser benchmarks for docs/performance.md (`cargo bench -p chauffeur --bench browser`):
//! a lazy restore of 200 tabs in 4 windows (time until every tab exists, browser memory
//! after), and with 500 tabs open the time from a tab change to the new state in the daemon.

#[path = "../tests/browser_support/mod.rs"]
mod browser_support;
#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use browser_support::{ADDIN, Driver, addin, items, save, settled};
use common::{Daemon, wait_for};
use serde_json::json;

const CONFIG: &str = "[capture]\nauto_snapshot_minutes = 0\n[daemon]\nshutdown_snapshot = false\n";

fn main() {
    let daemon = Daemon::start(CONFIG);
    let mut driver = Driver::start(&daemon);
    let profiles = tempfile::tempdir().expect("profiles");

    driver.launch(&daemon, &profiles.path().join("source"));
    settled(&daemon);
    driver.call(json!({"cmd": "populate", "windows": 4, "tabs": 50}));
    settled(&daemon);
    let (snapshot, _, state) = save(&daemon);
    assert_eq!(items(&state, "tab").len(), 200);
    driver.call(json!({"cmd": "close"}));

    driver.launch(&daemon, &profiles.path().join("target"));
    settled(&daemon);
    let before = driver.call(json!({"cmd": "memory"}))["kib"]
        .as_u64()
        .unwrap_or(0);
    let started = Instant::now();
    daemon.json(&["restore", &snapshot.to_string(), "--only", ADDIN]);
    let restore = started.elapsed();
    let live = driver.call(json!({"cmd": "live"}));
    let tabs: usize = live["windows"].as_array().map_or(0, |w| {
        w.iter()
            .map(|w| w["tabs"].as_array().map_or(0, Vec::len))
            .sum()
    });
    assert!(tabs >= 200, "{tabs} tabs");
    std::thread::sleep(Duration::from_secs(3));
    let after = driver.call(json!({"cmd": "memory"}))["kib"]
        .as_u64()
        .unwrap_or(0);
    println!(
        "BENCH restore 200 tabs in 4 windows: {restore:?}; browser PSS {} MiB before, {} MiB after",
        before / 1024,
        after / 1024
    );

    driver.call(json!({"cmd": "populate", "windows": 4, "tabs": 75}));
    settled(&daemon);
    let mut samples = Vec::new();
    for _ in 0..10 {
        let seq = addin(&daemon).and_then(|a| a["seq"].as_u64()).unwrap_or(0);
        let started = Instant::now();
        driver.call(json!({"cmd": "touch"}));
        wait_for(Duration::from_secs(30), || {
            addin(&daemon).filter(|a| a["seq"].as_u64() > Some(seq))
        })
        .expect("the change is pushed");
        samples.push(started.elapsed());
        std::thread::sleep(Duration::from_millis(800));
    }
    samples.sort();
    let (_, _, state) = save(&daemon);
    println!(
        "BENCH push with {} tabs open: change -> new state in the daemon p50 {:?}, max {:?} (debounce 400 ms included)",
        items(&state, "tab").len(),
        samples[samples.len() / 2],
        samples[samples.len() - 1]
    );
}
