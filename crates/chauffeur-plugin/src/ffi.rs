//! The ABI side of a plugin: turns C strings into verb calls and answers into C strings.
//! Used by the macros; plugin authors never call it directly.

use std::ffi::{CStr, CString, c_char};
use std::os::raw::c_int;
use std::panic::{AssertUnwindSafe, catch_unwind};

use chauffeur_core::verbs::names;
use chauffeur_core::{CallOptions, Envelope};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::abi::ChauffeurHostApi;
use crate::host::HostHandle;
use crate::plugin::{Plugin, PluginError};

/// Implements `plugin_call_json` for a plugin: never unwinds, never returns null.
///
/// # Safety
/// `func` and `args` must each be null or a NUL-terminated string.
pub unsafe fn call_json(
    plugin: fn() -> &'static dyn Plugin,
    func: *const c_char,
    args: *const c_char,
) -> *mut c_char {
    let answer = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: forwarded from the caller.
        let func =
            unsafe { c_str(func) }.ok_or_else(|| PluginError::new("func is null or not UTF-8"))?;
        // SAFETY: forwarded from the caller.
        let args = unsafe { c_str(args) }
            .ok_or_else(|| PluginError::new("args_json is null or not UTF-8"))?;
        let args: Vec<Value> = serde_json::from_str(args)
            .map_err(|e| PluginError::new(format!("args_json is not a JSON array: {e}")))?;
        dispatch(plugin(), func, args)
    }));
    let value = match answer {
        Ok(Ok(value)) => value,
        Ok(Err(e)) => error_value(&e),
        Err(panic) => json!({ "error": format!("plugin panicked: {}", panic_message(&panic)) }),
    };
    into_c_string(value.to_string())
}

/// Implements `plugin_free`.
///
/// # Safety
/// `ptr` must be null or come from [`call_json`], and be freed once.
pub unsafe fn free_json(ptr: *mut c_char) {
    if !ptr.is_null() {
        // SAFETY: allocated by `CString::into_raw` in this same library.
        drop(unsafe { CString::from_raw(ptr) });
    }
}

/// Implements `chauffeur_plugin_init`: 0 on success.
///
/// # Safety
/// `host` must be null or valid until shutdown.
pub unsafe fn init(plugin: fn() -> &'static dyn Plugin, host: *const ChauffeurHostApi) -> c_int {
    catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: forwarded from the caller.
        if let Some(handle) = unsafe { HostHandle::from_raw(host) } {
            plugin().attach_host(handle);
        }
        0
    }))
    .unwrap_or(-1)
}

/// Implements `chauffeur_plugin_shutdown`.
pub fn shutdown(plugin: fn() -> &'static dyn Plugin) {
    let _ = catch_unwind(AssertUnwindSafe(|| plugin().shutdown()));
}

fn dispatch(plugin: &dyn Plugin, func: &str, args: Vec<Value>) -> Result<Value, PluginError> {
    match func {
        names::DESCRIBE => to_value(plugin.describe()),
        names::CAPTURE => {
            let options = arg::<CallOptions>(&args, 0, "options")?.unwrap_or_default();
            to_value(plugin.capture(options)?)
        }
        names::PLAN | names::RESTORE => {
            let state = arg::<Envelope>(&args, 0, "state")?
                .ok_or_else(|| PluginError::new(format!("{func} needs [state, options]")))?;
            let options = arg::<CallOptions>(&args, 1, "options")?.unwrap_or_default();
            if func == names::PLAN {
                to_value(plugin.plan(state, options)?)
            } else {
                to_value(plugin.restore(state, options)?)
            }
        }
        other => plugin.call(other, args),
    }
}

fn arg<T: DeserializeOwned>(
    args: &[Value],
    index: usize,
    what: &str,
) -> Result<Option<T>, PluginError> {
    match args.get(index) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => serde_json::from_value(v.clone())
            .map(Some)
            .map_err(|e| PluginError::new(format!("argument {index} ({what}) is invalid: {e}"))),
    }
}

fn to_value<T: serde::Serialize>(value: T) -> Result<Value, PluginError> {
    serde_json::to_value(value).map_err(|e| PluginError::new(e.to_string()))
}

fn error_value(e: &PluginError) -> Value {
    match e.code {
        Some(code) => json!({ "error": e.message, "code": code }),
        None => json!({ "error": e.message }),
    }
}

unsafe fn c_str<'a>(ptr: *const c_char) -> Option<&'a str> {
    if ptr.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated by the caller's promise.
    unsafe { CStr::from_ptr(ptr) }.to_str().ok()
}

fn into_c_string(s: String) -> *mut c_char {
    // serde_json escapes NUL inside strings, so a JSON text never contains one.
    CString::new(s)
        .unwrap_or_else(|_| c"{\"error\":\"answer contained NUL\"}".to_owned())
        .into_raw()
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
