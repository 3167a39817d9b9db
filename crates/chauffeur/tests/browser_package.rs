//! The browser add-in's packages: `npm run build` makes the Chromium zip and the Firefox
//! package, and `npm run lint` (web-ext lint on the Firefox build) finds nothing.

mod browser_support;
mod common;

use std::process::Command;

fn npm(script: &str) -> String {
    let dir = browser_support::addin_dir();
    assert!(
        dir.join("node_modules/web-ext").exists(),
        "addins/browser/node_modules is missing: run `(cd addins/browser && npm ci)`, as .ci/run does"
    );
    let out = Command::new("npm")
        .args(["run", "--silent", script])
        .current_dir(&dir)
        .output()
        .expect("npm runs (install nodejs and npm)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "npm run {script} failed:\n{text}");
    text
}

#[test]
fn builds_both_packages_and_the_firefox_one_passes_web_ext_lint() {
    npm("build");
    let dist = browser_support::addin_dir().join("dist");
    for file in ["chauffeur-chromium.zip", "chauffeur-firefox.zip"] {
        let meta = std::fs::metadata(dist.join(file)).expect(file);
        assert!(meta.len() > 1000, "{file} is too small");
    }
    let chromium: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dist.join("chromium/manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    assert!(
        chromium["key"].is_string(),
        "the key fixes the extension id"
    );
    assert_eq!(chromium["background"]["service_worker"], "background.js");
    let firefox: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dist.join("firefox/manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    assert_eq!(
        firefox["browser_specific_settings"]["gecko"]["id"],
        "chauffeur@chauffeur.dev"
    );
    assert!(
        firefox["permissions"]
            .as_array()
            .is_some_and(|p| !p.iter().any(|p| p == "tabGroups"))
    );
    let lint = npm("lint");
    for line in ["errors          0", "warnings        0"] {
        assert!(lint.contains(line), "web-ext lint: {lint}");
    }
}
