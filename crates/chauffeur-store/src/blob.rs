//! Content-addressed state blobs: canonical JSON, blake3 keys, zstd compression.

use std::sync::LazyLock;

use chauffeur_core::Envelope;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::Value;

use crate::{Result, StoreError};

/// The largest decompressed state the store will read back (guards against a corrupt
/// `size` column asking for a huge allocation).
pub(crate) const MAX_STATE_BYTES: usize = 512 * 1024 * 1024;

/// zstd level: 3 is zstd's default and compresses JSON ~4-8x at several hundred MB/s.
pub(crate) const ZSTD_LEVEL: i32 = 3;

/// A state ready to be stored: its canonical bytes and their key.
pub(crate) struct PreparedState {
    /// blake3 hex of `bytes`.
    pub hash: String,
    /// The canonical JSON.
    pub bytes: Vec<u8>,
    /// Number of items in the envelope.
    pub item_count: usize,
    /// The envelope had no items.
    pub empty: bool,
    /// The zstd-compressed bytes, when they were compressed ahead of the write.
    pub compressed: Option<Vec<u8>>,
}

/// Whether serde_json's maps iterate in key order in this build (they do unless some
/// crate in the dependency graph turns on `preserve_order`).
static MAPS_ARE_SORTED: LazyLock<bool> = LazyLock::new(|| {
    let mut m = serde_json::Map::new();
    m.insert("b".into(), Value::Null);
    m.insert("a".into(), Value::Null);
    m.keys().next().map(String::as_str) == Some("a")
});

/// Serializes a JSON value with object keys sorted, whatever the map implementation.
struct Sorted<'a>(&'a Value);

impl Serialize for Sorted<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            Value::Array(a) => {
                let mut seq = s.serialize_seq(Some(a.len()))?;
                for v in a {
                    seq.serialize_element(&Sorted(v))?;
                }
                seq.end()
            }
            Value::Object(m) => {
                let mut entries: Vec<_> = m.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut map = s.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k, &Sorted(v))?;
                }
                map.end()
            }
            other => other.serialize(s),
        }
    }
}

/// The canonical serialization of an envelope: compact JSON, struct fields in
/// declaration order, object keys sorted. Equal envelopes give equal bytes.
pub(crate) fn canonical_json(envelope: &Envelope) -> Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(64 * 1024);
    let written = if *MAPS_ARE_SORTED {
        serde_json::to_writer(&mut bytes, envelope)
    } else {
        serde_json::to_value(envelope).and_then(|v| serde_json::to_writer(&mut bytes, &Sorted(&v)))
    };
    written
        .map(|()| bytes)
        .map_err(|e| StoreError::BadInput(format!("state cannot be serialized: {e}")))
}

/// The key of some canonical bytes.
pub(crate) fn hash_of(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

/// Validates, serializes and hashes an envelope.
pub(crate) fn prepare(provider: &str, envelope: &Envelope) -> Result<PreparedState> {
    envelope
        .validate()
        .map_err(|e| StoreError::BadInput(format!("state of provider {provider:?}: {e}")))?;
    let bytes = canonical_json(envelope)?;
    Ok(PreparedState {
        hash: hash_of(&bytes),
        bytes,
        item_count: envelope.items.len(),
        empty: envelope.is_empty(),
        compressed: None,
    })
}

/// True for a well-formed blob key (64 lowercase hex digits).
pub(crate) fn is_hash(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Decompresses a stored blob, checks it against its key and parses it.
pub(crate) fn decode(hash: &str, size: i64, data: &[u8]) -> Result<Envelope> {
    let size = usize::try_from(size)
        .ok()
        .filter(|s| *s <= MAX_STATE_BYTES)
        .ok_or_else(|| {
            StoreError::Corrupt(format!("blob {hash} claims an impossible size {size}"))
        })?;
    let raw = zstd::bulk::decompress(data, size)
        .map_err(|e| StoreError::Corrupt(format!("blob {hash} does not decompress: {e}")))?;
    if raw.len() != size {
        return Err(StoreError::Corrupt(format!(
            "blob {hash} decompresses to {} bytes, expected {size}",
            raw.len()
        )));
    }
    let actual = hash_of(&raw);
    if actual != hash {
        return Err(StoreError::Corrupt(format!(
            "blob {hash} content hashes to {actual}"
        )));
    }
    serde_json::from_slice(&raw)
        .map_err(|e| StoreError::Corrupt(format!("blob {hash} is not a state envelope: {e}")))
}
