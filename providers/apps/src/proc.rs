//! The processes this provider looks at, read from `/proc` through `chauffeur-procfs`.
//! A process that exits while it is read is simply not returned.

use std::path::PathBuf;

pub use chauffeur_procfs::{boot_time, clock_ticks, current_uid};

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
    /// Working directory, when readable, without `" (deleted)"`.
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

/// Reads one process; `None` when it has gone, is a thread, or its executable is not
/// readable (kernel threads, other users' processes without permission).
pub fn read_process(pid: u32) -> Option<ProcInfo> {
    let (uid, tgid) = chauffeur_procfs::status(pid)?;
    if tgid != pid {
        return None;
    }
    let stat = chauffeur_procfs::stat(pid)?;
    Some(ProcInfo {
        pid,
        ppid: stat.ppid,
        uid,
        exe: chauffeur_procfs::exe(pid)?,
        argv: chauffeur_procfs::cmdline(pid)?,
        cwd: chauffeur_procfs::cwd(pid),
        start_ticks: stat.start_ticks,
        state: stat.state,
        flags: stat.flags,
        tty_nr: stat.tty_nr,
    })
}

/// Every readable process, in pid order.
pub fn all_processes() -> std::io::Result<Vec<ProcInfo>> {
    Ok(chauffeur_procfs::list_pids()?
        .into_iter()
        .filter_map(read_process)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let me = read_process(std::process::id()).unwrap();
        assert_eq!(me.uid, current_uid());
        assert!(me.exe.is_absolute());
        assert!(!me.argv.is_empty());
        assert!(!me.is_kernel_thread());
        assert!(!me.is_dead());
    }
}
