//! Test-only plugin that misbehaves on purpose. Never shipped.
//!
//! Its extra functions each break the contract one way: `segv`, `abort`, `hang`,
//! `bad_json`, `null`, `big` (a 50 MB string in an array) and `panic`. `capture` does whatever
//! `$CHAUFFEUR_HOME/fault_capture` names (one of those words), or captures one item when
//! the file is absent, so a test can make a snapshot meet each fault.

use std::ffi::{CStr, CString, c_char};

use chauffeur_plugin::serde_json::{Value, json};
use chauffeur_plugin::{
    CallOptions, Describe, Envelope, Item, Plan, Plugin, PluginError, RestoreReport,
};

/// The well-behaved part, served through the SDK (which turns panics into errors).
#[derive(Default)]
struct Fault;

impl Plugin for Fault {
    fn describe(&self) -> Describe {
        Describe {
            name: "fault".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            schema: 1,
            capabilities: vec!["capture".into(), "plan".into(), "restore".into()],
            functions: [
                "echo", "segv", "abort", "hang", "bad_json", "null", "big", "panic",
            ]
            .map(String::from)
            .to_vec(),
        }
    }
    fn capture(&self, _: CallOptions) -> Result<Envelope, PluginError> {
        Ok(Envelope {
            schema: 1,
            items: vec![Item {
                key: "one".into(),
                kind: "thing".into(),
                title: "One".into(),
                parent: None,
                data: json!({}),
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
            "panic" => panic!("the fault plugin panics on purpose"),
            other => Err(PluginError::unknown_function(other)),
        }
    }
}

chauffeur_plugin::plugin_vtable!(mod sdk, name = "fault", plugin = Fault::default);

/// ABI: the plugin's name.
#[unsafe(no_mangle)]
pub extern "C" fn plugin_name() -> *const c_char {
    sdk::name()
}

/// ABI: dispatches the faults itself and everything else to the SDK.
///
/// # Safety
/// Both pointers must be null or NUL-terminated strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plugin_call_json(func: *const c_char, args: *const c_char) -> *mut c_char {
    let name = if func.is_null() {
        String::new()
    } else {
        // SAFETY: non-null and NUL-terminated by the caller's promise.
        unsafe { CStr::from_ptr(func) }
            .to_string_lossy()
            .into_owned()
    };
    let fault = if name == "capture" {
        std::env::var_os("CHAUFFEUR_HOME")
            .and_then(|home| {
                std::fs::read_to_string(std::path::Path::new(&home).join("fault_capture")).ok()
            })
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    } else {
        name
    };
    match fault.as_str() {
        "segv" => {
            // Rust's runtime handles SIGSEGV (stack overflow detection) and returns from a
            // raised one; restore the default action first so the process really dies.
            // SAFETY: setting a signal's default action and raising it are always allowed.
            unsafe {
                libc::signal(libc::SIGSEGV, libc::SIG_DFL);
                libc::raise(libc::SIGSEGV);
            }
            std::ptr::null_mut()
        }
        "abort" => std::process::abort(),
        "hang" => loop {
            std::thread::sleep(std::time::Duration::from_secs(1));
        },
        "bad_json" => owned("{this is not json"),
        "null" => std::ptr::null_mut(),
        "big" => owned(&format!("[\"{}\"]", "x".repeat(50 * 1024 * 1024))),
        "panic" => {
            // SAFETY: forwarded from the caller.
            unsafe { sdk::call_json(c"panic".as_ptr(), args) }
        }
        // SAFETY: forwarded from the caller.
        _ => unsafe { sdk::call_json(func, args) },
    }
}

/// ABI: frees what `plugin_call_json` returned.
///
/// # Safety
/// `ptr` must come from `plugin_call_json` and be freed once.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn plugin_free(ptr: *mut c_char) {
    // SAFETY: every answer is a `CString::into_raw` from this library.
    unsafe { sdk::free(ptr) }
}

fn owned(text: &str) -> *mut c_char {
    CString::new(text)
        .map(CString::into_raw)
        .unwrap_or(std::ptr::null_mut())
}
