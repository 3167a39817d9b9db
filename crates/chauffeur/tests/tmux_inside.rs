//! `chauffeur save` and `chauffeur restore` typed into a tmux pane, the way most people
//! will run them: the daemon is started from inside tmux (so it inherits `TMUX`), and the
//! restore must rebuild the saved server, never the one the command was typed in.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::{Daemon, chauffeur_bin, text, wait_for};

const LIMIT: Duration = Duration::from_secs(30);

/// A tmux server on a private socket, killed when dropped.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    fn new(dir: &Path, name: &str) -> Tmux {
        Tmux {
            socket: dir.join(name),
        }
    }

    /// Runs tmux on this server; the test's own tmux (if any) is never addressed.
    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-u", "-f", "/dev/null", "-S"])
            .arg(&self.socket)
            .args(args)
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .env("SHELL", "/bin/sh")
            .output()
            .expect("tmux runs");
        assert!(out.status.success(), "tmux {args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }

    fn sessions(&self) -> Vec<String> {
        let out = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["list-sessions", "-F", "#{session_name}:#{session_windows}"])
            .output()
            .expect("tmux runs");
        let mut sessions: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
        sessions.sort();
        sessions
    }

    /// Types a command line into the first pane of `session` and waits for `marker`
    /// to appear in `file`, which the line writes when it is done.
    fn type_and_wait(&self, session: &str, line: &str, file: &Path, marker: &str) -> String {
        self.run(&["send-keys", "-t", session, "-l", line]);
        self.run(&["send-keys", "-t", session, "Enter"]);
        wait_for(LIMIT, || {
            let said = std::fs::read_to_string(file).ok()?;
            said.contains(marker).then_some(said)
        })
        .unwrap_or_else(|| {
            panic!(
                "{line:?} did not finish; the pane shows:\n{}",
                self.run(&["capture-pane", "-p", "-t", session])
            )
        })
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// Stops the daemon the CLI started from inside tmux.
struct StopDaemon<'a>(&'a Path);

impl Drop for StopDaemon<'_> {
    fn drop(&mut self) {
        let _ = Command::new(chauffeur_bin())
            .arg("stop")
            .env("CHAUFFEUR_HOME", self.0)
            .output();
    }
}

#[test]
fn save_and_restore_typed_inside_another_tmux_server() {
    let dir = tempfile::tempdir().expect("tmp");
    // The saved server is the *default* server of a private TMUX_TMPDIR: a provider that
    // let the inherited `TMUX` decide would find the terminal's server instead.
    let uid = nix::unistd::getuid();
    let tmux_dir = dir.path().join(format!("tmux-{uid}"));
    std::fs::create_dir(&tmux_dir).expect("tmux dir");
    std::fs::set_permissions(&tmux_dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    let saved = Tmux::new(&tmux_dir, "default");
    let terminal = Tmux::new(dir.path(), "terminal");
    let wrapper = dir.path().join("tmux-wrapper");
    // Servers the daemon starts get no user configuration and a plain shell, like the
    // ones the test starts.
    std::fs::write(
        &wrapper,
        "#!/bin/sh\nSHELL=/bin/sh exec tmux -f /dev/null \"$@\"\n",
    )
    .expect("wrapper");
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let home = Daemon::home_with(&format!(
        "[capture]\nauto_snapshot_minutes = 0\n\
             [providers.apps]\nenabled = false\n\
             [providers.tmux.settings]\ntmux = {:?}\n",
        wrapper.to_string_lossy()
    ));
    let home = home.path();

    let dir_text = dir.path().to_string_lossy().into_owned();
    saved.run(&["new-session", "-d", "-s", "work", "-c", &dir_text]);
    saved.run(&["new-window", "-t", "work:1", "-n", "logs", "-c", "/tmp"]);
    terminal.run(&["new-session", "-d", "-s", "term", "-x", "200", "-y", "50"]);

    let _stop = StopDaemon(home);
    let cli = format!(
        "TMUX_TMPDIR={tmp} CHAUFFEUR_HOME={home} CHAUFFEUR_PORT=0 {bin}",
        tmp = dir.path().display(),
        home = home.display(),
        bin = chauffeur_bin()
    );
    let save_out = dir.path().join("save.out");
    let said = terminal.type_and_wait(
        "term",
        &format!(
            "{cli} save > {0} 2>&1; echo exit=$? >> {0}",
            save_out.display()
        ),
        &save_out,
        "exit=",
    );
    assert!(said.contains("exit=0"), "{said}");
    assert!(
        said.lines()
            .any(|l| l.split_whitespace().take(2).eq(["tmux", "ok"])),
        "{said}"
    );

    saved.run(&["kill-server"]);
    let restore_out = dir.path().join("restore.out");
    let said = terminal.type_and_wait(
        "term",
        &format!(
            "{cli} restore > {0} 2>&1; echo exit=$? >> {0}",
            restore_out.display()
        ),
        &restore_out,
        "exit=",
    );
    assert!(said.contains("exit=0"), "{said}");

    // The saved server is back as it was; the server the command ran in is untouched.
    assert_eq!(saved.sessions(), ["work:2"], "{said}");
    assert_eq!(terminal.sessions(), ["term:1"], "{said}");
    let windows = saved.run(&["list-windows", "-t", "work", "-F", "#{window_name}"]);
    assert!(windows.lines().any(|w| w == "logs"), "{windows}");
}
