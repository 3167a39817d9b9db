//! `include/chauffeur_plugin.h` compiles as C and as C++, agrees with the Rust ABI
//! struct layout, and the C example builds warning-free against it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn compile(compiler: &str, lang: &str, source: &str) {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join(if lang == "c" { "t.c" } else { "t.cpp" });
    std::fs::write(&file, source).expect("source");
    let out = Command::new(compiler)
        .args([
            "-Wall",
            "-Wextra",
            "-Werror",
            "-pedantic",
            "-fsyntax-only",
            "-x",
            lang,
        ])
        .arg("-I")
        .arg(workspace().join("include"))
        .arg(&file)
        .output()
        .unwrap_or_else(|e| panic!("{compiler} runs: {e}"));
    assert!(
        out.status.success(),
        "{compiler} rejected the header: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn layout_check() -> String {
    use chauffeur_plugin::abi::{ChauffeurHostApi, HOST_API_VERSION};
    use std::mem::{offset_of, size_of};
    format!(
        "#include \"chauffeur_plugin.h\"\n\
         #include <stddef.h>\n\
         typedef char size_ok[sizeof(ChauffeurHostApi) == {size} ? 1 : -1];\n\
         typedef char log_ok[offsetof(ChauffeurHostApi, log) == {log} ? 1 : -1];\n\
         typedef char changed_ok[offsetof(ChauffeurHostApi, state_changed) == {changed} ? 1 : -1];\n\
         typedef char version_ok[CHAUFFEUR_HOST_API_VERSION == {HOST_API_VERSION} ? 1 : -1];\n\
         chauffeur_plugin_call_json_fn call = plugin_call_json;\n\
         int main(void) {{ size_ok a; log_ok b; changed_ok c; version_ok d; (void)a; (void)b; (void)c; (void)d; return call == 0; }}\n",
        size = size_of::<ChauffeurHostApi>(),
        log = offset_of!(ChauffeurHostApi, log),
        changed = offset_of!(ChauffeurHostApi, state_changed),
    )
}

#[test]
fn the_header_compiles_as_c_and_matches_the_rust_layout() {
    compile("gcc", "c", &layout_check());
}

#[test]
fn the_header_compiles_as_cpp() {
    compile("g++", "c++", &layout_check());
}

#[test]
fn the_c_example_builds_as_c_and_cpp() {
    let source = std::fs::read_to_string(workspace().join("examples/c_plugin/c_plugin.c"))
        .expect("c_plugin.c");
    compile("gcc", "c", &source);
    compile("g++", "c++", &source);
}
