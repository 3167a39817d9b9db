//! `restore`: re-plans against the live system, then starts what the plan says to open.

use chauffeur_core::{ActionKind, CallOptions, Envelope, Outcome, RestoreReport, RestoreResult};
use chauffeur_plugin::PluginError;

use crate::capture::running_keys;
use crate::item::ProcessData;
use crate::launch::launch;
use crate::plan::plan;

/// Restores the selected items: opens what is missing and allowed, leaves what runs,
/// and reports why anything else was skipped. Running it twice starts nothing the
/// second time.
pub fn restore(state: &Envelope, options: &CallOptions) -> Result<RestoreReport, PluginError> {
    let running = running_keys()?;
    let plan = plan(state, options, &running);
    let results = plan
        .actions
        .into_iter()
        .map(|action| {
            let (outcome, message) = match action.action {
                ActionKind::AlreadyPresent => (Outcome::AlreadyPresent, action.detail),
                ActionKind::Skip | ActionKind::NeedsConfirmation => {
                    (Outcome::Skipped, action.detail)
                }
                ActionKind::Open => open(state, &action.key),
            };
            RestoreResult {
                key: action.key,
                outcome,
                message,
            }
        })
        .collect();
    Ok(RestoreReport { results })
}

fn open(state: &Envelope, key: &str) -> (Outcome, String) {
    let Some(data) = state.item(key).and_then(ProcessData::from_item) else {
        return (
            Outcome::Failed,
            "item disappeared from the state".to_owned(),
        );
    };
    match launch(&data) {
        Ok(pid) => (
            Outcome::Restored,
            format!("started {} (pid {pid})", data.command_line()),
        ),
        Err(message) => (Outcome::Failed, message),
    }
}
