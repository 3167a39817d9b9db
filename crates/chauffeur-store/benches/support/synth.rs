//! Synthetic provider states for the store benches: ~100 KB of JSON per state, with the
//! mix of repeated words, paths and random ids that real terminal/editor/browser states
//! have (zstd gets ~3-4x on it, not the 50x of a repeated string).

#![allow(dead_code)]

use chauffeur_core::{Envelope, Item, SectionStatus, Trigger};
use chauffeur_store::{NewSection, NewSnapshot};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// The provider ids of the benches' eight sections.
pub const PROVIDERS: [&str; 8] = [
    "tmux",
    "browser",
    "editor",
    "windows",
    "terminal",
    "documents",
    "projects",
    "apps",
];

/// A small deterministic PRNG (xorshift64*).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn word(&mut self) -> &'static str {
        const WORDS: [&str; 32] = [
            "src", "main", "lib", "test", "docs", "build", "target", "home", "work", "notes",
            "report", "draft", "final", "api", "server", "client", "config", "data", "cache",
            "index", "issue", "review", "cargo", "python", "node", "vim", "git", "log", "deploy",
            "backup", "music", "photos",
        ];
        WORDS[(self.next() % 32) as usize]
    }
}

/// One state of about `target_bytes` of JSON.
pub fn state(seed: u64, target_bytes: usize) -> Envelope {
    let mut rng = Rng::new(seed);
    let mut items = Vec::new();
    let mut size = 0;
    while size < target_bytes {
        let i = items.len();
        let path = format!(
            "/home/me/{}/{}/{}-{:x}.rs",
            rng.word(),
            rng.word(),
            rng.word(),
            rng.next() % 4096
        );
        let history: Vec<String> = (0..6)
            .map(|_| {
                format!(
                    "{} {} --{} {:x}",
                    rng.word(),
                    rng.word(),
                    rng.word(),
                    rng.next()
                )
            })
            .collect();
        let item = Item {
            key: format!("item-{i}-{:x}", rng.next() % 65536),
            kind: "pane".into(),
            title: format!("{} — {} {}", rng.word(), rng.word(), i),
            parent: (i > 0).then(|| "item-0".to_owned()),
            data: json!({
                "cwd": path,
                "pid": rng.next() % 100_000,
                "command": format!("{} {}", rng.word(), rng.word()),
                "history": history,
                "geometry": [rng.next() % 1920, rng.next() % 1080, 800, 600],
                "id": format!("{:016x}{:016x}", rng.next(), rng.next()),
            }),
        };
        size += serde_json::to_vec(&item).map(|v| v.len()).unwrap_or(0) + 1;
        items.push(item);
    }
    Envelope { schema: 1, items }
}

/// A section of provider `p` with the given state.
pub fn section(p: &str, state: Envelope, at: DateTime<Utc>) -> NewSection {
    NewSection {
        provider: p.to_owned(),
        provider_version: "1.0.0".into(),
        status: SectionStatus::Ok,
        captured_at: at,
        error: None,
        state: Some(state),
        state_captured_at: None,
    }
}

/// An automatic snapshot of eight sections whose states come from `seeds`.
pub fn snapshot(seeds: [u64; 8], n: i64) -> NewSnapshot {
    let at = base_time() + Duration::seconds(n * 60);
    NewSnapshot {
        name: None,
        trigger: Trigger::Schedule,
        created_at: at,
        sections: PROVIDERS
            .iter()
            .zip(seeds)
            .map(|(p, seed)| section(p, state(seed, 100 * 1024), at))
            .collect(),
    }
}

/// A fixed start time.
pub fn base_time() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
}
