//! Example in-process plugin written in Rust with the Chauffeur SDK.
//!
//! It keeps a list of notes in memory: `note ["text"]` adds one, `capture` saves them as
//! items, `restore` adds back the ones that are missing, and `echo [...]` answers its
//! arguments. Build it with `cargo build -p rust_inproc` and copy `librust_inproc.so`
//! with `manifest.json` into a plugin directory (see docs/plugins.md).

use std::sync::{Mutex, OnceLock};

use chauffeur_plugin::host::HostHandle;
use chauffeur_plugin::serde_json::{Value, json};
use chauffeur_plugin::{
    ActionKind, CallOptions, Describe, Envelope, Item, Outcome, Plan, PlannedAction, Plugin,
    PluginError, RestoreReport, RestoreResult,
};

/// The plugin: notes in memory, and the host's callbacks once it has them.
#[derive(Default)]
pub struct Notes {
    notes: Mutex<Vec<String>>,
    host: OnceLock<HostHandle>,
}

impl Notes {
    fn notes(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.notes.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn wanted(state: &Envelope, options: &CallOptions) -> Vec<String> {
        state
            .items
            .iter()
            .filter(|i| options.only.is_empty() || options.only.contains(&i.key))
            .filter_map(|i| i.data["text"].as_str().map(str::to_owned))
            .collect()
    }
}

impl Plugin for Notes {
    fn describe(&self) -> Describe {
        Describe {
            name: "rust_inproc".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            schema: 1,
            capabilities: vec!["capture".into(), "plan".into(), "restore".into()],
            functions: vec!["echo".into(), "note".into()],
        }
    }

    fn capture(&self, _options: CallOptions) -> Result<Envelope, PluginError> {
        let items = self
            .notes()
            .iter()
            .map(|text| Item {
                key: text.clone(),
                kind: "note".into(),
                title: text.clone(),
                parent: None,
                data: json!({ "text": text }),
            })
            .collect();
        Ok(Envelope { schema: 1, items })
    }

    fn plan(&self, state: Envelope, options: CallOptions) -> Result<Plan, PluginError> {
        let have = self.notes().clone();
        let actions = Self::wanted(&state, &options)
            .into_iter()
            .map(|text| PlannedAction {
                action: if have.contains(&text) {
                    ActionKind::AlreadyPresent
                } else {
                    ActionKind::Open
                },
                key: text,
                detail: String::new(),
            })
            .collect();
        Ok(Plan { actions })
    }

    fn restore(&self, state: Envelope, options: CallOptions) -> Result<RestoreReport, PluginError> {
        let mut notes = self.notes();
        let results = Self::wanted(&state, &options)
            .into_iter()
            .map(|text| {
                let outcome = if notes.contains(&text) {
                    Outcome::AlreadyPresent
                } else {
                    notes.push(text.clone());
                    Outcome::Restored
                };
                RestoreResult {
                    key: text,
                    outcome,
                    message: String::new(),
                }
            })
            .collect();
        Ok(RestoreReport { results })
    }

    fn call(&self, func: &str, args: Vec<Value>) -> Result<Value, PluginError> {
        match func {
            "echo" => Ok(Value::Array(args)),
            "note" => {
                let text = args
                    .first()
                    .and_then(Value::as_str)
                    .ok_or_else(|| PluginError::new("note needs [\"text\"]"))?;
                self.notes().push(text.to_owned());
                if let Some(host) = self.host.get() {
                    host.info(&format!("noted {text:?}"));
                    host.state_changed();
                }
                Ok(json!({ "notes": self.notes().len() }))
            }
            other => Err(PluginError::unknown_function(other)),
        }
    }

    fn attach_host(&self, host: HostHandle) {
        host.info("rust_inproc ready");
        let _ = self.host.set(host);
    }
}

chauffeur_plugin::export_plugin!(name = "rust_inproc", plugin = Notes::default);
