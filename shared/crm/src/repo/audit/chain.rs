//! The hash chain's rules: what an entry's hash covers, and the head item.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::AuditEntry;

/// The `prev_hash` of the first chained entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Version tag of the canonical serialization (hashed first, so a future format cannot
/// collide with this one).
const FORMAT: &[u8] = b"wecom-crm-audit-v1";

/// SHA-256 (lowercase hex) of an entry's canonical serialization: the format tag, then `seq`,
/// `id`, `at_ms`, `actor`, `action`, `target`, the number of `fields` and each field, and
/// `prev_hash`, each written as `<byte length>:<UTF-8 bytes>\n` (numbers in decimal). The
/// length prefixes make the encoding unambiguous whatever the values contain.
pub fn entry_hash(entry: &AuditEntry, seq: u64, prev_hash: &str) -> String {
    let mut hasher = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hasher.update(bytes.len().to_string().as_bytes());
        hasher.update(b":");
        hasher.update(bytes);
        hasher.update(b"\n");
    };
    part(FORMAT);
    part(seq.to_string().as_bytes());
    part(entry.id.as_bytes());
    part(entry.at_ms.to_string().as_bytes());
    part(entry.actor.as_bytes());
    part(entry.action.as_bytes());
    part(entry.target.as_bytes());
    part(entry.fields.len().to_string().as_bytes());
    for field in &entry.fields {
        part(field.as_bytes());
    }
    part(prev_hash.as_bytes());
    hex::encode(hasher.finalize())
}

/// The chain's head: where the next entry goes and what it chains to. Written only in the
/// transaction that puts the entry it names, on the version read (never expires).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainHead {
    /// The last entry's seq.
    pub seq: u64,
    /// The last entry's hash.
    pub hash: String,
    pub id: String,
    /// The last entry's time: the next entry's `at_ms` is never earlier, so that time (and
    /// the expiry computed from it) only grows along the chain.
    pub at_ms: i64,
    /// The last entry's expiry (Unix seconds), when entries expire: later entries never
    /// expire earlier, so expiry removes the oldest entries first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(fields: &[&str]) -> AuditEntry {
        AuditEntry {
            id: "e1".into(),
            at_ms: 1_700_000_000_000,
            actor: "sub-1".into(),
            action: "customer.update".into(),
            target: "wm1".into(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            seq: None,
            prev_hash: None,
            hash: None,
        }
    }

    #[test]
    fn the_hash_covers_every_field_and_the_previous_hash() {
        let base = entry(&["phone", "tier"]);
        let h = entry_hash(&base, 7, GENESIS_HASH);
        assert_eq!(h.len(), 64);
        assert_eq!(
            h,
            entry_hash(&base.clone(), 7, GENESIS_HASH),
            "deterministic"
        );
        let mut changed = Vec::new();
        changed.push(entry_hash(&base, 8, GENESIS_HASH));
        changed.push(entry_hash(&base, 7, &"1".repeat(64)));
        for edit in [
            |e: &mut AuditEntry| e.id.push('x'),
            |e: &mut AuditEntry| e.at_ms += 1,
            |e: &mut AuditEntry| e.actor.push('x'),
            |e: &mut AuditEntry| e.action.push('x'),
            |e: &mut AuditEntry| e.target.push('x'),
            |e: &mut AuditEntry| e.fields.pop().map(drop).unwrap_or(()),
        ] {
            let mut e = base.clone();
            edit(&mut e);
            changed.push(entry_hash(&e, 7, GENESIS_HASH));
        }
        for other in changed {
            assert_ne!(other, h);
        }
    }

    #[test]
    fn field_boundaries_cannot_be_shifted() {
        // Without length prefixes these two would serialize alike.
        let a = entry(&["ab", "c"]);
        let b = entry(&["a", "bc"]);
        assert_ne!(
            entry_hash(&a, 1, GENESIS_HASH),
            entry_hash(&b, 1, GENESIS_HASH)
        );
        let mut c = entry(&[]);
        c.actor = "sub-1customer.update".into();
        c.action = String::new();
        assert_ne!(
            entry_hash(&c, 1, GENESIS_HASH),
            entry_hash(&entry(&[]), 1, GENESIS_HASH)
        );
    }

    #[test]
    fn the_serialization_is_the_documented_one() {
        // Recomputed by hand from docs/data-model.md's description (sha256 of the bytes below).
        let e = entry(&["tier"]);
        let text = format!(
            "18:wecom-crm-audit-v1\n1:3\n2:e1\n13:1700000000000\n5:sub-1\n15:customer.update\n3:wm1\n1:1\n4:tier\n64:{GENESIS_HASH}\n"
        );
        assert_eq!(
            entry_hash(&e, 3, GENESIS_HASH),
            hex::encode(Sha256::digest(text.as_bytes()))
        );
    }
}
