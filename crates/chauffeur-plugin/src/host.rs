//! The plugin's side of the host callbacks.

use std::ffi::CString;

use crate::abi::{ChauffeurHostApi, log_level};

/// A handle on the host's callbacks, valid until shutdown.
#[derive(Debug, Clone, Copy)]
pub struct HostHandle {
    api: ChauffeurHostApi,
}

// SAFETY: the host promises its callbacks may be called from any thread, and the struct
// is a plain copy of pointers that stay valid until `chauffeur_plugin_shutdown`.
unsafe impl Send for HostHandle {}
// SAFETY: as above; nothing in the handle is mutated.
unsafe impl Sync for HostHandle {}

impl HostHandle {
    /// Wraps a host API the host handed over, if its version and size are usable.
    ///
    /// # Safety
    /// `api` must be null or point to a valid `ChauffeurHostApi` that outlives the plugin.
    pub unsafe fn from_raw(api: *const ChauffeurHostApi) -> Option<Self> {
        if api.is_null() {
            return None;
        }
        // SAFETY: non-null and valid by the caller's promise; read only the two header
        // fields before trusting the rest.
        let header = unsafe { &*api };
        let needed = std::mem::size_of::<ChauffeurHostApi>() as u32;
        if header.abi_version == 0 || header.struct_size < needed {
            return None;
        }
        Some(HostHandle { api: *header })
    }

    /// Writes a line to the host's log.
    pub fn log(&self, level: i32, message: &str) {
        let Some(log) = self.api.log else { return };
        let Ok(message) = CString::new(message.replace('\0', " ")) else {
            return;
        };
        // SAFETY: the callback and host_data come from the host, valid until shutdown.
        unsafe { log(self.api.host_data, level, message.as_ptr()) }
    }

    /// Logs at info level.
    pub fn info(&self, message: &str) {
        self.log(log_level::INFO, message);
    }

    /// Tells the host the plugin's state changed.
    pub fn state_changed(&self) {
        if let Some(changed) = self.api.state_changed {
            // SAFETY: as in `log`.
            unsafe { changed(self.api.host_data) }
        }
    }
}
