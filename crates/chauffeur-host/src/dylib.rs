//! Loading a plugin library with `dlopen`: resolve the ABI's symbols into a
//! [`PluginVTable`], check the name, explain failures. Libraries are never unloaded (Rust
//! TLS destructors make unloading unsound); the handle is leaked on purpose.

use std::path::Path;

use chauffeur_plugin::abi::{
    PluginCallJsonFn, PluginFreeFn, PluginInitFn, PluginNameFn, PluginShutdownFn, PluginVTable,
};
use libloading::Library;

use crate::native::NativeTable;

/// Why a library could not be used.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// `dlopen` failed; the message says why, with an architecture mismatch spelled out.
    #[error("cannot load {path}: {reason}")]
    Open {
        /// The library.
        path: String,
        /// `dlerror()` and what the file header says.
        reason: String,
    },
    /// A required symbol is missing.
    #[error("{path} does not export {symbol}() (is it declared extern \"C\" and not mangled?)")]
    MissingSymbol {
        /// The library.
        path: String,
        /// The symbol.
        symbol: &'static str,
    },
    /// `plugin_name()` returned null, an empty string or something that is not UTF-8.
    #[error("{path}: plugin_name() returned {what}")]
    BadName {
        /// The library.
        path: String,
        /// What it returned.
        what: String,
    },
    /// `plugin_name()` differs from the manifest's `name`.
    #[error("{path}: plugin_name() is {actual:?} but manifest.json says {expected:?}")]
    NameMismatch {
        /// The library.
        path: String,
        /// From the manifest.
        expected: String,
        /// From the library.
        actual: String,
    },
}

/// Loads `path`, resolves its entry points and checks that `plugin_name()` is
/// `expected_name`. The library stays loaded for the life of the process.
pub fn load(path: &Path, expected_name: &str) -> Result<(PluginVTable, NativeTable), LoadError> {
    let shown = path.display().to_string();
    // SAFETY: loading runs the library's initialisers. The library was found in a plugin
    // directory that passed the ownership and permission checks, which is the trust
    // decision DESIGN 6 makes for native plugins.
    let library = unsafe { Library::new(path) }.map_err(|e| LoadError::Open {
        path: shown.clone(),
        reason: explain_open_failure(path, &e.to_string()),
    })?;
    // Never unloaded: leak the handle so the function pointers stay valid forever.
    let library: &'static Library = Box::leak(Box::new(library));
    let missing = |symbol| LoadError::MissingSymbol {
        path: shown.clone(),
        symbol,
    };
    let vtable = PluginVTable {
        name: symbol::<PluginNameFn>(library, b"plugin_name\0")
            .ok_or_else(|| missing("plugin_name"))?,
        call_json: symbol::<PluginCallJsonFn>(library, b"plugin_call_json\0")
            .ok_or_else(|| missing("plugin_call_json"))?,
        free: symbol::<PluginFreeFn>(library, b"plugin_free\0"),
        init: symbol::<PluginInitFn>(library, b"chauffeur_plugin_init\0"),
        shutdown: symbol::<PluginShutdownFn>(library, b"chauffeur_plugin_shutdown\0"),
    };
    let table = NativeTable::new(&vtable).map_err(|e| LoadError::BadName {
        path: shown.clone(),
        what: e
            .to_string()
            .trim_start_matches("plugin_name() returned ")
            .to_owned(),
    })?;
    if table.name() != expected_name {
        return Err(LoadError::NameMismatch {
            path: shown,
            expected: expected_name.to_owned(),
            actual: table.name().to_owned(),
        });
    }
    Ok((vtable, table))
}

/// Looks up a function symbol; `None` when the library does not export it.
fn symbol<T: Copy>(library: &'static Library, name: &[u8]) -> Option<T> {
    // SAFETY: every `T` used here is the `extern "C"` function pointer type the ABI
    // (include/chauffeur_plugin.h) gives that symbol; the library is leaked, so the
    // pointer outlives the `Symbol` borrow.
    unsafe { library.get::<T>(name) }.ok().map(|s| *s)
}

/// `dlerror()`'s text, plus what the ELF header says when the file is for another machine.
pub fn explain_open_failure(path: &Path, dlerror: &str) -> String {
    match elf_machine(path) {
        Ok(Some(machine)) if machine != host_machine() => format!(
            "{dlerror}; the file is built for {} but this host is {} (rebuild it for {})",
            machine_name(machine),
            machine_name(host_machine()),
            std::env::consts::ARCH
        ),
        Ok(None) => format!("{dlerror}; the file is not an ELF shared library"),
        _ => dlerror.to_owned(),
    }
}

/// `e_machine` from an ELF header, `None` when the file is not ELF.
pub fn elf_machine(path: &Path) -> std::io::Result<Option<u16>> {
    use std::io::Read;
    let mut header = [0u8; 20];
    let mut file = std::fs::File::open(path)?;
    let n = file.read(&mut header)?;
    if n < header.len() || &header[..4] != b"\x7fELF" {
        return Ok(None);
    }
    let bytes = [header[18], header[19]];
    Ok(Some(match header[5] {
        2 => u16::from_be_bytes(bytes),
        _ => u16::from_le_bytes(bytes),
    }))
}

/// The ELF `e_machine` of the running binary.
pub fn host_machine() -> u16 {
    match std::env::consts::ARCH {
        "x86" => 3,
        "arm" => 40,
        "x86_64" => 62,
        "aarch64" => 183,
        "riscv64" => 243,
        "powerpc64" => 21,
        "s390x" => 22,
        "loongarch64" => 258,
        _ => 0,
    }
}

/// A readable name for an ELF `e_machine`.
pub fn machine_name(machine: u16) -> String {
    match machine {
        3 => "x86 (32-bit)".into(),
        8 => "MIPS".into(),
        20 => "PowerPC".into(),
        21 => "PowerPC64".into(),
        22 => "s390x".into(),
        40 => "ARM (32-bit)".into(),
        62 => "x86_64".into(),
        183 => "aarch64".into(),
        243 => "RISC-V".into(),
        258 => "LoongArch".into(),
        other => format!("ELF machine {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_elf(machine: u16) -> tempfile::NamedTempFile {
        let mut header = vec![0x7f, b'E', b'L', b'F', 2, 1, 1, 0];
        header.resize(16, 0);
        header.extend_from_slice(&3u16.to_le_bytes()); // ET_DYN
        header.extend_from_slice(&machine.to_le_bytes());
        header.resize(64, 0);
        let file = tempfile::NamedTempFile::new().expect("tmp");
        std::fs::write(file.path(), header).expect("write");
        file
    }

    #[test]
    fn a_foreign_architecture_is_explained() {
        let foreign = if host_machine() == 183 { 62 } else { 183 };
        let file = fake_elf(foreign);
        let err = load(file.path(), "x").expect_err("must not load");
        let text = err.to_string();
        assert!(text.contains(&machine_name(foreign)), "{text}");
        assert!(text.contains("this host is"), "{text}");
    }

    #[test]
    fn a_non_elf_file_is_explained() {
        let file = tempfile::NamedTempFile::new().expect("tmp");
        std::fs::write(file.path(), b"hello").expect("write");
        let text = load(file.path(), "x")
            .expect_err("must not load")
            .to_string();
        assert!(text.contains("not an ELF shared library"), "{text}");
    }
}
