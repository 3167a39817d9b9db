//! Checking the store: SQLite integrity and every state blob.

use super::*;

impl Store {
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
}
