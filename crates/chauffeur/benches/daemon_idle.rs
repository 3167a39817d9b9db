//! The daemon at rest: resident memory and CPU over an idle period, and how often it wakes.
//!
//! `cargo bench -p chauffeur --bench daemon_idle` (set `IDLE_SECS` to shorten the 60 s
//! window). Starts the release daemon in a temp `CHAUFFEUR_HOME` with the default config
//! (auto-snapshots every 15 minutes), takes one snapshot so the store is open and warm,
//! then reads /proc before and after the window.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::Duration;

fn main() {
    let idle = Duration::from_secs(
        std::env::var("IDLE_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60),
    );
    // An empty config.toml: every default, auto-snapshots every 15 minutes included.
    let mut daemon = common::Daemon::start("");
    let pid = daemon.child.as_ref().expect("daemon runs").id();
    let saved = daemon.cli(&["save"]);
    assert!(saved.status.success(), "save failed");
    std::thread::sleep(Duration::from_secs(1));

    let before = sample(pid);
    std::thread::sleep(idle);
    let after = sample(pid);
    daemon.stop(nix::sys::signal::Signal::SIGKILL);

    let ticks = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .unwrap_or(100) as f64;
    let cpu_ms = (after.cpu_ticks - before.cpu_ticks) as f64 * 1000.0 / ticks;
    println!("idle window:            {} s", idle.as_secs());
    println!(
        "resident memory (VmRSS): {:.1} MB",
        after.rss_kb as f64 / 1024.0
    );
    println!(
        "peak resident (VmHWM):  {:.1} MB",
        after.hwm_kb as f64 / 1024.0
    );
    println!(
        "CPU time in window:     {cpu_ms:.0} ms ({:.3} %)",
        cpu_ms / idle.as_millis() as f64 * 100.0
    );
    let wakeups: u64 = after
        .switches
        .iter()
        .filter_map(|(tid, n)| Some(n.saturating_sub(*before.switches.get(tid)?)))
        .sum();
    println!("threads:                {}", after.switches.len());
    println!("context switches:       {wakeups} (threads alive throughout the window)");
}

struct Sample {
    rss_kb: u64,
    hwm_kb: u64,
    cpu_ticks: u64,
    switches: std::collections::HashMap<String, u64>,
}

fn sample(pid: u32) -> Sample {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0)
    };
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, r)| r)
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let num = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    // Counting from after the command name, utime and stime (fields 14 and 15) are 11 and 12.
    let mut switches = std::collections::HashMap::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let Ok(s) = std::fs::read_to_string(task.path().join("status")) else {
                continue;
            };
            let count: u64 = s
                .lines()
                .filter_map(|line| {
                    line.strip_prefix("voluntary_ctxt_switches:")
                        .or_else(|| line.strip_prefix("nonvoluntary_ctxt_switches:"))
                })
                .filter_map(|v| v.trim().parse::<u64>().ok())
                .sum();
            switches.insert(task.file_name().to_string_lossy().into_owned(), count);
        }
    }
    Sample {
        rss_kb: field("VmRSS:"),
        hwm_kb: field("VmHWM:"),
        cpu_ticks: num(11) + num(12),
        switches,
    }
}
