//! Calling native code through the plugin ABI table, with deadlines and quarantine.

use std::ffi::{CStr, CString};
use std::os::raw::c_char;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chauffeur_core::provider::answer_to_result;
use chauffeur_core::{BoxFuture, Hosting, Provider, ProviderError, ProviderHealth};
use chauffeur_plugin::abi::{PluginCallJsonFn, PluginFreeFn, PluginVTable};
use serde_json::Value;

use crate::crash_marker::CrashMarker;

/// Why a table could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// `plugin_name()` returned null, an empty string or something that is not UTF-8.
    #[error("plugin_name() returned {0}")]
    BadName(&'static str),
}

/// A plugin's entry points and its name, read once.
#[derive(Debug)]
pub struct NativeTable {
    name: String,
    call_json: PluginCallJsonFn,
    free: Option<PluginFreeFn>,
}

impl NativeTable {
    /// Reads the plugin's name through the table and checks it.
    pub fn new(vtable: &PluginVTable) -> Result<Self, TableError> {
        // SAFETY: `name` is the plugin's `plugin_name`, which takes no arguments and
        // returns a static string or null.
        let raw = unsafe { (vtable.name)() };
        if raw.is_null() {
            return Err(TableError::BadName("null"));
        }
        // SAFETY: non-null and, by the ABI, NUL-terminated and static.
        let name = unsafe { CStr::from_ptr(raw) }
            .to_str()
            .map_err(|_| TableError::BadName("a name that is not UTF-8"))?;
        if name.is_empty() {
            return Err(TableError::BadName("an empty name"));
        }
        Ok(Self {
            name: name.to_owned(),
            call_json: vtable.call_json,
            free: vtable.free,
        })
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Calls `func` with `args` (a JSON array) and parses the answer; blocks for as long
    /// as the plugin takes. `{"error": ...}` answers become errors.
    pub fn call(&self, func: &str, args: &Value) -> Result<Value, ProviderError> {
        let what = || format!("{}.{func}", self.name);
        let func_c = CString::new(func)
            .map_err(|_| ProviderError::Failed(format!("{}: NUL in function name", what())))?;
        let args_c = CString::new(args.to_string())
            .map_err(|_| ProviderError::Failed(format!("{}: NUL in arguments", what())))?;
        // SAFETY: both pointers are valid NUL-terminated strings for the whole call.
        let raw = unsafe { (self.call_json)(func_c.as_ptr(), args_c.as_ptr()) };
        if raw.is_null() {
            return Err(ProviderError::Failed(format!("{} returned null", what())));
        }
        // SAFETY: non-null results are NUL-terminated strings owned by the plugin until
        // freed below.
        let parsed = match unsafe { CStr::from_ptr(raw) }.to_str() {
            Ok(text) => serde_json::from_str::<Value>(text).map_err(|e| {
                ProviderError::Failed(format!("{} returned invalid JSON: {e}", what()))
            }),
            Err(_) => Err(ProviderError::Failed(format!(
                "{} returned invalid UTF-8",
                what()
            ))),
        };
        self.release(raw);
        answer_to_result(parsed?)
    }

    fn release(&self, raw: *mut c_char) {
        match self.free {
            // SAFETY: `raw` came from this plugin's `plugin_call_json` and is freed once.
            Some(free) => unsafe { free(raw) },
            // SAFETY: without `plugin_free` the ABI says results come from C `malloc`.
            None => unsafe { libc::free(raw.cast()) },
        }
    }
}

/// A native table as an engine provider: each call runs on a blocking worker thread, and
/// a call that overruns its deadline quarantines the provider (the thread may still be
/// stuck inside the plugin, so calling it again could pile up more).
pub struct NativeProvider {
    table: Arc<NativeTable>,
    hosting: Hosting,
    quarantine: Mutex<Option<String>>,
    marker: Option<Arc<CrashMarker>>,
}

impl NativeProvider {
    /// Wraps a table, remembering how it is hosted (builtin or in-process).
    pub fn new(table: NativeTable, hosting: Hosting) -> Self {
        Self {
            table: Arc::new(table),
            hosting,
            quarantine: Mutex::new(None),
            marker: None,
        }
    }

    /// Marks every call in `marker`, so a daemon that dies inside the plugin is noticed
    /// at the next start (see [`crate::crash_marker`]).
    pub fn with_crash_marker(mut self, marker: CrashMarker) -> Self {
        self.marker = Some(Arc::new(marker));
        self
    }

    /// A provider compiled into the binary.
    pub fn builtin(vtable: &PluginVTable) -> Result<Self, TableError> {
        Ok(Self::new(NativeTable::new(vtable)?, Hosting::Builtin))
    }

    /// Why the provider is quarantined, if it is.
    pub fn quarantined(&self) -> Option<String> {
        self.quarantine
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn quarantine(&self, reason: String) {
        tracing::warn!(provider = self.table.name(), %reason, "provider quarantined");
        *self
            .quarantine
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(reason);
    }
}

impl Provider for NativeProvider {
    fn id(&self) -> &str {
        self.table.name()
    }

    fn hosting(&self) -> Hosting {
        self.hosting
    }

    fn call<'a>(
        &'a self,
        func: &'a str,
        args: Value,
        deadline: Duration,
    ) -> BoxFuture<'a, Result<Value, ProviderError>> {
        Box::pin(async move {
            if let Some(reason) = self.quarantined() {
                return Err(ProviderError::NotCallable(format!("quarantined: {reason}")));
            }
            let table = Arc::clone(&self.table);
            let func_owned = func.to_owned();
            let marker = self.marker.clone();
            let worker = tokio::task::spawn_blocking(move || {
                let _marked = marker.as_deref().map(CrashMarker::enter);
                table.call(&func_owned, &args)
            });
            match tokio::time::timeout(deadline, worker).await {
                Ok(Ok(answer)) => answer,
                Ok(Err(join)) => Err(ProviderError::Failed(format!(
                    "{}.{func} panicked in the host: {join}",
                    self.table.name()
                ))),
                Err(_) => {
                    self.quarantine(format!("{func} overran its {deadline:?} deadline"));
                    Err(ProviderError::Timeout(deadline))
                }
            }
        })
    }

    fn health(&self) -> ProviderHealth {
        match self.quarantined() {
            Some(reason) => ProviderHealth::Quarantined { reason },
            None => ProviderHealth::Ok,
        }
    }

    fn reset(&self) -> Result<(), String> {
        match self.quarantined() {
            // The worker thread may still be stuck inside the library, and a library is
            // never unloaded: only a new daemon process starts it afresh.
            Some(reason) => Err(format!(
                "{} runs in the daemon and is quarantined ({reason}); restart the daemon, or \
                 run it isolated with `mode = \"isolated\"` under [providers.{}]",
                self.table.name(),
                self.table.name()
            )),
            None => Ok(()),
        }
    }
}
