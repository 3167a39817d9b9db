//! save, list, show, diff, delete, rename, pin, export, import, prune.

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::path::Path;

use chauffeur_core::diff::ChangeKind;
use chauffeur_core::{Envelope, SnapshotDiff, SnapshotSummary};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Ctx, resolve};
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, Table, label, local_time, truncate};

/// `chauffeur save`.
pub fn save(ctx: &Ctx, name: Option<String>) -> Result<(), CliError> {
    let client = Client::connect_or_start(&ctx.paths)?;
    let summary: SnapshotSummary = client.post("/v1/snapshots", &json!({ "name": name }))?;
    if ctx.json {
        output::json(&summary);
        return Ok(());
    }
    println!("saved snapshot {}{}", summary.id, named(&summary));
    print_sections(&summary);
    Ok(())
}

/// `chauffeur list`.
pub fn list(ctx: &Ctx, limit: Option<usize>) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    let path = match limit {
        Some(n) => format!("/v1/snapshots?limit={n}"),
        None => "/v1/snapshots".into(),
    };
    let snapshots: Vec<SnapshotSummary> = client.get(&path)?;
    if ctx.json {
        output::json(&snapshots);
        return Ok(());
    }
    if snapshots.is_empty() {
        println!("no snapshots yet; take one with `chauffeur save`");
        return Ok(());
    }
    let mut table = Table::new(&["ID", "CREATED", "TRIGGER", "PIN", "NAME", "SECTIONS"]);
    for s in &snapshots {
        let sections = s
            .sections
            .iter()
            .map(|sec| {
                format!(
                    "{} {} ({})",
                    sec.provider,
                    label(&sec.status),
                    sec.item_count
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        table.row(vec![
            s.id.to_string(),
            local_time(s.created_at),
            s.trigger.as_str().into(),
            if s.pinned { "*".into() } else { String::new() },
            truncate(&s.name, 30),
            sections,
        ]);
    }
    table.print();
    Ok(())
}

/// What `GET /v1/snapshots/{id}` answers.
#[derive(Deserialize, serde::Serialize)]
struct Detail {
    #[serde(flatten)]
    snapshot: SnapshotSummary,
    states: BTreeMap<String, Envelope>,
}

/// `chauffeur show`.
pub fn show(ctx: &Ctx, reference: &str) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    let id = resolve(&client, reference)?;
    let detail: Detail = client.get(&format!("/v1/snapshots/{id}"))?;
    if ctx.json {
        output::json(&detail);
        return Ok(());
    }
    let s = &detail.snapshot;
    println!(
        "snapshot {}{} — {} ({}){}",
        s.id,
        named(s),
        local_time(s.created_at),
        s.trigger.as_str(),
        if s.pinned { ", pinned" } else { "" }
    );
    print_sections(s);
    for (provider, state) in &detail.states {
        println!("\n{provider}");
        let mut table = Table::new(&["  KEY", "KIND", "TITLE"]);
        let depth = depths(state);
        for item in &state.items {
            let indent = "  ".repeat(depth.get(item.key.as_str()).copied().unwrap_or(0) + 1);
            table.row(vec![
                format!("{indent}{}", item.key),
                item.kind.clone(),
                truncate(&item.title, 70),
            ]);
        }
        table.print();
    }
    Ok(())
}

/// `chauffeur diff`.
pub fn diff(ctx: &Ctx, from: Option<&str>, to: Option<&str>) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    let (from, to) = match (from, to) {
        (Some(f), Some(t)) => (resolve(&client, f)?, resolve(&client, t)?),
        (Some(f), None) => (resolve(&client, f)?, resolve(&client, "latest")?),
        _ => (resolve(&client, "latest~1")?, resolve(&client, "latest")?),
    };
    let diff: SnapshotDiff = client.get(&format!("/v1/snapshots/{from}/diff/{to}"))?;
    if ctx.json {
        output::json(&diff);
        return Ok(());
    }
    let changed: Vec<_> = diff
        .providers
        .iter()
        .filter(|p| !p.changes.is_empty())
        .collect();
    if changed.is_empty() {
        println!("no changes from snapshot {from} to {to}");
        return Ok(());
    }
    println!("from snapshot {from} to {to}:");
    for provider in changed {
        println!("\n{}", provider.provider);
        for change in &provider.changes {
            let (mark, fields) = match change.change {
                ChangeKind::Added => ("+", String::new()),
                ChangeKind::Removed => ("-", String::new()),
                _ => ("~", format!("  [{}]", change.fields.join(", "))),
            };
            println!(
                "  {mark} {}  {}{fields}",
                change.key,
                truncate(&change.title, 60)
            );
        }
    }
    Ok(())
}

/// `chauffeur delete`.
pub fn delete(ctx: &Ctx, reference: &str) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    let id = resolve(&client, reference)?;
    client.delete(&format!("/v1/snapshots/{id}"))?;
    if ctx.json {
        output::json(&json!({ "deleted": id }));
    } else {
        println!("deleted snapshot {id}");
    }
    Ok(())
}

/// `chauffeur rename`.
pub fn rename(ctx: &Ctx, reference: &str, name: String) -> Result<(), CliError> {
    update(ctx, reference, json!({ "name": name }))
}

/// `chauffeur pin` / `pin --off`.
pub fn pin(ctx: &Ctx, reference: &str, pinned: bool) -> Result<(), CliError> {
    update(ctx, reference, json!({ "pinned": pinned }))
}

fn update(ctx: &Ctx, reference: &str, body: Value) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    let id = resolve(&client, reference)?;
    let summary: SnapshotSummary = client.patch(&format!("/v1/snapshots/{id}"), &body)?;
    if ctx.json {
        output::json(&summary);
    } else {
        println!(
            "snapshot {}{}{}",
            summary.id,
            named(&summary),
            if summary.pinned { ", pinned" } else { "" }
        );
    }
    Ok(())
}

/// `chauffeur export`.
pub fn export(ctx: &Ctx, reference: &str, output: &Path) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    let id = resolve(&client, reference)?;
    let document: Value = client.get(&format!("/v1/snapshots/{id}/export"))?;
    let text = serde_json::to_string_pretty(&document)
        .map_err(|e| CliError::failed(format!("cannot encode the export: {e}")))?;
    if output == Path::new("-") {
        println!("{text}");
        return Ok(());
    }
    std::fs::File::create(output)
        .and_then(|mut f| f.write_all(text.as_bytes()).and_then(|()| f.sync_all()))
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", output.display())))?;
    eprintln!("exported snapshot {id} to {}", output.display());
    Ok(())
}

/// `chauffeur import`.
pub fn import(ctx: &Ctx, file: &Path) -> Result<(), CliError> {
    let mut text = String::new();
    let read = if file == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map(drop)
    } else {
        std::fs::File::open(file)
            .and_then(|mut f| f.read_to_string(&mut text))
            .map(drop)
    };
    read.map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?;
    let document: Value = serde_json::from_str(&text).map_err(|e| {
        CliError::usage(format!(
            "{} is not JSON: {e}; give a file from `chauffeur export`",
            file.display()
        ))
    })?;
    let client = Client::connect(&ctx.paths)?;
    let summary: SnapshotSummary = client.post("/v1/snapshots/import", &document)?;
    if ctx.json {
        output::json(&summary);
    } else {
        println!(
            "imported as snapshot {}{}; its restore runs no commands without --allow-commands",
            summary.id,
            named(&summary)
        );
    }
    Ok(())
}

/// What `POST /v1/prune` answers.
#[derive(Deserialize, serde::Serialize)]
struct Pruned {
    dry_run: bool,
    pruned: Vec<i64>,
}

/// `chauffeur prune`.
pub fn prune(ctx: &Ctx, dry_run: bool) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    let result: Pruned = client.post("/v1/prune", &json!({ "dry_run": dry_run }))?;
    if ctx.json {
        output::json(&result);
        return Ok(());
    }
    let ids = result
        .pruned
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    match (result.pruned.is_empty(), dry_run) {
        (true, _) => println!("nothing to prune"),
        (false, true) => println!("would delete {} snapshot(s): {ids}", result.pruned.len()),
        (false, false) => println!("deleted {} snapshot(s): {ids}", result.pruned.len()),
    }
    Ok(())
}

fn named(s: &SnapshotSummary) -> String {
    if s.name.is_empty() {
        String::new()
    } else {
        format!(" \"{}\"", s.name)
    }
}

fn print_sections(s: &SnapshotSummary) {
    let mut table = Table::new(&["  PROVIDER", "STATUS", "ITEMS", "NOTE"]);
    for sec in &s.sections {
        let note = match (&sec.error, sec.state_captured_at) {
            (Some(e), Some(at)) => format!("{e}; kept state from {}", local_time(at)),
            (Some(e), None) => e.clone(),
            (None, Some(at)) => format!("state from {}", local_time(at)),
            (None, None) => String::new(),
        };
        table.row(vec![
            format!("  {}", sec.provider),
            label(&sec.status),
            sec.item_count.to_string(),
            truncate(&note, 80),
        ]);
    }
    if !table.is_empty() {
        table.print();
    }
}

/// How deep each item sits under its parents, for indentation.
fn depths(state: &Envelope) -> HashMap<&str, usize> {
    let parents: HashMap<&str, &str> = state
        .items
        .iter()
        .filter_map(|i| Some((i.key.as_str(), i.parent.as_deref()?)))
        .collect();
    state
        .items
        .iter()
        .map(|i| {
            let mut depth = 0;
            let mut key = i.key.as_str();
            while let Some(parent) = parents.get(key) {
                depth += 1;
                key = parent;
                if depth > 32 {
                    break;
                }
            }
            (i.key.as_str(), depth)
        })
        .collect()
}
