//! `plan`: what `restore` would do with each selected item, with no side effects.
//!
//! Items are matched with what runs now by server, session name, window index and pane
//! index ([`Live`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chauffeur_core::selection::selected_keys;
use chauffeur_core::{ActionKind, CallOptions, Envelope, Item, Plan, PlannedAction};

use crate::foreground::program_name;
use crate::format::{Row, unvis};
use crate::item::{self, PaneData, SessionData, WindowData, data_of};

/// One live session: its id and, per window index, the window id and its pane indexes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveSession {
    /// `$N`.
    pub id: String,
    /// Window index → pane indexes.
    pub windows: BTreeMap<u32, BTreeSet<u32>>,
}

/// What runs now on the servers a state names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Live {
    /// Server label → session name (unescaped) → session.
    pub servers: HashMap<String, HashMap<String, LiveSession>>,
}

impl Live {
    /// Records one server's rows (replacing what was known of it).
    pub fn add_server(&mut self, server: &str, rows: &[Row]) {
        let sessions = self.servers.entry(server.to_owned()).or_default();
        sessions.clear();
        for row in rows {
            let session = sessions.entry(unvis(&row.session_name)).or_default();
            session.id.clone_from(&row.session_id);
            session
                .windows
                .entry(row.window_index)
                .or_default()
                .insert(row.pane_index);
        }
    }

    /// A live session.
    pub fn session(&self, server: &str, name: &str) -> Option<&LiveSession> {
        self.servers.get(server)?.get(name)
    }

    /// The live pane indexes of a window.
    pub fn window(&self, server: &str, session: &str, index: u32) -> Option<&BTreeSet<u32>> {
        self.session(server, session)?.windows.get(&index)
    }

    /// Whether a pane exists.
    pub fn has_pane(&self, server: &str, session: &str, window: u32, pane: u32) -> bool {
        self.window(server, session, window)
            .is_some_and(|panes| panes.contains(&pane))
    }

    /// Whether the item exists now.
    pub fn has_item(&self, item: &Item) -> bool {
        match item.kind.as_str() {
            item::SESSION => data_of::<SessionData>(item, item::SESSION)
                .is_some_and(|s| self.session(&s.server, &s.name).is_some()),
            item::WINDOW => data_of::<WindowData>(item, item::WINDOW)
                .is_some_and(|w| self.window(&w.server, &w.session, w.index).is_some()),
            item::PANE => data_of::<PaneData>(item, item::PANE)
                .is_some_and(|p| self.has_pane(&p.server, &p.session, p.window, p.index)),
            _ => false,
        }
    }
}

/// What will happen to a pane's program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProgramAction {
    /// No program (the shell was in the foreground).
    None,
    /// Typed and started with Enter.
    Run(String),
    /// Typed into the prompt without Enter, with the reason.
    TypeOnly(String, String),
}

/// Decides the fate of a pane's program (with its pipeline): run only when every program
/// in it may run and no secret was redacted from it.
pub fn program_action(pane: &PaneData, options: &CallOptions) -> ProgramAction {
    let Some(line) = pane.command_line() else {
        return ProgramAction::None;
    };
    if pane.is_redacted() {
        return ProgramAction::TypeOnly(
            line,
            "a secret was redacted from its command line".to_owned(),
        );
    }
    let refused = pane
        .programs()
        .map(|argv| argv.first().map_or("", |a| program_name(a)))
        .find(|program| !options.may_run(program));
    let Some(program) = refused else {
        return ProgramAction::Run(line);
    };
    let why = if options.imported {
        "the snapshot was imported; pass --allow-commands to run it".to_owned()
    } else {
        format!(
            "{program} is not on the restore allowlist; add it to restore.allowlist or pass --allow-commands"
        )
    };
    ProgramAction::TypeOnly(line, why)
}

/// Plans every selected item against `live`.
pub fn plan(state: &Envelope, options: &CallOptions, live: &Live) -> Plan {
    let selected = selected_keys(state, &options.only);
    let actions = state
        .items
        .iter()
        .filter(|item| selected.contains(&item.key))
        .map(|item| {
            let (action, detail) = decide(item, options, live);
            PlannedAction {
                key: item.key.clone(),
                action,
                detail,
            }
        })
        .collect();
    Plan { actions }
}

fn decide(item: &Item, options: &CallOptions, live: &Live) -> (ActionKind, String) {
    let present = live.has_item(item);
    match item.kind.as_str() {
        item::SESSION => match data_of::<SessionData>(item, item::SESSION) {
            Some(s) if present => (
                ActionKind::AlreadyPresent,
                format!(
                    "session {:?} exists; missing windows are added to it",
                    s.name
                ),
            ),
            Some(s) => (ActionKind::Open, format!("create session {:?}", s.name)),
            None => skip(item),
        },
        item::WINDOW => match data_of::<WindowData>(item, item::WINDOW) {
            Some(w) if present => (
                ActionKind::AlreadyPresent,
                format!("window {}:{} exists", w.session, w.index),
            ),
            Some(w) => (
                ActionKind::Open,
                format!("create window {}:{} {:?}", w.session, w.index, w.name),
            ),
            None => skip(item),
        },
        item::PANE => match data_of::<PaneData>(item, item::PANE) {
            Some(_) if present => (
                ActionKind::AlreadyPresent,
                "pane exists; left alone".to_owned(),
            ),
            Some(p) => pane_action(&p, options),
            None => skip(item),
        },
        _ => skip(item),
    }
}

fn pane_action(pane: &PaneData, options: &CallOptions) -> (ActionKind, String) {
    let open = format!("open pane in {}", pane.cwd);
    match program_action(pane, options) {
        ProgramAction::None => (ActionKind::Open, open),
        ProgramAction::Run(line) => (ActionKind::Open, format!("{open} and run {line}")),
        ProgramAction::TypeOnly(line, why) => (
            ActionKind::NeedsConfirmation,
            format!("{open}; would run {line} but {why}: it is typed into the pane, not run"),
        ),
    }
}

fn skip(item: &Item) -> (ActionKind, String) {
    (
        ActionKind::Skip,
        format!("not an item this provider can read (kind {:?})", item.kind),
    )
}
