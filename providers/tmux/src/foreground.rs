//! What runs in a pane, read straight from `/proc` (no process is started per pane).
//!
//! The foreground program of a pane is the leader of the terminal's foreground process
//! group: `tpgid` (field 8 of `/proc/<pane_pid>/stat`) names it, and its
//! `/proc/<tpgid>/cmdline` is the full argument vector; the rest of a pipeline are the
//! shell's other children in that group. Everything is best effort: a process may exit
//! while it is read, which yields `None`.

/// Shells: a pane whose foreground program is one of these runs no program of its own.
pub const SHELLS: &[&str] = &[
    "bash", "sh", "zsh", "fish", "dash", "ksh", "mksh", "tcsh", "csh", "ash", "nu", "elvish",
    "xonsh", "yash",
];

/// The base name of a program as a person would type it: no directory, no login `-`.
pub fn program_name(argv0: &str) -> &str {
    let base = argv0.rsplit('/').next().unwrap_or(argv0);
    base.strip_prefix('-').unwrap_or(base)
}

/// Whether `argv0` names a shell.
pub fn is_shell(argv0: &str) -> bool {
    SHELLS.contains(&program_name(argv0))
}

/// The command line of a process, unredacted; `None` when it is gone or has none.
fn cmdline(pid: u32) -> Option<Vec<String>> {
    chauffeur_procfs::cmdline(pid).filter(|argv| !argv.is_empty())
}

/// The working directory of a process.
pub fn cwd(pid: u32) -> Option<String> {
    Some(chauffeur_procfs::cwd(pid)?.to_string_lossy().into_owned())
}

/// The programs a pane runs in the foreground, unredacted: the foreground group leader's
/// command line, then, for a pipeline (`tail -f log | grep x`), the other members of its
/// process group among the shell's children, in the order the shell started them. Falls
/// back to the pane's own process when that is not a shell. `None` when the shell itself
/// is in the foreground.
pub fn programs(pane_pid: u32) -> Option<Vec<Vec<String>>> {
    let group = chauffeur_procfs::stat(pane_pid)
        .and_then(|s| s.tpgid)
        .unwrap_or(pane_pid);
    let leader = cmdline(group).or_else(|| {
        // The group leader exited but the group lives on; fall back to the pane's process.
        (group != pane_pid).then(|| cmdline(pane_pid)).flatten()
    })?;
    if is_shell(&leader[0]) {
        return None;
    }
    let mut programs = vec![leader];
    if group != pane_pid {
        programs.extend(
            chauffeur_procfs::children(pane_pid)
                .into_iter()
                .filter(|&child| {
                    child != group && chauffeur_procfs::stat(child).is_some_and(|s| s.pgrp == group)
                })
                .filter_map(cmdline),
        );
    }
    Some(programs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_shells() {
        assert_eq!(program_name("/usr/bin/nvim"), "nvim");
        assert_eq!(program_name("-bash"), "bash");
        assert!(is_shell("-zsh") && is_shell("/bin/sh") && !is_shell("less"));
    }

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(cmdline(me).is_some());
        assert!(cwd(me).is_some());
    }
}
