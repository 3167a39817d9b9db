//! `capture`: the user's programs of interest as envelope items, and the keys of what runs now.

use std::collections::{BTreeMap, HashSet};

use chauffeur_core::redact::redact_argv;
use chauffeur_core::{CallOptions, Envelope};
use chauffeur_plugin::PluginError;

use crate::filter::{Filter, Settings};
use crate::item::ProcessData;
use crate::proc::{self, ProcInfo};

/// Version of the state this provider writes.
pub const SCHEMA: u32 = 1;

/// Captures the programs the filter keeps, one item per key, sorted by key.
pub fn capture(options: &CallOptions) -> Result<Envelope, PluginError> {
    let settings = Settings::from_value(&options.settings).map_err(PluginError::new)?;
    let filter = Filter::new(proc::current_uid(), std::process::id(), settings);
    let processes = proc::all_processes()
        .map_err(|e| PluginError::unavailable(format!("cannot read /proc: {e}")))?;
    let clock = Clock::now();
    let mut by_key: BTreeMap<String, ProcessData> = BTreeMap::new();
    for p in processes.iter().filter(|p| filter.keeps(p)) {
        let Some(data) = to_data(p, &clock) else {
            continue;
        };
        by_key
            .entry(data.key())
            .and_modify(|kept| {
                kept.count += 1;
                // Keep the oldest instance's pid and start time.
                if data.started_at < kept.started_at {
                    kept.pid = data.pid;
                    kept.started_at = data.started_at.clone();
                }
            })
            .or_insert(data);
    }
    Ok(Envelope {
        schema: SCHEMA,
        items: by_key.into_values().map(ProcessData::into_item).collect(),
    })
}

/// The keys of every program of the user running now, whatever the name rules and
/// settings say, so a plan never relaunches something that is already there.
pub fn running_keys() -> Result<HashSet<String>, PluginError> {
    let filter = Filter::new(proc::current_uid(), std::process::id(), Settings::default());
    let processes = proc::all_processes()
        .map_err(|e| PluginError::unavailable(format!("cannot read /proc: {e}")))?;
    let clock = Clock::now();
    Ok(processes
        .iter()
        .filter(|p| filter.is_users_program(p))
        .filter_map(|p| to_data(p, &clock))
        .map(|d| d.key())
        .collect())
}

/// A process as item data, secrets redacted; `None` when its working directory is unreadable.
fn to_data(p: &ProcInfo, clock: &Clock) -> Option<ProcessData> {
    let cwd = p.cwd.as_deref()?;
    Some(ProcessData {
        exe: p.exe.to_string_lossy().into_owned(),
        argv: redact_argv(&p.argv),
        cwd: cwd.to_string_lossy().into_owned(),
        pid: p.pid,
        started_at: clock.rfc3339(p.start_ticks),
        count: 1,
    })
}

/// Turns start ticks after boot into wall-clock time.
struct Clock {
    boot: u64,
    ticks_per_second: u64,
}

impl Clock {
    fn now() -> Self {
        Clock {
            boot: proc::boot_time().unwrap_or(0),
            ticks_per_second: proc::clock_ticks(),
        }
    }

    fn rfc3339(&self, start_ticks: u64) -> String {
        let secs = self.boot + start_ticks / self.ticks_per_second;
        let nanos = (start_ticks % self.ticks_per_second) * 1_000_000_000 / self.ticks_per_second;
        i64::try_from(secs)
            .ok()
            .and_then(|s| chrono::DateTime::from_timestamp(s, nanos as u32))
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            .unwrap_or_default()
    }
}
