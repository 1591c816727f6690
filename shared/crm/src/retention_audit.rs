//! Expiry for the audit entries written while the audit period was `0` (kept until erased).
//!
//! Such entries carry no expiry. When a period is set again (in the console or through
//! `RETENTION_AUDIT_DAYS`), the entries written after them get one and expire in their time,
//! while the older ones stay: a gap in the middle of the chain, which verification reports as a
//! break. The hourly sweep therefore walks the chain once, in order, from a checkpoint, and gives
//! each entry without an expiry the one it would have had: its time plus the period, never
//! earlier than the entry before it (expiry removes the oldest entries only). Entries that have
//! an expiry are passed over. While the period is `0` nothing is walked, so the entries written
//! meanwhile are found when a period is set.

use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError};
use serde::{Deserialize, Serialize};

use crate::CrmError;
use crate::calendar::DAY_MS;
use crate::keys::{AUDIT_PK, AUDIT_SEQ_PREFIX, audit_seq_sk};

/// The walk's checkpoint, under the `AUDIT#` prefix with the chain (never deleted).
pub const CHECKPOINT_PK: &str = "AUDIT#EXPIRY";
pub const CHECKPOINT_SK: &str = "CHECKPOINT";

/// Entries read per query page.
const PAGE: usize = 500;

/// Where the walk stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Checkpoint {
    /// The first entry not walked yet.
    next_seq: u64,
    /// The latest expiry walked over (Unix seconds): the floor of the next one given.
    #[serde(default)]
    floor: Option<i64>,
}

/// Walks the chain from the checkpoint to its end (at most `budget` entries; the next sweep
/// goes on), giving the entries without an expiry theirs under a period of `days`. Returns how
/// many were given one.
pub async fn backfill(
    store: &Arc<dyn ItemStore>,
    days: u32,
    budget: usize,
) -> Result<u64, CrmError> {
    if days == 0 {
        return Ok(0);
    }
    let stored = store.get(CHECKPOINT_PK, CHECKPOINT_SK).await?;
    let (mut at, version) = match &stored {
        Some(item) => (item.doc::<Checkpoint>()?, item.version),
        None => (Checkpoint::default(), 0),
    };
    let period_s = i64::from(days) * DAY_MS / 1000;
    let (mut walked, mut given) = (0, 0);
    let mut cursor = None;
    while walked < budget {
        let page = store
            .query(
                Query::partition(IndexName::Primary, AUDIT_PK)
                    .sk(SkCondition::Between(
                        audit_seq_sk(at.next_seq.max(1)),
                        audit_seq_sk(u64::MAX),
                    ))
                    .limit(PAGE.min(budget - walked))
                    .after(cursor),
            )
            .await?;
        for item in page.items {
            walked += 1;
            let Some(seq) = item
                .sk
                .strip_prefix(AUDIT_SEQ_PREFIX)
                .and_then(|n| n.parse::<u64>().ok())
            else {
                continue;
            };
            let expires_at = match item.expires_at {
                Some(t) => t,
                None => {
                    let at_ms = item
                        .data
                        .get("at_ms")
                        .and_then(serde_json::Value::as_i64)
                        .unwrap_or_default();
                    let t = (at_ms.div_euclid(1000) + period_s).max(at.floor.unwrap_or(i64::MIN));
                    if give_expiry(store, item, t).await? {
                        given += 1;
                    }
                    t
                }
            };
            at.floor = Some(at.floor.map_or(expires_at, |f| f.max(expires_at)));
            at.next_seq = seq + 1;
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    if walked > 0 {
        let mut item = Item::with_doc(CHECKPOINT_PK, CHECKPOINT_SK, &at)?;
        item.version = version + 1;
        let condition = match stored {
            Some(_) => Condition::VersionIs(version),
            None => Condition::NotExists,
        };
        match store.put(item, condition).await {
            // Another sweep walked the same entries at once: the same expiries, its checkpoint.
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(given)
}

/// Writes `item` back with the expiry `expires_at`, on the version read; an entry changed
/// meanwhile is left as it is.
async fn give_expiry(
    store: &Arc<dyn ItemStore>,
    mut item: Item,
    expires_at: i64,
) -> Result<bool, CrmError> {
    let read = item.version;
    item.version = read + 1;
    item.expires_at = Some(expires_at);
    match store.put(item, Condition::VersionIs(read)).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
