//! The child side: `chauffeur plugin-host --library PATH --name NAME` loads one library and
//! answers calls from the daemon over its stdin and stdout until stdin closes.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context;
use chauffeur_core::ProviderError;

use super::frame::{FrameError, read_sync, write_sync};
use super::protocol::{Hello, Outcome, Request, Response};
use crate::{dylib, host_api};

/// Serves one plugin library on stdin/stdout. The protocol keeps the original stdin and
/// stdout to itself: the plugin's own writes to stdout go to stderr (which the daemon
/// logs), and it reads `/dev/null` as stdin. Returns when the daemon closes stdin.
pub fn serve_stdio(library: &Path, name: &str) -> anyhow::Result<()> {
    let (input, output) = take_stdio().context("cannot set up the protocol pipes")?;
    let mut input = BufReader::new(File::from(input));
    let mut output = BufWriter::new(File::from(output));

    let table = match dylib::load(library, name) {
        Ok((vtable, table)) => {
            let changed = Arc::new(AtomicBool::new(false));
            let flag = Arc::clone(&changed);
            let hook: host_api::StateChangedHook =
                Arc::new(move |_: &str| flag.store(true, Ordering::SeqCst));
            if let Err(e) = host_api::init_plugin(&vtable, name, Some(hook)) {
                write_sync(&mut output, &Hello::Failed(e.clone()))?;
                anyhow::bail!(e);
            }
            (vtable, table, changed)
        }
        Err(e) => {
            write_sync(&mut output, &Hello::Failed(e.to_string()))?;
            anyhow::bail!(e);
        }
    };
    let (vtable, table, changed) = table;
    write_sync(&mut output, &Hello::Ready(table.name().to_owned()))?;

    loop {
        let request: Request = match read_sync(&mut input) {
            Ok(request) => request,
            Err(FrameError::Closed) => break,
            Err(e) => return Err(e).context("reading a request from the daemon"),
        };
        let result = match table.call(&request.func, &request.args) {
            Ok(value) => Outcome::Ok(value),
            Err(ProviderError::Unavailable(m)) => Outcome::Unavailable(m),
            Err(e) => Outcome::Failed(e.to_string()),
        };
        let response = Response {
            result,
            state_changed: changed.swap(false, Ordering::SeqCst),
        };
        if let Err(e) = write_sync(&mut output, &response) {
            // An answer over the cap: say so instead of dying, so the daemon can go on.
            if matches!(e, FrameError::TooBig(_)) {
                let refusal = Response {
                    result: Outcome::Failed(format!(
                        "{name}.{}: the answer is too big to send: {e}",
                        request.func
                    )),
                    state_changed: false,
                };
                write_sync(&mut output, &refusal)?;
                continue;
            }
            return Err(e).context("writing an answer to the daemon");
        }
    }
    if let Some(shutdown) = vtable.shutdown {
        // SAFETY: the plugin's `chauffeur_plugin_shutdown`, called once, after all calls.
        unsafe { shutdown() };
    }
    Ok(())
}

/// Moves the protocol to private copies of fds 0 and 1, then points fd 1 at stderr and
/// fd 0 at `/dev/null`, so nothing the plugin prints can corrupt a frame.
fn take_stdio() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let dup = |fd| {
        // SAFETY: duplicating a standard descriptor of this process; the result is checked.
        let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 3) };
        if copy < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `copy` is a fresh descriptor nothing else owns.
        Ok(unsafe { OwnedFd::from_raw_fd(copy) })
    };
    let input = dup(0)?;
    let output = dup(1)?;
    let null = File::open("/dev/null")?;
    for (from, to) in [(2, 1), (std::os::fd::AsRawFd::as_raw_fd(&null), 0)] {
        // SAFETY: both descriptors are open; dup2 only replaces `to`, whose protocol
        // copy was taken above.
        if unsafe { libc::dup2(from, to) } < 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok((input, output))
}
