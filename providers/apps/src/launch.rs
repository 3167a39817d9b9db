//! Starting a program detached from Chauffeur: its own session, no terminal, no pipes.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::item::ProcessData;

/// Starts the program of `data` and returns its pid without waiting for it.
///
/// The executable is `data.exe`; `argv[0]` is kept as captured so the relaunched process
/// has the same command line, hence the same key (a second restore sees it running).
/// It runs in `data.cwd`, with stdin/stdout/stderr on `/dev/null`, in a new session
/// (`setsid`), so it survives Chauffeur and gets no signals from its terminal. A thread
/// waits for it so it never lingers as a zombie.
pub fn launch(data: &ProcessData) -> Result<u32, String> {
    let cwd = Path::new(&data.cwd);
    if !cwd.is_dir() {
        return Err(format!("working directory no longer exists: {}", data.cwd));
    }
    let mut command = Command::new(&data.exe);
    command
        .args(data.argv.iter().skip(1))
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    detach(&mut command, data.argv.first().map(String::as_str));
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", data.exe))?;
    let pid = child.id();
    std::thread::Builder::new()
        .name(format!("apps-reap-{pid}"))
        .spawn(move || {
            let _ = child.wait();
        })
        .map_err(|e| format!("started {} (pid {pid}) but cannot watch it: {e}", data.exe))?;
    Ok(pid)
}

#[cfg(unix)]
fn detach(command: &mut Command, argv0: Option<&str>) {
    use std::os::unix::process::CommandExt;
    if let Some(argv0) = argv0 {
        command.arg0(argv0);
    }
    // SAFETY: the closure runs in the forked child before exec and only calls setsid(2),
    // which is async-signal-safe; it allocates nothing and touches no locks.
    unsafe {
        command.pre_exec(|| {
            nix::unistd::setsid()
                .map(|_| ())
                .map_err(std::io::Error::from)
        });
    }
}

#[cfg(not(unix))]
fn detach(_command: &mut Command, _argv0: Option<&str>) {}
