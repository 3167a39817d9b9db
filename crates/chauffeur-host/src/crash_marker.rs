//! Noticing that the daemon died inside an in-process plugin.
//!
//! Each in-process plugin has a marker file `STATE_DIR/NAME.calling` holding one byte:
//! `1` while a native call into it is running, `0` otherwise. A clean return sets it back;
//! a segfault or abort in the plugin kills the daemon with `1` still written. At the next
//! start [`CrashMarkers::isolation_reason`] sees the `1`, records the decision in
//! `STATE_DIR/NAME.isolated` and the plugin runs isolated from then on (delete that file to
//! allow in-process again).
//!
//! The marker is one `pwrite` of one byte on an open file, so it adds little to a call.

use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The per-plugin crash markers and isolation decisions in one directory.
#[derive(Debug, Clone)]
pub struct CrashMarkers {
    dir: PathBuf,
}

impl CrashMarkers {
    /// Markers kept in `DATA_DIR/plugin-state`.
    pub fn in_data_dir(data_dir: &Path) -> Self {
        CrashMarkers {
            dir: data_dir.join("plugin-state"),
        }
    }

    /// The directory holding the markers.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file recording that `plugin` must run isolated.
    pub fn decision_file(&self, plugin: &str) -> PathBuf {
        self.dir.join(format!("{plugin}.isolated"))
    }

    fn marker_file(&self, plugin: &str) -> PathBuf {
        self.dir.join(format!("{plugin}.calling"))
    }

    /// Why `plugin` must run isolated, if it must: an earlier decision, or a marker left
    /// by a daemon that died inside it (which is then recorded as a decision).
    pub fn isolation_reason(&self, plugin: &str) -> Option<String> {
        if let Ok(reason) = std::fs::read_to_string(self.decision_file(plugin)) {
            return Some(reason.trim().to_owned());
        }
        let marker = std::fs::read(self.marker_file(plugin)).ok()?;
        if marker.first() != Some(&b'1') {
            return None;
        }
        let reason = format!(
            "the daemon died during a call into {plugin} (crash marker found at start); it runs \
             isolated from now on (delete {} to allow in-process again)",
            self.decision_file(plugin).display()
        );
        if let Err(e) = std::fs::create_dir_all(&self.dir)
            .and_then(|()| std::fs::write(self.decision_file(plugin), &reason))
        {
            tracing::error!(plugin, error = %e, "cannot record the isolation decision");
        }
        let _ = std::fs::remove_file(self.marker_file(plugin));
        Some(reason)
    }

    /// Opens (creating) the marker for `plugin`, reset to "not in a call".
    pub fn marker(&self, plugin: &str) -> std::io::Result<CrashMarker> {
        std::fs::create_dir_all(&self.dir)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .read(true)
            .write(true)
            .open(self.marker_file(plugin))?;
        file.write_at(b"0", 0)?;
        Ok(CrashMarker {
            file,
            active: Mutex::new(0),
        })
    }
}

/// One plugin's marker: `1` while at least one call into it runs.
#[derive(Debug)]
pub struct CrashMarker {
    file: File,
    active: Mutex<usize>,
}

impl CrashMarker {
    /// Marks a call as started; the mark is cleared when the guard drops (also on panic).
    pub fn enter(&self) -> MarkerGuard<'_> {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        if *active == 0 {
            self.write(b'1');
        }
        *active += 1;
        MarkerGuard { marker: self }
    }

    fn leave(&self) {
        let mut active = self.active.lock().unwrap_or_else(|p| p.into_inner());
        *active = active.saturating_sub(1);
        if *active == 0 {
            self.write(b'0');
        }
    }

    fn write(&self, byte: u8) {
        if let Err(e) = self.file.write_at(&[byte], 0) {
            tracing::warn!(error = %e, "cannot update a plugin crash marker");
        }
    }
}

/// Clears the mark when dropped.
#[must_use = "the call is marked only while the guard lives"]
pub struct MarkerGuard<'a> {
    marker: &'a CrashMarker,
}

impl Drop for MarkerGuard<'_> {
    fn drop(&mut self) {
        self.marker.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_call_leaves_no_trace() {
        let dir = tempfile::tempdir().expect("tmp");
        let markers = CrashMarkers::in_data_dir(dir.path());
        let marker = markers.marker("p").expect("marker");
        drop(marker.enter());
        assert_eq!(markers.isolation_reason("p"), None);
    }

    #[test]
    fn a_death_during_a_call_isolates_for_good() {
        let dir = tempfile::tempdir().expect("tmp");
        let markers = CrashMarkers::in_data_dir(dir.path());
        let marker = markers.marker("p").expect("marker");
        let guard = marker.enter();
        let nested = marker.enter();
        drop(nested);
        std::mem::forget(guard); // the process "dies" inside the call
        let reason = markers.isolation_reason("p").expect("isolated");
        assert!(reason.contains("died during a call into p"), "{reason}");
        // The decision stays after the marker is reset by the next load.
        let _fresh = markers.marker("p").expect("marker");
        assert!(markers.isolation_reason("p").is_some());
        assert!(markers.decision_file("p").exists());
    }
}
