//! 200 add-ins registered at once and heartbeating: all alive, no errors.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Daemon, KeepAlive};
use serde_json::{Value, json};

const ADDINS: usize = 200;
const THREADS: usize = 8;

#[test]
fn two_hundred_addins_heartbeating_are_all_alive() {
    let daemon = Arc::new(Daemon::start(
        "[capture]\nauto_snapshot_minutes = 0\n[addins]\nheartbeat_interval_ms = 300\n\
         [providers.apps]\nenabled = false\n[providers.tmux]\nenabled = false\n",
    ));
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let daemon = Arc::clone(&daemon);
            std::thread::spawn(move || {
                let mut http = KeepAlive::connect(daemon.port);
                let mine: Vec<(String, String)> = (t..ADDINS)
                    .step_by(THREADS)
                    .map(|n| {
                        let id = format!("addin-{n:03}");
                        let body = json!({"id": id, "type": "push", "name": id, "version": "1",
                            "protocols": [1], "capabilities": ["capture"]});
                        let (status, answer) = http.send(
                            "POST",
                            "/register",
                            &daemon.token,
                            body.to_string().as_bytes(),
                        );
                        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
                        let reply: Value = serde_json::from_slice(&answer).expect("json");
                        (id, reply["token"].as_str().expect("token").to_owned())
                    })
                    .collect();
                let until = Instant::now() + Duration::from_secs(2);
                let mut beats = 0;
                while Instant::now() < until {
                    for (id, token) in &mine {
                        let (status, answer) =
                            http.send("POST", &format!("/plugin/alive/{id}"), token, b"");
                        assert_eq!(status, 204, "{}", String::from_utf8_lossy(&answer));
                        beats += 1;
                    }
                    std::thread::sleep(Duration::from_millis(150));
                }
                beats
            })
        })
        .collect();
    let beats: usize = workers.into_iter().map(|w| w.join().expect("worker")).sum();
    assert!(beats >= ADDINS * 5, "only {beats} heartbeats");

    let (status, addins) = daemon.request("GET", "/v1/addins", None);
    assert_eq!(status, 200);
    let addins = addins.as_array().expect("list");
    assert_eq!(addins.len(), ADDINS);
    let not_alive: Vec<&Value> = addins.iter().filter(|a| a["liveness"] != "alive").collect();
    assert!(not_alive.is_empty(), "not alive: {not_alive:?}");
    let (_, providers) = daemon.request("GET", "/v1/providers", None);
    let registered = providers
        .as_array()
        .expect("providers")
        .iter()
        .filter(|p| p["hosting"] == "addin" && p["health"]["state"] == "ok")
        .count();
    assert_eq!(registered, ADDINS);
}
