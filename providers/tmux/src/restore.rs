//! `restore`: plans against the live servers, then creates what is missing, one session
//! at a time (a `new-session` when the session is missing, then one chained invocation
//! for all of its windows and panes), and reports each item by looking again.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;

use chauffeur_core::selection::selected_keys;
use chauffeur_core::{
    ActionKind, CallOptions, Envelope, Outcome, PlannedAction, RestoreReport, RestoreResult,
};
use chauffeur_plugin::PluginError;

use crate::capture::list_rows;
use crate::contents;
use crate::item::{self, PaneData, SessionData, WindowData, data_of};
use crate::plan::{Live, plan};
use crate::script::{self, Context, WindowJob};
use crate::server::{ServerSpec, Tmux, TmuxError};
use crate::settings::Settings;

/// A contents file written for a pane: server, session, window, pane, path.
type ContentsFile = (String, String, u32, u32, PathBuf);

/// How many sessions are restored at the same time.
const PARALLEL: usize = 4;

/// The saved state, read into typed data: sessions, windows and panes by their place.
#[derive(Debug, Default)]
struct Saved<'a> {
    sessions: BTreeMap<(String, String), &'a SessionData>,
    windows: BTreeMap<(String, String), BTreeMap<u32, &'a WindowData>>,
    panes: HashMap<(String, String, u32), Vec<&'a PaneData>>,
}

/// Owns the typed data the [`Saved`] view borrows.
struct Typed {
    sessions: Vec<(String, SessionData)>,
    windows: Vec<(String, WindowData)>,
    panes: Vec<(String, PaneData)>,
}

impl Typed {
    fn read(state: &Envelope) -> Self {
        let mut typed = Typed {
            sessions: Vec::new(),
            windows: Vec::new(),
            panes: Vec::new(),
        };
        for it in &state.items {
            let key = it.key.clone();
            match it.kind.as_str() {
                item::SESSION => typed
                    .sessions
                    .extend(data_of(it, item::SESSION).map(|d| (key, d))),
                item::WINDOW => typed
                    .windows
                    .extend(data_of(it, item::WINDOW).map(|d| (key, d))),
                item::PANE => typed
                    .panes
                    .extend(data_of(it, item::PANE).map(|d| (key, d))),
                _ => {}
            }
        }
        typed
    }

    fn view(&self) -> Saved<'_> {
        let mut saved = Saved::default();
        for (_, s) in &self.sessions {
            saved.sessions.insert((s.server.clone(), s.name.clone()), s);
        }
        for (_, w) in &self.windows {
            saved
                .windows
                .entry((w.server.clone(), w.session.clone()))
                .or_default()
                .insert(w.index, w);
        }
        for (_, p) in &self.panes {
            saved
                .panes
                .entry((p.server.clone(), p.session.clone(), p.window))
                .or_default()
                .push(p);
        }
        for list in saved.panes.values_mut() {
            list.sort_by_key(|p| p.index);
        }
        saved
    }
}

/// Reads what runs now on every server the state names. A missing tmux binary is
/// `unavailable`.
pub fn live_for(state: &Envelope, settings: &Settings) -> Result<Live, PluginError> {
    let servers: HashSet<String> = Typed::read(state)
        .sessions
        .iter()
        .map(|(_, s)| s.server.clone())
        .chain(
            Typed::read(state)
                .windows
                .iter()
                .map(|(_, w)| w.server.clone()),
        )
        .collect();
    let mut live = Live::default();
    for server in servers {
        let tmux = Tmux::new(&settings.tmux, ServerSpec::parse(&server));
        let rows = list_rows(&tmux).map_err(to_plugin_error)?;
        live.add_server(&server, &rows);
    }
    Ok(live)
}

fn to_plugin_error(e: TmuxError) -> PluginError {
    match e {
        TmuxError::NotInstalled(m) => PluginError::unavailable(m),
        e => PluginError::new(e.to_string()),
    }
}

/// Restores the selected items; see the module documentation.
pub fn restore(
    state: &Envelope,
    options: &CallOptions,
    settings: &Settings,
) -> Result<RestoreReport, PluginError> {
    let live = live_for(state, settings)?;
    let planned = plan(state, options, &live);
    let typed = Typed::read(state);
    let saved = typed.view();
    let selected = selected_keys(state, &options.only);

    // Windows to create or complete: selected windows, and windows of selected panes.
    let mut needed: BTreeMap<(String, String), BTreeMap<u32, WindowJob>> = BTreeMap::new();
    for (key, w) in &typed.windows {
        let place = (w.server.clone(), w.session.clone());
        let panes = saved
            .panes
            .get(&(w.server.clone(), w.session.clone(), w.index))
            .cloned()
            .unwrap_or_default();
        let pane_selected = typed.panes.iter().any(|(k, p)| {
            selected.contains(k)
                && p.server == w.server
                && p.session == w.session
                && p.window == w.index
        });
        if (selected.contains(key) || pane_selected) && !panes.is_empty() {
            needed
                .entry(place)
                .or_default()
                .insert(w.index, WindowJob { window: w, panes });
        }
    }

    let shell = std::env::var("SHELL").unwrap_or_else(|_| "/bin/sh".to_owned());
    let files: Mutex<Vec<ContentsFile>> = Mutex::default();
    let first_command = |pane: &PaneData| -> Option<String> {
        let text = pane.contents.as_ref().filter(|c| !c.is_empty())?;
        let path = contents::write_file(text).ok()?;
        let command = contents::show_then_shell(&path, &shell);
        files.lock().unwrap_or_else(|e| e.into_inner()).push((
            pane.server.clone(),
            pane.session.clone(),
            pane.window,
            pane.index,
            path,
        ));
        Some(command)
    };
    let ctx = Context {
        options,
        first_command: &first_command,
    };

    // The first session of each server alone (it may start the server), then the others
    // a few at a time: tmux serialises the work, but the clients' start-up overlaps.
    let errors: Mutex<HashMap<(String, String), String>> = Mutex::default();
    let run = |(server, session): &(String, String), windows: &BTreeMap<u32, WindowJob>| {
        let tmux = Tmux::new(&settings.tmux, ServerSpec::parse(server));
        let active = saved
            .sessions
            .get(&(server.clone(), session.clone()))
            .and_then(|s| s.active_window);
        if let Err(e) = restore_session(&tmux, &live, server, session, windows, active, &ctx) {
            errors
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert((server.clone(), session.clone()), e);
        }
    };
    let mut first_of_server = HashSet::new();
    let mut rest = Vec::new();
    for (place, windows) in &needed {
        if first_of_server.insert(place.0.clone()) {
            run(place, windows);
        } else {
            rest.push((place, windows));
        }
    }
    for chunk in rest.chunks(PARALLEL) {
        std::thread::scope(|scope| {
            for (place, windows) in chunk {
                scope.spawn(|| run(place, windows));
            }
        });
    }
    let errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());

    // Look again: an item is restored when it exists now.
    let mut after = Live::default();
    for server in needed.keys().map(|(s, _)| s).collect::<HashSet<_>>() {
        let tmux = Tmux::new(&settings.tmux, ServerSpec::parse(server));
        let rows = list_rows(&tmux).map_err(to_plugin_error)?;
        after.add_server(server, &rows);
    }
    for (server, session, window, pane, path) in
        files.into_inner().unwrap_or_else(|e| e.into_inner())
    {
        if !after.has_pane(&server, &session, window, pane) {
            let _ = std::fs::remove_file(path);
        }
    }
    let results = planned
        .actions
        .into_iter()
        .map(|action| report(state, action, &after, &errors))
        .collect();
    Ok(RestoreReport { results })
}

fn report(
    state: &Envelope,
    action: PlannedAction,
    after: &Live,
    errors: &HashMap<(String, String), String>,
) -> RestoreResult {
    let (outcome, message) = match action.action {
        ActionKind::AlreadyPresent => (Outcome::AlreadyPresent, action.detail),
        ActionKind::Skip => (Outcome::Skipped, action.detail),
        ActionKind::Open | ActionKind::NeedsConfirmation => {
            let item = state.item(&action.key);
            if item.is_some_and(|i| after.has_item(i)) {
                (Outcome::Restored, action.detail)
            } else {
                let why = item
                    .and_then(place_of)
                    .and_then(|place| errors.get(&place).cloned())
                    .unwrap_or_else(|| "tmux did not create it".to_owned());
                (Outcome::Failed, format!("{}: {why}", action.detail))
            }
        }
    };
    RestoreResult {
        key: action.key,
        outcome,
        message,
    }
}

/// The (server, session) an item belongs to.
fn place_of(item: &chauffeur_core::Item) -> Option<(String, String)> {
    match item.kind.as_str() {
        item::SESSION => data_of::<SessionData>(item, item::SESSION).map(|s| (s.server, s.name)),
        item::WINDOW => data_of::<WindowData>(item, item::WINDOW).map(|w| (w.server, w.session)),
        item::PANE => data_of::<PaneData>(item, item::PANE).map(|p| (p.server, p.session)),
        _ => None,
    }
}

/// Creates a missing session (its first window with `new-session`), then creates or
/// completes every needed window in one chained invocation.
fn restore_session(
    tmux: &Tmux,
    live: &Live,
    server: &str,
    session: &str,
    windows: &BTreeMap<u32, WindowJob>,
    active_window: Option<u32>,
    ctx: &Context,
) -> Result<(), String> {
    let mut commands = Vec::new();
    let existing = live.session(server, session);
    let session_id = match existing {
        Some(s) => s.id.clone(),
        None => {
            let Some((&index, first)) = windows.iter().next() else {
                return Ok(());
            };
            let cmd = script::new_session(session, first, ctx)
                .ok_or_else(|| "the window has no pane".to_owned())?;
            let out = tmux.run(&cmd).map_err(|e| e.to_string())?;
            let (id, got) = out
                .trim_end()
                .split_once('\x1f')
                .ok_or_else(|| format!("unexpected new-session answer {out:?}"))?;
            if got != index.to_string() {
                commands.push(vec![
                    "move-window".to_owned(),
                    "-s".to_owned(),
                    format!("{id}:{got}"),
                    "-t".to_owned(),
                    format!("{id}:{index}"),
                ]);
            }
            let target = format!("{id}:{index}");
            commands.extend(script::finish_window(&target, first, None, ctx));
            id.to_owned()
        }
    };
    for (index, job) in windows {
        let target = format!("{session_id}:{index}");
        match existing {
            None if Some(index) == windows.keys().next() => continue,
            Some(s) if s.windows.contains_key(index) => {
                commands.extend(script::finish_window(
                    &target,
                    job,
                    s.windows.get(index),
                    ctx,
                ));
            }
            _ => {
                if let Some(cmd) = script::new_window(&session_id, job, ctx) {
                    commands.push(cmd);
                    commands.extend(script::finish_window(&target, job, None, ctx));
                }
            }
        }
    }
    if existing.is_none()
        && let Some(active) = active_window.filter(|a| windows.contains_key(a))
    {
        commands.push(vec![
            "select-window".to_owned(),
            "-t".to_owned(),
            format!("{session_id}:{active}"),
        ]);
    }
    if commands.is_empty() {
        return Ok(());
    }
    tmux.run_chain(&commands)
        .map(|_| ())
        .map_err(|e| e.to_string())
}
