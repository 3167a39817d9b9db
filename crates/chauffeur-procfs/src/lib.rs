//! What providers read about processes straight from `/proc` (Linux): no `ps`, no
//! parsing of other tools' output, no process started to find out.
//!
//! Everything is best effort: a process can exit between listing `/proc` and reading its
//! files, so whatever cannot be read is `None`.
//!
//! The `procfs` crate would parse `stat` and `status` as well, but its command lines drop
//! empty arguments and refuse non-UTF-8 ones; a restore must start a program with exactly
//! the arguments it had, so the few fields needed are read here.

use std::fs;
use std::path::{Path, PathBuf};

/// The fields of `/proc/PID/stat` Chauffeur uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// Field 3: state letter (`R`, `S`, `Z`, ...).
    pub state: char,
    /// Field 4: parent process id.
    pub ppid: u32,
    /// Field 5: process group id.
    pub pgrp: u32,
    /// Field 7: controlling terminal device; 0 when there is none.
    pub tty_nr: u64,
    /// Field 8: the terminal's foreground process group, when there is a terminal.
    pub tpgid: Option<u32>,
    /// Field 9: kernel task flags.
    pub flags: u64,
    /// Field 22: start time in clock ticks after boot.
    pub start_ticks: u64,
}

/// Parses `/proc/PID/stat`. The command name (field 2) may hold spaces and parentheses,
/// so fields are counted from the last `)`.
pub fn parse_stat(stat: &str) -> Option<Stat> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 of the man page.
    let field = |n: usize| fields.get(n - 3).copied();
    let tpgid: i64 = field(8)?.parse().ok()?;
    Some(Stat {
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        pgrp: field(5)?.parse().ok()?,
        tty_nr: field(7)?.parse().ok()?,
        tpgid: u32::try_from(tpgid).ok().filter(|g| *g > 0),
        flags: field(9)?.parse().ok()?,
        start_ticks: field(22)?.parse().ok()?,
    })
}

/// Reads and parses `/proc/PID/stat`.
pub fn stat(pid: u32) -> Option<Stat> {
    parse_stat(&fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// The children of a process (`/proc/PID/task/PID/children`), in pid order; empty when
/// the kernel does not list them.
pub fn children(pid: u32) -> Vec<u32> {
    let list = fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let mut children: Vec<u32> = list
        .split_whitespace()
        .filter_map(|c| c.parse().ok())
        .collect();
    children.sort_unstable();
    children
}

/// The real uid and the thread-group id from `/proc/PID/status`.
pub fn parse_status(status: &str) -> Option<(u32, u32)> {
    let mut uid = None;
    let mut tgid = None;
    for line in status.lines() {
        if let Some(rest) = line.strip_prefix("Uid:") {
            uid = rest.split_whitespace().next().and_then(|u| u.parse().ok());
        } else if let Some(rest) = line.strip_prefix("Tgid:") {
            tgid = rest.trim().parse().ok();
        }
    }
    Some((uid?, tgid?))
}

/// Reads `/proc/PID/status`: the real uid and the thread-group id.
pub fn status(pid: u32) -> Option<(u32, u32)> {
    parse_status(&fs::read_to_string(format!("/proc/{pid}/status")).ok()?)
}

/// Splits `/proc/PID/cmdline` (NUL-separated, usually NUL-terminated) into arguments,
/// keeping empty ones.
pub fn parse_cmdline(raw: &[u8]) -> Vec<String> {
    let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
    if raw.is_empty() {
        return Vec::new();
    }
    raw.split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
}

/// The command line of a process, unredacted (never store it as is); empty for zombies
/// and kernel threads, `None` when the process is gone.
pub fn cmdline(pid: u32) -> Option<Vec<String>> {
    Some(parse_cmdline(
        &fs::read(format!("/proc/{pid}/cmdline")).ok()?,
    ))
}

/// Removes the `" (deleted)"` the kernel appends to a file replaced or removed on disk.
pub fn strip_deleted(path: &Path) -> PathBuf {
    let text = path.to_string_lossy();
    match text.strip_suffix(" (deleted)") {
        Some(stripped) => PathBuf::from(stripped),
        None => path.to_path_buf(),
    }
}

/// The executable of a process, without `" (deleted)"`.
pub fn exe(pid: u32) -> Option<PathBuf> {
    Some(strip_deleted(
        &fs::read_link(format!("/proc/{pid}/exe")).ok()?,
    ))
}

/// The working directory of a process, without `" (deleted)"`.
pub fn cwd(pid: u32) -> Option<PathBuf> {
    Some(strip_deleted(
        &fs::read_link(format!("/proc/{pid}/cwd")).ok()?,
    ))
}

/// The ids of every process (thread group) in `/proc`, in order; threads are not listed.
pub fn list_pids() -> std::io::Result<Vec<u32>> {
    let mut pids: Vec<u32> = fs::read_dir("/proc")?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// Boot time in seconds since the epoch (`btime` in `/proc/stat`).
pub fn boot_time() -> Option<u64> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    stat.lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// Clock ticks per second (`sysconf(_SC_CLK_TCK)`), 100 when it cannot be read.
#[cfg(unix)]
pub fn clock_ticks() -> u64 {
    nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK)
        .ok()
        .flatten()
        .and_then(|t| u64::try_from(t).ok())
        .filter(|t| *t > 0)
        .unwrap_or(100)
}

/// Clock ticks per second; `/proc` does not exist off Unix, so this is never used there.
#[cfg(not(unix))]
pub fn clock_ticks() -> u64 {
    100
}

/// The user this process runs as.
#[cfg(unix)]
pub fn current_uid() -> u32 {
    nix::unistd::getuid().as_raw()
}

/// The user this process runs as; there is no uid off Unix.
#[cfg(not(unix))]
pub fn current_uid() -> u32 {
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_odd_command_names() {
        let line = "1234 (we ird) (x)) S 1 1234 1234 34816 4242 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10";
        let stat = parse_stat(line).unwrap();
        assert_eq!(stat.state, 'S');
        assert_eq!(stat.ppid, 1);
        assert_eq!(stat.pgrp, 1234);
        assert_eq!(stat.tty_nr, 34816);
        assert_eq!(stat.tpgid, Some(4242));
        assert_eq!(stat.flags, 4_194_560);
        assert_eq!(stat.start_ticks, 98_765);
        let detached = "42 (x) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0 0";
        assert_eq!(parse_stat(detached).unwrap().tpgid, None);
        assert_eq!(parse_stat("garbage"), None);
    }

    #[test]
    fn cmdline_split_keeps_empty_arguments() {
        assert_eq!(parse_cmdline(b"sleep\x001000\0"), vec!["sleep", "1000"]);
        assert_eq!(parse_cmdline(b"a\0\0b\0"), vec!["a", "", "b"]);
        assert_eq!(parse_cmdline(b"less\0a b\0"), vec!["less", "a b"]);
        assert!(parse_cmdline(b"").is_empty());
    }

    #[test]
    fn deleted_suffix_is_removed() {
        assert_eq!(
            strip_deleted(Path::new("/tmp/x/app (deleted)")),
            PathBuf::from("/tmp/x/app")
        );
        assert_eq!(
            strip_deleted(Path::new("/bin/ls")),
            PathBuf::from("/bin/ls")
        );
    }

    #[test]
    fn status_fields() {
        let s = "Name:\tsleep\nTgid:\t42\nPid:\t42\nUid:\t1000\t1000\t1000\t1000\n";
        assert_eq!(parse_status(s), Some((1000, 42)));
    }

    #[test]
    fn lists_the_children_of_a_shell() {
        use std::io::{BufRead, BufReader};
        let mut shell = std::process::Command::new("sh")
            .args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(shell.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let sleeper: u32 = line.trim().parse().unwrap();
        let listed = children(shell.id());
        std::process::Command::new("kill")
            .arg(sleeper.to_string())
            .status()
            .unwrap();
        shell.wait().unwrap();
        assert_eq!(listed, [sleeper]);
    }

    #[test]
    fn reads_this_process() {
        let me = std::process::id();
        assert_eq!(status(me), Some((current_uid(), me)));
        assert!(stat(me).is_some());
        assert!(exe(me).is_some_and(|e| e.is_absolute()));
        assert!(cmdline(me).is_some_and(|a| !a.is_empty()));
        assert!(cwd(me).is_some());
        assert!(list_pids().unwrap().contains(&me));
        assert!(clock_ticks() > 0);
        assert!(clock_ticks() > 0);
        assert!(boot_time().unwrap() > 1_000_000_000);
    }
}
