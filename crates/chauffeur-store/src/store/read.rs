//! Reading snapshots and states.

use super::*;

impl Store {
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
            let state = rows::joined_state(row, 3, &hash, || {
                format!("the last good state {hash} of provider {provider:?} is missing")
            })?;
            Ok(Some(LastGood {
                snapshot,
                captured_at: time_from_db(row.get(2)?),
                state,
                hash,
            }))
        })
    }
}
