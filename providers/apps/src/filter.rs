//! Which processes are "programs of interest" (see `docs/apps.md`).
//!
//! Kept simple on purpose: the current user's processes that have a real executable,
//! minus kernel threads, this process, and a list of base names (shells, daemons and
//! session plumbing). The provider's settings can narrow it (`include`) or extend the
//! list (`exclude`).

use serde::Deserialize;

use crate::proc::ProcInfo;

/// Base names never captured. An entry ending in `*` matches any name with that prefix.
pub const DEFAULT_EXCLUDED: &[&str] = &[
    // shells
    "bash",
    "sh",
    "zsh",
    "fish",
    "dash",
    "ksh",
    "tcsh",
    "csh",
    // daemons and session plumbing
    "systemd",
    "systemd-*",
    "(sd-pam)",
    "init",
    "dbus-daemon",
    "dbus-broker",
    "dbus-broker-launch",
    "pulseaudio",
    "pipewire*",
    "wireplumber",
    "gpg-agent",
    "ssh-agent",
    "at-spi*",
    "xdg-*",
    "gvfs*",
    "Xvfb",
    "Xorg",
    "X",
    "tmux",
    "tmux:*",
    "sshd",
    "sshd-session",
    "login",
    "sudo",
    "su",
    // Chauffeur itself (the daemon, the CLI and `chauffeur plugin-host` children)
    "chauffeur",
];

/// The provider's settings (`[providers.apps.settings]` in `config.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// When non-empty, only programs with these base names are captured.
    pub include: Vec<String>,
    /// Extra base names (or `prefix*` patterns) to leave out.
    pub exclude: Vec<String>,
}

impl Settings {
    /// Reads settings from the options' JSON; `null` means the defaults.
    pub fn from_value(value: &serde_json::Value) -> Result<Self, String> {
        if value.is_null() {
            return Ok(Settings::default());
        }
        serde_json::from_value(value.clone()).map_err(|e| format!("invalid apps settings: {e}"))
    }
}

/// Decides which processes are captured.
#[derive(Debug, Clone)]
pub struct Filter {
    uid: u32,
    own_pid: u32,
    settings: Settings,
}

impl Filter {
    /// A filter for the user `uid`, leaving out the process `own_pid` (the caller).
    pub fn new(uid: u32, own_pid: u32, settings: Settings) -> Self {
        Filter {
            uid,
            own_pid,
            settings,
        }
    }

    /// Whether a process is one of the user's programs (before any name rule): same user,
    /// alive, not a kernel thread, not the caller itself.
    pub fn is_users_program(&self, p: &ProcInfo) -> bool {
        p.uid == self.uid && p.pid != self.own_pid && !p.is_dead() && !p.is_kernel_thread()
    }

    /// Whether a process is captured.
    pub fn keeps(&self, p: &ProcInfo) -> bool {
        // A program in a terminal belongs to that terminal (the tmux provider brings it
        // back in its pane); relaunched detached it would have no terminal to run in.
        if !self.is_users_program(p) || p.has_terminal() || p.runs_from_memory() {
            return false;
        }
        let names = names_of(p);
        if !self.settings.include.is_empty()
            && !names
                .iter()
                .any(|n| self.settings.include.iter().any(|i| matches(i, n)))
        {
            return false;
        }
        let mut excluded = DEFAULT_EXCLUDED
            .iter()
            .copied()
            .chain(self.settings.exclude.iter().map(String::as_str));
        !excluded.any(|pattern| names.iter().any(|n| matches(pattern, n)))
    }
}

/// The names a rule is matched against: the executable's base name and `argv[0]`'s,
/// so `sh` (really `dash`) and a renamed copy are both recognised.
fn names_of(p: &ProcInfo) -> Vec<String> {
    let mut names = vec![p.exe_name()];
    if let Some(a0) = p.argv0_name()
        && !names.contains(&a0)
    {
        names.push(a0);
    }
    names
}

/// `pattern` is a base name, or a prefix ending in `*`.
pub fn matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn proc_named(exe: &str, argv0: &str) -> ProcInfo {
        ProcInfo {
            pid: 100,
            ppid: 1,
            uid: 1000,
            exe: PathBuf::from(exe),
            argv: vec![argv0.to_owned(), "x".to_owned()],
            cwd: None,
            start_ticks: 0,
            state: 'S',
            flags: 0,
            tty_nr: 0,
        }
    }

    #[test]
    fn programs_in_a_terminal_are_left_to_the_terminal() {
        let filter = Filter::new(1000, 1, Settings::default());
        let mut p = proc_named("/usr/bin/nvim", "nvim");
        assert!(filter.keeps(&p));
        p.tty_nr = 34816; // /dev/pts/0
        assert!(!filter.keeps(&p));
    }

    #[test]
    fn programs_without_a_file_to_start_again_are_left_out() {
        let filter = Filter::new(1000, 1, Settings::default());
        assert!(!filter.keeps(&proc_named("/memfd:sealed-91173221a7ea", "agent")));
        assert!(filter.keeps(&proc_named("/usr/bin/memfd:odd", "odd")));
    }

    #[test]
    fn shells_daemons_and_self_are_left_out() {
        let f = Filter::new(1000, 1, Settings::default());
        assert!(!f.keeps(&proc_named("/usr/bin/dash", "sh")));
        assert!(!f.keeps(&proc_named("/usr/bin/bash", "-bash")));
        assert!(!f.keeps(&proc_named("/usr/bin/pipewire-pulse", "pipewire-pulse")));
        assert!(!f.keeps(&proc_named(
            "/usr/libexec/xdg-desktop-portal",
            "xdg-desktop-portal"
        )));
        assert!(!f.keeps(&proc_named("/usr/bin/tmux", "tmux")));
        assert!(!f.keeps(&proc_named("/opt/chauffeur", "chauffeur")));
        assert!(f.keeps(&proc_named("/usr/bin/vim", "vim")));
        let me = Filter::new(1000, 100, Settings::default());
        assert!(!me.keeps(&proc_named("/usr/bin/vim", "vim")));
    }

    #[test]
    fn other_users_and_kernel_threads_are_left_out() {
        let f = Filter::new(0, 1, Settings::default());
        assert!(!f.keeps(&proc_named("/usr/bin/vim", "vim")));
        let f = Filter::new(1000, 1, Settings::default());
        let mut k = proc_named("/usr/bin/vim", "vim");
        k.ppid = 2;
        assert!(!f.keeps(&k));
        let mut z = proc_named("/usr/bin/vim", "vim");
        z.state = 'Z';
        assert!(!f.keeps(&z));
    }

    #[test]
    fn settings_include_and_exclude() {
        let s = Settings::from_value(&serde_json::json!({"include": ["vim", "code*"]})).unwrap();
        let f = Filter::new(1000, 1, s);
        assert!(f.keeps(&proc_named("/usr/bin/vim", "vim")));
        assert!(f.keeps(&proc_named(
            "/usr/share/code/code-insiders",
            "code-insiders"
        )));
        assert!(!f.keeps(&proc_named("/usr/bin/emacs", "emacs")));
        // include never brings back a default exclusion
        let s = Settings::from_value(&serde_json::json!({"include": ["bash"]})).unwrap();
        assert!(!Filter::new(1000, 1, s).keeps(&proc_named("/usr/bin/bash", "bash")));

        let s = Settings::from_value(&serde_json::json!({"exclude": ["emacs"]})).unwrap();
        let f = Filter::new(1000, 1, s);
        assert!(!f.keeps(&proc_named("/usr/bin/emacs", "emacs")));
        assert!(f.keeps(&proc_named("/usr/bin/vim", "vim")));

        assert_eq!(
            Settings::from_value(&serde_json::Value::Null).unwrap(),
            Settings::default()
        );
        assert!(Settings::from_value(&serde_json::json!({"inclde": []})).is_err());
    }
}
