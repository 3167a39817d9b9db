//! The cost of one capture fanned out to 8 in-process plugins (issue 3).
//!
//! `benches/capture_plugin.c` is compiled 8 times with the system C compiler (`$CC`, else
//! `cc`), each with its own `PLUGIN_NAME`, into a temp plugin directory with a
//! `manifest.json` each. They are loaded the way the daemon loads them ([`load_plugins`],
//! in-process mode: discovery, ownership checks, `dlopen`, crash markers) and registered
//! with [`Registry::add`]; each `capture` answers 20 items (about 3.5 KB of JSON).
//!
//! Measured, against an on-disk [`Store`] in a temp directory:
//! - `capture/none`, `capture/1_inprocess`, `capture/8_inprocess`: [`Engine::capture`]
//!   (fan-out, worker thread and deadline per plugin, crash-marker writes, envelope
//!   checks, saving the snapshot);
//! - `calls/1_inprocess`, `calls/8_inprocess`: only the `capture` calls, fanned out on a
//!   `JoinSet` as the engine does, without the store.
//!
//! `cargo bench -p chauffeur-host --bench capture8`

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use chauffeur_core::{CallOptions, Provider, Trigger};
use chauffeur_engine::{Engine, EngineSettings, Registry};
use chauffeur_host::{Kind, PluginSetup, load_plugins};
use chauffeur_store::Store;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use tempfile::TempDir;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

/// The deadline the daemon gives a capture by default.
const DEADLINE: Duration = Duration::from_secs(2);

/// A data directory with `count` compiled plugins, loaded and registered in an engine.
struct Fixture {
    /// Keeps the plugin directory, the store and the crash markers alive.
    _home: TempDir,
    engine: Arc<Engine>,
    providers: Vec<Arc<dyn Provider>>,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Compiles `capture_plugin.c` as `name` into `plugins/NAME/` with its manifest.
fn build_plugin(plugins: &Path, name: &str) {
    let dir = plugins.join(name);
    std::fs::create_dir_all(&dir).expect("plugin dir");
    let library = dir.join(format!("lib{name}.so"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_owned());
    let status = Command::new(&cc)
        .args(["-shared", "-fPIC", "-O2", "-fvisibility=hidden"])
        .args(["-Wall", "-Wextra", "-Werror"])
        .arg(format!("-DPLUGIN_NAME=\"{name}\""))
        .arg("-I")
        .arg(repo_root().join("include"))
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/capture_plugin.c"))
        .arg("-o")
        .arg(&library)
        .status()
        .unwrap_or_else(|e| panic!("cannot run the C compiler {cc:?} (set CC): {e}"));
    assert!(status.success(), "{cc} failed to build {name}");
    let manifest = json!({
        "name": name,
        "version": "0.1.0",
        "entry": name,
        "kind": "inprocess",
        "description": "capture8 bench plugin: 20 items",
    });
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).expect("manifest");
    // Discovery refuses anything the group or others may write, whatever the umask.
    for (path, mode) in [(&dir, 0o700), (&library, 0o755)] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    std::fs::set_permissions(
        dir.join("manifest.json"),
        std::fs::Permissions::from_mode(0o644),
    )
    .expect("chmod");
}

/// Builds `count` plugins named `bench_1`.. and an engine with exactly those providers.
fn fixture(runtime: &Runtime, count: usize) -> Fixture {
    let home = tempfile::tempdir().expect("tmp");
    let plugins = home.path().join("plugins");
    let names: Vec<String> = (1..=count).map(|i| format!("bench_{i}")).collect();
    for name in &names {
        build_plugin(&plugins, name);
    }
    let setup = PluginSetup {
        dirs: vec![plugins],
        modes: names
            .iter()
            .map(|name| (name.clone(), Kind::Inprocess))
            .collect::<BTreeMap<_, _>>(),
        exe: PathBuf::from("chauffeur"),
        data_dir: home.path().to_path_buf(),
        on_state_changed: None,
    };
    let report = load_plugins(&setup);
    assert!(
        report.problems.is_empty(),
        "plugins refused: {:?}",
        report.problems
    );
    assert_eq!(report.plugins.len(), count);
    let registry = Registry::new();
    let mut providers = Vec::new();
    for plugin in report.plugins {
        assert_eq!(plugin.mode, Kind::Inprocess);
        providers.push(Arc::clone(&plugin.provider));
        runtime
            .block_on(registry.add(plugin.provider))
            .expect("register");
    }
    let store = Store::open(&home.path().join("chauffeur.db")).expect("store");
    let engine = Engine::new(Arc::new(store), registry, EngineSettings::default());
    // One capture up front: every section must be a live 20-item answer.
    let summary = runtime
        .block_on(engine.capture(Trigger::Manual, None))
        .expect("capture");
    assert_eq!(summary.sections.len(), count);
    assert!(
        summary
            .sections
            .iter()
            .all(|s| s.status == chauffeur_core::SectionStatus::Ok && s.item_count == 20),
        "a plugin did not capture: {:?}",
        summary.sections
    );
    Fixture {
        _home: home,
        engine,
        providers,
    }
}

/// Calls `capture` on every provider at once and waits for all of them.
async fn fan_out(providers: &[Arc<dyn Provider>]) {
    let mut calls = JoinSet::new();
    for provider in providers {
        let provider = Arc::clone(provider);
        calls.spawn(async move {
            let args = json!([CallOptions::default()]);
            provider.call("capture", args, DEADLINE).await
        });
    }
    while let Some(answer) = calls.join_next().await {
        answer.expect("join").expect("capture");
    }
}

fn capture8(c: &mut Criterion) {
    // A multi-threaded runtime with one worker per core, as the daemon builds it.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for count in [0, 1, 8] {
        let fixture = fixture(&runtime, count);
        let label = match count {
            0 => "none".to_owned(),
            n => format!("{n}_inprocess"),
        };
        c.bench_function(&format!("capture/{label}"), |b| {
            b.iter(|| {
                runtime
                    .block_on(fixture.engine.capture(Trigger::Manual, None))
                    .expect("capture")
            })
        });
        if count > 0 {
            c.bench_function(&format!("calls/{label}"), |b| {
                b.iter(|| runtime.block_on(fan_out(&fixture.providers)))
            });
        }
    }
}

criterion_group!(benches, capture8);
criterion_main!(benches);
