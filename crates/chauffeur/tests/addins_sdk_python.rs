//! The Python SDK's own unit tests (`sdk/python/tests`: discovery, backoff, envelope helpers,
//! the client's error shape, the AddIn against a fake daemon), run as part of `cargo test`.

use std::path::Path;
use std::process::Command;

#[test]
fn python_sdk_unit_tests_pass() {
    let out = Command::new("python3")
        .args(["-m", "unittest", "discover", "-s", "tests", "-t", "."])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sdk/python"))
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3 runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "python3 -m unittest failed:\n{stderr}"
    );
    let ran = stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("Ran ")?
                .split_whitespace()
                .next()?
                .parse::<u32>()
                .ok()
        })
        .unwrap_or_else(|| panic!("no test count in:\n{stderr}"));
    assert!(ran >= 20, "only {ran} tests ran:\n{stderr}");
}
