//! `chauffeur restore [--dry-run]`.

use chauffeur_core::{ActionKind, Outcome};
use chauffeur_engine::{RestorePlan, RestoreRun};
use serde_json::json;

use super::{Ctx, resolve};
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, Table, label, truncate};

/// Prints the plan (`--dry-run`) or restores, with a per-item report. Exits 1 when any
/// provider or item failed.
pub fn restore(
    ctx: &Ctx,
    reference: &str,
    dry_run: bool,
    only: Vec<String>,
    allow_commands: bool,
) -> Result<(), CliError> {
    let client = if dry_run {
        Client::connect(&ctx.paths)?
    } else {
        Client::connect_or_start(&ctx.paths)?
    };
    let id = resolve(&client, reference)?;
    let body = json!({ "only": only, "allow_commands": allow_commands });
    if dry_run {
        let plan: RestorePlan = client.post(&format!("/v1/snapshots/{id}/plan"), &body)?;
        if ctx.json {
            output::json(&plan);
        } else {
            print_plan(&plan);
        }
        return Ok(());
    }
    if !ctx.json {
        show_progress(&ctx.paths, id);
    }
    let run: RestoreRun = client.post(&format!("/v1/snapshots/{id}/restore"), &body)?;
    if ctx.json {
        output::json(&run);
    } else {
        print_run(&run);
    }
    if run.ok() {
        Ok(())
    } else {
        Err(CliError::failed("some of the restore failed; see above"))
    }
}

/// Prints each provider's progress to stderr as the daemon reports it, from a thread that
/// follows the event stream while the restore request runs.
fn show_progress(paths: &crate::paths::Paths, snapshot: i64) {
    let Ok(client) = Client::connect(paths) else {
        return;
    };
    std::thread::spawn(move || {
        let _ = client.follow_events(|event| {
            if event["snapshot"] != snapshot {
                return true;
            }
            match event["type"].as_str() {
                Some("restore-started") => {
                    eprintln!("restoring snapshot {snapshot}...");
                    true
                }
                Some("restore-progress") => {
                    let c = &event["counts"];
                    eprintln!(
                        "  {} done: {} restored, {} already present, {} skipped, {} failed",
                        event["provider"].as_str().unwrap_or("?"),
                        c[0],
                        c[1],
                        c[2],
                        c[3]
                    );
                    true
                }
                Some("restore-finished") => false,
                _ => true,
            }
        });
    });
}

fn print_plan(plan: &RestorePlan) {
    println!("restoring snapshot {} would:", plan.snapshot);
    let mut table = Table::new(&["PROVIDER", "ITEM", "ACTION", "DETAIL"]);
    let mut confirm = false;
    for p in &plan.providers {
        if let Some(error) = &p.error {
            table.row(vec![
                p.provider.clone(),
                String::new(),
                "error".into(),
                error.clone(),
            ]);
        }
        for a in p.plan.iter().flat_map(|plan| &plan.actions) {
            confirm |= a.action == ActionKind::NeedsConfirmation;
            table.row(vec![
                p.provider.clone(),
                truncate(&a.key, 40),
                label(&a.action),
                truncate(&a.detail, 80),
            ]);
        }
    }
    table.print();
    if confirm {
        println!(
            "\nitems marked needs-confirmation run only with --allow-commands (or add them to restore.allowlist)"
        );
    }
}

fn print_run(run: &RestoreRun) {
    let mut table = Table::new(&["PROVIDER", "ITEM", "OUTCOME", "MESSAGE"]);
    let mut counts = [0usize; 4];
    for p in &run.providers {
        let itemised = p.report.as_ref().is_some_and(|r| !r.results.is_empty());
        if let (Some(error), false) = (&p.error, itemised) {
            table.row(vec![
                p.provider.clone(),
                String::new(),
                "failed".into(),
                error.clone(),
            ]);
        }
        for r in p.report.iter().flat_map(|report| &report.results) {
            counts[r.outcome as usize] += 1;
            table.row(vec![
                p.provider.clone(),
                truncate(&r.key, 40),
                label(&r.outcome),
                truncate(&r.message, 80),
            ]);
        }
    }
    table.print();
    println!(
        "\nrestored {}, already present {}, skipped {}, failed {}",
        counts[Outcome::Restored as usize],
        counts[Outcome::AlreadyPresent as usize],
        counts[Outcome::Skipped as usize],
        counts[Outcome::Failed as usize],
    );
    println!(
        "the state before this restore is snapshot {}; `chauffeur restore {}` undoes it",
        run.before_restore, run.before_restore
    );
}
