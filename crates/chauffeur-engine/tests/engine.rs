//! The engine against a real SQLite store file and scripted providers: captures that
//! always finish, last good states that survive, auto-snapshots that skip, restores that
//! save first and select precisely.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chauffeur_core::{BoxFuture, Hosting, Provider, ProviderError, SectionStatus, Trigger};
use chauffeur_engine::{Engine, EngineError, EngineSettings, Registry};
use chauffeur_store::Store;
use serde_json::{Value, json};

/// How a scripted provider answers `capture`.
#[derive(Clone)]
enum Behaviour {
    /// Answers this state.
    State(Value),
    /// Never answers.
    Hang,
    /// Answers `{"error": ...}`.
    Fail,
    /// Answers the unavailable error code.
    Unavailable,
}

/// A provider whose answers the test sets, and which records what it was asked.
struct Scripted {
    id: &'static str,
    behaviour: Mutex<Behaviour>,
    calls: Mutex<Vec<(String, Value)>>,
}

impl Scripted {
    fn new(id: &'static str, behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Scripted {
            id,
            behaviour: Mutex::new(behaviour),
            calls: Mutex::new(Vec::new()),
        })
    }

    fn set(&self, behaviour: Behaviour) {
        *self.behaviour.lock().expect("lock") = behaviour;
    }

    fn calls_of(&self, func: &str) -> Vec<Value> {
        let calls = self.calls.lock().expect("lock");
        calls
            .iter()
            .filter(|(f, _)| f == func)
            .map(|(_, a)| a.clone())
            .collect()
    }
}

impl Provider for Scripted {
    fn id(&self) -> &str {
        self.id
    }

    fn hosting(&self) -> Hosting {
        Hosting::Builtin
    }

    fn call<'a>(
        &'a self,
        func: &'a str,
        args: Value,
        _deadline: Duration,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            self.calls
                .lock()
                .expect("lock")
                .push((func.to_owned(), args.clone()));
            match func {
                "describe" => Ok(json!({"name": self.id, "version": "1.0", "schema": 1,
                    "capabilities": ["capture", "plan", "restore"]})),
                "capture" => {
                    let behaviour = self.behaviour.lock().expect("lock").clone();
                    match behaviour {
                        Behaviour::State(v) => Ok(v),
                        Behaviour::Hang => std::future::pending().await,
                        Behaviour::Fail => Ok(json!({"error": "the app crashed"})),
                        Behaviour::Unavailable => {
                            Ok(json!({"error": "no server", "code": "unavailable"}))
                        }
                    }
                }
                "plan" => {
                    let keys = items_of(&args[0]);
                    Ok(
                        json!({"actions": keys.iter().map(|k| json!({"key": k, "action": "open", "detail": ""})).collect::<Vec<_>>()}),
                    )
                }
                "restore" if matches!(*self.behaviour.lock().expect("lock"), Behaviour::Hang) => {
                    std::future::pending().await
                }
                "restore" => {
                    let only: Vec<String> =
                        serde_json::from_value(args[1]["only"].clone()).unwrap_or_default();
                    let keys = items_of(&args[0]);
                    let results: Vec<Value> = keys
                        .iter()
                        .filter(|k| only.is_empty() || only.contains(k))
                        .map(|k| json!({"key": k, "outcome": "restored", "message": ""}))
                        .collect();
                    Ok(json!({"results": results}))
                }
                _ => Ok(json!({"error": "unknown function"})),
            }
        })
    }
}

fn items_of(state: &Value) -> Vec<String> {
    state["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["key"].as_str().map(str::to_owned))
        .collect()
}

fn state(keys: &[&str]) -> Value {
    json!({"schema": 1, "items": keys.iter().map(|k| json!({"key": k, "kind": "thing", "title": k, "data": {"k": k}})).collect::<Vec<_>>()})
}

struct Fixture {
    _dir: tempfile::TempDir,
    engine: Arc<Engine>,
}

async fn engine_with(providers: &[Arc<Scripted>], deadline: Duration) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store.db")).expect("store opens");
    let registry = Registry::new();
    for p in providers {
        registry
            .add(Arc::clone(p) as Arc<dyn Provider>)
            .await
            .expect("registers");
    }
    let settings = EngineSettings {
        capture_deadline: deadline,
        ..EngineSettings::default()
    };
    Fixture {
        engine: Engine::new(Arc::new(store), registry, settings),
        _dir: dir,
    }
}

#[tokio::test]
async fn a_hanging_and_a_failing_provider_do_not_stop_the_snapshot_nor_lose_good_state() {
    let good = Scripted::new("good", Behaviour::State(state(&["a", "b"])));
    let hangs = Scripted::new("hangs", Behaviour::State(state(&["h1"])));
    let fails = Scripted::new("fails", Behaviour::State(state(&["f1"])));
    let deadline = Duration::from_millis(300);
    let fx = engine_with(&[good.clone(), hangs.clone(), fails.clone()], deadline).await;

    let first = fx
        .engine
        .capture(Trigger::Manual, None)
        .await
        .expect("first capture");
    assert!(first.sections.iter().all(|s| s.status == SectionStatus::Ok));

    hangs.set(Behaviour::Hang);
    fails.set(Behaviour::Fail);
    let started = Instant::now();
    let second = fx
        .engine
        .capture(Trigger::Manual, None)
        .await
        .expect("second capture");
    let took = started.elapsed();
    assert!(
        took < deadline + Duration::from_millis(700),
        "capture took {took:?}"
    );

    let section = |id: &str| {
        second
            .sections
            .iter()
            .find(|s| s.provider == id)
            .expect("section")
            .clone()
    };
    assert_eq!(section("good").status, SectionStatus::Ok);
    assert_eq!(section("hangs").status, SectionStatus::Timeout);
    assert_eq!(section("fails").status, SectionStatus::Error);
    assert!(
        section("fails")
            .error
            .as_deref()
            .unwrap_or("")
            .contains("the app crashed")
    );

    // The failed sections still carry the earlier good state, and it stays the last good.
    let states = fx
        .engine
        .with_store(move |s| s.states(second.id))
        .await
        .expect("states");
    assert_eq!(
        items_of(&serde_json::to_value(&states["hangs"]).expect("json")),
        vec!["h1"]
    );
    assert_eq!(
        items_of(&serde_json::to_value(&states["fails"]).expect("json")),
        vec!["f1"]
    );
    let last_good = fx
        .engine
        .with_store(|s| s.last_good_state("hangs"))
        .await
        .expect("last good")
        .expect("exists");
    assert_eq!(last_good.snapshot, first.id);
}

#[tokio::test]
async fn an_empty_or_unavailable_capture_keeps_the_last_good_state() {
    let p = Scripted::new("term", Behaviour::State(state(&["s1", "s2"])));
    let fx = engine_with(std::slice::from_ref(&p), Duration::from_secs(1)).await;
    let first = fx
        .engine
        .capture(Trigger::Manual, None)
        .await
        .expect("capture");

    p.set(Behaviour::State(state(&[])));
    let empty = fx
        .engine
        .capture(Trigger::Schedule, None)
        .await
        .expect("capture");
    assert_eq!(empty.sections[0].status, SectionStatus::Stale);
    assert_eq!(empty.sections[0].item_count, 2);

    p.set(Behaviour::Unavailable);
    let gone = fx
        .engine
        .capture(Trigger::Schedule, None)
        .await
        .expect("capture");
    assert_eq!(gone.sections[0].status, SectionStatus::Unavailable);
    assert_eq!(gone.sections[0].item_count, 2);

    let last = fx
        .engine
        .with_store(|s| s.last_good_state("term"))
        .await
        .expect("ok")
        .expect("some");
    assert_eq!(last.snapshot, first.id);
}

#[tokio::test]
async fn auto_snapshots_are_skipped_when_nothing_changed() {
    let p = Scripted::new("p", Behaviour::State(state(&["x"])));
    let fx = engine_with(std::slice::from_ref(&p), Duration::from_secs(1)).await;
    assert!(
        fx.engine.auto_capture().await.expect("auto").is_some(),
        "first one is written"
    );
    assert!(
        fx.engine.auto_capture().await.expect("auto").is_none(),
        "unchanged: skipped"
    );
    p.set(Behaviour::State(state(&["x", "y"])));
    let changed = fx
        .engine
        .auto_capture()
        .await
        .expect("auto")
        .expect("changed: written");
    assert_eq!(changed.trigger, Trigger::Schedule);
    assert_eq!(fx.engine.list(None).await.expect("list").len(), 2);
}

#[tokio::test]
async fn restore_saves_before_and_restores_only_the_selection() {
    let a = Scripted::new("a", Behaviour::State(state(&["one", "two"])));
    let b = Scripted::new("b", Behaviour::State(state(&["three"])));
    let fx = engine_with(&[a.clone(), b.clone()], Duration::from_secs(1)).await;
    let snap = fx
        .engine
        .capture(Trigger::Manual, None)
        .await
        .expect("capture");

    let plan = fx
        .engine
        .plan(snap.id, &["a:two".into()], false)
        .await
        .expect("plan");
    assert_eq!(plan.providers.len(), 1);
    assert!(b.calls_of("plan").is_empty());

    let run = fx
        .engine
        .restore(snap.id, &["a:two".into()], false)
        .await
        .expect("restore");
    assert!(run.ok());
    let results = &run.providers[0].report.as_ref().expect("report").results;
    assert_eq!(results.len(), 1);
    assert_eq!(results[0].key, "two");
    assert!(b.calls_of("restore").is_empty(), "b was not selected");

    let before = fx
        .engine
        .with_store(move |s| s.get(run.before_restore))
        .await
        .expect("saved");
    assert_eq!(before.trigger, Trigger::BeforeRestore);
    assert!(before.id > snap.id);

    let err = fx
        .engine
        .plan(snap.id, &["nosuch".into()], false)
        .await
        .expect_err("unknown provider");
    assert!(matches!(err, EngineError::BadInput(_)), "{err:?}");
    let err = fx
        .engine
        .plan(9999, &[], false)
        .await
        .expect_err("unknown snapshot");
    assert!(matches!(err, EngineError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn diff_names_added_removed_and_changed_items() {
    let p = Scripted::new("p", Behaviour::State(state(&["keep", "gone"])));
    let fx = engine_with(std::slice::from_ref(&p), Duration::from_secs(1)).await;
    let one = fx
        .engine
        .capture(Trigger::Manual, None)
        .await
        .expect("capture");
    p.set(Behaviour::State(json!({"schema": 1, "items": [
        {"key": "keep", "kind": "thing", "title": "renamed", "data": {"k": "keep"}},
        {"key": "new", "kind": "thing", "title": "new", "data": {}}
    ]})));
    let two = fx
        .engine
        .capture(Trigger::Manual, None)
        .await
        .expect("capture");
    let diff =
        serde_json::to_value(fx.engine.diff(one.id, two.id).await.expect("diff")).expect("json");
    let changes = diff["providers"][0]["changes"].as_array().expect("changes");
    let find = |key: &str| {
        changes
            .iter()
            .find(|c| c["key"] == key)
            .expect("change")
            .clone()
    };
    assert_eq!(find("new")["change"], "added");
    assert_eq!(find("gone")["change"], "removed");
    assert_eq!(find("keep")["change"], "changed");
    assert_eq!(find("keep")["fields"], json!(["title"]));
}

#[tokio::test]
async fn a_provider_that_overruns_its_restore_fails_its_items_and_the_others_go_on() {
    let slow = Scripted::new("slow", Behaviour::State(state(&["s1", "s2"])));
    let fast = Scripted::new("fast", Behaviour::State(state(&["f1"])));
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(&dir.path().join("store.db")).expect("store");
    let registry = Registry::new();
    registry
        .add(slow.clone() as Arc<dyn Provider>)
        .await
        .expect("add");
    registry
        .add(fast.clone() as Arc<dyn Provider>)
        .await
        .expect("add");
    let settings = EngineSettings {
        restore_deadline: Duration::from_millis(300),
        ..EngineSettings::default()
    };
    let engine = Engine::new(Arc::new(store), registry, settings);
    let snap = engine
        .capture(Trigger::Manual, None)
        .await
        .expect("capture");
    slow.set(Behaviour::Hang);

    let started = Instant::now();
    let run = engine
        .restore(snap.id, &[], false)
        .await
        .expect("restore runs");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    assert!(!run.ok());
    let by = |id: &str| {
        run.providers
            .iter()
            .find(|p| p.provider == id)
            .expect("provider")
            .clone()
    };
    let slow_report = by("slow").report.expect("an item per selected key");
    assert_eq!(slow_report.results.len(), 2);
    for r in &slow_report.results {
        assert_eq!(r.outcome, chauffeur_core::Outcome::Failed);
        assert!(r.message.contains("timed out"), "{}", r.message);
    }
    let fast_report = by("fast").report.expect("report");
    assert_eq!(
        fast_report.results[0].outcome,
        chauffeur_core::Outcome::Restored
    );
}
