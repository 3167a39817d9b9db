//! Reading processes straight from `/proc` (Linux). No `ps`, no parsing of tools' output.
//!
//! Everything here is best effort: a process can exit between listing `/proc` and reading
//! its files, so any unreadable process is simply not returned.

use std::fs;
use std::path::{Path, PathBuf};

/// `PF_KTHREAD` in `/proc/PID/stat` field 9: the task is a kernel thread.
const PF_KTHREAD: u64 = 0x0020_0000;

/// What Chauffeur knows about one running process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcInfo {
    /// Process id (a thread-group id; threads are never listed).
    pub pid: u32,
    /// Parent process id.
    pub ppid: u32,
    /// Real user id.
    pub uid: u32,
    /// Resolved executable path, without the kernel's `" (deleted)"` suffix.
    pub exe: PathBuf,
    /// The command line, unredacted; never store this as is.
    pub argv: Vec<String>,
    /// Working directory, when readable.
    pub cwd: Option<PathBuf>,
    /// Start time in clock ticks after boot (`/proc/PID/stat` field 22).
    pub start_ticks: u64,
    /// Process state letter (`R`, `S`, `Z`, ...).
    pub state: char,
    /// Kernel task flags (`/proc/PID/stat` field 9).
    pub flags: u64,
    /// Controlling terminal device (`/proc/PID/stat` field 7); 0 when it has none.
    pub tty_nr: u64,
}

impl ProcInfo {
    /// Base name of the executable (`/usr/bin/sleep` → `sleep`).
    pub fn exe_name(&self) -> String {
        base_name(&self.exe.to_string_lossy())
    }

    /// Base name of `argv[0]`, which may differ from the executable (`sh` → `dash`).
    pub fn argv0_name(&self) -> Option<String> {
        self.argv.first().map(|a| base_name(a))
    }

    /// True for kernel threads: flagged `PF_KTHREAD`, child of `kthreadd`, or no command line.
    pub fn is_kernel_thread(&self) -> bool {
        self.flags & PF_KTHREAD != 0 || self.ppid == 2 || self.argv.is_empty()
    }

    /// True when its executable lives only in memory (`memfd_create`, shown as
    /// `/memfd:NAME`): there is no file to start it from again.
    pub fn runs_from_memory(&self) -> bool {
        self.exe.to_string_lossy().starts_with("/memfd:")
    }

    /// True when it runs in a terminal (it has a controlling terminal).
    pub fn has_terminal(&self) -> bool {
        self.tty_nr != 0
    }

    /// True for zombies and dead tasks, which cannot be relaunched or compared.
    pub fn is_dead(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// The last path component of `path` (the whole string when it has no `/`).
pub fn base_name(path: &str) -> String {
    path.rsplit('/').next().unwrap_or(path).to_owned()
}

/// The ids of every process (thread group) in `/proc`; threads are not listed there.
pub fn list_pids() -> std::io::Result<Vec<u32>> {
    let mut pids: Vec<u32> = fs::read_dir("/proc")?
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse().ok()))
        .collect();
    pids.sort_unstable();
    Ok(pids)
}

/// Reads one process; `None` when it has gone, is a thread, or its executable is not
/// readable (kernel threads, other users' processes without permission).
pub fn read_process(pid: u32) -> Option<ProcInfo> {
    let dir = PathBuf::from(format!("/proc/{pid}"));
    let status = fs::read_to_string(dir.join("status")).ok()?;
    let (uid, tgid) = parse_status(&status)?;
    if tgid != pid {
        return None;
    }
    let stat = fs::read_to_string(dir.join("stat")).ok()?;
    let stat = parse_stat(&stat)?;
    let exe = fs::read_link(dir.join("exe")).ok()?;
    let exe = strip_deleted(&exe);
    let argv = parse_cmdline(&fs::read(dir.join("cmdline")).ok()?);
    let cwd = fs::read_link(dir.join("cwd")).ok();
    Some(ProcInfo {
        pid,
        ppid: stat.ppid,
        uid,
        exe,
        argv,
        cwd,
        start_ticks: stat.start_ticks,
        state: stat.state,
        flags: stat.flags,
        tty_nr: stat.tty_nr,
    })
}

/// Every readable process, in pid order.
pub fn all_processes() -> std::io::Result<Vec<ProcInfo>> {
    Ok(list_pids()?.into_iter().filter_map(read_process).collect())
}

/// Removes the `" (deleted)"` the kernel appends to an executable replaced on disk.
pub fn strip_deleted(exe: &Path) -> PathBuf {
    let text = exe.to_string_lossy();
    match text.strip_suffix(" (deleted)") {
        Some(stripped) => PathBuf::from(stripped),
        None => exe.to_path_buf(),
    }
}

/// Splits `/proc/PID/cmdline` (NUL-separated, usually NUL-terminated) into arguments.
pub fn parse_cmdline(raw: &[u8]) -> Vec<String> {
    let raw = raw.strip_suffix(&[0]).unwrap_or(raw);
    if raw.is_empty() {
        return Vec::new();
    }
    raw.split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect()
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

/// The fields of `/proc/PID/stat` this crate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stat {
    /// Field 3.
    pub state: char,
    /// Field 4.
    pub ppid: u32,
    /// Field 7.
    pub tty_nr: u64,
    /// Field 9.
    pub flags: u64,
    /// Field 22, in clock ticks after boot.
    pub start_ticks: u64,
}

/// Parses `/proc/PID/stat`. The command name (field 2) may hold spaces and parentheses,
/// so fields are counted from the last `)`.
pub fn parse_stat(stat: &str) -> Option<Stat> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // fields[0] is field 3 of the man page.
    let field = |n: usize| fields.get(n - 3).copied();
    Some(Stat {
        state: field(3)?.chars().next()?,
        ppid: field(4)?.parse().ok()?,
        tty_nr: field(7)?.parse().ok()?,
        flags: field(9)?.parse().ok()?,
        start_ticks: field(22)?.parse().ok()?,
    })
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
        let line = "1234 (we ird) (x)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 98765 1000 10";
        let stat = parse_stat(line).unwrap();
        assert_eq!(stat.state, 'S');
        assert_eq!(stat.ppid, 1);
        assert_eq!(stat.tty_nr, 0);
        assert_eq!(stat.flags, 4_194_560);
        assert_eq!(stat.start_ticks, 98_765);
    }

    #[test]
    fn cmdline_split() {
        assert_eq!(parse_cmdline(b"sleep\x001000\0"), vec!["sleep", "1000"]);
        assert_eq!(parse_cmdline(b"a\0\0b\0"), vec!["a", "", "b"]);
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
    fn reads_this_process() {
        let me = read_process(std::process::id()).unwrap();
        assert_eq!(me.uid, current_uid());
        assert!(me.exe.is_absolute());
        assert!(!me.argv.is_empty());
        assert!(!me.is_kernel_thread());
        assert!(clock_ticks() > 0);
        assert!(boot_time().unwrap() > 1_000_000_000);
    }
}
