//! Content-addressed state blobs: canonical JSON, blake3 keys, zstd compression.

use std::sync::LazyLock;

use chauffeur_core::Envelope;
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

/// Rebuilds every object in `v` with its keys in sorted order.
fn sort_keys(v: &mut Value) {
    match v {
        Value::Array(a) => a.iter_mut().for_each(sort_keys),
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = std::mem::take(m).into_iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            for (k, mut v) in entries {
                sort_keys(&mut v);
                m.insert(k, v);
            }
        }
        _ => {}
    }
}

/// The canonical serialization of an envelope: compact JSON, struct fields in
/// declaration order, object keys inside provider data sorted. Equal envelopes give
/// equal bytes.
pub(crate) fn canonical_json(envelope: &Envelope) -> Result<Vec<u8>> {
    if *MAPS_ARE_SORTED {
        let mut bytes = Vec::with_capacity(64 * 1024);
        serde_json::to_writer(&mut bytes, envelope)
            .map_err(|e| StoreError::BadInput(format!("state cannot be serialized: {e}")))?;
        Ok(bytes)
    } else {
        canonical_json_preserving(envelope)
    }
}

/// [`canonical_json`] for builds where serde_json keeps insertion order (its
/// `preserve_order` feature): struct fields still come out in declaration order, so
/// only the provider data needs sorting.
fn canonical_json_preserving(envelope: &Envelope) -> Result<Vec<u8>> {
    let err =
        |e: serde_json::Error| StoreError::BadInput(format!("state cannot be serialized: {e}"));
    let mut value = serde_json::to_value(envelope).map_err(err)?;
    if let Some(items) = value.get_mut("items").and_then(Value::as_array_mut) {
        for item in items {
            if let Some(data) = item.get_mut("data") {
                sort_keys(data);
            }
        }
    }
    serde_json::to_vec(&value).map_err(err)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_json_sorts_keys_and_round_trips() {
        let a: Envelope = serde_json::from_str(
            r#"{"schema":1,"items":[{"key":"k","kind":"tab","data":{"b":1,"a":{"d":2,"c":3}}}]}"#,
        )
        .expect("envelope");
        let b: Envelope = serde_json::from_str(
            r#"{"items":[{"data":{"a":{"c":3,"d":2},"b":1},"kind":"tab","key":"k"}],"schema":1}"#,
        )
        .expect("envelope");
        let (ja, jb) = (
            canonical_json(&a).expect("json"),
            canonical_json(&b).expect("json"),
        );
        assert_eq!(ja, jb);
        // The path for `preserve_order` builds (it can only match the fast path
        // byte for byte in such a build) is at least insensitive to key order too.
        let (pa, pb) = (
            canonical_json_preserving(&a).expect("json"),
            canonical_json_preserving(&b).expect("json"),
        );
        assert_eq!(pa, pb);
        assert_eq!(serde_json::from_slice::<Envelope>(&pa).expect("parse"), a);
        let data = zstd::bulk::compress(&ja, ZSTD_LEVEL).expect("zstd");
        assert_eq!(
            decode(&hash_of(&ja), ja.len() as i64, &data).expect("decode"),
            a
        );
        assert!(matches!(
            decode(&hash_of(b"x"), ja.len() as i64, &data),
            Err(StoreError::Corrupt(_))
        ));
        assert!(matches!(
            decode(&hash_of(&ja), -1, &data),
            Err(StoreError::Corrupt(_))
        ));
    }
}
