//! The tmux commands that rebuild a window: create it (or complete it), split it into its
//! panes, apply the saved layout, then set titles, programs, the active pane and zoom.
//! Pure: [`crate::restore`] runs what this builds, chained in one tmux invocation.

use std::collections::BTreeSet;

use chauffeur_core::CallOptions;

use crate::item::{PaneData, WindowData};
use crate::layout;
use crate::plan::{ProgramAction, program_action};
use crate::server::literal;

/// A command: tmux command name and its arguments, unescaped.
pub type Command = Vec<String>;

/// A window to create or complete, with all its saved panes in index order.
#[derive(Debug, Clone)]
pub struct WindowJob<'a> {
    /// The saved window.
    pub window: &'a WindowData,
    /// Its saved panes, by index.
    pub panes: Vec<&'a PaneData>,
}

impl WindowJob<'_> {
    /// The window size the layout was made for, 80×24 when it does not parse.
    pub fn size(&self) -> (u32, u32) {
        layout::parse(&self.window.layout).map_or((80, 24), |c| (c.width, c.height))
    }
}

/// What the restore needs besides the saved state.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Restore options (allowlist, consent, imported).
    pub options: &'a CallOptions,
    /// Command that starts a pane with its saved contents shown, by pane; `None`: plain shell.
    pub first_command: &'a (dyn Fn(&PaneData) -> Option<String> + Sync),
}

fn words(list: &[&str]) -> Command {
    list.iter().map(|w| (*w).to_owned()).collect()
}

/// The options that make a new window or session look like the saved one: directory,
/// hand-given name, and the contents-printing first command (always last).
pub fn spawn_args(
    window: &WindowData,
    first: &PaneData,
    ctx: &Context,
) -> (Command, Option<String>) {
    let mut args = words(&["-c"]);
    args.push(literal(&first.cwd));
    if window.renamed {
        args.push("-n".into());
        args.push(literal(&window.name));
    }
    (args, (ctx.first_command)(first))
}

/// Commands that finish a window whose first pane exists at `target` (`$S:I`), given
/// the panes that existed before (`None`: the window was just created, with one pane).
pub fn finish_window(
    target: &str,
    job: &WindowJob,
    existing: Option<&BTreeSet<u32>>,
    ctx: &Context,
) -> Vec<Command> {
    let mut commands = Vec::new();
    let created = existing.is_none();
    let live_count = existing.map_or(1, BTreeSet::len);
    // Panes beyond those that exist are created in order, each split from the last one.
    let new_panes: Vec<&PaneData> = match existing {
        None => job.panes.iter().skip(1).copied().collect(),
        Some(live) => job
            .panes
            .iter()
            .filter(|p| !live.contains(&p.index))
            .copied()
            .collect(),
    };
    if let (Some(live), false) = (existing, new_panes.is_empty())
        && let Some(last) = live.iter().next_back()
    {
        // The first split goes after the last live pane.
        commands.push(words(&["select-pane", "-t", &format!("{target}.{last}")]));
    }
    for (i, pane) in new_panes.iter().enumerate() {
        let mut split = words(&["split-window", "-t", target, "-c"]);
        split.push(literal(&pane.cwd));
        if let Some(first) = (ctx.first_command)(pane) {
            split.push(first);
        }
        commands.push(split);
        if i + 1 < new_panes.len() {
            // Keep room for the next split; the saved layout is applied at the end.
            commands.push(words(&["select-layout", "-t", target, "tiled"]));
        }
    }
    let complete = live_count + new_panes.len() == job.panes.len();
    let layout_ok = layout::parse(&job.window.layout).is_some_and(|c| c.panes() == job.panes.len());
    if (created || !new_panes.is_empty()) && complete && layout_ok {
        commands.push(words(&["select-layout", "-t", target, &job.window.layout]));
    }
    let fresh: Vec<&PaneData> = if created {
        job.panes.clone()
    } else {
        new_panes.clone()
    };
    for pane in &fresh {
        let pane_target = format!("{target}.{}", pane.index);
        let mut title = words(&["select-pane", "-t", &pane_target, "-T"]);
        title.push(literal(&pane.title));
        commands.push(title);
        match program_action(pane, ctx.options) {
            ProgramAction::None => {}
            ProgramAction::Run(line) => {
                commands.push(words(&["send-keys", "-t", &pane_target, "-l", &line]));
                commands.push(words(&["send-keys", "-t", &pane_target, "Enter"]));
            }
            ProgramAction::TypeOnly(line, _) => {
                commands.push(words(&["send-keys", "-t", &pane_target, "-l", &line]));
            }
        }
    }
    if created || !new_panes.is_empty() {
        let active = format!("{target}.{}", job.window.active_pane);
        commands.push(words(&["select-pane", "-t", &active]));
        if created && job.window.zoomed && job.panes.len() > 1 {
            commands.push(words(&["resize-pane", "-Z", "-t", &active]));
        }
    }
    commands
}

/// The `new-window` command for a window missing from an existing session.
pub fn new_window(session_id: &str, job: &WindowJob, ctx: &Context) -> Option<Command> {
    let first = job.panes.first()?;
    let mut cmd = words(&[
        "new-window",
        "-d",
        "-t",
        &format!("{session_id}:{}", job.window.index),
    ]);
    let (args, first_command) = spawn_args(job.window, first, ctx);
    cmd.extend(args);
    cmd.extend(first_command);
    Some(cmd)
}

/// The `new-session` command for a missing session whose first window is `job`; it
/// prints `SESSION_ID<US>WINDOW_INDEX`.
pub fn new_session(name: &str, job: &WindowJob, ctx: &Context) -> Option<Command> {
    let first = job.panes.first()?;
    let (width, height) = job.size();
    let mut cmd = words(&[
        "new-session",
        "-d",
        "-P",
        "-F",
        "#{session_id}\x1f#{window_index}",
        "-s",
    ]);
    cmd.push(literal(name));
    cmd.extend([
        "-x".into(),
        width.to_string(),
        "-y".into(),
        height.to_string(),
    ]);
    let (args, first_command) = spawn_args(job.window, first, ctx);
    cmd.extend(args);
    cmd.extend(first_command);
    Some(cmd)
}
