//! The [`Store`] itself: opening and configuring the connections. What it does lives in
//! one file per job: saving, reading, managing (rename, pin, delete, prune), moving
//! snapshots in and out (export, import), and checking (doctor).

mod doctor;
mod manage;
mod read;
mod rows;
mod save;
mod transfer;

use rows::*;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use chauffeur_core::retention::{RetentionCandidate, RetentionPolicy, snapshots_to_prune};
use chauffeur_core::{Envelope, Section, SectionStatus, SnapshotId, SnapshotSummary, Trigger};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior, params};

use crate::blob;
use crate::schema;
use crate::{
    DoctorReport, EXPORT_FORMAT, EXPORT_FORMAT_VERSION, ExportDocument, LastGood, NewSnapshot,
    Result, StoreError,
};

/// How long a connection waits for another process's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest accepted snapshot name, in characters.
const MAX_NAME_CHARS: usize = 200;

/// The snapshot columns every summary query selects, in this order.
const SNAPSHOT_COLUMNS: &str = "id, name, created_at, trigger, pinned";

/// The section columns every summary query selects, in this order.
const SECTION_COLUMNS: &str = "snapshot_id, provider, provider_version, status, captured_at, error, \
     state_hash, state_captured_at, item_count";

/// The writing side.
struct Writer {
    conn: Connection,
}

/// Chauffeur's snapshot store (one SQLite file).
///
/// `Send + Sync`: writes go through one connection behind a mutex, reads through a
/// second, read-only connection (for a file store), so listing never waits for a save.
pub struct Store {
    writer: Mutex<Writer>,
    reader: Option<Mutex<Connection>>,
    /// Reusable zstd contexts (creating one costs more than compressing 100 KB).
    compressors: Mutex<Vec<zstd::bulk::Compressor<'static>>>,
    path: Option<PathBuf>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves at worst an open transaction, which
    // rusqlite rolls back on drop; the connection itself is still sound.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn default_name(trigger: Trigger, created_at: DateTime<Utc>) -> String {
    format!(
        "{} {}",
        trigger.as_str(),
        created_at.format("%Y-%m-%d %H:%M:%S UTC")
    )
}

fn clean_name(name: Option<String>, trigger: Trigger, created_at: DateTime<Utc>) -> Result<String> {
    match name.as_deref().map(str::trim) {
        None | Some("") => Ok(default_name(trigger, created_at)),
        Some(n) if n.chars().count() > MAX_NAME_CHARS => Err(StoreError::BadInput(format!(
            "a snapshot name is at most {MAX_NAME_CHARS} characters"
        ))),
        Some(n) => Ok(n.to_owned()),
    }
}

fn configure(conn: &Connection, writer: bool) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.set_prepared_statement_cache_capacity(64);
    if writer {
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            tracing::warn!(mode, "the snapshot store could not switch to WAL mode");
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    // Listing every snapshot reads all section rows; keep them in memory (32 MiB
    // page cache, up to 256 MiB memory-mapped) rather than re-reading them each time.
    conn.pragma_update(None, "cache_size", -32 * 1024)?;
    conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
    Ok(())
}

fn is_primary_key_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

/// Deletes blobs no section and no last-good pointer references.
fn collect_garbage(conn: &Connection) -> Result<usize> {
    Ok(conn.execute(
        "DELETE FROM blobs WHERE \
         NOT EXISTS (SELECT 1 FROM sections s WHERE s.state_hash = blobs.hash) AND \
         NOT EXISTS (SELECT 1 FROM provider_last_good g WHERE g.hash = blobs.hash)",
        [],
    )?)
}

impl Store {
    /// Opens (creating the file and its parent directories if needed) the store at
    /// `path`, and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)?;
        }
        let mut conn = Connection::open(path)?;
        configure(&conn, true)?;
        schema::migrate(&mut conn)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        configure(&reader, false)?;
        Ok(Store {
            writer: Mutex::new(Writer { conn }),
            reader: Some(Mutex::new(reader)),
            compressors: Mutex::new(Vec::new()),
            path: Some(path.to_owned()),
        })
    }

    /// Opens a fresh store that lives in memory only (for tests and dry runs).
    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        configure(&conn, true)?;
        schema::migrate(&mut conn)?;
        Ok(Store {
            writer: Mutex::new(Writer { conn }),
            reader: None,
            compressors: Mutex::new(Vec::new()),
            path: None,
        })
    }

    /// Runs `f` on the read connection (the write connection for an in-memory store)
    /// inside one read transaction, so multi-query reads see one consistent state.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        match &self.reader {
            Some(reader) => {
                let conn = lock(reader);
                let tx = conn.unchecked_transaction()?;
                let out = f(&tx)?;
                tx.commit()?;
                Ok(out)
            }
            None => {
                let w = lock(&self.writer);
                let tx = w.conn.unchecked_transaction()?;
                let out = f(&tx)?;
                tx.commit()?;
                Ok(out)
            }
        }
    }

    /// Bytes the store takes on disk: the database file plus its write-ahead log (for
    /// an in-memory store, its pages).
    pub fn size_bytes(&self) -> Result<u64> {
        match &self.path {
            Some(path) => {
                let mut total = std::fs::metadata(path)?.len();
                let mut wal = path.as_os_str().to_owned();
                wal.push("-wal");
                if let Ok(m) = std::fs::metadata(PathBuf::from(wal)) {
                    total += m.len();
                }
                Ok(total)
            }
            None => self.read(|c| {
                let pages: i64 = c.query_row("PRAGMA page_count", [], |r| r.get(0))?;
                let size: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0))?;
                Ok(u64::try_from(pages * size).unwrap_or(0))
            }),
        }
    }

    /// Number of snapshots.
    pub fn count(&self) -> Result<usize> {
        self.read(|c| {
            let n: i64 = c.query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0))?;
            usize::try_from(n).map_err(|_| StoreError::Corrupt(format!("snapshot count {n}")))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::save::par_map;
    use super::*;

    #[test]
    fn par_map_keeps_order() {
        let input: Vec<u32> = (0..37).collect();
        let out = par_map(input.clone(), |x| x * 2);
        assert_eq!(out, input.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert_eq!(par_map(Vec::<u32>::new(), |x| x), Vec::<u32>::new());
        assert_eq!(par_map(vec![7], |x| x + 1), vec![8]);
    }

    #[test]
    fn times_round_trip_to_the_nanosecond() {
        let t = DateTime::from_timestamp(1_790_000_000, 987_654_321).unwrap_or_default();
        assert_eq!(time_from_db(time_to_db(t, "t").unwrap_or_default()), t);
        let far = DateTime::from_timestamp(40_000_000_000, 0).unwrap_or_default();
        assert!(matches!(time_to_db(far, "t"), Err(StoreError::BadInput(_))));
    }
}
