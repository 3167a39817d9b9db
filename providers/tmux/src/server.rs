//! Running tmux: which server a command goes to, how its arguments are protected, and
//! what its failures mean.
//!
//! Every command runs with `TMUX` and `TMUX_PANE` removed from the environment, so it
//! behaves the same inside and outside tmux and always talks to the server it names.

use std::io::ErrorKind;
use std::process::{Command, Stdio};

/// One tmux server, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServerSpec {
    /// The user's default server (no `-S`/`-L`; tmux applies `TMUX_TMPDIR` and the uid).
    Default,
    /// A socket path (`tmux -S PATH`).
    Socket(String),
    /// A socket name (`tmux -L NAME`).
    Name(String),
}

impl ServerSpec {
    /// Reads a configured server: a path when it contains `/`, a socket name otherwise;
    /// `""` is the default server.
    pub fn parse(text: &str) -> Self {
        if text.is_empty() {
            ServerSpec::Default
        } else if text.contains('/') {
            ServerSpec::Socket(text.to_owned())
        } else {
            ServerSpec::Name(text.to_owned())
        }
    }

    /// The configured text this spec came from (`""` for the default server); stored in
    /// item data so restore goes back to the same server.
    pub fn label(&self) -> &str {
        match self {
            ServerSpec::Default => "",
            ServerSpec::Socket(s) | ServerSpec::Name(s) => s,
        }
    }

    /// The global tmux arguments that select this server.
    pub fn args(&self) -> Vec<String> {
        match self {
            ServerSpec::Default => Vec::new(),
            ServerSpec::Socket(path) => vec!["-S".into(), path.clone()],
            ServerSpec::Name(name) => vec!["-L".into(), name.clone()],
        }
    }
}

/// Why a tmux command did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TmuxError {
    /// The tmux binary cannot be started.
    NotInstalled(String),
    /// No server listens on the socket.
    NoServer(String),
    /// tmux ran and reported an error.
    Failed(String),
}

impl std::fmt::Display for TmuxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TmuxError::NotInstalled(m) => write!(f, "tmux cannot be run: {m}"),
            TmuxError::NoServer(m) => write!(f, "no tmux server: {m}"),
            TmuxError::Failed(m) => write!(f, "tmux failed: {m}"),
        }
    }
}

/// A tmux binary talking to one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tmux {
    /// The binary (path or name in `PATH`).
    pub binary: String,
    /// The server.
    pub server: ServerSpec,
}

impl Tmux {
    /// A runner for `server` using `binary`.
    pub fn new(binary: &str, server: ServerSpec) -> Self {
        Tmux {
            binary: binary.to_owned(),
            server,
        }
    }

    /// Runs one tmux command (its name and arguments, unescaped) and returns its stdout.
    pub fn run<S: AsRef<str>>(&self, command: &[S]) -> Result<String, TmuxError> {
        self.run_chain(&[command.iter().map(|a| a.as_ref().to_owned()).collect()])
    }

    /// Runs several tmux commands in one invocation (tmux's `\;` chaining) and returns
    /// their stdout. tmux stops at the first command that fails.
    pub fn run_chain(&self, commands: &[Vec<String>]) -> Result<String, TmuxError> {
        let mut cmd = Command::new(&self.binary);
        // `-u`: without a UTF-8 locale (a daemon started by a service manager has none)
        // tmux would print our `\x1f`/`\x1e` separators as `_`.
        cmd.arg("-u")
            .args(self.server.args())
            .args(chain_args(commands))
            .env_remove("TMUX")
            .env_remove("TMUX_PANE")
            .stdin(Stdio::null());
        let output = cmd.output().map_err(|e| match e.kind() {
            ErrorKind::NotFound | ErrorKind::PermissionDenied => {
                TmuxError::NotInstalled(format!("{}: {e}", self.binary))
            }
            _ => TmuxError::Failed(format!("{}: {e}", self.binary)),
        })?;
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            return Ok(stdout);
        }
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_owned();
        if is_no_server(&stderr) {
            Err(TmuxError::NoServer(stderr))
        } else {
            Err(TmuxError::Failed(if stderr.is_empty() {
                format!("exit status {}", output.status)
            } else {
                stderr
            }))
        }
    }
}

/// Whether tmux's error says that no server listens on the socket.
fn is_no_server(stderr: &str) -> bool {
    stderr.contains("no server running")
        || stderr.contains("error connecting to")
        || stderr.contains("server exited unexpectedly")
}

/// Joins commands into one argument vector with `;` separators, protecting arguments.
pub fn chain_args(commands: &[Vec<String>]) -> Vec<String> {
    let mut args = Vec::new();
    for (i, command) in commands.iter().enumerate() {
        if i > 0 {
            args.push(";".to_owned());
        }
        let mut words = command.iter();
        if let Some(name) = words.next() {
            args.push(name.clone());
        }
        args.extend(words.map(|w| protect_arg(w)));
    }
    args
}

/// tmux ends a command at an argument that ends with `;`; `\;` keeps a literal `;`.
pub fn protect_arg(arg: &str) -> String {
    match arg.strip_suffix(';') {
        Some(head) => format!("{head}\\;"),
        None => arg.to_owned(),
    }
}

/// Escapes text that tmux expands as a format (names, titles, directories): `#` → `##`.
pub fn literal(text: &str) -> String {
    text.replace('#', "##")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        assert_eq!(ServerSpec::parse(""), ServerSpec::Default);
        assert_eq!(ServerSpec::parse("/a/b"), ServerSpec::Socket("/a/b".into()));
        assert_eq!(ServerSpec::parse("work"), ServerSpec::Name("work".into()));
        assert_eq!(ServerSpec::Name("w".into()).args(), vec!["-L", "w"]);
        assert!(ServerSpec::Default.args().is_empty());
        assert_eq!(ServerSpec::Socket("/s".into()).label(), "/s");
    }

    #[test]
    fn chaining_protects_semicolons() {
        let args = chain_args(&[
            vec!["rename-window".into(), "a;".into()],
            vec!["send-keys".into(), "-l".into(), "x\\;".into()],
        ]);
        assert_eq!(
            args,
            vec!["rename-window", "a\\;", ";", "send-keys", "-l", "x\\\\;"]
        );
        assert_eq!(protect_arg("plain"), "plain");
        assert_eq!(literal("a#{b}#"), "a##{b}##");
    }

    #[test]
    fn missing_binary_is_not_installed() {
        let t = Tmux::new("/nonexistent/tmux-binary", ServerSpec::Default);
        assert!(matches!(
            t.run(&["list-sessions"]),
            Err(TmuxError::NotInstalled(_))
        ));
    }
}
