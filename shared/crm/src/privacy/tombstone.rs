//! Erasure tombstones: what is left of an erased customer, keyed by a keyed hash of their
//! external_userid so that a callback or a sync can tell "erased" with one get, and the
//! tombstone itself names nobody.
//!
//! The hash is HMAC-SHA-256 of the external_userid under a per-deployment key (`SECRET#PRIVACY` /
//! `HMAC`, 32 random bytes created on first use and never rotated). An external_userid
//! is already a pseudonym (WeCom issues one per corp and customer), but the plain id would let
//! anyone holding a list of ids (WeCom's API, an old export) tell who was erased; the keyed
//! hash does not, without the key.

use std::sync::Arc;

use ports::{Condition, Item, ItemStore, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::OnceCell;

use crate::CrmError;
use crate::keys::{PRIVACY_KEY_PK, PRIVACY_KEY_SK, TOMBSTONE_SK, tombstone_pk};

/// The stored key of the keyed hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PrivacyKey {
    /// 32 bytes, hex.
    key: String,
    created_at_ms: i64,
}

/// What the tombstone records: when, by whom and why the customer was erased, and whether
/// the scrub finished. No personal data.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tombstone {
    /// The keyed hash of the external_userid (hex).
    pub subject: String,
    pub erased_at_ms: i64,
    /// The stable id of the caller who asked for the erasure.
    pub erased_by: String,
    /// Why (as typed by staff).
    pub reason: String,
    /// Set once every record was scrubbed; a retried erasure finishes what a crashed one began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at_ms: Option<i64>,
    /// How many erasure requests ran (a retry counts again).
    #[serde(default)]
    pub runs: u32,
}

/// Reads and writes tombstones; caches the hash key for the life of the value (clone it to
/// share the cache).
#[derive(Clone)]
pub struct Tombstones {
    store: Arc<dyn ItemStore>,
    key: Arc<OnceCell<[u8; 32]>>,
}

impl Tombstones {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self {
            store,
            key: Arc::new(OnceCell::new()),
        }
    }

    /// The deployment's key, cached for the life of the value.
    async fn key(&self) -> Result<[u8; 32], CrmError> {
        let key = self
            .key
            .get_or_try_init(|| privacy_key(self.store.as_ref()))
            .await?;
        Ok(*key)
    }

    /// The keyed hash naming this customer in tombstones and erased tallies.
    pub async fn subject(&self, external_userid: &str) -> Result<String, CrmError> {
        let key = self.key().await?;
        Ok(hex::encode(hmac_sha256(&key, external_userid.as_bytes())))
    }

    /// Whether the customer was erased: one get once the key is cached.
    pub async fn is_erased(&self, external_userid: &str) -> Result<bool, CrmError> {
        if external_userid.is_empty() {
            return Ok(false);
        }
        let subject = self.subject(external_userid).await?;
        Ok(self
            .store
            .get(&tombstone_pk(&subject), TOMBSTONE_SK)
            .await?
            .is_some())
    }

    /// The tombstone of a subject (see [`Self::subject`]), with its version.
    pub async fn get(&self, subject: &str) -> Result<Option<(Tombstone, u64)>, CrmError> {
        match self.store.get(&tombstone_pk(subject), TOMBSTONE_SK).await? {
            Some(item) => Ok(Some((item.doc()?, item.version))),
            None => Ok(None),
        }
    }

    /// Writes the tombstone unless one exists; answers the stored one.
    pub(super) async fn begin(&self, tombstone: Tombstone) -> Result<Tombstone, CrmError> {
        let subject = tombstone.subject.clone();
        for _ in 0..crate::repo::MAX_OPTIMISTIC_ATTEMPTS {
            let (mut next, condition, version) = match self.get(&subject).await? {
                Some((stored, v)) => (stored, Condition::VersionIs(v), v),
                None => (tombstone.clone(), Condition::NotExists, 0),
            };
            next.runs = next.runs.saturating_add(1);
            next.completed_at_ms = None;
            let mut item = Item::with_doc(tombstone_pk(&subject), TOMBSTONE_SK, &next)?;
            item.version = version + 1;
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(next),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CrmError::Contention(tombstone_pk(&subject)))
    }

    /// Marks the scrub finished.
    pub(super) async fn complete(&self, subject: &str, at_ms: i64) -> Result<(), CrmError> {
        crate::repo::update_item::<Tombstone, _>(
            self.store.as_ref(),
            &tombstone_pk(subject),
            TOMBSTONE_SK,
            |current| {
                let Some(mut t) = current else {
                    return Ok(None);
                };
                t.completed_at_ms = Some(at_ms);
                Ok(Some(Item::with_doc(
                    tombstone_pk(subject),
                    TOMBSTONE_SK,
                    &t,
                )?))
            },
        )
        .await?;
        Ok(())
    }
}

/// The deployment's privacy key (`SECRET#PRIVACY` / `HMAC`): read, or created once (two
/// creators race on a conditional put; the loser reads the winner's). It keys the tombstones
/// and the phone index (`crate::phone_index`).
pub async fn privacy_key(store: &dyn ItemStore) -> Result<[u8; 32], StoreError> {
    for _ in 0..3 {
        if let Some(item) = store.get(PRIVACY_KEY_PK, PRIVACY_KEY_SK).await? {
            let doc: PrivacyKey = item.doc()?;
            return decode_key(&doc.key);
        }
        let key: [u8; 32] = rand::random();
        let doc = PrivacyKey {
            key: hex::encode(key),
            created_at_ms: chrono::Utc::now().timestamp_millis(),
        };
        let item = Item::with_doc(PRIVACY_KEY_PK, PRIVACY_KEY_SK, &doc)?;
        match store.put(item, Condition::NotExists).await {
            Ok(()) => return Ok(key),
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Conflict)
}

fn decode_key(hex_key: &str) -> Result<[u8; 32], StoreError> {
    hex::decode(hex_key)
        .ok()
        .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
        .ok_or_else(|| StoreError::Corrupt("privacy key: not 32 hex-encoded bytes".into()))
}

/// HMAC-SHA-256, the one the link tokens use.
pub use crate::campaign::link_key::hmac_sha256;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// RFC 4231, test cases 2 and 6 (a short key, and a key longer than a block).
    #[test]
    fn hmac_matches_the_rfc_4231_vectors() {
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert_eq!(
            hex::encode(hmac_sha256(
                &[0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[tokio::test]
    async fn the_key_is_created_once_and_the_subject_is_stable_and_unlike_the_id() {
        let store: Arc<dyn ItemStore> = Arc::new(store_embedded::SqliteStore::new(
            store_embedded::EmbeddedDb::open_in_memory().unwrap(),
        ));
        let a = Tombstones::new(store.clone());
        let b = Tombstones::new(store.clone());
        let s1 = a.subject("wm_customer_1").await.unwrap();
        let s2 = b.subject("wm_customer_1").await.unwrap();
        assert_eq!(s1, s2, "two readers of one deployment agree");
        assert_ne!(s1, a.subject("wm_customer_2").await.unwrap());
        assert!(!s1.contains("wm_customer_1"));
        assert_eq!(s1.len(), 64);
        let other: Arc<dyn ItemStore> = Arc::new(store_embedded::SqliteStore::new(
            store_embedded::EmbeddedDb::open_in_memory().unwrap(),
        ));
        assert_ne!(
            Tombstones::new(other)
                .subject("wm_customer_1")
                .await
                .unwrap(),
            s1,
            "another deployment has another key"
        );
        assert!(!a.is_erased("wm_customer_1").await.unwrap());
    }
}
