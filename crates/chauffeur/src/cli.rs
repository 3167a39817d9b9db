//! The command line, as clap parses it.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Save and restore your whole working state: terminals, apps, browser tabs, documents.
#[derive(Debug, Parser)]
#[command(name = "chauffeur", version, about, propagate_version = true)]
pub struct Cli {
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The verbs.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the background service in the foreground (the CLI starts it when needed).
    Daemon,
    /// Whether the daemon runs: version, URL, uptime, providers, store size.
    Status,
    /// Stop the daemon: it finishes its writes and takes a `shutdown` snapshot when configured.
    Stop,
    /// Take a snapshot now.
    Save {
        /// A name to find it by.
        #[arg(long, short)]
        name: Option<String>,
    },
    /// List snapshots, newest first.
    List {
        /// Show the newest N.
        #[arg(long, short = 'n', default_value_t = 50, conflicts_with = "all")]
        limit: usize,
        /// Show every snapshot.
        #[arg(long)]
        all: bool,
    },
    /// Show one snapshot: its sections and items.
    Show {
        /// Snapshot id, or `latest`.
        #[arg(default_value = "latest")]
        snapshot: String,
    },
    /// What changed between two snapshots, per provider and item.
    Diff {
        /// The older snapshot (default: the one before the newest).
        from: Option<String>,
        /// The newer snapshot (default: the newest).
        to: Option<String>,
    },
    /// Restore a snapshot (a `before-restore` snapshot is taken first, to undo it).
    Restore {
        /// Snapshot id, or `latest`.
        #[arg(default_value = "latest")]
        snapshot: String,
        /// Only print the plan; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Restore only `PROVIDER` or `PROVIDER:ITEM_KEY` (repeatable).
        #[arg(long, value_name = "SELECTION")]
        only: Vec<String>,
        /// Run programs from the snapshot even when they are not on the allowlist.
        #[arg(long)]
        allow_commands: bool,
    },
    /// Delete a snapshot.
    Delete {
        /// Snapshot id.
        snapshot: String,
    },
    /// Rename a snapshot.
    Rename {
        /// Snapshot id, or `latest`.
        snapshot: String,
        /// The new name.
        name: String,
    },
    /// Pin a snapshot so retention keeps it (`--off` to unpin).
    Pin {
        /// Snapshot id, or `latest`.
        snapshot: String,
        /// Unpin instead.
        #[arg(long)]
        off: bool,
    },
    /// Write a snapshot to a self-describing JSON file.
    Export {
        /// Snapshot id, or `latest`.
        snapshot: String,
        /// The file to write (`-` for stdout).
        #[arg(long, short, default_value = "-")]
        output: PathBuf,
    },
    /// Read a snapshot from an exported file; it is marked `import` and runs no commands
    /// on restore without `--allow-commands`.
    Import {
        /// The exported file (`-` for stdin).
        file: PathBuf,
    },
    /// Apply retention to automatic snapshots.
    Prune {
        /// Only list what would be deleted.
        #[arg(long)]
        dry_run: bool,
    },
    /// Check the store: SQLite integrity and every state's hash.
    Doctor,
    /// Providers and plugins: list them, call, verify or reset one.
    Plugins {
        /// Call a function instead of listing.
        #[command(subcommand)]
        action: Option<PluginsAction>,
    },
    /// Add-ins: list them and pending pairings, or approve a pairing code.
    Addins {
        /// Approve a pairing instead of listing.
        #[command(subcommand)]
        action: Option<AddinsAction>,
    },
    /// Print the effective configuration and where it comes from.
    Config,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Browser integrations: install or remove the native messaging host manifests.
    Integrations {
        /// Install or uninstall.
        #[command(subcommand)]
        action: IntegrationsAction,
    },
    /// Internal: the native messaging host the browser extension starts.
    #[command(hide = true)]
    NativeHost {
        /// What the browser passes: the extension's origin, or Firefox's manifest and id.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        browser_args: Vec<String>,
    },
    /// Internal: host one plugin library for the daemon over stdin/stdout (isolated mode).
    #[command(hide = true)]
    PluginHost {
        /// The library to load.
        #[arg(long)]
        library: PathBuf,
        /// The plugin's name, as its manifest says.
        #[arg(long)]
        name: String,
    },
}

/// `chauffeur plugins ...`.
#[derive(Debug, Subcommand)]
pub enum PluginsAction {
    /// Call any function of a provider: `chauffeur plugins call NAME FUNC '[args]'`.
    Call {
        /// Provider name.
        name: String,
        /// Function name.
        function: String,
        /// Arguments as a JSON array.
        #[arg(default_value = "[]")]
        args: String,
    },
    /// Re-arm a plugin whose circuit breaker opened after repeated crashes.
    Reset {
        /// Provider name.
        name: String,
    },
    /// Compare the functions a plugin's manifest declares with what it answers to.
    Verify {
        /// Plugin name.
        name: String,
    },
}

/// `chauffeur addins ...`.
#[derive(Debug, Subcommand)]
pub enum AddinsAction {
    /// Let the add-in that shows this code register.
    Approve {
        /// The code the add-in shows, like K7QF-2M9X.
        code: String,
    },
}

/// A browser `chauffeur integrations` knows.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Browser {
    /// Chromium and Google Chrome.
    Chromium,
    /// Firefox.
    Firefox,
}

/// `chauffeur integrations ...`.
#[derive(Debug, Subcommand)]
pub enum IntegrationsAction {
    /// Write the native messaging host manifest so the extension connects by itself.
    Install {
        /// The browser.
        browser: Browser,
        /// The Chromium extension's id (default: the id of Chauffeur's own extension).
        #[arg(long)]
        extension_id: Option<String>,
        /// A Chromium profile directory (`--user-data-dir`) instead of the default ones.
        #[arg(long)]
        user_data_dir: Option<PathBuf>,
    },
    /// Remove the manifest again.
    Uninstall {
        /// The browser.
        browser: Browser,
        /// A Chromium profile directory (`--user-data-dir`) instead of the default ones.
        #[arg(long)]
        user_data_dir: Option<PathBuf>,
    },
}
