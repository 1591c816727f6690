//! The tracked links' secret: link tokens and visitor ids are HMAC-SHA256 under a key that
//! only this deployment knows, so a token cannot be computed from a campaign id, chunk and
//! index, and a visitor id does not reveal the address it was made from.
//!
//! The key is 32 bytes from the operating system's CSPRNG, created on first use and stored in
//! the table under `SECRET#LINKS` / `HMAC` with a not-exists condition (the first writer wins;
//! a concurrent creator reads the winner's key), so the AWS functions and local mode share it
//! without a template parameter. It is never rotated: a token minted again for a retried chunk
//! must be the one already sent. Tokens minted before the key existed (the unkeyed SHA-1 of
//! earlier versions) keep working: the redirect looks a token up by its stored link item.

use std::sync::Arc;

use ports::{Condition, Item, ItemStore, StoreError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use crate::CrmError;

/// Where the key lives (the public redirect's IAM policy names this partition).
pub const LINK_KEY_PK: &str = "SECRET#LINKS";
pub const LINK_KEY_SK: &str = "HMAC";

/// Hex characters of a keyed link token (128 bits).
pub const TOKEN_HEX_LEN: usize = 32;
/// Hex characters of a visitor id (96 bits: unique enough per link, short in a sort key).
const VISITOR_HEX_LEN: usize = 24;

#[derive(Serialize, Deserialize)]
struct StoredKey {
    /// Hex of the 32 key bytes.
    key: String,
    created_at_ms: i64,
}

/// The deployment's link key.
#[derive(Clone, PartialEq, Eq)]
pub struct LinkKey([u8; 32]);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

impl LinkKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The stored key, created (from the CSPRNG) when there is none yet.
    pub async fn load_or_create(store: &dyn ItemStore, now_ms: i64) -> Result<Self, CrmError> {
        if let Some(key) = Self::load(store).await? {
            return Ok(key);
        }
        let bytes: [u8; 32] = rand::random();
        let item = Item::with_doc(
            LINK_KEY_PK,
            LINK_KEY_SK,
            &StoredKey {
                key: hex::encode(bytes),
                created_at_ms: now_ms,
            },
        )?;
        match store.put(item, Condition::NotExists).await {
            Ok(()) => Ok(Self(bytes)),
            // Another function created it first: theirs is the key.
            Err(StoreError::ConditionFailed) => Self::load(store).await?.ok_or_else(|| {
                CrmError::Inconsistent("link key: creation conflicted, yet none is stored".into())
            }),
            Err(e) => Err(e.into()),
        }
    }

    async fn load(store: &dyn ItemStore) -> Result<Option<Self>, CrmError> {
        let Some(item) = store.get(LINK_KEY_PK, LINK_KEY_SK).await? else {
            return Ok(None);
        };
        let stored: StoredKey = item.doc()?;
        let bytes: [u8; 32] = hex::decode(&stored.key)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| CrmError::Inconsistent("link key: stored key is not 32 bytes".into()))?;
        Ok(Some(Self(bytes)))
    }

    /// The token of the `index`-th link of a chunk: the same on every attempt (a redelivered
    /// send rewrites its links identically), unguessable without the key.
    pub fn token(&self, campaign_id: &str, chunk: &str, index: usize) -> String {
        let mut msg = Vec::with_capacity(campaign_id.len() + chunk.len() + 16);
        msg.extend_from_slice(b"link\n");
        msg.extend_from_slice(campaign_id.as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(chunk.as_bytes());
        msg.push(b'\n');
        msg.extend_from_slice(&(index as u64).to_le_bytes());
        hex_prefix(&hmac_sha256(&self.0, &msg), TOKEN_HEX_LEN)
    }

    /// A visitor's id: the keyed hash of their address and browser (never stored in clear);
    /// `None` when the request names neither.
    pub fn visitor(&self, ip: Option<&str>, user_agent: Option<&str>) -> Option<String> {
        let ip = ip.map(str::trim).filter(|s| !s.is_empty());
        let ua = user_agent.map(str::trim).filter(|s| !s.is_empty());
        if ip.is_none() && ua.is_none() {
            return None;
        }
        let msg = format!("visitor\n{}\n{}", ip.unwrap_or(""), ua.unwrap_or(""));
        Some(hex_prefix(
            &hmac_sha256(&self.0, msg.as_bytes()),
            VISITOR_HEX_LEN,
        ))
    }
}

/// The key loaded once per process (the redirect keeps one for its lifetime).
#[derive(Clone, Default)]
pub struct LinkKeyCache(Arc<OnceCell<LinkKey>>);

impl LinkKeyCache {
    pub async fn get(&self, store: &dyn ItemStore, now_ms: i64) -> Result<LinkKey, CrmError> {
        self.0
            .get_or_try_init(|| LinkKey::load_or_create(store, now_ms))
            .await
            .cloned()
    }
}

fn hex_prefix(bytes: &[u8], chars: usize) -> String {
    let mut s = hex::encode(bytes);
    s.truncate(chars);
    s
}

/// HMAC-SHA256 (RFC 2104) of `msg` under a key of at most one block.
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn tokens_depend_on_the_key_and_are_stable_per_chunk_and_link() {
        let a = LinkKey::from_bytes([1; 32]);
        let b = LinkKey::from_bytes([2; 32]);
        let chunk = "CHUNK#zhangsan#00000";
        assert_eq!(a.token("c1", chunk, 0), a.token("c1", chunk, 0));
        assert_eq!(a.token("c1", chunk, 0).len(), TOKEN_HEX_LEN);
        assert_ne!(a.token("c1", chunk, 0), b.token("c1", chunk, 0));
        assert_ne!(a.token("c1", chunk, 0), a.token("c1", chunk, 1));
        assert_ne!(
            a.token("c1", chunk, 0),
            a.token("c1", "CHUNK#lisi#00000", 0)
        );
        // Not the unkeyed hash earlier versions used.
        assert_ne!(
            a.token("c1", chunk, 0)[..20],
            super::super::links::legacy_link_token("c1", chunk, 0)
        );
    }

    #[test]
    fn visitors_are_keyed_and_need_an_address_or_a_browser() {
        let a = LinkKey::from_bytes([1; 32]);
        let b = LinkKey::from_bytes([2; 32]);
        assert_eq!(a.visitor(None, Some("  ")), None);
        let v = a
            .visitor(Some("203.0.113.7"), Some("MicroMessenger/8.0"))
            .unwrap();
        assert_eq!(v.len(), 24);
        assert_ne!(
            Some(v.clone()),
            b.visitor(Some("203.0.113.7"), Some("MicroMessenger/8.0"))
        );
        assert_ne!(
            Some(v),
            a.visitor(Some("203.0.113.8"), Some("MicroMessenger/8.0"))
        );
    }

    #[tokio::test]
    async fn the_key_is_created_once_and_shared_by_every_loader() {
        let store: Arc<dyn ItemStore> = Arc::new(store_embedded::SqliteStore::new(
            store_embedded::EmbeddedDb::open_in_memory().unwrap(),
        ));
        let (first, second) = tokio::join!(
            LinkKey::load_or_create(store.as_ref(), 1),
            LinkKey::load_or_create(store.as_ref(), 2)
        );
        let (first, second) = (first.unwrap(), second.unwrap());
        assert_eq!(first, second);
        let cache = LinkKeyCache::default();
        assert_eq!(cache.get(store.as_ref(), 3).await.unwrap(), first);
        let other: Arc<dyn ItemStore> = Arc::new(store_embedded::SqliteStore::new(
            store_embedded::EmbeddedDb::open_in_memory().unwrap(),
        ));
        let elsewhere = LinkKey::load_or_create(other.as_ref(), 1).await.unwrap();
        assert_ne!(
            first.token("c1", "CHUNK#a#00000", 0),
            elsewhere.token("c1", "CHUNK#a#00000", 0),
            "two deployments mint different tokens"
        );
    }
}
