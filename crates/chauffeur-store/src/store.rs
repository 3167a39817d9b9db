//! The [`Store`] itself.

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

/// Most threads one save uses to serialize, hash and compress its states.
const MAX_WORKERS: usize = 4;

/// Maps `f` over `items` on up to [`MAX_WORKERS`] threads (this one included), keeping
/// the order. Runs inline for a single item or a single core.
fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_WORKERS)
        .min(items.len());
    if workers <= 1 {
        return items.into_iter().map(f).collect();
    }
    let len = items.len();
    let mut buckets: Vec<Vec<(usize, T)>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, item) in items.into_iter().enumerate() {
        buckets[i % workers].push((i, item));
    }
    let f = &f;
    let run = move |bucket: Vec<(usize, T)>| -> Vec<(usize, R)> {
        bucket.into_iter().map(|(i, t)| (i, f(t))).collect()
    };
    let mut slots: Vec<Option<R>> = (0..len).map(|_| None).collect();
    std::thread::scope(|scope| {
        let mut buckets = buckets.into_iter();
        let mine = buckets.next().unwrap_or_default();
        let handles: Vec<_> = buckets.map(|b| scope.spawn(move || run(b))).collect();
        let mut results = run(mine);
        for h in handles {
            match h.join() {
                Ok(r) => results.extend(r),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        for (i, r) in results {
            slots[i] = Some(r);
        }
    });
    slots.into_iter().flatten().collect()
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

/// Which summaries to read.
enum Which {
    /// The newest ones, all of them when `None`.
    Newest(Option<usize>),
    /// Exactly this one.
    One(SnapshotId),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves at worst an open transaction, which
    // rusqlite rolls back on drop; the connection itself is still sound.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn time_to_db(t: DateTime<Utc>, what: &str) -> Result<i64> {
    t.timestamp_nanos_opt()
        .ok_or_else(|| StoreError::BadInput(format!("{what} {t} is outside the years 1677-2262")))
}

fn time_from_db(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
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

fn read_snapshot(row: &Row<'_>) -> Result<SnapshotSummary> {
    let id: i64 = row.get(0)?;
    let trigger_text = row.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?;
    let trigger = Trigger::parse(trigger_text).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "snapshot {id} has an unknown trigger {trigger_text:?}"
        ))
    })?;
    Ok(SnapshotSummary {
        id,
        name: row.get(1)?,
        created_at: time_from_db(row.get(2)?),
        trigger,
        pinned: row.get(4)?,
        sections: Vec::new(),
    })
}

/// Reads a row of [`SECTION_COLUMNS`]; returns the snapshot id with the section.
fn read_section(row: &Row<'_>) -> Result<(SnapshotId, Section)> {
    let snapshot: i64 = row.get(0)?;
    let provider: String = row.get(1)?;
    let status_text = row.get_ref(3)?.as_str().map_err(rusqlite::Error::from)?;
    let status = SectionStatus::parse(status_text).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "section {provider:?} of snapshot {snapshot} has an unknown status {status_text:?}"
        ))
    })?;
    let item_count: i64 = row.get(8)?;
    let item_count = usize::try_from(item_count).map_err(|_| {
        StoreError::Corrupt(format!(
            "section {provider:?} of snapshot {snapshot} has item count {item_count}"
        ))
    })?;
    Ok((
        snapshot,
        Section {
            provider_version: row.get(2)?,
            status,
            captured_at: time_from_db(row.get(4)?),
            error: row.get(5)?,
            state_hash: row.get(6)?,
            state_captured_at: row.get::<_, Option<i64>>(7)?.map(time_from_db),
            item_count,
            provider,
        },
    ))
}

/// Reads snapshot summaries with their sections: two queries whatever the count.
fn read_summaries(conn: &Connection, which: Which) -> Result<Vec<SnapshotSummary>> {
    // Sizing the result up front saves the reallocations (and glibc's consolidation
    // of freed chunks they trigger) that dominate listing thousands of snapshots.
    let expected = match which {
        Which::One(_) => 1,
        Which::Newest(limit) => {
            let total: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM snapshots")?
                .query_row([], |r| r.get(0))?;
            let total = usize::try_from(total).unwrap_or(0);
            limit.map_or(total, |l| l.min(total))
        }
    };
    let mut out = Vec::with_capacity(expected);
    {
        let (sql, arg) = match which {
            Which::Newest(limit) => (
                format!(
                    "SELECT {SNAPSHOT_COLUMNS} FROM snapshots ORDER BY created_at DESC, id DESC LIMIT ?1"
                ),
                limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX)),
            ),
            Which::One(id) => (
                format!("SELECT {SNAPSHOT_COLUMNS} FROM snapshots WHERE id = ?1"),
                id,
            ),
        };
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut rows = stmt.query([arg])?;
        while let Some(row) = rows.next()? {
            out.push(read_snapshot(row)?);
        }
    }
    if out.is_empty() {
        return Ok(out);
    }
    let (sql, arg) = match which {
        Which::Newest(None) => (
            format!("SELECT {SECTION_COLUMNS} FROM sections ORDER BY snapshot_id, provider"),
            None,
        ),
        Which::Newest(Some(_)) => (
            format!(
                "SELECT {SECTION_COLUMNS} FROM sections WHERE snapshot_id IN \
                 (SELECT id FROM snapshots ORDER BY created_at DESC, id DESC LIMIT ?1) \
                 ORDER BY snapshot_id, provider"
            ),
            Some(out.len() as i64),
        ),
        Which::One(id) => (
            format!(
                "SELECT {SECTION_COLUMNS} FROM sections WHERE snapshot_id = ?1 ORDER BY provider"
            ),
            Some(id),
        ),
    };
    let mut index: HashMap<SnapshotId, usize> = HashMap::with_capacity(out.len());
    index.extend(out.iter().enumerate().map(|(i, s)| (s.id, i)));
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = match arg {
        Some(a) => stmt.query([a])?,
        None => stmt.query([])?,
    };
    // Rows arrive grouped by snapshot: collect each group in a vector sized like the
    // previous one, and look the snapshot up once per group.
    let mut group: Option<(SnapshotId, Vec<Section>)> = None;
    let flush = |group: Option<(SnapshotId, Vec<Section>)>, out: &mut Vec<SnapshotSummary>| {
        if let Some((id, sections)) = group
            && let Some(&i) = index.get(&id)
        {
            out[i].sections = sections;
        }
    };
    while let Some(row) = rows.next()? {
        let (snapshot, section) = read_section(row)?;
        match &mut group {
            Some((id, sections)) if *id == snapshot => sections.push(section),
            _ => {
                let capacity = group.as_ref().map_or(8, |(_, s)| s.len());
                let mut sections = Vec::with_capacity(capacity);
                sections.push(section);
                flush(group.replace((snapshot, sections)), &mut out);
            }
        }
    }
    flush(group, &mut out);
    Ok(out)
}

fn read_one(conn: &Connection, id: SnapshotId) -> Result<SnapshotSummary> {
    read_summaries(conn, Which::One(id))?
        .pop()
        .ok_or(StoreError::NotFound(id))
}

fn snapshot_exists(conn: &Connection, id: SnapshotId) -> Result<bool> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM snapshots WHERE id = ?1")?;
    Ok(stmt.exists([id])?)
}

fn read_states(conn: &Connection, id: SnapshotId) -> Result<BTreeMap<String, Envelope>> {
    if !snapshot_exists(conn, id)? {
        return Err(StoreError::NotFound(id));
    }
    let mut stmt = conn.prepare_cached(
        "SELECT s.provider, s.state_hash, b.size, b.data FROM sections s \
         LEFT JOIN blobs b ON b.hash = s.state_hash \
         WHERE s.snapshot_id = ?1 AND s.state_hash IS NOT NULL",
    )?;
    let mut rows = stmt.query([id])?;
    let mut out = BTreeMap::new();
    while let Some(row) = rows.next()? {
        let provider: String = row.get(0)?;
        let hash: String = row.get(1)?;
        let (Some(size), Some(data)) = (
            row.get::<_, Option<i64>>(2)?,
            row.get_ref(3)?
                .as_blob_or_null()
                .map_err(rusqlite::Error::from)?,
        ) else {
            return Err(StoreError::Corrupt(format!(
                "section {provider:?} of snapshot {id} points at missing state {hash}"
            )));
        };
        let state = blob::decode(&hash, size, data)?;
        out.insert(provider, state);
    }
    Ok(out)
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

    /// Saves a snapshot in one transaction and returns it as [`Store::get`] would.
    ///
    /// Each state is stored once: a state identical to one already stored costs only its
    /// section row. A section with status `Ok` and a non-empty state becomes its
    /// provider's last good state; any other section (even one carrying a state forward)
    /// leaves the last good state alone. Duplicate provider ids or invalid states are
    /// `BadInput` and store nothing.
    pub fn save(&self, snapshot: NewSnapshot) -> Result<SnapshotSummary> {
        self.write_snapshot(snapshot, true)
    }

    fn write_snapshot(&self, snapshot: NewSnapshot, live: bool) -> Result<SnapshotSummary> {
        let NewSnapshot {
            name,
            trigger,
            created_at,
            sections,
        } = snapshot;
        let name = clean_name(name, trigger, created_at)?;
        let created_nanos = time_to_db(created_at, "created_at")?;
        for s in &sections {
            if s.provider.trim().is_empty() {
                return Err(StoreError::BadInput(
                    "a section has an empty provider id".into(),
                ));
            }
            time_to_db(s.captured_at, "captured_at")?;
            if let Some(t) = s.state_captured_at {
                time_to_db(t, "state_captured_at")?;
            }
        }
        // Outside the write lock and in parallel: validate, serialize, hash (and drop)
        // every state, then compress the ones the store does not have yet. The write
        // transaction re-checks, so a concurrent prune cannot leave a dangling hash.
        let mut sections = sections;
        let states: Vec<(String, Option<Envelope>)> = sections
            .iter_mut()
            .map(|s| (s.provider.clone(), s.state.take()))
            .collect();
        let mut prepared = par_map(states, |(provider, state)| {
            state.map(|e| blob::prepare(&provider, &e)).transpose()
        })
        .into_iter()
        .collect::<Result<Vec<_>>>()?;
        let missing: Vec<usize> = {
            let known = self.known_blobs(prepared.iter().flatten().map(|p| p.hash.as_str()))?;
            prepared
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.as_ref().filter(|p| !known.contains(&p.hash)).map(|_| i))
                .collect()
        };
        let compressed = par_map(
            missing
                .iter()
                .map(|&i| prepared[i].as_ref().map(|p| p.bytes.as_slice()))
                .collect(),
            |bytes| bytes.map(|b| self.compress(b)).transpose(),
        );
        for (&i, data) in missing.iter().zip(compressed) {
            if let Some(p) = prepared[i].as_mut() {
                p.compressed = data?;
            }
        }

        let mut guard = lock(&self.writer);
        let w = &mut *guard;
        let tx = w
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT INTO snapshots (name, created_at, trigger, pinned) VALUES (?1, ?2, ?3, 0)",
        )?
        .execute(params![name, created_nanos, trigger.as_str()])?;
        let id = tx.last_insert_rowid();
        let mut out_sections = Vec::with_capacity(sections.len());
        for (s, prep) in sections.into_iter().zip(prepared) {
            if let Some(p) = &prep {
                let known = tx
                    .prepare_cached("SELECT 1 FROM blobs WHERE hash = ?1")?
                    .exists([&p.hash])?;
                if !known {
                    let data = match &p.compressed {
                        Some(data) => data,
                        None => &self.compress(&p.bytes)?,
                    };
                    tx.prepare_cached("INSERT INTO blobs (hash, size, data) VALUES (?1, ?2, ?3)")?
                        .execute(params![p.hash, p.bytes.len() as i64, data])?;
                }
            }
            let captured = time_to_db(s.captured_at, "captured_at")?;
            let state_captured = s
                .state_captured_at
                .map(|t| time_to_db(t, "state_captured_at"))
                .transpose()?;
            let hash = prep.as_ref().map(|p| p.hash.clone());
            let item_count = prep.as_ref().map_or(0, |p| p.item_count);
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO sections (snapshot_id, provider, provider_version, status, \
                     captured_at, error, state_hash, state_captured_at, item_count) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                )?
                .execute(params![
                    id,
                    s.provider,
                    s.provider_version,
                    s.status.as_str(),
                    captured,
                    s.error,
                    hash,
                    state_captured,
                    item_count as i64,
                ]);
            match inserted {
                Err(e) if is_primary_key_violation(&e) => {
                    return Err(StoreError::BadInput(format!(
                        "provider {:?} appears more than once in one snapshot",
                        s.provider
                    )));
                }
                other => {
                    other?;
                }
            }
            if let (true, SectionStatus::Ok, Some(p)) = (live, s.status, &prep)
                && !p.empty
            {
                tx.prepare_cached(
                    "INSERT INTO provider_last_good (provider, snapshot_id, hash, captured_at) \
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (provider) DO UPDATE SET \
                     snapshot_id = excluded.snapshot_id, hash = excluded.hash, \
                     captured_at = excluded.captured_at",
                )?
                .execute(params![
                    s.provider,
                    id,
                    p.hash,
                    state_captured.unwrap_or(captured)
                ])?;
            }
            out_sections.push(Section {
                provider: s.provider,
                provider_version: s.provider_version,
                status: s.status,
                captured_at: s.captured_at,
                error: s.error,
                state_hash: hash,
                state_captured_at: s.state_captured_at,
                item_count,
            });
        }
        tx.commit()?;
        out_sections.sort_by(|a, b| a.provider.cmp(&b.provider));
        tracing::debug!(id, sections = out_sections.len(), "snapshot saved");
        Ok(SnapshotSummary {
            id,
            name,
            created_at,
            trigger,
            pinned: false,
            sections: out_sections,
        })
    }

    /// Compresses with a pooled zstd context.
    fn compress(&self, bytes: &[u8]) -> Result<Vec<u8>> {
        let pooled = lock(&self.compressors).pop();
        let mut compressor = match pooled {
            Some(c) => c,
            None => zstd::bulk::Compressor::new(blob::ZSTD_LEVEL)?,
        };
        let out = compressor.compress(bytes);
        lock(&self.compressors).push(compressor);
        Ok(out?)
    }

    /// Which of these hashes are already stored (a hint: the write transaction checks
    /// again).
    fn known_blobs<'a>(
        &self,
        hashes: impl Iterator<Item = &'a str>,
    ) -> Result<std::collections::HashSet<String>> {
        let hashes: Vec<&str> = hashes.collect();
        if hashes.is_empty() {
            return Ok(Default::default());
        }
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT 1 FROM blobs WHERE hash = ?1")?;
            let mut known = std::collections::HashSet::new();
            for h in hashes {
                if stmt.exists([h])? {
                    known.insert(h.to_owned());
                }
            }
            Ok(known)
        })
    }

    /// Lists snapshots, newest first (by `created_at`, then id), with their sections
    /// (sorted by provider) but without their states.
    pub fn list(&self, limit: Option<usize>) -> Result<Vec<SnapshotSummary>> {
        self.read(|c| read_summaries(c, Which::Newest(limit)))
    }

    /// One snapshot, or `NotFound`.
    pub fn get(&self, id: SnapshotId) -> Result<SnapshotSummary> {
        self.read(|c| read_one(c, id))
    }

    /// The newest snapshot, if there is any.
    pub fn latest(&self) -> Result<Option<SnapshotSummary>> {
        Ok(self.list(Some(1))?.pop())
    }

    /// The states of a snapshot: provider id to state, for every section that has one.
    pub fn states(&self, id: SnapshotId) -> Result<BTreeMap<String, Envelope>> {
        self.read(|c| read_states(c, id))
    }

    /// One stored state by its hash.
    pub fn state(&self, hash: &str) -> Result<Envelope> {
        if !blob::is_hash(hash) {
            return Err(StoreError::BadInput(format!(
                "{hash:?} is not a state hash (64 lowercase hex digits)"
            )));
        }
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT size, data FROM blobs WHERE hash = ?1")?;
            let mut rows = stmt.query([hash])?;
            let row = rows
                .next()?
                .ok_or_else(|| StoreError::StateNotFound(hash.to_owned()))?;
            blob::decode(
                hash,
                row.get(0)?,
                row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?,
            )
        })
    }

    /// The newest state of `provider` that was captured live and was not empty, and the
    /// snapshot holding it.
    pub fn last_good_state(&self, provider: &str) -> Result<Option<LastGood>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT g.snapshot_id, g.hash, g.captured_at, b.size, b.data \
                 FROM provider_last_good g LEFT JOIN blobs b ON b.hash = g.hash \
                 WHERE g.provider = ?1",
            )?;
            let mut rows = stmt.query([provider])?;
            let Some(row) = rows.next()? else {
                return Ok(None);
            };
            let snapshot: i64 = row.get(0)?;
            let hash: String = row.get(1)?;
            let (Some(size), Some(data)) = (
                row.get::<_, Option<i64>>(3)?,
                row.get_ref(4)?
                    .as_blob_or_null()
                    .map_err(rusqlite::Error::from)?,
            ) else {
                return Err(StoreError::Corrupt(format!(
                    "the last good state {hash} of provider {provider:?} is missing"
                )));
            };
            Ok(Some(LastGood {
                snapshot,
                captured_at: time_from_db(row.get(2)?),
                state: blob::decode(&hash, size, data)?,
                hash,
            }))
        })
    }

    /// Renames a snapshot; `None` (or a blank name) restores the default name.
    pub fn rename(&self, id: SnapshotId, name: Option<String>) -> Result<SnapshotSummary> {
        let mut guard = lock(&self.writer);
        let tx = guard
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current = read_one(&tx, id)?;
        let name = clean_name(name, current.trigger, current.created_at)?;
        tx.execute(
            "UPDATE snapshots SET name = ?1 WHERE id = ?2",
            params![name, id],
        )?;
        let out = read_one(&tx, id)?;
        tx.commit()?;
        Ok(out)
    }

    /// Pins (never pruned) or unpins a snapshot.
    pub fn pin(&self, id: SnapshotId, pinned: bool) -> Result<SnapshotSummary> {
        let mut guard = lock(&self.writer);
        let tx = guard
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if tx.execute(
            "UPDATE snapshots SET pinned = ?1 WHERE id = ?2",
            params![pinned, id],
        )? == 0
        {
            return Err(StoreError::NotFound(id));
        }
        let out = read_one(&tx, id)?;
        tx.commit()?;
        Ok(out)
    }

    /// Deletes a snapshot and the states only it referenced.
    ///
    /// Refused (`BadInput`) when the snapshot holds some provider's only last good state;
    /// when another snapshot of that provider holds the same state, that one becomes
    /// the holder and the delete goes ahead.
    pub fn delete(&self, id: SnapshotId) -> Result<()> {
        let mut guard = lock(&self.writer);
        let tx = guard
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if !snapshot_exists(&tx, id)? {
            return Err(StoreError::NotFound(id));
        }
        let held: Vec<(String, String, i64)> = {
            let mut stmt = tx.prepare_cached(
                "SELECT provider, hash, captured_at FROM provider_last_good WHERE snapshot_id = ?1",
            )?;
            stmt.query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        for (provider, hash, captured_at) in held {
            let other: Option<i64> = tx
                .prepare_cached(
                    "SELECT snapshot_id FROM sections \
                     WHERE provider = ?1 AND state_hash = ?2 AND snapshot_id != ?3 \
                     ORDER BY status = 'ok' DESC, snapshot_id DESC LIMIT 1",
                )?
                .query_row(params![provider, hash, id], |r| r.get(0))
                .optional()?;
            let Some(other) = other else {
                return Err(StoreError::BadInput(format!(
                    "snapshot {id} holds the only last good state of provider {provider:?} \
                     (captured {}); it cannot be deleted until a newer good capture exists",
                    time_from_db(captured_at).to_rfc3339()
                )));
            };
            tx.execute(
                "UPDATE provider_last_good SET snapshot_id = ?1 WHERE provider = ?2",
                params![other, provider],
            )?;
        }
        tx.execute("DELETE FROM snapshots WHERE id = ?1", [id])?;
        let freed = collect_garbage(&tx)?;
        tx.commit()?;
        tracing::info!(id, freed_blobs = freed, "snapshot deleted");
        Ok(())
    }

    /// Applies the retention policy to automatic snapshots and returns the ids it
    /// deletes (or, with `dry_run`, would delete), newest first.
    ///
    /// Manual, imported, pinned and protected snapshots (holding a provider's last good
    /// state) are always kept. States no snapshot references any more are deleted.
    pub fn prune(
        &self,
        policy: &RetentionPolicy,
        now: DateTime<Utc>,
        dry_run: bool,
    ) -> Result<Vec<SnapshotId>> {
        let mut guard = lock(&self.writer);
        let tx = guard
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut candidates = Vec::new();
        {
            let mut stmt = tx.prepare_cached(
                "SELECT id, created_at, trigger, pinned, \
                 EXISTS (SELECT 1 FROM provider_last_good g WHERE g.snapshot_id = snapshots.id) \
                 FROM snapshots",
            )?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                let t = row.get_ref(2)?.as_str().map_err(rusqlite::Error::from)?;
                let trigger = Trigger::parse(t).ok_or_else(|| {
                    StoreError::Corrupt(format!("snapshot {id} has an unknown trigger {t:?}"))
                })?;
                candidates.push(RetentionCandidate {
                    id,
                    created_at: time_from_db(row.get(1)?),
                    trigger,
                    pinned: row.get(3)?,
                    protected: row.get(4)?,
                });
            }
        }
        let doomed = snapshots_to_prune(&candidates, policy, now);
        if dry_run || doomed.is_empty() {
            return Ok(doomed);
        }
        {
            let mut stmt = tx.prepare_cached("DELETE FROM snapshots WHERE id = ?1")?;
            for id in &doomed {
                stmt.execute([id])?;
            }
        }
        let freed = collect_garbage(&tx)?;
        tx.commit()?;
        tracing::info!(
            pruned = doomed.len(),
            freed_blobs = freed,
            "snapshots pruned"
        );
        Ok(doomed)
    }

    /// A self-contained document holding one snapshot and its states.
    pub fn export(&self, id: SnapshotId) -> Result<ExportDocument> {
        let (snapshot, states) = self.read(|c| Ok((read_one(c, id)?, read_states(c, id)?)))?;
        Ok(ExportDocument {
            format: EXPORT_FORMAT.to_owned(),
            format_version: EXPORT_FORMAT_VERSION,
            exported_at: Utc::now(),
            chauffeur_version: env!("CARGO_PKG_VERSION").to_owned(),
            snapshot,
            states,
        })
    }

    /// Stores an exported snapshot as a new snapshot with trigger `import`, keeping its
    /// name, creation time, sections and states. Validates the document first and
    /// stores nothing when it is not acceptable (`BadInput` says what is wrong).
    /// Imported states never become a provider's last good state.
    pub fn import(&self, doc: ExportDocument) -> Result<SnapshotSummary> {
        if doc.format != EXPORT_FORMAT {
            return Err(StoreError::BadInput(format!(
                "not a Chauffeur snapshot export: format is {:?}, expected {EXPORT_FORMAT:?}",
                doc.format
            )));
        }
        if doc.format_version != EXPORT_FORMAT_VERSION {
            return Err(StoreError::BadInput(format!(
                "export format version {} is not supported; this Chauffeur reads version {EXPORT_FORMAT_VERSION}",
                doc.format_version
            )));
        }
        let ExportDocument {
            snapshot,
            mut states,
            ..
        } = doc;
        let mut sections = Vec::with_capacity(snapshot.sections.len());
        for s in snapshot.sections {
            let state = states.remove(&s.provider);
            match (&s.state_hash, &state) {
                (Some(h), None) => {
                    return Err(StoreError::BadInput(format!(
                        "section {:?} refers to state {h} but the document has no state for it",
                        s.provider
                    )));
                }
                (None, Some(_)) => {
                    return Err(StoreError::BadInput(format!(
                        "the document has a state for {:?} but its section has no state_hash",
                        s.provider
                    )));
                }
                _ => {}
            }
            sections.push(crate::NewSection {
                provider: s.provider,
                provider_version: s.provider_version,
                status: s.status,
                captured_at: s.captured_at,
                error: s.error,
                state,
                state_captured_at: s.state_captured_at,
            });
        }
        if let Some(orphan) = states.keys().next() {
            return Err(StoreError::BadInput(format!(
                "the document has a state for {orphan:?} but no section for it"
            )));
        }
        let name = if snapshot.name.trim().is_empty() {
            None
        } else {
            Some(snapshot.name)
        };
        self.write_snapshot(
            NewSnapshot {
                name,
                trigger: Trigger::Import,
                created_at: snapshot.created_at,
                sections,
            },
            false,
        )
    }

    /// Checks the whole store: SQLite's integrity and foreign keys, every blob
    /// (decompresses, matches its hash, parses as an envelope), sections and last-good
    /// pointers whose state is missing, and values the store does not understand.
    pub fn doctor(&self) -> Result<DoctorReport> {
        self.read(|c| {
            let mut problems = Vec::new();
            let mut check = |r: Result<()>| {
                if let Err(e) = r {
                    problems.push(e.to_string());
                }
            };
            let mut integrity = Vec::new();
            check((|| {
                let mut stmt = c.prepare("PRAGMA integrity_check")?;
                let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
                for r in rows {
                    let line = r?;
                    if line != "ok" {
                        integrity.push(format!("sqlite integrity: {line}"));
                    }
                }
                Ok(())
            })());
            let mut found = integrity;
            check((|| {
                let mut stmt = c.prepare("PRAGMA foreign_key_check")?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let table: String = row.get(0)?;
                    let parent: String = row.get(2)?;
                    found.push(format!(
                        "a row of {table} points at a missing row of {parent}"
                    ));
                }
                Ok(())
            })());
            check((|| {
                let mut stmt = c.prepare(
                    "SELECT s.snapshot_id, s.provider, s.state_hash FROM sections s \
                     WHERE s.state_hash IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = s.state_hash)",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let id: i64 = row.get(0)?;
                    let provider: String = row.get(1)?;
                    let hash: String = row.get(2)?;
                    found.push(format!(
                        "section {provider:?} of snapshot {id} points at missing state {hash}"
                    ));
                }
                let mut stmt = c.prepare(
                    "SELECT g.provider, g.snapshot_id, g.hash FROM provider_last_good g \
                     WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.hash = g.hash) \
                     OR NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.id = g.snapshot_id)",
                )?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let provider: String = row.get(0)?;
                    let id: i64 = row.get(1)?;
                    let hash: String = row.get(2)?;
                    found.push(format!(
                        "the last good state of {provider:?} (snapshot {id}, state {hash}) is missing"
                    ));
                }
                Ok(())
            })());
            // Unknown triggers/statuses and impossible counts surface as Corrupt errors.
            check(read_summaries(c, Which::Newest(None)).map(|_| ()));
            let mut blobs = 0usize;
            check((|| {
                let mut stmt = c.prepare("SELECT hash, size, data FROM blobs")?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    blobs += 1;
                    let hash: String = row.get(0)?;
                    let outcome = match row.get_ref(2)?.as_blob_or_null() {
                        Ok(Some(data)) => blob::decode(&hash, row.get(1)?, data).map(|_| ()),
                        _ => Err(StoreError::Corrupt(format!("blob {hash} has no data"))),
                    };
                    if let Err(e) = outcome {
                        found.push(e.to_string());
                    }
                }
                Ok(())
            })());
            let mut snapshots = 0usize;
            check((|| {
                let n: i64 = c.query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0))?;
                snapshots = usize::try_from(n).unwrap_or(0);
                Ok(())
            })());
            problems.extend(found);
            Ok(DoctorReport {
                ok: problems.is_empty(),
                snapshots,
                blobs,
                problems,
            })
        })
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
