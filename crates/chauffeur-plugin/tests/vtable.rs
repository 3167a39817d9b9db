//! Calls a plugin through the same ABI table the host uses.

use std::ffi::{CStr, CString};

use chauffeur_plugin::{
    CallOptions, Describe, Envelope, Item, Plan, Plugin, PluginError, RestoreReport, serde_json,
};
use serde_json::{Value, json};

#[derive(Default)]
struct Sample;

impl Plugin for Sample {
    fn describe(&self) -> Describe {
        Describe {
            name: "sample".into(),
            version: "1.0.0".into(),
            schema: 1,
            capabilities: vec!["capture".into()],
            functions: vec!["echo".into(), "boom".into()],
        }
    }
    fn capture(&self, options: CallOptions) -> Result<Envelope, PluginError> {
        if options.only.iter().any(|k| k == "gone") {
            return Err(PluginError::unavailable("nothing running"));
        }
        Ok(Envelope {
            schema: 1,
            items: vec![Item {
                key: "a".into(),
                kind: "thing".into(),
                title: "A".into(),
                parent: None,
                data: json!({"n": 1}),
            }],
        })
    }
    fn plan(&self, _: Envelope, _: CallOptions) -> Result<Plan, PluginError> {
        Ok(Plan::default())
    }
    fn restore(&self, _: Envelope, _: CallOptions) -> Result<RestoreReport, PluginError> {
        Ok(RestoreReport::default())
    }
    fn call(&self, func: &str, args: Vec<Value>) -> Result<Value, PluginError> {
        match func {
            "echo" => Ok(Value::Array(args)),
            "boom" => panic!("kaboom"),
            other => Err(PluginError::unknown_function(other)),
        }
    }
}

chauffeur_plugin::plugin_vtable!(mod sample_abi, name = "sample", plugin = Sample::default);

fn call(func: &str, args: &str) -> Value {
    let table = sample_abi::vtable();
    let func = CString::new(func).unwrap();
    let args = CString::new(args).unwrap();
    // SAFETY: valid NUL-terminated strings; the result is freed once with the plugin's free.
    unsafe {
        let ptr = (table.call_json)(func.as_ptr(), args.as_ptr());
        assert!(!ptr.is_null());
        let text = CStr::from_ptr(ptr).to_str().unwrap().to_owned();
        (table.free.unwrap())(ptr);
        serde_json::from_str(&text).unwrap()
    }
}

#[test]
fn name_is_static_and_nul_terminated() {
    // SAFETY: the macro returns a static C string.
    let name = unsafe { CStr::from_ptr((sample_abi::vtable().name)()) };
    assert_eq!(name.to_str().unwrap(), "sample");
}

#[test]
fn verbs_and_extra_functions_answer_json() {
    assert_eq!(call("describe", "[]")["version"], "1.0.0");
    assert_eq!(call("capture", "[]")["items"][0]["key"], "a");
    assert_eq!(
        call("echo", r#"[1,"x",{"k":true}]"#),
        json!([1, "x", {"k": true}])
    );
}

#[test]
fn errors_cross_the_boundary_as_error_objects() {
    assert_eq!(
        call("capture", r#"[{"only":["gone"]}]"#),
        json!({"error": "nothing running", "code": "unavailable"})
    );
    assert_eq!(call("nope", "[]")["code"], "unknown-function");
    assert!(
        call("echo", "not json")["error"]
            .as_str()
            .unwrap()
            .contains("JSON array")
    );
    assert!(
        call("plan", "[]")["error"]
            .as_str()
            .unwrap()
            .contains("state")
    );
}

#[test]
fn a_panic_becomes_an_error_not_an_abort() {
    let answer = call("boom", "[]");
    assert!(
        answer["error"].as_str().unwrap().contains("kaboom"),
        "{answer}"
    );
    // The plugin still answers afterwards.
    assert_eq!(call("echo", "[2]"), json!([2]));
}
