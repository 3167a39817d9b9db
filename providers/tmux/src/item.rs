//! The shape of captured sessions, windows and panes in the state envelope: data, keys
//! and titles.
//!
//! Keys: `SESSION`, `SESSION:WINDOW_INDEX`, `SESSION:WINDOW_INDEX:PANE_INDEX`. In the
//! session name `%` is written `%25` and `:` `%3A` (tmux itself turns `:` and `.` in
//! session names into `_`, so this is only a safeguard), which keeps the last two parts
//! unambiguous. When several servers are configured every key starts with the server as
//! configured and a `/` (`%`, `:` and `/` escaped in it): `work/main:1:0`.

use serde::{Deserialize, Serialize};

use chauffeur_core::Item;
use chauffeur_core::redact::REDACTED;

/// Item kind of a session.
pub const SESSION: &str = "session";
/// Item kind of a window.
pub const WINDOW: &str = "window";
/// Item kind of a pane.
pub const PANE: &str = "pane";

/// `data` of a `session` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionData {
    /// The server as configured (`""`: the default server).
    #[serde(default)]
    pub server: String,
    /// The session name, unescaped.
    pub name: String,
    /// Window indexes, in order.
    #[serde(default)]
    pub windows: Vec<u32>,
    /// Index of the current window.
    #[serde(default)]
    pub active_window: Option<u32>,
    /// Whether a client was attached (informative; restore never attaches).
    #[serde(default)]
    pub attached: bool,
}

/// `data` of a `window` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowData {
    /// The server as configured.
    #[serde(default)]
    pub server: String,
    /// The session name, unescaped.
    pub session: String,
    /// Index in the session.
    pub index: u32,
    /// The window name, unescaped.
    pub name: String,
    /// Named by hand (`automatic-rename` off): restore sets the name and keeps it.
    #[serde(default)]
    pub renamed: bool,
    /// The layout without pane ids, unzoomed (see [`crate::layout`]).
    pub layout: String,
    /// Index of the current pane.
    #[serde(default)]
    pub active_pane: u32,
    /// Whether the current pane is zoomed.
    #[serde(default)]
    pub zoomed: bool,
}

/// `data` of a `pane` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaneData {
    /// The server as configured.
    #[serde(default)]
    pub server: String,
    /// The session name, unescaped.
    pub session: String,
    /// The window index.
    pub window: u32,
    /// Index in the window.
    pub index: u32,
    /// Working directory of the pane's shell.
    #[serde(default)]
    pub cwd: String,
    /// The pane title.
    #[serde(default)]
    pub title: String,
    /// The window's current pane.
    #[serde(default)]
    pub active: bool,
    /// The foreground program's argument vector, secrets redacted; absent when the shell
    /// is in the foreground.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program: Option<Vec<String>>,
    /// The programs `program` pipes into (`program | a | b`), in order, secrets redacted;
    /// empty when it runs alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub piped_to: Vec<Vec<String>>,
    /// The last lines of the pane (only when `capture_contents_lines` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contents: Option<String>,
    /// The pane's process id at capture (informative; changes on every restore).
    #[serde(default)]
    pub pid: u32,
}

impl PaneData {
    /// Whether redaction removed a secret from the program's command line, so running it
    /// again would not do the same thing.
    pub fn is_redacted(&self) -> bool {
        self.programs().flatten().any(|arg| arg.contains(REDACTED))
    }

    /// Every program of the pane's foreground pipeline, first to last (none when the shell
    /// was in the foreground).
    pub fn programs(&self) -> impl Iterator<Item = &Vec<String>> {
        self.program.iter().chain(
            self.program
                .is_some()
                .then_some(&self.piped_to)
                .into_iter()
                .flatten(),
        )
    }

    /// The program's command line, quoted for a POSIX shell (or fish), with its pipeline.
    pub fn command_line(&self) -> Option<String> {
        self.program.as_ref()?;
        let quoted: Vec<String> = self
            .programs()
            .map(|argv| {
                argv.iter()
                    .map(|a| shell_quote(a))
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        Some(quoted.join(" | "))
    }
}

/// Quotes one word for a shell: unchanged when it only holds safe characters, otherwise in
/// single quotes with `'` written `'\''`.
pub fn shell_quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=+,:@%^".contains(c));
    if safe {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

fn escape(part: &str, slash: bool) -> String {
    let mut out = String::with_capacity(part.len());
    for c in part.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            '/' if slash => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    out
}

/// Builds item keys for one server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys for `server`; `with_server` puts the server in front (several servers).
    pub fn new(server: &str, with_server: bool) -> Self {
        Keys {
            prefix: if with_server {
                format!("{}/", escape(server, true))
            } else {
                String::new()
            },
        }
    }

    /// The key of a session.
    pub fn session(&self, session: &str) -> String {
        format!("{}{}", self.prefix, escape(session, false))
    }

    /// The key of a window.
    pub fn window(&self, session: &str, index: u32) -> String {
        format!("{}:{index}", self.session(session))
    }

    /// The key of a pane.
    pub fn pane(&self, session: &str, window: u32, index: u32) -> String {
        format!("{}:{index}", self.window(session, window))
    }
}

/// Reads an item's data as `T` when the item has the expected kind.
pub fn data_of<T: for<'de> Deserialize<'de>>(item: &Item, kind: &str) -> Option<T> {
    if item.kind != kind {
        return None;
    }
    serde_json::from_value(item.data.clone()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unambiguous() {
        let k = Keys::new("", false);
        assert_eq!(k.session("my work"), "my work");
        assert_eq!(k.window("a:b", 2), "a%3Ab:2");
        assert_eq!(k.pane("100%", 2, 1), "100%25:2:1");
        let k = Keys::new("/tmp/s:x/sock", true);
        assert_eq!(k.pane("w/x", 0, 3), "%2Ftmp%2Fs%3Ax%2Fsock/w/x:0:3");
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("file.txt"), "file.txt");
        assert_eq!(shell_quote("my file"), "'my file'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        let pane = PaneData {
            server: String::new(),
            session: "s".into(),
            window: 0,
            index: 0,
            cwd: "/".into(),
            title: String::new(),
            active: true,
            program: Some(vec!["less".into(), "a b.txt".into()]),
            piped_to: Vec::new(),
            contents: None,
            pid: 1,
        };
        assert_eq!(pane.command_line().unwrap(), "less 'a b.txt'");
        assert!(!pane.is_redacted());
        let piped = PaneData {
            program: Some(vec!["tail".into(), "-f".into(), "my log".into()]),
            piped_to: vec![
                vec!["grep".into(), "a|b".into()],
                vec!["curl".into(), format!("--token={REDACTED}")],
            ],
            ..pane.clone()
        };
        assert_eq!(
            piped.command_line().unwrap(),
            "tail -f 'my log' | grep 'a|b' | curl '--token=[REDACTED]'"
        );
        assert!(piped.is_redacted());
        let shell = PaneData {
            program: None,
            ..piped
        };
        assert_eq!(shell.command_line(), None);
        assert_eq!(shell.programs().count(), 0);
    }
}
