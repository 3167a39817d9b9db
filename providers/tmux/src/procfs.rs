//! What runs in a pane, read straight from `/proc` (no process is started per pane).
//!
//! The foreground program of a pane is the leader of the terminal's foreground process
//! group: `tpgid` (field 8 of `/proc/<pane_pid>/stat`) names it, and its
//! `/proc/<tpgid>/cmdline` is the full argument vector. Everything is best effort: a
//! process may exit while it is read, which yields `None`.

use std::fs;

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

/// The terminal's foreground process group (field 8 of `/proc/PID/stat`).
pub fn tpgid(pid: u32) -> Option<u32> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_tpgid(&stat)
}

/// Field 8 of a `/proc/PID/stat` line; fields are counted after the last `)`, since the
/// command name may hold spaces and parentheses. `None` when there is no terminal.
pub fn parse_tpgid(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    // rest starts at field 3 (state).
    let value: i64 = rest.split_whitespace().nth(5)?.parse().ok()?;
    u32::try_from(value).ok().filter(|v| *v > 0)
}

/// The command line of a process, unredacted; `None` when it is gone or has none.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    let raw = fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let argv = parse_cmdline(&raw);
    (!argv.is_empty()).then_some(argv)
}

/// Splits `/proc/PID/cmdline` (NUL-separated, usually NUL-terminated).
pub fn parse_cmdline(raw: &[u8]) -> Vec<String> {
    let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
    if raw.is_empty() {
        return Vec::new();
    }
    raw.split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The working directory of a process.
pub fn cwd(pid: u32) -> Option<String> {
    let path = fs::read_link(format!("/proc/{pid}/cwd")).ok()?;
    let text = path.to_string_lossy();
    Some(text.strip_suffix(" (deleted)").unwrap_or(&text).to_owned())
}

/// The program a pane runs in the foreground, unredacted: the foreground group leader's
/// command line, or the pane's own process when that is not a shell. `None` when the
/// shell itself is in the foreground.
pub fn foreground_argv(pane_pid: u32) -> Option<Vec<String>> {
    let leader = tpgid(pane_pid).unwrap_or(pane_pid);
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
    fn tpgid_from_stat() {
        let stat = "42 (a (b) c) S 1 42 42 34816 4242 4194304 0 0";
        assert_eq!(parse_tpgid(stat), Some(4242));
        assert_eq!(parse_tpgid("42 (x) S 1 42 42 0 -1 0"), None);
        assert_eq!(parse_tpgid("garbage"), None);
    }

    #[test]
    fn names_and_shells() {
        assert_eq!(program_name("/usr/bin/nvim"), "nvim");
        assert_eq!(program_name("-bash"), "bash");
        assert!(is_shell("-zsh") && is_shell("/bin/sh") && !is_shell("less"));
        assert_eq!(parse_cmdline(b"less\0a b\0"), vec!["less", "a b"]);
        assert!(parse_cmdline(b"").is_empty());
    }

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert!(cmdline(me).is_some());
        assert!(cwd(me).is_some());
    }
}
