//! `chauffeur integrations install|uninstall chromium|firefox`: the native messaging host
//! manifests that let the browser extension start `chauffeur native-host`
//! (docs/browser.md).

use std::path::{Path, PathBuf};

use serde_json::json;

use crate::cli::{Browser, IntegrationsAction};
use crate::commands::Ctx;
use crate::error::CliError;

/// The native host's name, as the extension's `connectNative` asks for it.
pub const HOST_NAME: &str = "dev.chauffeur.host";
/// The id the Chromium extension has with the key in its manifest.
pub const CHROMIUM_EXTENSION_ID: &str = "eoogedgimkekgimmpbnjflbkiampkblj";
/// The Firefox add-on id (`browser_specific_settings.gecko.id`).
pub const GECKO_ID: &str = "chauffeur@chauffeur.dev";

/// Runs `chauffeur integrations ...`.
pub fn run(ctx: &Ctx, action: IntegrationsAction) -> Result<(), CliError> {
    match action {
        IntegrationsAction::Install {
            browser,
            extension_id,
            user_data_dir,
        } => install(ctx, browser, extension_id, user_data_dir.as_deref()),
        IntegrationsAction::Uninstall {
            browser,
            user_data_dir,
        } => uninstall(ctx, browser, user_data_dir.as_deref()),
    }
}

fn install(
    ctx: &Ctx,
    browser: Browser,
    extension_id: Option<String>,
    user_data_dir: Option<&Path>,
) -> Result<(), CliError> {
    let extension_id = extension_id.unwrap_or_else(|| CHROMIUM_EXTENSION_ID.to_owned());
    if !(extension_id.len() == 32 && extension_id.bytes().all(|b| (b'a'..=b'p').contains(&b))) {
        return Err(CliError::usage(format!(
            "{extension_id:?} is not a Chromium extension id (32 letters a-p)"
        )));
    }
    let wrapper = write_wrapper(ctx)?;
    let mut manifest = json!({
        "name": HOST_NAME,
        "description": "Chauffeur: connects the browser extension to the local daemon",
        "path": wrapper,
        "type": "stdio",
    });
    match browser {
        Browser::Chromium => {
            manifest["allowed_origins"] = json!([format!("chrome-extension://{extension_id}/")])
        }
        Browser::Firefox => manifest["allowed_extensions"] = json!([GECKO_ID]),
    }
    let text = serde_json::to_string_pretty(&manifest)
        .map_err(|e| CliError::failed(format!("cannot encode the manifest: {e}")))?;
    let mut written = Vec::new();
    for dir in manifest_dirs(browser, user_data_dir)? {
        std::fs::create_dir_all(&dir)
            .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))?;
        let file = dir.join(format!("{HOST_NAME}.json"));
        std::fs::write(&file, &text)
            .map_err(|e| CliError::failed(format!("cannot write {}: {e}", file.display())))?;
        written.push(file);
    }
    report(ctx, "installed", &written);
    Ok(())
}

fn uninstall(ctx: &Ctx, browser: Browser, user_data_dir: Option<&Path>) -> Result<(), CliError> {
    let mut removed = Vec::new();
    for dir in manifest_dirs(browser, user_data_dir)? {
        let file = dir.join(format!("{HOST_NAME}.json"));
        if std::fs::remove_file(&file).is_ok() {
            removed.push(file);
        }
    }
    report(ctx, "removed", &removed);
    Ok(())
}

fn report(ctx: &Ctx, what: &str, files: &[PathBuf]) {
    if ctx.json {
        println!("{}", json!({ what: files }));
    } else if files.is_empty() {
        println!("nothing to do");
    } else {
        for file in files {
            println!("{what} {}", file.display());
        }
    }
}

/// Where each browser looks for native messaging hosts of this user.
fn manifest_dirs(browser: Browser, user_data_dir: Option<&Path>) -> Result<Vec<PathBuf>, CliError> {
    if let Some(dir) = user_data_dir {
        return match browser {
            Browser::Chromium => Ok(vec![dir.join("NativeMessagingHosts")]),
            Browser::Firefox => Err(CliError::usage(
                "--user-data-dir is for Chromium profiles; Firefox reads ~/.mozilla",
            )),
        };
    }
    let base = directories::BaseDirs::new()
        .ok_or_else(|| CliError::failed("cannot find your home directory"))?;
    Ok(match browser {
        Browser::Chromium => vec![
            base.config_dir().join("chromium/NativeMessagingHosts"),
            base.config_dir().join("google-chrome/NativeMessagingHosts"),
        ],
        Browser::Firefox => vec![base.home_dir().join(".mozilla/native-messaging-hosts")],
    })
}

/// A script that runs `chauffeur native-host` with the arguments the browser passes (a
/// manifest's `path` cannot carry arguments), keeping `CHAUFFEUR_HOME` when it is set.
fn write_wrapper(ctx: &Ctx) -> Result<PathBuf, CliError> {
    use std::os::unix::fs::PermissionsExt;
    let exe = std::env::current_exe()
        .map_err(|e| CliError::failed(format!("cannot find the chauffeur binary: {e}")))?;
    let mut script = String::from("#!/bin/sh\n# Written by `chauffeur integrations install`.\n");
    if let Some(home) = std::env::var_os("CHAUFFEUR_HOME").filter(|h| !h.is_empty()) {
        let home = std::path::absolute(PathBuf::from(home))
            .map_err(|e| CliError::failed(format!("cannot resolve CHAUFFEUR_HOME: {e}")))?;
        script.push_str(&format!(
            "CHAUFFEUR_HOME={}\nexport CHAUFFEUR_HOME\n",
            quote(&home)
        ));
    }
    script.push_str(&format!("exec {} native-host \"$@\"\n", quote(&exe)));
    let dir = ctx.paths.data_dir.join("native-host");
    std::fs::create_dir_all(&dir)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))?;
    let file = dir.join("chauffeur-native-host");
    std::fs::write(&file, script)
        .and_then(|()| std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)))
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", file.display())))?;
    Ok(file)
}

/// Single-quotes a path for sh.
fn quote(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_single_quotes() {
        assert_eq!(quote(Path::new("/a b/it's")), r"'/a b/it'\''s'");
    }
}
