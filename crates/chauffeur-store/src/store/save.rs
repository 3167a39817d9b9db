//! Saving a snapshot: states serialized, hashed and compressed in parallel, then one
//! write transaction.

use super::*;

/// Most threads one save uses to serialize, hash and compress its states.
const MAX_WORKERS: usize = 4;

/// Maps `f` over `items` on up to [`MAX_WORKERS`] threads (this one included), keeping
/// the order. Runs inline for a single item or a single core.
pub(super) fn par_map<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
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

impl Store {
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

    pub(super) fn write_snapshot(
        &self,
        snapshot: NewSnapshot,
        live: bool,
    ) -> Result<SnapshotSummary> {
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
}
