//! What runs in a pane, read straight from `/proc` (no process is started per pane).
//!
//! The foreground program of a pane is the leader of the terminal's foreground process
//! group: `tpgid` (field 8 of `/proc/<pane_pid>/stat`) names it, and its
//! `/proc/<tpgid>/cmdline` is the full argument vector. Everything is best effort: a
//! process may exit while it is read, which yields `None`.

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

/// The program a pane runs in the foreground, unredacted: the foreground group leader's
/// command line, or the pane's own process when that is not a shell. `None` when the
/// shell itself is in the foreground.
pub fn argv(pane_pid: u32) -> Option<Vec<String>> {
    let leader = chauffeur_procfs::stat(pane_pid)
        .and_then(|s| s.tpgid)
        .unwrap_or(pane_pid);
    let argv = cmdline(leader).or_else(|| {
        // The group leader exited but the group lives on; fall back to the pane's process.
        (leader != pane_pid).then(|| cmdline(pane_pid)).flatten()
    })?;
    if is_shell(&argv[0]) { None } else { Some(argv) }
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
