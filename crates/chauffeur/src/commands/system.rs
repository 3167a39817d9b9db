//! status, doctor, plugins, config, completions.

use chauffeur_engine::ProviderInfo;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::Ctx;
use crate::cli::{Cli, PluginsAction};
use crate::client::Client;
use crate::config::Config;
use crate::error::CliError;
use crate::output::{self, Table, human_bytes, human_duration, label};
use crate::runtime;

/// What `GET /v1/status` answers.
#[derive(Serialize, Deserialize)]
struct Status {
    daemon: runtime::DaemonRecord,
    uptime_secs: i64,
    providers: Vec<ProviderInfo>,
    snapshots: usize,
    store_bytes: u64,
}

/// `chauffeur status`: exits 1 when no daemon runs.
pub fn status(ctx: &Ctx) -> Result<(), CliError> {
    let Some(_) = runtime::find(&ctx.paths) else {
        if ctx.json {
            output::json(&json!({ "running": false }));
        } else {
            println!(
                "the Chauffeur daemon is not running (start it with `chauffeur daemon`, or `chauffeur save` starts it)"
            );
        }
        return Err(CliError {
            code: 1,
            message: String::new(),
        });
    };
    let client = Client::connect(&ctx.paths)?;
    let status: Status = client.get("/v1/status")?;
    if ctx.json {
        let mut value = serde_json::to_value(&status).unwrap_or(Value::Null);
        value["running"] = Value::Bool(true);
        output::json(&value);
        return Ok(());
    }
    println!("running       yes (pid {})", status.daemon.pid);
    println!("version       {}", status.daemon.version);
    println!("url           {}", status.daemon.url);
    println!(
        "uptime        {}",
        human_duration(status.uptime_secs.max(0))
    );
    println!(
        "store         {} snapshot(s), {}",
        status.snapshots,
        human_bytes(status.store_bytes)
    );
    println!();
    print_providers(&status.providers);
    Ok(())
}

/// `chauffeur doctor`: exits 1 when something is wrong.
pub fn doctor(ctx: &Ctx) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    let report: Value = client.get("/v1/doctor")?;
    let ok = report["ok"].as_bool().unwrap_or(false);
    if ctx.json {
        output::json(&report);
    } else {
        println!(
            "checked {} snapshot(s) and {} state blob(s)",
            report["snapshots"], report["blobs"]
        );
        for problem in report["problems"].as_array().into_iter().flatten() {
            println!("  problem: {}", problem.as_str().unwrap_or_default());
        }
        println!(
            "{}",
            if ok {
                "the store is healthy"
            } else {
                "the store has problems"
            }
        );
    }
    if ok {
        Ok(())
    } else {
        Err(CliError {
            code: 1,
            message: String::new(),
        })
    }
}

/// `chauffeur plugins [call NAME FUNC ARGS]`.
pub fn plugins(ctx: &Ctx, action: Option<PluginsAction>) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    match action {
        None => {
            let providers: Vec<ProviderInfo> = client.get("/v1/providers")?;
            if ctx.json {
                output::json(&providers);
            } else {
                print_providers(&providers);
            }
        }
        Some(PluginsAction::Call {
            name,
            function,
            args,
        }) => {
            let args: Value = serde_json::from_str(&args).map_err(|e| {
                CliError::usage(format!(
                    "the arguments are not JSON ({e}); give a JSON array like '[\"hi\"]'"
                ))
            })?;
            if !args.is_array() {
                return Err(CliError::usage(
                    "the arguments must be a JSON array, like '[\"hi\"]'",
                ));
            }
            let answer: Value = client.post(
                &format!("/v1/providers/{name}/call"),
                &json!({ "function": function, "args": args }),
            )?;
            output::json(&answer);
        }
    }
    Ok(())
}

/// `chauffeur config`: the effective configuration (defaults, the file, the environment).
pub fn config(ctx: &Ctx) -> Result<(), CliError> {
    let path = ctx.paths.config_file();
    let config = Config::load(&path).map_err(|e| CliError::usage(format!("{e:#}")))?;
    if ctx.json {
        output::json(&json!({ "path": path, "exists": path.exists(), "config": config }));
        return Ok(());
    }
    let origin = if path.exists() {
        ""
    } else {
        " (absent: defaults)"
    };
    println!("# {}{origin}", path.display());
    print!("{}", config.to_toml());
    Ok(())
}

/// `chauffeur completions SHELL`.
pub fn completions(shell: clap_complete::Shell) -> Result<(), CliError> {
    let mut command = <Cli as clap::CommandFactory>::command();
    clap_complete::generate(shell, &mut command, "chauffeur", &mut std::io::stdout());
    Ok(())
}

fn print_providers(providers: &[ProviderInfo]) {
    let mut table = Table::new(&["PROVIDER", "HOSTING", "VERSION", "HEALTH"]);
    for p in providers {
        let health = match serde_json::to_value(&p.health) {
            Ok(v) => match v["reason"].as_str() {
                Some(reason) => format!("{} ({reason})", v["state"].as_str().unwrap_or("?")),
                None => v["state"].as_str().unwrap_or("?").to_owned(),
            },
            Err(_) => "?".into(),
        };
        table.row(vec![
            p.id.clone(),
            label(&p.hosting),
            p.version.clone().unwrap_or_else(|| "-".into()),
            health,
        ]);
    }
    table.print();
}
