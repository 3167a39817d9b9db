//! Building and installing the example and fault plugins for the daemon tests.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Where cargo put the `chauffeur` binary, and so the cdylibs.
fn target_dir() -> PathBuf {
    Path::new(super::chauffeur_bin())
        .parent()
        .expect("target dir")
        .to_path_buf()
}

/// Builds `rust_inproc` and `fault_plugin` (once per test binary) and answers the
/// directory holding `librust_inproc.so` and `libfault_plugin.so`.
pub fn rust_libraries() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let profile_dir = target_dir();
        let release = profile_dir.file_name().is_some_and(|n| n == "release");
        let mut command = Command::new(cargo);
        command
            .current_dir(workspace())
            .args(["build", "-p", "rust_inproc", "-p", "fault_plugin"]);
        if release {
            command.arg("--release");
        }
        let status = command.status().expect("cargo runs");
        assert!(status.success(), "building the Rust plugins failed");
        profile_dir
    })
}

/// Builds the C example with CMake when it is installed, else with gcc directly; answers
/// the path of `libc_plugin.so`.
pub fn c_library() -> &'static Path {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT.get_or_init(|| {
        let source = workspace().join("examples/c_plugin");
        let out = target_dir().join("c_plugin-build");
        std::fs::create_dir_all(&out).expect("build dir");
        let has_cmake = Command::new("cmake").arg("--version").output().is_ok();
        if has_cmake {
            let ok = Command::new("cmake")
                .arg("-S")
                .arg(&source)
                .arg("-B")
                .arg(&out)
                .status()
                .expect("cmake runs")
                .success()
                && Command::new("cmake")
                    .arg("--build")
                    .arg(&out)
                    .status()
                    .expect("cmake runs")
                    .success();
            assert!(ok, "cmake build of examples/c_plugin failed");
        } else {
            let status = Command::new("gcc")
                .args([
                    "-shared",
                    "-fPIC",
                    "-fvisibility=hidden",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                ])
                .arg("-I")
                .arg(workspace().join("include"))
                .arg("-o")
                .arg(out.join("libc_plugin.so"))
                .arg(source.join("c_plugin.c"))
                .status()
                .expect("gcc runs");
            assert!(status.success(), "gcc build of examples/c_plugin failed");
        }
        out.join("libc_plugin.so")
    })
}

/// Installs one plugin: `root/dir/` (0755) with `manifest.json` and the library (0644).
pub fn install(root: &Path, dir: &str, manifest: &str, library: &Path, file_name: &str) -> PathBuf {
    let d = root.join(dir);
    std::fs::create_dir_all(&d).expect("plugin dir");
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755)).expect("chmod root");
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    std::fs::write(d.join("manifest.json"), manifest).expect("manifest");
    std::fs::copy(library, d.join(file_name)).expect("copy library");
    for f in ["manifest.json", file_name] {
        std::fs::set_permissions(d.join(f), std::fs::Permissions::from_mode(0o644))
            .expect("chmod file");
    }
    d
}

/// The example's own manifest, with `kind` replaced.
pub fn example_manifest(example: &str, kind: &str) -> String {
    let text = std::fs::read_to_string(
        workspace()
            .join("examples")
            .join(example)
            .join("manifest.json"),
    )
    .expect("example manifest");
    let mut value: serde_json::Value = serde_json::from_str(&text).expect("manifest JSON");
    value["kind"] = kind.into();
    value.to_string()
}

/// Installs `rust_inproc`, `c_plugin` and/or `fault` under `root` with the given kinds.
pub fn install_examples(root: &Path, rust: Option<&str>, c: Option<&str>, fault: Option<&str>) {
    if let Some(kind) = rust {
        let lib = rust_libraries().join("librust_inproc.so");
        install(
            root,
            "rust_inproc",
            &example_manifest("rust_inproc", kind),
            &lib,
            "librust_inproc.so",
        );
    }
    if let Some(kind) = c {
        install(
            root,
            "c_plugin",
            &example_manifest("c_plugin", kind),
            c_library(),
            "libc_plugin.so",
        );
    }
    if let Some(kind) = fault {
        let lib = rust_libraries().join("libfault_plugin.so");
        install(
            root,
            "fault",
            &example_manifest("fault_plugin", kind),
            &lib,
            "libfault_plugin.so",
        );
    }
}
