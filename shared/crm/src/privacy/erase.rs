//! Erasure (`POST /api/customers/{external_userid}/erase`): the tombstone first, then every
//! record holding the customer's personal data is deleted or rewritten without it, keeping
//! the anonymous aggregates.
//!
//! Idempotent: each step finds what is left through [`collect`] and acts on it, so a retried
//! erasure (after a crash, a timeout, a second click) finishes what an earlier one began, and
//! one that finds nothing left only marks the tombstone complete. While the tombstone exists,
//! callbacks and syncs do not write the customer again and campaigns skip them.

use std::sync::Arc;

use ports::{Condition, Item, ItemStore, StoreError, WriteOp};
use serde::Serialize;
use serde_json::Value;
use tracing::info;

use super::holdings::{Holdings, audience_names, collect, merged_customers, seen_names};
use super::tally::ErasedTally;
use super::tombstone::{Tombstone, Tombstones};
use crate::CrmError;
use crate::aggregates::contribution::{Tally, contribute, is_counted};
use crate::keys::{CALLBACK_LOG_GSI_PK, CALLBACK_LOG_SK, ERASED_TALLY_SK, PROFILE_SK};
use crate::keys::{callback_log_pk, callback_type_gsi_pk, erased_tally_pk, ts};
use crate::model::CallbackLogEntry;

/// What an explicit campaign audience holds in place of an erased customer (the list keeps its
/// length, so a campaign resolving it page by page does not skip anyone).
pub const ERASED_PLACEHOLDER: &str = "-";
/// Counted records moved into the tally per transaction (each deletion is one operation;
/// the moves cancel, so no counter item is written).
const MOVES_PER_TRANSACTION: usize = 16;
const MAX_ATTEMPTS: usize = 12;

/// What one erasure did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EraseReport {
    /// Records deleted (their counts kept in the erased tally when they were counted).
    pub deleted: u64,
    /// Records kept without the customer's data (event log markers, campaign audiences,
    /// chunks, links, sync pages).
    pub redacted: u64,
    /// Whether an earlier erasure had already written the tombstone.
    pub resumed: bool,
    pub completed_at_ms: i64,
}

/// Erases the customer; `None` when nothing is held about them and they were never erased.
/// The earlier records of the same person merged into them ([`merged_customers`]) are erased
/// first, each with its own tombstone (so a retry after a crash still finds them through the
/// profile), then the customer with the leads merged into them.
pub async fn erase(
    store: &Arc<dyn ItemStore>,
    tombstones: &Tombstones,
    external_userid: &str,
    actor: &str,
    reason: &str,
    now_ms: i64,
) -> Result<Option<EraseReport>, CrmError> {
    let mut merged = EraseReport::default();
    for old in merged_customers(store, external_userid).await? {
        if let Some(r) = erase_one(store, tombstones, &old, actor, reason, now_ms).await? {
            merged.deleted += r.deleted;
            merged.redacted += r.redacted;
        }
    }
    let report = erase_one(store, tombstones, external_userid, actor, reason, now_ms).await?;
    Ok(report.map(|mut r| {
        r.deleted += merged.deleted;
        r.redacted += merged.redacted;
        r
    }))
}

async fn erase_one(
    store: &Arc<dyn ItemStore>,
    tombstones: &Tombstones,
    external_userid: &str,
    actor: &str,
    reason: &str,
    now_ms: i64,
) -> Result<Option<EraseReport>, CrmError> {
    let subject = tombstones.subject(external_userid).await?;
    let previous = tombstones.get(&subject).await?;
    let profile = store
        .get(&crate::keys::customer_pk(external_userid), PROFILE_SK)
        .await?;
    if previous.is_none() && profile.is_none() {
        return Ok(None);
    }
    // 1. The tombstone, before anything is removed: from here on nothing brings them back.
    tombstones
        .begin(Tombstone {
            subject: subject.clone(),
            erased_at_ms: now_ms,
            erased_by: actor.to_owned(),
            reason: reason.to_owned(),
            completed_at_ms: None,
            runs: 0,
        })
        .await?;
    let mut report = EraseReport {
        resumed: previous.is_some(),
        ..EraseReport::default()
    };
    // 2. The scrub. Uncounted records first, counted ones last (the recipient rows are how
    //    the campaigns that reached them are found), the profile at the very end.
    let held = collect(store, external_userid, now_ms).await?;
    scrub_uncounted(store, &held, external_userid, &subject, &mut report).await?;
    let mut counted: Vec<Item> = held
        .recipients
        .iter()
        .chain(&held.clicks)
        .chain(held.partition.iter().filter(|i| i.sk != PROFILE_SK))
        .filter(|i| is_counted(&i.pk, &i.sk))
        .cloned()
        .collect();
    counted.extend(
        held.partition
            .iter()
            .filter(|i| i.sk == PROFILE_SK)
            .cloned(),
    );
    for group in counted.chunks(MOVES_PER_TRANSACTION) {
        report.deleted += move_to_tally(store, &subject, group, now_ms).await?;
    }
    tombstones.complete(&subject, now_ms).await?;
    report.completed_at_ms = now_ms;
    info!(
        deleted = report.deleted,
        redacted = report.redacted,
        resumed = report.resumed,
        "customer erased"
    );
    Ok(Some(report))
}

async fn scrub_uncounted(
    store: &Arc<dyn ItemStore>,
    held: &Holdings,
    id: &str,
    subject: &str,
    report: &mut EraseReport,
) -> Result<(), CrmError> {
    // Raw events: each replaced by a marker without ids or payload, under a key that names
    // nobody (the original key holds the external_userid).
    for event in &held.events {
        let marker = redacted_event(event, subject)?;
        store
            .transact(vec![
                WriteOp::Put {
                    item: marker,
                    condition: Condition::Always,
                },
                WriteOp::Delete {
                    pk: event.pk.clone(),
                    sk: event.sk.clone(),
                    condition: Condition::Always,
                },
            ])
            .await?;
        report.redacted += 1;
    }
    // Records that are theirs alone and count for nothing.
    let plain = held
        .welcome_claims
        .iter()
        .chain(&held.ledger)
        .chain(&held.orders)
        .chain(&held.automation_claims)
        .chain(&held.leads)
        .chain(held.partition.iter().filter(|i| !is_counted(&i.pk, &i.sk)));
    for item in plain {
        store.delete(&item.pk, &item.sk, Condition::Always).await?;
        report.deleted += 1;
    }
    // Shared records: rewritten without them.
    for campaign in &held.audiences {
        rewrite(store, campaign, |data| {
            let ids = data
                .get_mut("audience")
                .and_then(|a| a.get_mut("external_userids"))
                .and_then(Value::as_array_mut);
            replace_in(ids, id, Some(ERASED_PLACEHOLDER))
        })
        .await?;
        report.redacted += 1;
    }
    for chunk in &held.chunks {
        rewrite(store, chunk, |data| {
            replace_in(
                data.get_mut("fail_list").and_then(Value::as_array_mut),
                id,
                None,
            )
        })
        .await?;
        report.redacted += 1;
    }
    for link in &held.links {
        rewrite(store, link, |data| data.remove("external_userid").is_some()).await?;
        report.redacted += 1;
    }
    for page in &held.sync_pages {
        rewrite(store, page, |data| {
            let Some(pairs) = data.get_mut("pairs").and_then(Value::as_array_mut) else {
                return false;
            };
            let before = pairs.len();
            pairs.retain(|p| p.get(0).and_then(Value::as_str) != Some(id));
            pairs.len() != before
        })
        .await?;
        report.redacted += 1;
    }
    debug_assert!(held.audiences.iter().all(|c| audience_names(c, id)));
    debug_assert!(held.sync_pages.iter().all(|p| seen_names(p, id)));
    Ok(())
}

/// Replaces (or removes) every `id` in a list of strings; whether anything changed.
fn replace_in(list: Option<&mut Vec<Value>>, id: &str, with: Option<&str>) -> bool {
    let Some(list) = list else {
        return false;
    };
    let before = list.clone();
    match with {
        Some(with) => {
            for v in list.iter_mut() {
                if v.as_str() == Some(id) {
                    *v = Value::from(with);
                }
            }
        }
        None => list.retain(|v| v.as_str() != Some(id)),
    }
    *list != before
}

/// Rewrites a stored item's document in place, on the version read (re-read on a race).
async fn rewrite<F>(store: &Arc<dyn ItemStore>, found: &Item, mut change: F) -> Result<(), CrmError>
where
    F: FnMut(&mut serde_json::Map<String, Value>) -> bool,
{
    for _ in 0..MAX_ATTEMPTS {
        let Some(mut item) = store.get(&found.pk, &found.sk).await? else {
            return Ok(());
        };
        if !change(&mut item.data) {
            return Ok(());
        }
        let version = item.version;
        item.version = version + 1;
        match store.put(item, Condition::VersionIs(version)).await {
            Ok(()) => return Ok(()),
            Err(StoreError::ConditionFailed) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CrmError::Contention(format!("{}/{}", found.pk, found.sk)))
}

/// The event log line kept for an erased customer's event: its type, time, processing status
/// and the staff member, without the external_userid, the channel or the raw XML.
pub fn redacted_event(event: &Item, subject: &str) -> Result<Item, CrmError> {
    let entry: CallbackLogEntry = event.doc()?;
    let key = format!(
        "erased:{}",
        &hex::encode(super::tombstone::hmac_sha256(
            subject.as_bytes(),
            entry.dedupe_key.as_bytes()
        ))[..32]
    );
    let marker = CallbackLogEntry {
        dedupe_key: key.clone(),
        event_type: entry.event_type.clone(),
        external_userid: None,
        userid: entry.userid.clone(),
        state: None,
        create_time: entry.create_time,
        raw_xml: String::new(),
        status: entry.status,
        delivery_count: entry.delivery_count,
        received_at_ms: entry.received_at_ms,
        last_delivery_at_ms: entry.last_delivery_at_ms,
        attempts: entry.attempts,
        processed_at_ms: entry.processed_at_ms,
        outcome: Some(ERASED_OUTCOME.to_owned()),
        // Anything else (raw payloads, parse errors) is left out.
        ..CallbackLogEntry::default()
    };
    let mut item = Item::with_doc(callback_log_pk(&key), CALLBACK_LOG_SK, &marker)?;
    let order = format!("{}#{key}", ts(marker.received_at_ms));
    item.gsi1 = Some((CALLBACK_LOG_GSI_PK.to_owned(), order.clone()));
    item.gsi2 = Some((callback_type_gsi_pk(&marker.event_type), order));
    item.expires_at = event.expires_at;
    Ok(item)
}

/// The outcome an event log marker of an erased customer's event shows.
pub const ERASED_OUTCOME: &str = "customer_erased";

/// Deletes counted records, adding what they counted to the customer's erased tally in the
/// same transaction; answers how many were deleted.
async fn move_to_tally(
    store: &Arc<dyn ItemStore>,
    subject: &str,
    group: &[Item],
    now_ms: i64,
) -> Result<u64, CrmError> {
    let tally_pk = erased_tally_pk(subject);
    for _ in 0..MAX_ATTEMPTS {
        let (mut tally, condition, version) = match store.get(&tally_pk, ERASED_TALLY_SK).await? {
            Some(item) => (
                item.doc::<ErasedTally>()?,
                Condition::VersionIs(item.version),
                item.version,
            ),
            None => (
                ErasedTally {
                    subject: subject.to_owned(),
                    ..ErasedTally::default()
                },
                Condition::NotExists,
                0,
            ),
        };
        let mut sum: Tally = tally.tally();
        let mut ops = Vec::with_capacity(group.len() + 1);
        let mut moved = 0;
        for found in group {
            // The record as it is now (a writer may have changed it since it was found).
            let Some(current) = store.get(&found.pk, &found.sk).await? else {
                continue;
            };
            contribute(&current, 1, &mut sum)?;
            ops.push(WriteOp::Delete {
                pk: current.pk.clone(),
                sk: current.sk.clone(),
                condition: Condition::VersionIs(current.version),
            });
            moved += 1;
        }
        if moved == 0 {
            return Ok(0);
        }
        tally.records += moved;
        tally.updated_at_ms = now_ms;
        tally.set_tally(sum);
        let mut item = tally.item()?;
        item.version = version + 1;
        ops.insert(0, WriteOp::Put { item, condition });
        match store.transact(ops).await {
            Ok(()) => return Ok(moved),
            Err(StoreError::ConditionFailed | StoreError::Conflict) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(CrmError::Contention(tally_pk))
}
