//! One function per CLI verb; each talks to the daemon through [`Client`].

mod addins;
mod restore;
mod snapshots;
mod system;

use chauffeur_core::{SnapshotId, SnapshotSummary};

use crate::cli::Command;
use crate::client::Client;
use crate::error::CliError;
use crate::paths::Paths;

/// What every command needs.
pub struct Ctx {
    /// Where Chauffeur's files are.
    pub paths: Paths,
    /// `--json` was given.
    pub json: bool,
}

/// Runs one verb (all but `daemon`, which `main` runs itself).
pub fn run(ctx: &Ctx, command: Command) -> Result<(), CliError> {
    match command {
        Command::Daemon => Err(CliError::usage("`daemon` is handled by main")),
        Command::Status => system::status(ctx),
        Command::Stop => system::stop(ctx),
        Command::Save { name } => snapshots::save(ctx, name),
        Command::List { limit, all } => snapshots::list(ctx, (!all).then_some(limit)),
        Command::Show { snapshot } => snapshots::show(ctx, &snapshot),
        Command::Diff { from, to } => snapshots::diff(ctx, from.as_deref(), to.as_deref()),
        Command::Restore {
            snapshot,
            dry_run,
            only,
            allow_commands,
        } => restore::restore(ctx, &snapshot, dry_run, only, allow_commands),
        Command::Delete { snapshot } => snapshots::delete(ctx, &snapshot),
        Command::Rename { snapshot, name } => snapshots::rename(ctx, &snapshot, name),
        Command::Pin { snapshot, off } => snapshots::pin(ctx, &snapshot, !off),
        Command::Export { snapshot, output } => snapshots::export(ctx, &snapshot, &output),
        Command::Import { file } => snapshots::import(ctx, &file),
        Command::Prune { dry_run } => snapshots::prune(ctx, dry_run),
        Command::Doctor => system::doctor(ctx),
        Command::Plugins { action } => system::plugins(ctx, action),
        Command::Addins { action } => addins::addins(ctx, action),
        Command::Config => system::config(ctx),
        Command::Completions { shell } => system::completions(shell),
        Command::PluginHost { .. } => Err(CliError::usage("`plugin-host` is handled by main")),
        Command::NativeHost { .. } => Err(CliError::usage("`native-host` is handled by main")),
        Command::Integrations { action } => crate::integrations::run(ctx, action),
    }
}

/// Turns `latest`, `latest~N` or an id into a snapshot id.
fn resolve(client: &Client, reference: &str) -> Result<SnapshotId, CliError> {
    let back = match reference {
        "latest" | "last" => Some(0),
        r => r
            .strip_prefix("latest~")
            .and_then(|n| n.parse::<usize>().ok()),
    };
    if let Some(back) = back {
        let list: Vec<SnapshotSummary> =
            client.get(&format!("/v1/snapshots?limit={}", back + 1))?;
        return list.get(back).map(|s| s.id).ok_or_else(|| {
            CliError::usage(format!(
                "there is no snapshot {reference}; take one with `chauffeur save`"
            ))
        });
    }
    reference.parse::<SnapshotId>().ok().filter(|id| *id > 0).ok_or_else(|| {
        CliError::usage(format!(
            "{reference:?} is not a snapshot; give an id from `chauffeur list`, `latest` or `latest~N`"
        ))
    })
}
