//! Round trip of a small `echo` call: builtin (linked in), in-process (dlopen), isolated
//! (a `chauffeur plugin-host` child).
//!
//! Needs the release artifacts first:
//! `cargo build --release -p chauffeur -p rust_inproc && cargo bench -p chauffeur-host --bench echo`

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chauffeur_core::{Hosting, Provider};
use chauffeur_host::{CrashMarkers, IsolatedProvider, IsolatedSpec, NativeProvider, NativeTable};
use chauffeur_plugin::abi::PluginVTable;
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;

fn release_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/release")
}

fn need(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --release -p chauffeur -p rust_inproc` first",
        path.display()
    );
    path
}

fn echo(c: &mut Criterion) {
    let args = json!(["hi"]);
    let deadline = Duration::from_secs(5);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    // Builtin: the same plugin linked into this binary, called through its ABI table.
    let builtin = PluginVTable {
        name: rust_inproc::plugin_name,
        call_json: rust_inproc::plugin_call_json,
        free: Some(rust_inproc::plugin_free),
        init: None,
        shutdown: None,
    };
    let builtin = NativeTable::new(&builtin).expect("builtin table");
    c.bench_function("echo/builtin/table", |b| {
        b.iter(|| builtin.call("echo", &args).expect("echo"))
    });

    let library = need(release_dir().join("librust_inproc.so"));
    let (_, table) = chauffeur_host::dylib::load(&library, "rust_inproc").expect("dlopen");
    c.bench_function("echo/inprocess/table", |b| {
        b.iter(|| table.call("echo", &args).expect("echo"))
    });

    // Where the provider path's time goes: the crash marker around the call, and the hop
    // to a blocking worker thread with nothing to do there.
    let state = tempfile::tempdir().expect("tmp");
    let markers = CrashMarkers::in_data_dir(state.path());
    let marker = markers.marker("breakdown").expect("marker");
    c.bench_function("echo/inprocess/table+marker", |b| {
        b.iter(|| {
            let _marked = marker.enter();
            table.call("echo", &args).expect("echo")
        })
    });
    c.bench_function("echo/hop/spawn_blocking", |b| {
        b.iter(|| {
            runtime
                .block_on(runtime.spawn_blocking(|| 0))
                .expect("joins")
        })
    });

    let (_, table) = chauffeur_host::dylib::load(&library, "rust_inproc").expect("dlopen");
    let marker = markers.marker("rust_inproc").expect("marker");
    let provider = NativeProvider::new(table, Hosting::Inprocess).with_crash_marker(marker);
    c.bench_function("echo/inprocess/provider", |b| {
        b.iter(|| {
            runtime
                .block_on(provider.call("echo", args.clone(), deadline))
                .expect("echo")
        })
    });

    let exe = need(release_dir().join("chauffeur"));
    let isolated = Arc::new(IsolatedProvider::new(IsolatedSpec::new(
        "rust_inproc",
        library,
        exe,
    )));
    runtime
        .block_on(isolated.call("echo", args.clone(), deadline))
        .expect("child starts");
    c.bench_function("echo/isolated/provider", |b| {
        b.iter(|| {
            runtime
                .block_on(isolated.call("echo", args.clone(), deadline))
                .expect("echo")
        })
    });
}

criterion_group!(benches, echo);
criterion_main!(benches);
