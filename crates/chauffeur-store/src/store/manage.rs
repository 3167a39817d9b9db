//! Renaming, pinning, deleting and pruning snapshots.

use super::*;

impl Store {
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
}
