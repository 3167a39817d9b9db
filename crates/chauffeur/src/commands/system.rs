//! status, stop, doctor, plugins, config, completions.

use std::time::{Duration, Instant};

use chauffeur_engine::ProviderInfo;
use chauffeur_host::{LoadProblem, PluginSummary};
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
    let problems = plugin_report(ctx).problems;
    if ctx.json {
        let mut value = serde_json::to_value(&status).unwrap_or(Value::Null);
        value["running"] = Value::Bool(true);
        value["plugin_problems"] = json!(problems);
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
    if print_problems(&problems) {
        println!("(`chauffeur plugins` lists every plugin)");
    }
    Ok(())
}

/// How long `chauffeur stop` waits for the daemon to finish.
const STOP_WAIT: Duration = Duration::from_secs(30);

/// `chauffeur stop`: sends the daemon SIGTERM (what a service manager sends) and waits
/// until it has released its lock, so its `shutdown` snapshot is written and a new daemon
/// can start at once. No daemon running is not an error.
pub fn stop(ctx: &Ctx) -> Result<(), CliError> {
    if runtime::find(&ctx.paths).is_none() {
        println!("the Chauffeur daemon is not running");
        return Ok(());
    }
    // The pid comes from a file: ask the daemon for its own pid first, so that a stale
    // file whose pid now belongs to another program never leads to signalling it.
    let status: Status = Client::connect(&ctx.paths)?.get("/v1/status")?;
    let pid = i32::try_from(status.daemon.pid)
        .map_err(|_| CliError::failed(format!("the daemon reports pid {}", status.daemon.pid)))?;
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGTERM,
    )
    .map_err(|e| CliError::failed(format!("cannot signal the daemon (pid {pid}): {e}")))?;
    let started = Instant::now();
    while !runtime::lock_is_free(&ctx.paths) {
        if started.elapsed() > STOP_WAIT {
            return Err(CliError::failed(format!(
                "the daemon (pid {pid}) has not stopped after {} s; its log is in {}",
                STOP_WAIT.as_secs(),
                ctx.paths.log_dir().display()
            )));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    println!("stopped the Chauffeur daemon (pid {pid})");
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

/// `chauffeur plugins [call NAME FUNC ARGS | reset NAME | verify NAME]`.
pub fn plugins(ctx: &Ctx, action: Option<PluginsAction>) -> Result<(), CliError> {
    let client = Client::connect(&ctx.paths)?;
    match action {
        None => {
            let providers: Vec<ProviderInfo> = client.get("/v1/providers")?;
            let report = plugin_report(ctx);
            if ctx.json {
                output::json(&json!({
                    "providers": providers,
                    "plugins": report.plugins,
                    "problems": report.problems,
                }));
            } else {
                print_providers(&providers);
                print_plugin_report(&report);
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
        Some(PluginsAction::Reset { name }) => {
            let info: ProviderInfo =
                client.post(&format!("/v1/providers/{name}/reset"), &json!({}))?;
            if ctx.json {
                output::json(&info);
            } else {
                println!("{name} re-armed; health: {}", health_text(&info));
            }
        }
        Some(PluginsAction::Verify { name }) => verify(ctx, &client, &name)?,
    }
    Ok(())
}

/// `chauffeur plugins verify NAME`: the manifest's functions against `describe`'s.
fn verify(ctx: &Ctx, client: &Client, name: &str) -> Result<(), CliError> {
    let report = plugin_report(ctx);
    let Some(plugin) = report.plugins.iter().find(|p| p.name == name) else {
        return Err(CliError::usage(format!(
            "{name:?} is not a loaded native plugin (see `chauffeur plugins`)"
        )));
    };
    let describe: Value = client.post(
        &format!("/v1/providers/{name}/call"),
        &json!({ "function": "describe", "args": [] }),
    )?;
    let answered: Vec<String> = describe["functions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f.as_str().map(str::to_owned))
        .collect();
    let mut warnings = Vec::new();
    for f in plugin.functions.iter().filter(|f| !answered.contains(f)) {
        warnings.push(format!(
            "manifest.json declares {f:?} but describe does not list it"
        ));
    }
    for f in answered.iter().filter(|f| !plugin.functions.contains(f)) {
        warnings.push(format!(
            "describe lists {f:?} but manifest.json does not declare it"
        ));
    }
    if describe["name"].as_str() != Some(name) {
        warnings.push(format!(
            "describe answers name {} instead of {name:?}",
            describe["name"]
        ));
    }
    if ctx.json {
        output::json(&json!({
            "plugin": name,
            "ok": warnings.is_empty(),
            "declared": plugin.functions,
            "answered": answered,
            "warnings": warnings,
        }));
    } else if warnings.is_empty() {
        println!(
            "{name}: manifest and describe agree ({} function(s))",
            answered.len()
        );
    } else {
        for w in &warnings {
            println!("warning: {name}: {w}");
        }
    }
    Ok(())
}

/// The running daemon's plugin report; empty when it has none.
fn plugin_report(ctx: &Ctx) -> PluginSummary {
    std::fs::read_to_string(ctx.paths.plugin_report_file())
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

fn print_plugin_report(report: &PluginSummary) {
    if !report.plugins.is_empty() {
        println!();
        let mut table = Table::new(&["PLUGIN", "MODE", "LIBRARY"]);
        for p in &report.plugins {
            table.row(vec![
                p.name.clone(),
                p.mode.as_str().to_owned(),
                p.library.display().to_string(),
            ]);
        }
        table.print();
        for p in &report.plugins {
            if let Some(note) = &p.note {
                println!("note: {}: {note}", p.name);
            }
        }
    }
    print_problems(&report.problems);
}

/// Prints the plugins that could not be loaded, if any; answers whether there were some.
fn print_problems(problems: &[LoadProblem]) -> bool {
    if problems.is_empty() {
        return false;
    }
    println!();
    for problem in problems {
        println!("not loaded: {problem}");
    }
    true
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
        table.row(vec![
            p.id.clone(),
            label(&p.hosting),
            p.version.clone().unwrap_or_else(|| "-".into()),
            health_text(p),
        ]);
    }
    table.print();
}

fn health_text(p: &ProviderInfo) -> String {
    match serde_json::to_value(&p.health) {
        Ok(v) => match v["reason"].as_str() {
            Some(reason) => format!("{} ({reason})", v["state"].as_str().unwrap_or("?")),
            None => v["state"].as_str().unwrap_or("?").to_owned(),
        },
        Err(_) => "?".into(),
    }
}
