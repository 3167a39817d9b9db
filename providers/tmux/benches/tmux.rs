//! Capture and restore of 10 sessions × 5 windows × 4 panes on a private tmux server
//! (`-S <tempdir>/sock`, killed at the end). Targets: capture ≤ 30 ms, restore ≤ 1.5 s.
//!
//! `cargo bench -p chauffeur-provider-tmux --bench tmux`

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::process::Command;
use std::time::Duration;

use chauffeur_core::CallOptions;
use chauffeur_plugin::Plugin;
use chauffeur_provider_tmux::TmuxProvider;
use criterion::{BatchSize, Criterion, criterion_group};
use serde_json::json;

const SESSIONS: usize = 10;
const WINDOWS: usize = 5;
const PANES: usize = 4;

struct Private {
    _dir: tempfile::TempDir,
    socket: String,
}

impl Private {
    fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("chtmuxbench")
            .tempdir()
            .expect("tempdir");
        let socket = dir.path().join("sock").to_string_lossy().into_owned();
        Private { _dir: dir, socket }
    }

    fn tmux(&self, args: &[String]) -> bool {
        Command::new("tmux")
            .args(["-f", "/dev/null", "-S", &self.socket])
            .args(args)
            .env_remove("TMUX")
            .env("SHELL", "/bin/sh")
            .output()
            .is_ok_and(|o| o.status.success())
    }

    fn build(&self) {
        for s in 0..SESSIONS {
            let mut args: Vec<String> = Vec::new();
            let name = format!("bench {s}");
            let mut push = |words: &[&str]| {
                if !args.is_empty() {
                    args.push(";".into());
                }
                args.extend(words.iter().map(|w| (*w).to_owned()));
            };
            push(&["new-session", "-d", "-s", &name, "-x", "200", "-y", "50"]);
            for w in 0..WINDOWS {
                let target = format!("={name}:{w}");
                if w > 0 {
                    push(&["new-window", "-t", &target, "-c", "/tmp"]);
                }
                for _ in 1..PANES {
                    push(&["split-window", "-t", &target, "-c", "/"]);
                    push(&["select-layout", "-t", &target, "tiled"]);
                }
            }
            assert!(self.tmux(&args), "building session {s}");
        }
    }

    fn kill(&self) {
        let _ = self.tmux(&["kill-server".to_owned()]);
        while self.tmux(&["list-sessions".to_owned()]) {
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Private {
    fn drop(&mut self) {
        self.kill();
    }
}

fn bench(c: &mut Criterion) {
    let server = Private::new();
    server.build();
    let options = CallOptions {
        settings: json!({"servers": [server.socket]}),
        ..CallOptions::default()
    };
    let state = TmuxProvider.capture(options.clone()).expect("capture");
    assert_eq!(
        state.items.len(),
        SESSIONS * (1 + WINDOWS * (1 + PANES)),
        "the benchmark server is complete"
    );

    let mut group = c.benchmark_group("tmux");
    group.sample_size(20);
    group.bench_function("capture 10x5x4", |b| {
        b.iter(|| TmuxProvider.capture(options.clone()).expect("capture"))
    });
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.bench_function("restore 10x5x4 (no server running)", |b| {
        b.iter_batched(
            || {
                server.kill();
                state.clone()
            },
            |state| {
                let report = TmuxProvider
                    .restore(state, options.clone())
                    .expect("restore");
                assert!(
                    report
                        .results
                        .iter()
                        .all(|r| r.outcome == chauffeur_core::Outcome::Restored)
                );
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);

fn main() {
    // Panes run /bin/sh so the figures measure tmux and the provider, not the user's shell
    // startup files (a login bash sourcing pyenv took seconds per pane on a loaded host).
    // SAFETY: set before any thread is started.
    unsafe { std::env::set_var("SHELL", "/bin/sh") };
    benches();
    Criterion::default().configure_from_args().final_summary();
}
