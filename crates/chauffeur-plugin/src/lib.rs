//! The SDK plugin authors depend on.
//!
//! Implement [`Plugin`] (the four verbs, plus any extra functions) and export it with
//! [`export_plugin!`] from a `cdylib`: the macro writes `plugin_name`, `plugin_call_json`,
//! `plugin_free`, `chauffeur_plugin_init` and `chauffeur_plugin_shutdown`, catches panics at
//! the boundary and frees with the allocator that allocated. First-party providers compiled
//! into `chauffeur` use [`plugin_vtable!`] instead, which builds the same functions into a
//! [`abi::PluginVTable`] without exporting symbols, so the host has one calling path for
//! all native code.

pub mod abi;
pub mod ffi;
pub mod host;
mod plugin;

pub use chauffeur_core::{
    ActionKind, CallOptions, Describe, Envelope, Item, Outcome, Plan, PlannedAction, RestoreReport,
    RestoreResult,
};
pub use host::HostHandle;
pub use plugin::{Plugin, PluginError};
pub use serde_json;

/// Builds a module `$module` with a `vtable()` function returning the plugin's ABI table,
/// without exporting any symbol. Used for builtin providers and by [`export_plugin!`].
///
/// ```text
/// chauffeur_plugin::plugin_vtable!(pub mod apps_abi, name = "apps", plugin = AppsPlugin::default);
/// ```
#[macro_export]
macro_rules! plugin_vtable {
    ($vis:vis mod $module:ident, name = $name:literal, plugin = $ctor:expr) => {
        #[doc = concat!("The C ABI functions of the `", $name, "` plugin, and its table.")]
        $vis mod $module {
            #[allow(unused_imports)]
            use super::*;
            use ::std::os::raw::{c_char, c_int};

            fn plugin() -> &'static dyn $crate::Plugin {
                static PLUGIN: ::std::sync::OnceLock<Box<dyn $crate::Plugin>> =
                    ::std::sync::OnceLock::new();
                PLUGIN.get_or_init(|| Box::new(($ctor)())).as_ref()
            }

            /// `plugin_name()`: a static, NUL-terminated name.
            pub extern "C" fn name() -> *const c_char {
                concat!($name, "\0").as_ptr().cast()
            }

            /// `plugin_call_json(func, args_json)`.
            ///
            /// # Safety
            /// Both pointers must be null or NUL-terminated strings.
            pub unsafe extern "C" fn call_json(func: *const c_char, args: *const c_char) -> *mut c_char {
                unsafe { $crate::ffi::call_json(plugin, func, args) }
            }

            /// `plugin_free(ptr)`.
            ///
            /// # Safety
            /// `ptr` must come from `call_json` and be freed once.
            pub unsafe extern "C" fn free(ptr: *mut c_char) {
                unsafe { $crate::ffi::free_json(ptr) }
            }

            /// `chauffeur_plugin_init(host)`.
            ///
            /// # Safety
            /// `host` must be null or point to a host API valid until shutdown.
            pub unsafe extern "C" fn init(host: *const $crate::abi::ChauffeurHostApi) -> c_int {
                unsafe { $crate::ffi::init(plugin, host) }
            }

            /// `chauffeur_plugin_shutdown()`.
            pub extern "C" fn shutdown() {
                $crate::ffi::shutdown(plugin)
            }

            /// The ABI table the host calls through.
            pub fn vtable() -> $crate::abi::PluginVTable {
                $crate::abi::PluginVTable {
                    name,
                    call_json,
                    free: Some(free),
                    init: Some(init),
                    shutdown: Some(shutdown),
                }
            }
        }
    };
}

/// Exports a [`Plugin`] from a `cdylib` under the ABI's symbol names.
///
/// ```text
/// chauffeur_plugin::export_plugin!(name = "rust_inproc", plugin = Echo::default);
/// ```
#[macro_export]
macro_rules! export_plugin {
    (name = $name:literal, plugin = $ctor:expr) => {
        $crate::plugin_vtable!(mod __chauffeur_exported, name = $name, plugin = $ctor);

        /// ABI: the plugin's canonical name.
        #[unsafe(no_mangle)]
        pub extern "C" fn plugin_name() -> *const ::std::os::raw::c_char {
            __chauffeur_exported::name()
        }

        /// ABI: calls `func` with a JSON array of arguments; returns JSON the host frees
        /// with `plugin_free`.
        ///
        /// # Safety
        /// Both pointers must be null or NUL-terminated strings.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn plugin_call_json(
            func: *const ::std::os::raw::c_char,
            args: *const ::std::os::raw::c_char,
        ) -> *mut ::std::os::raw::c_char {
            unsafe { __chauffeur_exported::call_json(func, args) }
        }

        /// ABI: frees a result of `plugin_call_json`.
        ///
        /// # Safety
        /// `ptr` must come from `plugin_call_json` and be freed once.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn plugin_free(ptr: *mut ::std::os::raw::c_char) {
            unsafe { __chauffeur_exported::free(ptr) }
        }

        /// ABI: receives the host's callbacks; 0 on success.
        ///
        /// # Safety
        /// `host` must be null or valid until `chauffeur_plugin_shutdown`.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn chauffeur_plugin_init(
            host: *const $crate::abi::ChauffeurHostApi,
        ) -> ::std::os::raw::c_int {
            unsafe { __chauffeur_exported::init(host) }
        }

        /// ABI: the host is going away.
        #[unsafe(no_mangle)]
        pub extern "C" fn chauffeur_plugin_shutdown() {
            __chauffeur_exported::shutdown()
        }
    };
}
