//! The C ABI, exactly as `include/chauffeur_plugin.h` declares it.

use std::os::raw::{c_char, c_int, c_void};

/// Version of [`ChauffeurHostApi`]. New fields are only ever appended; a plugin checks
/// `struct_size` before reading a field newer than the version it was built against.
pub const HOST_API_VERSION: u32 = 1;

/// Log levels passed to [`ChauffeurHostApi::log`].
pub mod log_level {
    /// Something failed.
    pub const ERROR: i32 = 1;
    /// Something looks wrong.
    pub const WARN: i32 = 2;
    /// Worth knowing.
    pub const INFO: i32 = 3;
    /// For debugging.
    pub const DEBUG: i32 = 4;
}

/// Callbacks the host gives a plugin in `chauffeur_plugin_init`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct ChauffeurHostApi {
    /// [`HOST_API_VERSION`] of the host.
    pub abi_version: u32,
    /// `size_of::<ChauffeurHostApi>()` as the host knows it.
    pub struct_size: u32,
    /// Opaque host pointer, passed back to every callback.
    pub host_data: *mut c_void,
    /// Writes a line to the host's log at a [`log_level`].
    pub log:
        Option<unsafe extern "C" fn(host_data: *mut c_void, level: c_int, message: *const c_char)>,
    /// Tells the host the plugin's state changed, so an auto-snapshot may be worth taking.
    pub state_changed: Option<unsafe extern "C" fn(host_data: *mut c_void)>,
}

/// `const char *plugin_name(void)`.
pub type PluginNameFn = unsafe extern "C" fn() -> *const c_char;
/// `char *plugin_call_json(const char *func, const char *args_json)`.
pub type PluginCallJsonFn = unsafe extern "C" fn(*const c_char, *const c_char) -> *mut c_char;
/// `void plugin_free(char *ptr)`.
pub type PluginFreeFn = unsafe extern "C" fn(*mut c_char);
/// `int chauffeur_plugin_init(const ChauffeurHostApi *host)`.
pub type PluginInitFn = unsafe extern "C" fn(*const ChauffeurHostApi) -> c_int;
/// `void chauffeur_plugin_shutdown(void)`.
pub type PluginShutdownFn = unsafe extern "C" fn();

/// A plugin's entry points, however they were found (linked in, or resolved with dlopen).
#[derive(Debug, Clone, Copy)]
pub struct PluginVTable {
    /// Required.
    pub name: PluginNameFn,
    /// Required.
    pub call_json: PluginCallJsonFn,
    /// Optional; when absent the host frees results with C `free`.
    pub free: Option<PluginFreeFn>,
    /// Optional.
    pub init: Option<PluginInitFn>,
    /// Optional.
    pub shutdown: Option<PluginShutdownFn>,
}
