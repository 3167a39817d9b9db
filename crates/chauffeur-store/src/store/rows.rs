//! Reading snapshot and section rows into domain values.

use super::*;

/// Which summaries to read.
pub(super) enum Which {
    /// The newest ones, all of them when `None`.
    Newest(Option<usize>),
    /// Exactly this one.
    One(SnapshotId),
}

pub(super) fn time_to_db(t: DateTime<Utc>, what: &str) -> Result<i64> {
    t.timestamp_nanos_opt()
        .ok_or_else(|| StoreError::BadInput(format!("{what} {t} is outside the years 1677-2262")))
}

pub(super) fn time_from_db(nanos: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_nanos(nanos)
}

pub(super) fn read_snapshot(row: &Row<'_>) -> Result<SnapshotSummary> {
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
pub(super) fn read_section(row: &Row<'_>) -> Result<(SnapshotId, Section)> {
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
pub(super) fn read_summaries(conn: &Connection, which: Which) -> Result<Vec<SnapshotSummary>> {
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

pub(super) fn read_one(conn: &Connection, id: SnapshotId) -> Result<SnapshotSummary> {
    read_summaries(conn, Which::One(id))?
        .pop()
        .ok_or(StoreError::NotFound(id))
}

pub(super) fn snapshot_exists(conn: &Connection, id: SnapshotId) -> Result<bool> {
    let mut stmt = conn.prepare_cached("SELECT 1 FROM snapshots WHERE id = ?1")?;
    Ok(stmt.exists([id])?)
}

pub(super) fn read_states(conn: &Connection, id: SnapshotId) -> Result<BTreeMap<String, Envelope>> {
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
        let state = joined_state(row, 2, &hash, || {
            format!("section {provider:?} of snapshot {id} points at missing state {hash}")
        })?;
        out.insert(provider, state);
    }
    Ok(out)
}

/// Decodes a state read through `LEFT JOIN blobs`: its `size` column at `size_col` and its
/// `data` right after are NULL when the blob is missing, which is corruption that `missing`
/// describes.
pub(super) fn joined_state(
    row: &Row<'_>,
    size_col: usize,
    hash: &str,
    missing: impl FnOnce() -> String,
) -> Result<Envelope> {
    let (Some(size), Some(data)) = (
        row.get::<_, Option<i64>>(size_col)?,
        row.get_ref(size_col + 1)?
            .as_blob_or_null()
            .map_err(rusqlite::Error::from)?,
    ) else {
        return Err(StoreError::Corrupt(missing()));
    };
    blob::decode(hash, size, data)
}
