//! The database schema and its versioned migrations.
//!
//! Migrations are numbered by their position in [`MIGRATIONS`]; `PRAGMA user_version`
//! records how many have run. Each one runs in the same immediate transaction as the
//! version bump, so a crash mid-migration leaves the previous version intact and two
//! processes opening the same file cannot both migrate it.
//!
//! Times are stored as integer nanoseconds since the Unix epoch (UTC): exact for every
//! `DateTime<Utc>` chrono produces between 1677 and 2262, sortable, and ~10x cheaper to
//! decode than RFC 3339 text when listing tens of thousands of sections.

use rusqlite::{Connection, TransactionBehavior};

use crate::{Result, StoreError};

/// Every migration, oldest first. Never edit a released entry; append a new one.
pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: the initial schema.
    r#"
    CREATE TABLE snapshots (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT    NOT NULL,
        created_at  INTEGER NOT NULL,
        trigger     TEXT    NOT NULL,
        pinned      INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX snapshots_created_at ON snapshots(created_at, id);

    CREATE TABLE blobs (
        hash  TEXT    PRIMARY KEY,
        size  INTEGER NOT NULL,
        data  BLOB    NOT NULL
    );

    CREATE TABLE sections (
        snapshot_id        INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
        provider           TEXT    NOT NULL,
        provider_version   TEXT    NOT NULL,
        status             TEXT    NOT NULL,
        captured_at        INTEGER NOT NULL,
        error              TEXT,
        state_hash         TEXT    REFERENCES blobs(hash),
        state_captured_at  INTEGER,
        item_count         INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (snapshot_id, provider)
    ) WITHOUT ROWID;
    CREATE INDEX sections_state_hash ON sections(state_hash) WHERE state_hash IS NOT NULL;

    -- The newest good (status ok, non-empty) state of each provider, and the snapshot
    -- holding it. No ON DELETE action: deleting that snapshot without first moving the
    -- pointer fails, which is the last line of defence of DESIGN 6.
    CREATE TABLE provider_last_good (
        provider     TEXT    PRIMARY KEY,
        snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
        hash         TEXT    NOT NULL REFERENCES blobs(hash),
        captured_at  INTEGER NOT NULL
    );
    CREATE INDEX provider_last_good_snapshot ON provider_last_good(snapshot_id);
    "#,
];

/// Brings the schema up to date; a no-op when it already is.
pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if found > supported {
        return Err(StoreError::NewerSchema { found, supported });
    }
    if found < 0 {
        return Err(StoreError::Corrupt(format!(
            "negative schema version {found}"
        )));
    }
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(found as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tracing::info!(version = index + 1, "store schema migrated");
    }
    tx.commit()?;
    Ok(())
}
