//! The provider called the way the host calls it: through the C ABI table.

mod common;

use std::ffi::{CStr, CString};

use chauffeur_provider_tmux::{NAME, abi};
use common::Server;
use serde_json::{Value, json};

fn call(func: &str, args: &Value) -> Value {
    let table = abi::vtable();
    let func = CString::new(func).unwrap();
    let args = CString::new(args.to_string()).unwrap();
    // SAFETY: valid NUL-terminated strings; the answer is freed once with the table's free.
    unsafe {
        let ptr = (table.call_json)(func.as_ptr(), args.as_ptr());
        assert!(!ptr.is_null());
        let text = CStr::from_ptr(ptr).to_str().unwrap().to_owned();
        (table.free.expect("the table frees its answers"))(ptr);
        serde_json::from_str(&text).unwrap()
    }
}

#[test]
fn verbs_through_the_vtable() {
    // SAFETY: the table's name is a static C string.
    let name = unsafe { CStr::from_ptr((abi::vtable().name)()) };
    assert_eq!(name.to_str().unwrap(), NAME);
    let describe = call("describe", &json!([]));
    assert_eq!(describe["name"], "tmux");
    assert_eq!(
        describe["capabilities"],
        json!(["capture", "plan", "restore"])
    );

    let server = Server::new();
    let options = json!({"settings": server.settings(), "allowlist": ["less"]});
    // No server: the engine sees `unavailable` and keeps the last good state.
    let none = call("capture", &json!([options]));
    assert_eq!(none["code"], "unavailable", "{none}");
    assert!(none["error"].is_string());

    server.session("abi", server.dir.path());
    server.tmux(&["split-window", "-t", "abi:0"]);
    let state = call("capture", &json!([options]));
    let envelope = chauffeur_core::Envelope::from_value(state.clone()).expect("an envelope");
    let kinds: Vec<&str> = envelope.items.iter().map(|i| i.kind.as_str()).collect();
    assert_eq!(kinds, vec!["session", "window", "pane", "pane"]);
    assert_eq!(envelope.items[3].key, "abi:0:1");

    let plan = call("plan", &json!([state, options]));
    assert!(
        plan["actions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["action"] == "already-present"),
        "{plan}"
    );
    server.kill();
    let restored = call("restore", &json!([state, options]));
    let results = restored["results"].as_array().expect("results");
    assert_eq!(results.len(), 4);
    assert!(
        results.iter().all(|r| r["outcome"] == "restored"),
        "{restored}"
    );
    assert!(call("nope", &json!([]))["error"].is_string());
}
