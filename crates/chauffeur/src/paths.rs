//! Where Chauffeur keeps its files: the platform's user directories, or everything under
//! `CHAUFFEUR_HOME` when it is set (tests, demos).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The directories Chauffeur uses.
#[derive(Debug, Clone)]
pub struct Paths {
    /// Holds `config.toml`.
    pub config_dir: PathBuf,
    /// Holds the store, logs and `plugins/`.
    pub data_dir: PathBuf,
    /// Holds `daemon.json`, `token` and the daemon lock; owner-only.
    pub runtime_dir: PathBuf,
}

impl Paths {
    /// Resolves the directories from the environment.
    pub fn from_env() -> anyhow::Result<Self> {
        if let Some(home) = std::env::var_os("CHAUFFEUR_HOME").filter(|h| !h.is_empty()) {
            return Ok(Self::rooted(Path::new(&home)));
        }
        let dirs = directories::ProjectDirs::from("", "", "chauffeur")
            .context("cannot find your home directory; set CHAUFFEUR_HOME")?;
        let data_dir = dirs.data_local_dir().to_path_buf();
        let runtime_dir = dirs
            .runtime_dir()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| data_dir.join("run"));
        Ok(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir,
            runtime_dir,
        })
    }

    /// Everything under one directory.
    pub fn rooted(home: &Path) -> Self {
        Paths {
            config_dir: home.join("config"),
            data_dir: home.join("data"),
            runtime_dir: home.join("run"),
        }
    }

    /// `config.toml`.
    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    /// The SQLite store.
    pub fn store_file(&self) -> PathBuf {
        self.data_dir.join("chauffeur.db")
    }

    /// Where the daemon's log files go.
    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// `daemon.json`: pid, URL and version of the running daemon.
    pub fn daemon_file(&self) -> PathBuf {
        self.runtime_dir.join("daemon.json")
    }

    /// The bearer token, readable by the owner only.
    pub fn token_file(&self) -> PathBuf {
        self.runtime_dir.join("token")
    }

    /// The running daemon's plugin report: loaded plugins, their modes, load problems.
    pub fn plugin_report_file(&self) -> PathBuf {
        self.runtime_dir.join("plugins.json")
    }

    /// Held by the running daemon: one per user.
    pub fn lock_file(&self) -> PathBuf {
        self.runtime_dir.join("daemon.lock")
    }

    /// Creates the runtime directory owner-only, or checks that an existing one is: a
    /// directory others can read would leak the token.
    pub fn ensure_private_runtime_dir(&self) -> anyhow::Result<()> {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt};
        let dir = &self.runtime_dir;
        if !dir.exists() {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let meta =
            std::fs::metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
        if meta.uid() != nix::unistd::getuid().as_raw() {
            bail!(
                "{} belongs to another user; refusing to start",
                dir.display()
            );
        }
        if meta.mode() & 0o077 != 0 {
            bail!(
                "{} is open to other users (mode {:o}); run `chmod 700 {}` and start again",
                dir.display(),
                meta.mode() & 0o777,
                dir.display()
            );
        }
        Ok(())
    }
}
