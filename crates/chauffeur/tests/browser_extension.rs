//! The browser add-in in Debian's Chromium against a real daemon: capture of two windows with
//! a pinned tab and a group (a private window the extension can see and ignored URLs left
//! out), the browser closing (dead at once, state kept stale), restore into a fresh profile,
//! twice, and selective restore of one window or one tab group into fresh profiles.

mod browser_support;
mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use browser_support::{
    ADDIN, Driver, addin, items, launched_with_fixture, outcomes, save, save_of, settled,
    settled_of,
};
use common::{Daemon, wait_for};
use serde_json::{Value, json};

const CONFIG: &str = "[capture]\nauto_snapshot_minutes = 0\n[daemon]\nshutdown_snapshot = false\n";

fn urls(tabs: &[&Value]) -> BTreeSet<String> {
    tabs.iter()
        .filter_map(|t| t["data"]["url"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn captures_survives_close_and_restores_into_a_fresh_profile() {
    let daemon = Daemon::start(CONFIG);
    let mut driver = Driver::start(&daemon);
    let profiles = tempfile::tempdir().expect("profiles");

    // Two windows, a pinned tab, a group, ignored and private pages.
    driver.launch(&daemon, &profiles.path().join("one"));
    settled(&daemon);
    let fixture = driver.call(json!({"cmd": "fixture"}));
    // The extension is allowed in incognito (the driver seeds the profile so) and sees the
    // private window with its page, so leaving it out is the capture's doing.
    let private = &fixture["incognito"];
    assert_eq!(private["incognito"], true, "{fixture:#}");
    let private_urls: Vec<&str> = private["urls"]
        .as_array()
        .expect("private urls")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        private_urls
            .iter()
            .any(|u| u.ends_with("/page/incognito-page")),
        "the extension sees the private tab: {fixture:#}"
    );
    settled(&daemon);
    let (first, section, state) = save(&daemon);
    let open = driver.call(json!({"cmd": "live"}));
    assert!(
        open["windows"]
            .as_array()
            .expect("windows")
            .iter()
            .any(|w| w["id"] == private["id"] && w["incognito"] == true),
        "the private window was still open when the snapshot was taken: {open:#}"
    );
    assert_eq!(section["status"], "ok", "{section}");
    let windows = items(&state, "window");
    assert_eq!(windows.len(), 2, "exactly the two windows: {state:#}");
    let tabs = items(&state, "tab");
    let expected: BTreeSet<String> = fixture["windows"]
        .as_array()
        .expect("windows")
        .iter()
        .flat_map(|w| {
            w["urls"]
                .as_array()
                .expect("urls")
                .iter()
                .map(|u| u.as_str().expect("url").to_owned())
        })
        .collect();
    assert_eq!(
        urls(&tabs),
        expected,
        "exactly the fixture's tabs: {state:#}"
    );
    for window in &windows {
        let inside: Vec<&Value> = tabs
            .iter()
            .copied()
            .filter(|t| t["parent"] == window["key"])
            .collect();
        let one = inside.iter().any(|t| {
            t["data"]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/one-a"))
        });
        assert_eq!(
            inside.len(),
            if one { 4 } else { 2 },
            "tabs stay in their window: {state:#}"
        );
    }
    let pinned: Vec<&str> = tabs
        .iter()
        .filter(|t| t["data"]["pinned"] == true)
        .filter_map(|t| t["data"]["url"].as_str())
        .collect();
    assert_eq!(pinned.len(), 1, "{state:#}");
    assert!(pinned[0].ends_with("/page/one-pinned"));
    let groups = items(&state, "group");
    assert_eq!(groups.len(), 1, "{state:#}");
    assert_eq!(groups[0]["data"]["title"], "Research");
    assert_eq!(groups[0]["data"]["color"], "blue");
    let grouped: BTreeSet<String> = tabs
        .iter()
        .filter(|t| t["data"]["group"] == groups[0]["key"])
        .filter_map(|t| t["data"]["url"].as_str().map(str::to_owned))
        .collect();
    let in_group: BTreeSet<String> = fixture["windows"][0]["group"]["urls"]
        .as_array()
        .expect("group urls")
        .iter()
        .map(|u| u.as_str().expect("url").to_owned())
        .collect();
    assert_eq!(grouped, in_group);
    let text = state.to_string();
    for absent in [
        "hunter2",
        "chrome://",
        "about:blank",
        "/private/",
        "incognito-page",
    ] {
        assert!(
            !text.contains(absent),
            "{absent} must not be captured: {state:#}"
        );
    }

    // The browser closes: dead at once, and the next snapshot keeps its tabs, stale.
    driver.call(json!({"cmd": "close"}));
    wait_for(Duration::from_secs(5), || {
        addin(&daemon).filter(|a| a["liveness"] == "dead")
    })
    .expect("the add-in is dead as soon as the browser closed");
    let (_, stale, stale_state) = save(&daemon);
    assert_eq!(stale["status"], "stale", "{stale}");
    assert_eq!(urls(&items(&stale_state, "tab")), expected);

    // A fresh profile: restore opens the windows, tabs, pinned state and group.
    driver.launch(&daemon, &profiles.path().join("two"));
    settled(&daemon);
    let report = daemon.json(&["restore", &first.to_string(), "--only", ADDIN]);
    let results = outcomes(&report);
    assert!(!results.is_empty(), "{report:#}");
    assert!(results.iter().all(|(_, o)| o == "restored"), "{report:#}");
    assert_eq!(
        results.len(),
        2 + 6 + 1,
        "two windows, six tabs and the group: {report:#}"
    );
    let live = driver.call(json!({"cmd": "live"}));
    check_live(&live, &fixture);

    // A second restore opens nothing new.
    let again = daemon.json(&["restore", &first.to_string(), "--only", ADDIN]);
    let results = outcomes(&again);
    assert_eq!(results.len(), 9, "{again:#}");
    assert!(
        results.iter().all(|(_, o)| o == "already-present"),
        "{again:#}"
    );
    let after = driver.call(json!({"cmd": "live"}));
    assert_eq!(
        tab_count(&after),
        tab_count(&live),
        "nothing was opened twice"
    );
}

fn tab_count(live: &Value) -> usize {
    live["windows"]
        .as_array()
        .map(|w| {
            w.iter()
                .map(|w| w["tabs"].as_array().map_or(0, Vec::len))
                .sum()
        })
        .unwrap_or(0)
}

/// The fresh profile now has the fixture's windows (beside its own blank one).
fn check_live(live: &Value, fixture: &Value) {
    let windows = live["windows"].as_array().expect("windows");
    for expected in fixture["windows"].as_array().expect("windows") {
        let want: BTreeSet<&str> = expected["urls"]
            .as_array()
            .expect("urls")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        let window = windows
            .iter()
            .find(|w| {
                w["tabs"].as_array().is_some_and(|t| {
                    t.iter()
                        .any(|t| t["url"].as_str().is_some_and(|u| want.contains(u)))
                })
            })
            .unwrap_or_else(|| panic!("no window with {want:?}: {live:#}"));
        let tabs = window["tabs"].as_array().expect("tabs");
        let have: BTreeSet<&str> = tabs.iter().filter_map(|t| t["url"].as_str()).collect();
        assert_eq!(have, want, "the window's tabs: {live:#}");
        let lazy = tabs.iter().filter(|t| t["lazy"] == true).count();
        assert!(
            lazy + 1 >= tabs.len(),
            "tabs that were not active open unloaded: {live:#}"
        );
        for tab in tabs {
            let url = tab["url"].as_str().unwrap_or_default();
            let pinned = expected["pinned"]
                .as_array()
                .is_some_and(|p| p.iter().any(|p| p == url));
            assert_eq!(
                tab["pinned"] == true,
                pinned,
                "pinned state of {url}: {live:#}"
            );
        }
        if let Some(group) = expected.get("group") {
            let g = live["groups"]
                .as_array()
                .and_then(|gs| gs.iter().find(|g| g["windowId"] == window["id"]))
                .unwrap_or_else(|| panic!("the group is back: {live:#}"));
            assert_eq!(g["title"], group["title"]);
            assert_eq!(g["color"], group["color"]);
            let members: BTreeSet<&str> = tabs
                .iter()
                .filter(|t| t["groupId"] == g["id"])
                .filter_map(|t| t["url"].as_str())
                .collect();
            let want: BTreeSet<&str> = group["urls"]
                .as_array()
                .expect("urls")
                .iter()
                .filter_map(Value::as_str)
                .collect();
            assert_eq!(members, want, "the group's tabs: {live:#}");
        }
    }
}

/// The fixture's windows in the browser now: each live window holding any of `urls`, with the
/// set of its tab URLs.
fn windows_with<'a>(
    live: &'a Value,
    urls: &BTreeSet<String>,
) -> Vec<(&'a Value, BTreeSet<String>)> {
    live["windows"]
        .as_array()
        .expect("windows")
        .iter()
        .map(|w| {
            let tabs: BTreeSet<String> = w["tabs"]
                .as_array()
                .expect("tabs")
                .iter()
                .filter_map(|t| t["url"].as_str().map(str::to_owned))
                .collect();
            (w, tabs)
        })
        .filter(|(_, tabs)| tabs.iter().any(|u| urls.contains(u)))
        .collect()
}

/// The keys of some items.
fn keys(items: &[&Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|t| t["key"].as_str().expect("key").to_owned())
        .collect()
}

/// Restores `--only ADDIN:KEY` of `snapshot` into a fresh profile and checks that exactly
/// `want` came back, all `restored`, in exactly one window; answers the browser's live
/// state and that window with its tab URLs.
fn restore_only(
    daemon: &Daemon,
    driver: &mut Driver,
    profile: &Path,
    snapshot: u64,
    key: &str,
    want: &BTreeSet<String>,
    all: &BTreeSet<String>,
) -> (Value, Vec<(Value, BTreeSet<String>)>) {
    driver.launch(daemon, profile);
    settled(daemon);
    let only = format!("{ADDIN}:{key}");
    let report = daemon.json(&["restore", &snapshot.to_string(), "--only", &only]);
    let results = outcomes(&report);
    let got: BTreeSet<String> = results.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(&got, want, "exactly the selection: {report:#}");
    assert!(results.iter().all(|(_, o)| o == "restored"), "{report:#}");
    let live = driver.call(json!({"cmd": "live"}));
    let back: Vec<(Value, BTreeSet<String>)> = windows_with(&live, all)
        .into_iter()
        .map(|(w, tabs)| (w.clone(), tabs))
        .collect();
    assert_eq!(back.len(), 1, "one window came back: {live:#}");
    (live, back)
}

#[test]
fn restores_only_one_window_or_one_group() {
    let (daemon, mut driver, profiles, _) = launched_with_fixture(CONFIG, "source");
    settled(&daemon);
    let (snapshot, section, state) = save(&daemon);
    assert_eq!(section["status"], "ok", "{section}");
    driver.call(json!({"cmd": "close"}));
    let tabs = items(&state, "tab");
    let all = urls(&tabs);
    let window_of = |suffix: &str| {
        tabs.iter()
            .find(|t| {
                t["data"]["url"]
                    .as_str()
                    .is_some_and(|u| u.ends_with(suffix))
            })
            .map(|t| t["parent"].as_str().expect("parent").to_owned())
            .unwrap_or_else(|| panic!("no tab {suffix}: {state:#}"))
    };
    let (one, two) = (window_of("/page/one-a"), window_of("/page/two-a"));
    let tabs_of = |window: &str| -> Vec<&Value> {
        tabs.iter()
            .copied()
            .filter(|t| t["parent"] == window)
            .collect()
    };
    let groups = items(&state, "group");
    assert_eq!(groups.len(), 1, "{state:#}");
    let group = groups[0]["key"].as_str().expect("group key").to_owned();
    let grouped: Vec<&Value> = tabs
        .iter()
        .copied()
        .filter(|t| t["data"]["group"] == group.as_str())
        .collect();
    assert_eq!(grouped.len(), 2, "{state:#}");

    // One window: it comes back with its tabs, the other window does not.
    let mut want = keys(&tabs_of(&two));
    want.insert(two.clone());
    let (live, back) = restore_only(
        &daemon,
        &mut driver,
        &profiles.path().join("window"),
        snapshot,
        &two,
        &want,
        &all,
    );
    assert_eq!(
        back[0].1,
        urls(&tabs_of(&two)),
        "with its tabs only: {live:#}"
    );
    driver.call(json!({"cmd": "close"}));

    // One group: its tabs in their window, in the group; not the window's other tabs, not
    // the other window.
    let mut want = keys(&grouped);
    want.insert(group.clone());
    want.insert(one.clone());
    let (live, back) = restore_only(
        &daemon,
        &mut driver,
        &profiles.path().join("group"),
        snapshot,
        &group,
        &want,
        &all,
    );
    let (window, have) = &back[0];
    assert_eq!(
        *have,
        urls(&grouped),
        "with the group's tabs only: {live:#}"
    );
    let g = live["groups"]
        .as_array()
        .and_then(|gs| gs.iter().find(|g| g["windowId"] == window["id"]))
        .unwrap_or_else(|| panic!("the group is back: {live:#}"));
    assert_eq!(g["title"], groups[0]["data"]["title"]);
    assert_eq!(g["color"], groups[0]["data"]["color"]);
    let members: BTreeSet<String> = window["tabs"]
        .as_array()
        .expect("tabs")
        .iter()
        .filter(|t| t["groupId"] == g["id"])
        .filter_map(|t| t["url"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(
        members,
        urls(&grouped),
        "the group holds its tabs: {live:#}"
    );
}

/// The browser add-in as `GET /v1/providers` shows it.
fn provider(daemon: &Daemon) -> Option<Value> {
    let (status, list) = daemon.request("GET", "/v1/providers", None);
    assert_eq!(status, 200, "{list}");
    list.as_array()?.iter().find(|p| p["id"] == ADDIN).cloned()
}

/// Chromium stops an idle MV3 service worker: pushes after it restarts still reach the daemon
/// (with a growing `seq`), the add-in is not declared dead meanwhile, and a restore sent while
/// the worker is stopped is run by the worker the command wakes.
#[test]
fn survives_the_service_worker_being_stopped() {
    let (daemon, mut driver, _profiles, _) = launched_with_fixture(CONFIG, "one");
    let before = settled(&daemon);
    let (snapshot, _, state) = save(&daemon);
    let closed = items(&state, "tab")
        .into_iter()
        .find(|t| {
            t["data"]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/page/two-a"))
        })
        .expect("the fixture's tab two-a is captured")["key"]
        .as_str()
        .expect("tab key")
        .to_owned();

    // The worker stops as when idle; nothing is open to wake it.
    let stopped = driver.call(json!({"cmd": "stopWorker"}));
    assert_eq!(stopped["status"], "stopped", "{stopped}");
    let starts = stopped["starts"].as_u64().expect("starts");
    let mut seen = Vec::new();
    let watch = |daemon: &Daemon, seen: &mut Vec<String>| {
        let a = addin(daemon).expect("the add-in stays registered");
        let liveness = a["liveness"].as_str().unwrap_or("?").to_owned();
        if seen.last() != Some(&liveness) {
            seen.push(liveness);
        }
        a
    };

    // (1) A tab the user opens wakes the worker, and its push reaches the daemon.
    driver.call(json!({"cmd": "openTab", "name": "after-sleep"}));
    let after = wait_for(Duration::from_secs(30), || {
        let a = watch(&daemon, &mut seen);
        (a["seq"].as_u64() > before["seq"].as_u64()).then_some(a)
    })
    .expect("a push after the worker restarted");
    let woke = driver.call(json!({"cmd": "workerStatus"}));
    assert!(
        woke["starts"].as_u64() > Some(starts),
        "the tab event started the worker: {woke}"
    );
    settled(&daemon);
    let (_, section, state) = save(&daemon);
    assert_eq!(section["status"], "ok", "{section}");
    let tabs = items(&state, "tab");
    assert!(
        urls(&tabs).iter().any(|u| u.ends_with("/page/after-sleep")),
        "the new tab is in the snapshot: {state:#}"
    );
    assert!(
        urls(&tabs).iter().any(|u| u.ends_with("/page/two-a")),
        "and the tabs from before the sleep: {state:#}"
    );

    // (2) The add-in stayed healthy across the sleep.
    let health = provider(&daemon).expect("the browser add-in is a provider");
    assert_eq!(health["health"]["state"], "ok", "{health:#}");
    assert_eq!(
        seen,
        ["alive"],
        "the add-in was never declared dead or unresponsive: {after:#}"
    );

    // (3) A tab closes; the worker stops again; a restore of that tab reaches the worker.
    driver.call(json!({"cmd": "closeTab", "name": "two-a"}));
    settled(&daemon);
    let stopped = driver.call(json!({"cmd": "stopWorker"}));
    assert_eq!(stopped["status"], "stopped", "{stopped}");
    let starts = stopped["starts"].as_u64().expect("starts");
    let only = format!("{ADDIN}:{closed}");
    let report = daemon.json(&["restore", &snapshot.to_string(), "--only", &only]);
    let results = outcomes(&report);
    assert!(
        results.contains(&(closed.clone(), "restored".to_owned())),
        "the closed tab is restored: {report:#}"
    );
    let woke = driver.call(json!({"cmd": "workerStatus"}));
    assert!(
        woke["starts"].as_u64() > Some(starts),
        "the stopped worker was started again to run it: {woke}"
    );
    let live = driver.call(json!({"cmd": "live"}));
    assert!(
        live["windows"]
            .as_array()
            .expect("windows")
            .iter()
            .flat_map(|w| w["tabs"].as_array().expect("tabs"))
            .any(|t| t["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/page/two-a"))),
        "the tab is open again: {live:#}"
    );
    assert_eq!(
        addin(&daemon).expect("add-in")["liveness"],
        "alive",
        "still alive after the restore"
    );
    driver.call(json!({"cmd": "close"}));
}

/// Naming the profile in the extension's options page (so that several profiles running at
/// once are saved side by side) moves it to its own add-in id at once: the old id is retired,
/// not left to linger beside it, and the tabs are saved under the new one.
#[test]
fn a_profile_named_in_the_options_is_saved_under_its_own_id() {
    let (daemon, mut driver, _profiles, _) = launched_with_fixture(CONFIG, "one");
    let answer = driver.call(json!({"cmd": "nameProfile", "name": "work"}));
    assert!(
        answer["said"]
            .as_str()
            .is_some_and(|s| s.contains("browser-chromium-work")),
        "{answer}"
    );
    let named = settled_of(&daemon, "browser-chromium-work");
    assert_eq!(named["name"], "Chromium (work)", "{named}");
    assert_eq!(
        addin(&daemon).map(|a| a["liveness"].clone()),
        Some(json!("dead")),
        "the unnamed id is retired"
    );
    let (_, section, state) = save_of(&daemon, "browser-chromium-work");
    assert_eq!(section["status"], "ok", "{section}");
    assert!(
        items(&state, "tab").iter().any(|t| t["data"]["url"]
            .as_str()
            .is_some_and(|u| u.ends_with("/page/two-a"))),
        "{state:#}"
    );
    driver.call(json!({"cmd": "close"}));
}
