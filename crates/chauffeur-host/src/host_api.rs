//! The [`ChauffeurHostApi`] the host hands a plugin in `chauffeur_plugin_init`: `log`
//! goes to `tracing` with the plugin's name, `state_changed` to a hook the daemon chooses.

use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use chauffeur_plugin::abi::{ChauffeurHostApi, HOST_API_VERSION, PluginVTable, log_level};

/// Called with the plugin's name when a plugin says its state changed.
pub type StateChangedHook = Arc<dyn Fn(&str) + Send + Sync>;

/// What the callbacks know: leaked with the API struct, since libraries are never
/// unloaded and may keep the pointer.
struct HostContext {
    plugin: String,
    on_state_changed: Option<StateChangedHook>,
}

/// Builds the host API for `plugin`; it lives for the rest of the process.
pub fn host_api(
    plugin: &str,
    on_state_changed: Option<StateChangedHook>,
) -> &'static ChauffeurHostApi {
    let context: &'static mut HostContext = Box::leak(Box::new(HostContext {
        plugin: plugin.to_owned(),
        on_state_changed,
    }));
    Box::leak(Box::new(ChauffeurHostApi {
        abi_version: HOST_API_VERSION,
        struct_size: std::mem::size_of::<ChauffeurHostApi>() as u32,
        host_data: (context as *mut HostContext).cast::<c_void>(),
        log: Some(log),
        state_changed: Some(state_changed),
    }))
}

/// Calls the plugin's `chauffeur_plugin_init`, if it has one, with a fresh host API.
/// A non-zero answer is an error naming the plugin.
pub fn init_plugin(
    vtable: &PluginVTable,
    plugin: &str,
    on_state_changed: Option<StateChangedHook>,
) -> Result<(), String> {
    let Some(init) = vtable.init else {
        return Ok(());
    };
    let api = host_api(plugin, on_state_changed);
    // SAFETY: `init` is the plugin's `chauffeur_plugin_init`; `api` is valid for the rest
    // of the process, which is longer than the ABI requires (until shutdown).
    let code = unsafe { init(api) };
    if code == 0 {
        Ok(())
    } else {
        Err(format!("{plugin}: chauffeur_plugin_init returned {code}"))
    }
}

/// # Safety
/// `host_data` must be the pointer [`host_api`] put in the struct; `message` null or a
/// NUL-terminated string.
unsafe extern "C" fn log(host_data: *mut c_void, level: c_int, message: *const c_char) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: by this function's contract `host_data` is a leaked `HostContext`.
        let Some(context) = (unsafe { host_data.cast::<HostContext>().as_ref() }) else {
            return;
        };
        let text = if message.is_null() {
            "(null message)".into()
        } else {
            // SAFETY: non-null and NUL-terminated by the ABI.
            unsafe { CStr::from_ptr(message) }.to_string_lossy()
        };
        let plugin = context.plugin.as_str();
        match level {
            log_level::ERROR => tracing::error!(plugin, "{text}"),
            log_level::WARN => tracing::warn!(plugin, "{text}"),
            log_level::INFO => tracing::info!(plugin, "{text}"),
            _ => tracing::debug!(plugin, "{text}"),
        }
    }));
}

/// # Safety
/// `host_data` must be the pointer [`host_api`] put in the struct.
unsafe extern "C" fn state_changed(host_data: *mut c_void) {
    let _ = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: by this function's contract `host_data` is a leaked `HostContext`.
        let Some(context) = (unsafe { host_data.cast::<HostContext>().as_ref() }) else {
            return;
        };
        tracing::debug!(plugin = context.plugin.as_str(), "plugin state changed");
        if let Some(hook) = &context.on_state_changed {
            hook(&context.plugin);
        }
    }));
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn callbacks_reach_the_hook() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        let api = host_api(
            "demo",
            Some(Arc::new(move |name: &str| {
                sink.lock().unwrap().push(name.to_owned())
            })),
        );
        assert_eq!(api.abi_version, HOST_API_VERSION);
        assert_eq!(
            api.struct_size as usize,
            std::mem::size_of::<ChauffeurHostApi>()
        );
        // SAFETY: the callbacks and host_data come from `host_api`.
        unsafe {
            (api.log.unwrap())(api.host_data, log_level::INFO, c"hello".as_ptr());
            (api.log.unwrap())(api.host_data, log_level::ERROR, std::ptr::null());
            (api.state_changed.unwrap())(api.host_data);
        }
        assert_eq!(*seen.lock().unwrap(), ["demo"]);
    }
}
