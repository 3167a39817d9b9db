//! The add-in protocol under load, against a release daemon on loopback:
//! heartbeats per second over keep-alive connections, the latency of a 10 KB push, and the
//! daemon's CPU with 200 idle add-ins heartbeating every 2 s.
//!
//! `cargo bench -p chauffeur --bench addins` (`IDLE_SECS` shortens the 30 s CPU window).

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Daemon, KeepAlive};
use serde_json::{Value, json};

const ADDINS: usize = 200;
const CLIENTS: usize = 4;

fn main() {
    let daemon = Arc::new(Daemon::start(
        "[capture]\nauto_snapshot_minutes = 0\n[addins]\nheartbeat_interval_ms = 2000\n\
         [providers.apps]\nenabled = false\n[providers.tmux]\nenabled = false\n",
    ));
    let pid = daemon.child.as_ref().expect("daemon").id();
    let mut http = KeepAlive::connect(daemon.port);
    let addins: Vec<(String, String)> = (0..ADDINS)
        .map(|n| {
            let id = format!("bench-{n:03}");
            let body =
                json!({"id": id, "type": "push", "name": id, "version": "1", "protocols": [1]});
            let (status, answer) = http.send(
                "POST",
                "/register",
                &daemon.token,
                body.to_string().as_bytes(),
            );
            assert_eq!(status, 201);
            let reply: Value = serde_json::from_slice(&answer).expect("json");
            (id, reply["token"].as_str().expect("token").to_owned())
        })
        .collect();
    let addins = Arc::new(addins);

    heartbeat_throughput(&daemon, &addins);
    push_latency(&daemon, &addins[0]);
    idle_cpu(&daemon, &addins, pid);
}

fn heartbeat_throughput(daemon: &Arc<Daemon>, addins: &Arc<Vec<(String, String)>>) {
    let window = Duration::from_secs(5);
    let count = Arc::new(AtomicU64::new(0));
    let workers: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (daemon, addins, count) =
                (Arc::clone(daemon), Arc::clone(addins), Arc::clone(&count));
            std::thread::spawn(move || {
                let mut http = KeepAlive::connect(daemon.port);
                let started = Instant::now();
                let mut n = c;
                while started.elapsed() < window {
                    let (id, token) = &addins[n % addins.len()];
                    let (status, _) = http.send("POST", &format!("/plugin/alive/{id}"), token, b"");
                    assert_eq!(status, 204);
                    count.fetch_add(1, Ordering::Relaxed);
                    n += CLIENTS;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("client");
    }
    let per_second = count.load(Ordering::Relaxed) as f64 / window.as_secs_f64();
    println!("heartbeats: {per_second:.0}/s ({CLIENTS} keep-alive clients, {ADDINS} add-ins)");
}

fn push_latency(daemon: &Daemon, (id, token): &(String, String)) {
    let items: Vec<Value> = (0..40)
        .map(|i| json!({"key": format!("doc-{i}"), "kind": "document", "title": format!("Document {i}"),
            "data": {"path": format!("/home/me/projects/chauffeur/docs/document-{i:04}.md"), "pad": "x".repeat(160)}}))
        .collect();
    let mut http = KeepAlive::connect(daemon.port);
    let mut times = Vec::new();
    for seq in 1..=2000u64 {
        let body = json!({"seq": seq, "state": {"schema": 1, "items": items}}).to_string();
        if seq == 1 {
            println!("push body: {} bytes", body.len());
        }
        let started = Instant::now();
        let (status, _) = http.send(
            "PUT",
            &format!("/v1/addins/{id}/state"),
            token,
            body.as_bytes(),
        );
        times.push(started.elapsed());
        assert_eq!(status, 204);
    }
    times.sort();
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q) as usize];
    println!(
        "push of 10 KB: p50 {:?}, p99 {:?} (2000 pushes, one keep-alive client)",
        at(0.5),
        at(0.99)
    );
}

fn idle_cpu(daemon: &Arc<Daemon>, addins: &Arc<Vec<(String, String)>>, pid: u32) {
    let window = Duration::from_secs(
        std::env::var("IDLE_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let beaters: Vec<_> = addins
        .chunks(ADDINS / CLIENTS)
        .map(|chunk| {
            let (daemon, chunk, stop) = (Arc::clone(daemon), chunk.to_vec(), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut connections: Vec<KeepAlive> = chunk
                    .iter()
                    .map(|_| KeepAlive::connect(daemon.port))
                    .collect();
                while !stop.load(Ordering::Relaxed) {
                    let round = Instant::now();
                    for ((id, token), http) in chunk.iter().zip(connections.iter_mut()) {
                        let (status, _) =
                            http.send("POST", &format!("/plugin/alive/{id}"), token, b"");
                        assert_eq!(status, 204);
                    }
                    std::thread::sleep(Duration::from_secs(2).saturating_sub(round.elapsed()));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(3));
    let before = cpu_ticks(pid);
    std::thread::sleep(window);
    let after = cpu_ticks(pid);
    stop.store(true, Ordering::Relaxed);
    for b in beaters {
        b.join().expect("beater");
    }
    let hz = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    let busy = (after - before) as f64 / hz;
    println!(
        "daemon CPU with {ADDINS} add-ins beating every 2 s: {:.2} % of one core over {} s",
        busy / window.as_secs_f64() * 100.0,
        window.as_secs()
    );
    let (_, list) = daemon.request("GET", "/v1/addins", None);
    let alive = list
        .as_array()
        .map_or(0, |l| l.iter().filter(|a| a["liveness"] == "alive").count());
    println!("alive at the end: {alive}/{ADDINS}");
}

fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, r)| r)
        .split_whitespace()
        .collect();
    let num = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    num(11) + num(12)
}
