//! The provider called the way the host calls it: through the C ABI table.

use std::ffi::{CStr, CString};

use chauffeur_provider_apps::{NAME, abi};
use serde_json::Value;

fn call(func: &str, args: &str) -> Value {
    let table = abi::vtable();
    let func = CString::new(func).unwrap();
    let args = CString::new(args).unwrap();
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
fn name_describe_and_capture_answer_json() {
    // SAFETY: the table's name is a static C string.
    let name = unsafe { CStr::from_ptr((abi::vtable().name)()) };
    assert_eq!(name.to_str().unwrap(), NAME);

    let describe = call("describe", "[]");
    assert_eq!(describe["name"], "apps");
    assert_eq!(describe["schema"], 1);
    assert_eq!(
        describe["capabilities"],
        serde_json::json!(["capture", "plan", "restore"])
    );

    let capture = call("capture", r#"[{"only":[],"allow_commands":false}]"#);
    assert_eq!(capture["schema"], 1, "{capture}");
    let items = capture["items"].as_array().expect("items");
    for item in items {
        assert_eq!(item["kind"], "process");
        assert!(item["data"]["exe"].as_str().unwrap().starts_with('/'));
        assert!(item["data"]["argv"].is_array());
        assert!(item["data"]["count"].as_u64().unwrap() >= 1);
    }
    let count = items.len();
    let envelope = chauffeur_core::Envelope::from_value(capture).expect("a valid envelope");
    assert_eq!(envelope.items.len(), count);

    let plan = call("plan", r#"[{"schema":1,"items":[]},{}]"#);
    assert_eq!(plan, serde_json::json!({"actions": []}));
    let bad = call("capture", r#"[{"settings":{"include":3}}]"#);
    assert!(bad["error"].as_str().unwrap().contains("settings"), "{bad}");
    assert!(call("nope", "[]")["error"].is_string());
}
