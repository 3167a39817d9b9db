//! `chauffeur`: the CLI, `chauffeur daemon` and `chauffeur plugin-host`.

mod cli;
mod client;
mod commands;
mod config;
mod daemon;
mod error;
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
    let paths = paths::Paths::from_env()?;
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
