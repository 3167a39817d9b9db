//! `chauffeur addins [approve CODE]`.

use chauffeur_addins::{AddinInfo, PairingInfo};

use super::Ctx;
use crate::cli::AddinsAction;
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, Table, label, local_time};

/// Lists add-ins and pending pairings, or approves a pairing code.
pub fn addins(ctx: &Ctx, action: Option<AddinsAction>) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    if let Some(AddinsAction::Approve { code }) = action {
        let code = code.trim().to_ascii_uppercase();
        let pairing: PairingInfo = client.post(
            &format!("/v1/addins/pairings/{code}/approve"),
            &serde_json::json!({}),
        )?;
        if ctx.json {
            output::json(&pairing);
        } else {
            println!(
                "approved {} ({}); it can register now",
                pairing.name, pairing.id
            );
        }
        return Ok(());
    }
    let addins: Vec<AddinInfo> = client.get("/v1/addins")?;
    let pairings: Vec<PairingInfo> = client.get("/v1/addins/pairings")?;
    if ctx.json {
        output::json(&serde_json::json!({ "addins": addins, "pairings": pairings }));
        return Ok(());
    }
    if addins.is_empty() {
        println!("no add-ins registered");
    } else {
        let mut table = Table::new(&[
            "ADD-IN",
            "TYPE",
            "VERSION",
            "PROTOCOL",
            "LIVENESS",
            "STATE FROM",
        ]);
        for a in &addins {
            table.row(vec![
                a.id.clone(),
                label(&a.kind),
                a.version.clone(),
                a.protocol.to_string(),
                a.liveness.as_str().to_owned(),
                a.state_captured_at
                    .map(local_time)
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
        table.print();
    }
    let waiting: Vec<_> = pairings.iter().filter(|p| !p.approved).collect();
    if !waiting.is_empty() {
        println!("\npairings waiting for approval:");
        for p in waiting {
            println!(
                "  {}  {} ({})  — `chauffeur addins approve {}`",
                p.code, p.name, p.id, p.code
            );
        }
    }
    Ok(())
}
