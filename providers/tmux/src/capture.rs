//! `capture`: every configured server's sessions, windows and panes as envelope items.
//!
//! Per server: one `list-panes -a -F` (see [`crate::format`]), `/proc` reads for each
//! pane's directory and foreground program, and — only when `capture_contents_lines` is
//! set — one more invocation that reads every pane's contents.

use std::collections::HashMap;

use chauffeur_core::redact::redact_argv;
use chauffeur_core::{CallOptions, Envelope, Item};
use chauffeur_plugin::PluginError;
use serde::Serialize;

use crate::foreground;
use crate::format::{self, Row, unvis};
use crate::item::{self, Keys, PaneData, SessionData, WindowData};
use crate::layout;
use crate::server::{ServerSpec, Tmux, TmuxError};
use crate::settings::Settings;

/// Version of the state this provider writes.
pub const SCHEMA: u32 = 1;

/// Lists every pane of a server; no server running gives an empty list.
pub fn list_rows(tmux: &Tmux) -> Result<Vec<Row>, TmuxError> {
    match tmux.run(&["list-panes", "-a", "-F", format::FORMAT]) {
        Ok(out) => Ok(format::parse(&out)),
        Err(TmuxError::NoServer(_)) => Ok(Vec::new()),
        Err(e) => Err(e),
    }
}

/// Captures every configured server. No tmux binary, or no server with a session, is
/// `unavailable` so the engine keeps the last good state.
pub fn capture(options: &CallOptions) -> Result<Envelope, PluginError> {
    let settings = Settings::from_value(&options.settings).map_err(PluginError::new)?;
    let mut items = Vec::new();
    for spec in settings.server_specs() {
        let tmux = Tmux::new(&settings.tmux, spec.clone());
        let rows = match list_rows(&tmux) {
            Ok(rows) => rows,
            Err(TmuxError::NotInstalled(m)) => return Err(PluginError::unavailable(m)),
            Err(e) => return Err(PluginError::new(e.to_string())),
        };
        let contents = if settings.capture_contents_lines > 0 {
            let ids: Vec<String> = rows.iter().map(|r| r.pane_id.clone()).collect();
            // Contents are a bonus: a pane closing meanwhile must not fail the capture.
            crate::contents::capture(&tmux, &ids, settings.capture_contents_lines)
                .unwrap_or_default()
        } else {
            HashMap::new()
        };
        let keys = Keys::new(spec.label(), settings.keys_name_server());
        items.extend(server_items(&spec, &keys, &rows, &contents));
    }
    if items.is_empty() {
        return Err(PluginError::unavailable("no tmux server is running"));
    }
    Ok(Envelope {
        schema: SCHEMA,
        items,
    })
}

/// Turns one server's rows (in tmux's order: sessions by name, windows and panes by
/// index) into items: each session, then each of its windows followed by its panes.
pub fn server_items(
    spec: &ServerSpec,
    keys: &Keys,
    rows: &[Row],
    contents: &HashMap<String, String>,
) -> Vec<Item> {
    let server = spec.label().to_owned();
    let mut items = Vec::with_capacity(rows.len() * 2);
    let mut sessions: Vec<(&str, Vec<&Row>)> = Vec::new();
    for row in rows {
        match sessions.iter_mut().find(|(id, _)| *id == row.session_id) {
            Some((_, list)) => list.push(row),
            None => sessions.push((&row.session_id, vec![row])),
        }
    }
    for (_, rows) in sessions {
        let first = rows[0];
        let name = unvis(&first.session_name);
        let mut windows: Vec<u32> = rows.iter().map(|r| r.window_index).collect();
        windows.dedup();
        let session_key = keys.session(&name);
        items.push(make(
            session_key.clone(),
            item::SESSION,
            name.clone(),
            None,
            &SessionData {
                server: server.clone(),
                name: name.clone(),
                windows: windows.clone(),
                active_window: rows
                    .iter()
                    .find(|r| r.window_active)
                    .map(|r| r.window_index),
                attached: first.session_attached > 0,
            },
        ));
        for index in windows {
            let panes: Vec<&Row> = rows
                .iter()
                .copied()
                .filter(|r| r.window_index == index)
                .collect();
            let w = panes[0];
            let window_name = unvis(&w.window_name);
            let window_key = keys.window(&name, index);
            items.push(make(
                window_key.clone(),
                item::WINDOW,
                format!("{name}:{index} {window_name}"),
                Some(session_key.clone()),
                &WindowData {
                    server: server.clone(),
                    session: name.clone(),
                    index,
                    name: window_name,
                    renamed: !w.automatic_rename,
                    layout: layout::normalize(&w.window_layout),
                    active_pane: panes
                        .iter()
                        .find(|p| p.pane_active)
                        .map_or(0, |p| p.pane_index),
                    zoomed: w.window_zoomed,
                },
            ));
            for p in panes {
                let data = pane_data(&server, &name, p, contents.get(&p.pane_id));
                let what = data.command_line().unwrap_or_else(|| data.cwd.clone());
                items.push(make(
                    keys.pane(&name, index, p.pane_index),
                    item::PANE,
                    format!("{name}:{index}.{} {what}", p.pane_index),
                    Some(window_key.clone()),
                    &data,
                ));
            }
        }
    }
    items
}

fn pane_data(server: &str, session: &str, row: &Row, contents: Option<&String>) -> PaneData {
    let mut programs = foreground::programs(row.pane_pid)
        .unwrap_or_default()
        .into_iter()
        .map(|argv| redact_argv(&argv));
    PaneData {
        server: server.to_owned(),
        session: session.to_owned(),
        window: row.window_index,
        index: row.pane_index,
        cwd: foreground::cwd(row.pane_pid).unwrap_or_else(|| row.pane_current_path.clone()),
        title: row.pane_title.clone(),
        active: row.pane_active,
        program: programs.next(),
        piped_to: programs.collect(),
        contents: contents.cloned(),
        pid: row.pane_pid,
    }
}

fn make(
    key: String,
    kind: &str,
    title: String,
    parent: Option<String>,
    data: &impl Serialize,
) -> Item {
    Item {
        key,
        kind: kind.to_owned(),
        title,
        parent,
        data: serde_json::to_value(data).unwrap_or_default(),
    }
}
