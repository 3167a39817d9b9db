//! A stream of saves, the daemon killed with SIGKILL in the middle: every snapshot that was
//! acknowledged is there and intact after a restart, and `doctor` is clean.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Daemon, raw};

#[test]
fn acknowledged_snapshots_survive_sigkill() {
    let daemon = Daemon::start(
        "[capture]\nauto_snapshot_minutes = 0\n[daemon]\nshutdown_snapshot = false\n",
    );
    let acknowledged = Arc::new(Mutex::new(Vec::<i64>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (acknowledged, stop) = (Arc::clone(&acknowledged), Arc::clone(&stop));
            let (port, token) = (daemon.port, daemon.token.clone());
            std::thread::spawn(move || {
                let headers = vec![
                    ("Host".to_string(), format!("127.0.0.1:{port}")),
                    ("Authorization".to_string(), format!("Bearer {token}")),
                    ("Content-Type".to_string(), "application/json".to_string()),
                ];
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let body = format!("{{\"name\":\"writer {w} save {n}\"}}");
                    let answer = std::panic::catch_unwind(|| {
                        raw(
                            port,
                            "POST",
                            "/v1/snapshots",
                            &headers,
                            Some(body.as_bytes()),
                        )
                    });
                    match answer {
                        Ok((201, v)) => acknowledged
                            .lock()
                            .expect("lock")
                            .push(v["id"].as_i64().expect("id")),
                        _ => break,
                    }
                }
            })
        })
        .collect();

    std::thread::sleep(Duration::from_millis(1500));
    let daemon = daemon.restart_after_kill();
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        let _ = w.join();
    }

    let acknowledged = acknowledged.lock().expect("lock").clone();
    assert!(
        acknowledged.len() > 5,
        "the stream saved something ({})",
        acknowledged.len()
    );
    let list = daemon.json(&["list", "--all"]);
    let stored: Vec<i64> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["id"].as_i64().expect("id"))
        .collect();
    for id in &acknowledged {
        assert!(stored.contains(id), "acknowledged snapshot {id} is missing");
        let shown = daemon.json(&["show", &id.to_string()]);
        assert!(
            shown["name"]
                .as_str()
                .is_some_and(|n| n.starts_with("writer"))
        );
        assert!(
            shown["states"]["apps"]["items"].is_array(),
            "state intact for {id}"
        );
    }
    let doctor = daemon.json(&["doctor"]);
    assert_eq!(doctor["ok"], true, "{doctor}");
}
