//! `chauffeur`: the CLI, `chauffeur daemon` and `chauffeur plugin-host`.

mod cli;
mod client;
mod commands;
mod config;
mod daemon;
mod error;
mod integrations;
mod native_host;
mod output;
mod paths;
mod runtime;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::error::CliError;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if !e.message.is_empty() {
                eprintln!("chauffeur: {}", e.message);
            }
            ExitCode::from(e.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    if let Command::PluginHost { library, name } = &cli.command {
        return plugin_host(library, name);
    }
    let paths = paths::Paths::from_env()?;
    if let Command::NativeHost { browser_args } = &cli.command {
        return native_host::run(paths, browser_args);
    }
    if let Command::Daemon = cli.command {
        let config = config::Config::load(&paths.config_file())
            .map_err(|e| CliError::usage(format!("{e:#}")))?;
        return daemon::run(&paths, &config).map_err(CliError::from);
    }
    commands::run(
        &commands::Ctx {
            paths,
            json: cli.json,
        },
        cli.command,
    )
}

/// `chauffeur plugin-host`: the isolated child. Logs go to stderr, which the daemon reads
/// into its own log; stdin and stdout carry the protocol.
fn plugin_host(library: &std::path::Path, name: &str) -> Result<(), CliError> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .try_init();
    chauffeur_host::serve_stdio(library, name).map_err(|e| CliError {
        code: 1,
        message: format!("plugin-host {name}: {e:#}"),
    })
}
