//! Finding plugins: the plugin directories in order, each `*/manifest.json` in them, the
//! library file it names, and the ownership and permission checks that keep other users
//! from planting code in the daemon (DESIGN 6).

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use crate::manifest::Manifest;
use crate::problem::LoadProblem;

/// The environment variable naming an extra plugin directory.
pub const PLUGIN_DIR_ENV: &str = "CHAUFFEUR_PLUGIN_DIR";

/// A plugin found on disk, checked but not loaded.
#[derive(Debug, Clone)]
pub struct Discovered {
    /// Its validated manifest.
    pub manifest: Manifest,
    /// The directory holding `manifest.json`.
    pub dir: PathBuf,
    /// The library file `entry` resolved to.
    pub library: PathBuf,
}

/// The plugin directories, in the order they are searched: the configured one, then
/// `CHAUFFEUR_PLUGIN_DIR`, then `DATA_DIR/plugins`, then the directory of the executable.
/// Duplicates are dropped; missing directories are kept (and skipped when scanning).
pub fn plugin_dirs(configured: Option<&Path>, data_dir: &Path, exe: Option<&Path>) -> Vec<PathBuf> {
    let env = std::env::var_os(PLUGIN_DIR_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let candidates = [
        configured.map(Path::to_path_buf),
        env,
        Some(data_dir.join("plugins")),
        exe.and_then(Path::parent).map(Path::to_path_buf),
    ];
    let mut seen = BTreeSet::new();
    candidates
        .into_iter()
        .flatten()
        .filter(|d| seen.insert(d.clone()))
        .collect()
}

/// The file names tried for a manifest `entry`, in the seed's order for this platform.
pub fn library_file_names(entry: &str) -> Vec<String> {
    #[cfg(windows)]
    let native = format!("{entry}.dll");
    #[cfg(target_os = "macos")]
    let native = format!("lib{entry}.dylib");
    #[cfg(all(unix, not(target_os = "macos")))]
    let native = format!("lib{entry}.so");
    vec![native, entry.to_owned()]
}

/// Scans the directories in order. The first plugin with a name wins; a later one with the
/// same name is reported as a problem, as is every refused directory, manifest or library.
pub fn discover(dirs: &[PathBuf]) -> (Vec<Discovered>, Vec<LoadProblem>) {
    let mut found: Vec<Discovered> = Vec::new();
    let mut problems = Vec::new();
    for root in dirs {
        if !root.is_dir() {
            continue;
        }
        if let Err(reason) = trusted(root) {
            problems.push(LoadProblem::new(None, root, reason));
            continue;
        }
        let mut subdirs: Vec<PathBuf> = match std::fs::read_dir(root) {
            Ok(entries) => entries.flatten().map(|e| e.path()).collect(),
            Err(e) => {
                problems.push(LoadProblem::new(None, root, format!("cannot read: {e}")));
                continue;
            }
        };
        subdirs.sort();
        for dir in subdirs {
            let manifest_path = dir.join("manifest.json");
            if !dir.is_dir() || !manifest_path.is_file() {
                continue;
            }
            match read_one(&dir, &manifest_path) {
                Ok(plugin) => {
                    if let Some(first) = found
                        .iter()
                        .find(|p| p.manifest.name == plugin.manifest.name)
                    {
                        problems.push(LoadProblem::new(
                            Some(&plugin.manifest.name),
                            &dir,
                            format!(
                                "duplicate plugin name; the one in {} is kept",
                                first.dir.display()
                            ),
                        ));
                    } else {
                        found.push(plugin);
                    }
                }
                Err(problem) => problems.push(problem),
            }
        }
    }
    (found, problems)
}

fn read_one(dir: &Path, manifest_path: &Path) -> Result<Discovered, LoadProblem> {
    trusted(dir).map_err(|reason| LoadProblem::new(None, dir, reason))?;
    trusted(manifest_path).map_err(|reason| LoadProblem::new(None, manifest_path, reason))?;
    let text = std::fs::read_to_string(manifest_path)
        .map_err(|e| LoadProblem::new(None, manifest_path, format!("cannot read: {e}")))?;
    let manifest =
        Manifest::parse(&text).map_err(|e| LoadProblem::new(None, manifest_path, e.to_string()))?;
    let name = manifest.name.clone();
    let library = library_file_names(&manifest.entry)
        .into_iter()
        .map(|file| dir.join(file))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            LoadProblem::new(
                Some(&name),
                dir,
                format!(
                    "no library for entry {:?} (looked for {})",
                    manifest.entry,
                    library_file_names(&manifest.entry).join(", ")
                ),
            )
        })?;
    trusted(&library).map_err(|reason| LoadProblem::new(Some(&name), &library, reason))?;
    Ok(Discovered {
        manifest,
        dir: dir.to_path_buf(),
        library,
    })
}

/// Refuses a file or directory that another user owns or that the group or others may
/// write: anyone who can write there could plant code in the daemon. Root-owned paths
/// (system-wide installs) are trusted.
pub fn trusted(path: &Path) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    let me = nix::unistd::getuid().as_raw();
    if meta.uid() != me && meta.uid() != 0 {
        return Err(format!(
            "refused: owned by uid {}, not by you (uid {me})",
            meta.uid()
        ));
    }
    let mode = meta.mode() & 0o7777;
    if mode & 0o022 != 0 {
        return Err(format!(
            "refused: writable by {} (mode {mode:o}); run `chmod go-w {}`",
            if mode & 0o002 != 0 {
                "others"
            } else {
                "the group"
            },
            path.display()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn write_plugin(root: &Path, dir: &str, manifest: &str, lib: &str) -> PathBuf {
        let d = root.join(dir);
        std::fs::create_dir_all(&d).expect("dir");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        std::fs::write(d.join("manifest.json"), manifest).expect("manifest");
        std::fs::write(d.join(lib), b"not really a library").expect("lib");
        for f in ["manifest.json", lib] {
            std::fs::set_permissions(d.join(f), std::fs::Permissions::from_mode(0o644))
                .expect("chmod");
        }
        d
    }

    fn manifest(name: &str, entry: &str) -> String {
        format!(r#"{{"name":"{name}","entry":"{entry}","kind":"inprocess"}}"#)
    }

    #[test]
    fn finds_plugins_and_resolves_the_library() {
        let root = tempfile::tempdir().expect("tmp");
        write_plugin(root.path(), "a", &manifest("a", "a"), "liba.so");
        write_plugin(root.path(), "b", &manifest("b", "b"), "b");
        let (found, problems) = discover(&[root.path().to_path_buf()]);
        assert!(problems.is_empty(), "{problems:?}");
        let libs: Vec<_> = found
            .iter()
            .map(|p| {
                p.library
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(libs, ["liba.so", "b"]);
    }

    #[test]
    fn duplicates_keep_the_first_directory() {
        let one = tempfile::tempdir().expect("tmp");
        let two = tempfile::tempdir().expect("tmp");
        write_plugin(one.path(), "x", &manifest("same", "x"), "libx.so");
        write_plugin(two.path(), "y", &manifest("same", "y"), "liby.so");
        let (found, problems) = discover(&[one.path().into(), two.path().into()]);
        assert_eq!(found.len(), 1);
        assert!(found[0].dir.starts_with(one.path()));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].reason.contains("duplicate"), "{problems:?}");
    }

    #[test]
    fn writable_by_others_and_bad_entries_are_refused_alone() {
        let root = tempfile::tempdir().expect("tmp");
        let bad = write_plugin(root.path(), "open", &manifest("open", "open"), "libopen.so");
        std::fs::set_permissions(
            bad.join("libopen.so"),
            std::fs::Permissions::from_mode(0o666),
        )
        .expect("chmod");
        let gw = write_plugin(root.path(), "gw", &manifest("gw", "gw"), "libgw.so");
        std::fs::set_permissions(&gw, std::fs::Permissions::from_mode(0o775)).expect("chmod");
        write_plugin(root.path(), "path", &manifest("path", "../x"), "libpath.so");
        write_plugin(root.path(), "good", &manifest("good", "good"), "libgood.so");
        let (found, problems) = discover(&[root.path().to_path_buf()]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].manifest.name, "good");
        let text = problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(text.contains("writable by others"), "{text}");
        assert!(text.contains("writable by the group"), "{text}");
        assert!(text.contains("not a bare library name"), "{text}");
    }

    #[test]
    fn missing_library_is_named() {
        let root = tempfile::tempdir().expect("tmp");
        let d = write_plugin(root.path(), "m", &manifest("m", "m"), "other");
        std::fs::remove_file(d.join("other")).expect("rm");
        let (_, problems) = discover(&[root.path().to_path_buf()]);
        assert!(problems[0].reason.contains("libm.so"), "{problems:?}");
    }

    #[test]
    fn dirs_come_in_order_without_duplicates() {
        let dirs = plugin_dirs(
            Some(Path::new("/cfg")),
            Path::new("/data"),
            Some(Path::new("/bin/chauffeur")),
        );
        assert_eq!(dirs.first(), Some(&PathBuf::from("/cfg")));
        assert!(dirs.contains(&PathBuf::from("/data/plugins")));
        assert_eq!(dirs.last(), Some(&PathBuf::from("/bin")));
    }
}
