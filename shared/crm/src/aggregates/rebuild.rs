//! The rebuild: every counter recomputed from the records, compared with the maintained ones,
//! and (when asked) corrected.
//!
//! The walk reads each customer's partition (profile, relationships, appointments, purchases),
//! each campaign's recipients, each of its links' clicks and clicker markers, and the tallies
//! of erased customers (`crate::privacy::tally`) — the same
//! records whose contributions the [`AggregatingStore`](super::AggregatingStore) adds up on
//! every write, through the same [`contribute`] function.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::stream::{self, StreamExt, TryStreamExt};

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError, WriteOp};
use serde::Serialize;
use serde_json::{Map, Value};

use super::contribution::{Tally, contribute};
use crate::CrmError;
use crate::keys::{
    AGGREGATES_INITIALIZED_SK, AGGREGATES_META_PK, CAMPAIGNS_GSI_PK, CHANNEL_DAYS_PK, CLICK_PREFIX,
    CLICKER_PREFIX, CONTACT_WAY_COUNTS_PK, CUSTOMERS_GSI_PK, ERASED_TALLIES_GSI_PK, LINK_COUNTS_SK,
    RECIPIENT_PREFIX, campaign_counts_pk, campaign_links_gsi_pk, campaign_pk,
};
use crate::repo::query_all_items;
use crate::retention::campaigns_frozen_before_ms;

/// Customers whose records are read at once during the walk.
const READS_IN_FLIGHT: usize = 32;

/// A customer's counted records besides the profile: appointments, purchases, relationships.
async fn customer_records(store: Arc<dyn ItemStore>, pk: String) -> Result<Vec<Item>, CrmError> {
    let mut items = query_all_items(
        store.as_ref(),
        Query::partition(IndexName::Primary, pk.clone())
            .sk(SkCondition::Between("APPT#".into(), "APPT$".into()))
            .limit(1000),
    )
    .await?;
    // `PURCHASE#…` and `REL#…` are neighbours in sort order (nothing else sorts between).
    items.extend(
        query_all_items(
            store.as_ref(),
            Query::partition(IndexName::Primary, pk)
                .sk(SkCondition::Between("PURCHASE#".into(), "REL$".into()))
                .limit(1000),
        )
        .await?,
    );
    Ok(items)
}

/// One counter whose maintained value differs from the records'.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The counter item (`AGG#CHANNEL` `DAY#2026-12-01#xiaohongshu`, …).
    pub pk: String,
    pub sk: String,
    pub field: String,
    /// What the records add up to.
    pub expected: i64,
    /// What the maintained counter says.
    pub actual: i64,
}

/// What a rebuild found and did.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RebuildReport {
    /// Records read by the walk.
    pub records: u64,
    /// Counter items compared.
    pub counters: u64,
    pub differences: Vec<Difference>,
    /// Counter items rewritten (only when applying).
    pub corrected: u64,
}

/// Recomputes every counter from the records; with `apply`, writes the recomputed values over
/// the ones that differ.
///
/// The counters are read first, the records after: a write that lands during the rebuild
/// moves some counter after it was read, so that counter's correction (written on the version
/// read) fails and it is left alone; a counter no write touched since it was read is recomputed
/// from records that did not change for it. So applying is safe while the clinic works. The
/// report itself can still show a difference for a counter written during the walk: run it
/// again to confirm one.
pub async fn rebuild(store: &Arc<dyn ItemStore>, apply: bool) -> Result<RebuildReport, CrmError> {
    rebuild_campaigns_since(store, apply, None).await
}

/// [`rebuild`] as the product runs it at `now_ms` under retention: the counters of campaigns
/// created before [`campaigns_frozen_before_ms`] are left out (neither compared nor
/// corrected), since their recipients and clicks may have expired by TTL while their counters,
/// anonymous aggregates, are kept (`crate::retention`, docs/privacy.md).
pub async fn rebuild_as_of(
    store: &Arc<dyn ItemStore>,
    apply: bool,
    now_ms: i64,
) -> Result<RebuildReport, CrmError> {
    rebuild_campaigns_since(store, apply, Some(campaigns_frozen_before_ms(now_ms))).await
}

/// The rebuild, comparing only the campaigns created at or after `since_ms` (all: `None`).
async fn rebuild_campaigns_since(
    store: &Arc<dyn ItemStore>,
    apply: bool,
    since_ms: Option<i64>,
) -> Result<RebuildReport, CrmError> {
    // 1. Where the counters are, then the counters themselves.
    let campaigns = query_all_items(
        store.as_ref(),
        Query::partition(IndexName::Gsi1, CAMPAIGNS_GSI_PK).limit(1000),
    )
    .await?;
    let mut counter_partitions: BTreeSet<String> = [
        CHANNEL_DAYS_PK.to_owned(),
        CONTACT_WAY_COUNTS_PK.to_owned(),
        crate::keys::PIPELINE_COUNTS_PK.to_owned(),
    ]
    .into();
    let mut campaign_links: Vec<(String, Vec<Item>)> = Vec::new();
    let mut frozen: BTreeSet<String> = BTreeSet::new();
    for campaign in &campaigns {
        let Some(id) = campaign.pk.strip_prefix("CAMPAIGN#") else {
            continue;
        };
        let created_ms = campaign.data.get("created_at_ms").and_then(Value::as_i64);
        if let (Some(since), Some(created)) = (since_ms, created_ms)
            && created < since
        {
            // Frozen: its records may have expired, its counters are history (erased
            // customers' tallies that name them are left out too).
            frozen.insert(campaign_counts_pk(id));
            for link in query_all_items(
                store.as_ref(),
                Query::partition(IndexName::Gsi1, campaign_links_gsi_pk(id)).limit(1000),
            )
            .await?
            {
                frozen.insert(link.pk);
            }
            continue;
        }
        counter_partitions.insert(campaign_counts_pk(id));
        let links = query_all_items(
            store.as_ref(),
            Query::partition(IndexName::Gsi1, campaign_links_gsi_pk(id)).limit(1000),
        )
        .await?;
        campaign_links.push((id.to_owned(), links));
    }
    let mut actual: BTreeMap<(String, String), Item> = BTreeMap::new();
    for pk in &counter_partitions {
        for item in query_all_items(
            store.as_ref(),
            Query::partition(IndexName::Primary, pk.clone()).limit(1000),
        )
        .await?
        {
            actual.insert((item.pk.clone(), item.sk.clone()), item);
        }
    }
    for (_, links) in &campaign_links {
        for link in links {
            if let Some(item) = store.get(&link.pk, LINK_COUNTS_SK).await? {
                actual.insert((item.pk.clone(), item.sk.clone()), item);
            }
        }
    }

    // 2. The records, through the same contributions the store wrapper adds up.
    let mut expected = Tally::default();
    let mut records = 0u64;
    let mut count = |items: &[Item], tally: &mut Tally| -> Result<(), StoreError> {
        for item in items {
            records += 1;
            contribute(item, 1, tally)?;
        }
        Ok(())
    };
    // Customers: the index holds every profile; each partition holds the rest. With `apply`,
    // the phone index gets every record's items too (`crate::phone_index`).
    let phone_key = match apply {
        true => Some(crate::privacy::tombstone::privacy_key(store.as_ref()).await?),
        false => None,
    };
    let mut phone_entries = 0u64;
    let mut cursor = None;
    loop {
        let page = store
            .query(
                Query::partition(IndexName::Gsi2, CUSTOMERS_GSI_PK)
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        count(&page.items, &mut expected)?;
        // Each customer's records: two queries, READS_IN_FLIGHT customers at a time (on
        // DynamoDB the walk is bound by round trips, not by the table).
        let pks: Vec<String> = page.items.iter().map(|p| p.pk.clone()).collect();
        let partitions: Vec<Vec<Item>> = stream::iter(pks)
            .map(|pk| customer_records(store.clone(), pk))
            .buffer_unordered(READS_IN_FLIGHT)
            .try_collect()
            .await?;
        for items in &partitions {
            count(items, &mut expected)?;
        }
        if let Some(key) = &phone_key {
            phone_entries += crate::phone_index::fill(store.as_ref(), key, &page.items).await?;
            for items in &partitions {
                phone_entries += crate::phone_index::fill(store.as_ref(), key, items).await?;
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // Campaigns: recipients, and each link's clicks and clickers.
    for (id, links) in &campaign_links {
        let recipients = query_all_items(
            store.as_ref(),
            Query::partition(IndexName::Primary, campaign_pk(id))
                .sk(SkCondition::BeginsWith(RECIPIENT_PREFIX.into()))
                .limit(1000),
        )
        .await?;
        count(&recipients, &mut expected)?;
        for link in links {
            for prefix in [CLICK_PREFIX, CLICKER_PREFIX] {
                let found = query_all_items(
                    store.as_ref(),
                    Query::partition(IndexName::Primary, link.pk.clone())
                        .sk(SkCondition::BeginsWith(prefix.into()))
                        .limit(1000),
                )
                .await?;
                count(&found, &mut expected)?;
            }
        }
    }
    // Erased customers: what their records counted when they were erased (crate::privacy).
    let erased = query_all_items(
        store.as_ref(),
        Query::partition(IndexName::Gsi1, ERASED_TALLIES_GSI_PK).limit(1000),
    )
    .await?;
    count(&erased, &mut expected)?;
    let expected = expected.compact();
    if apply {
        crate::phone_index::mark_initialized(store.as_ref(), chrono::Utc::now().timestamp_millis())
            .await?;
        tracing::info!(phone_entries, "phone index filled");
    }

    let keys: BTreeSet<(String, String)> = expected
        .0
        .keys()
        .chain(actual.keys())
        .filter(|(pk, _)| !frozen.contains(pk))
        .cloned()
        .collect();
    let empty = BTreeMap::new();
    let mut report = RebuildReport {
        records,
        counters: keys.len() as u64,
        ..RebuildReport::default()
    };
    for key in keys {
        let want = expected.0.get(&key).unwrap_or(&empty);
        let have = actual.get(&key);
        let have_fields: BTreeMap<String, i64> = have
            .map(|i| {
                i.data
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_i64().unwrap_or(i64::MIN)))
                    .collect()
            })
            .unwrap_or_default();
        let fields: BTreeSet<&String> = want.keys().chain(have_fields.keys()).collect();
        let mut differs = false;
        for field in fields {
            let (e, a) = (
                want.get(field).copied().unwrap_or(0),
                have_fields.get(field).copied().unwrap_or(0),
            );
            if e != a {
                differs = true;
                report.differences.push(Difference {
                    pk: key.0.clone(),
                    sk: key.1.clone(),
                    field: field.clone(),
                    expected: e,
                    actual: a,
                });
            }
        }
        if differs && apply && correct(store, &key, want, have).await? {
            report.corrected += 1;
        }
    }
    Ok(report)
}

/// Writes `want` over the counter item read as `have`; false when it moved meanwhile.
async fn correct(
    store: &Arc<dyn ItemStore>,
    (pk, sk): &(String, String),
    want: &BTreeMap<String, i64>,
    have: Option<&Item>,
) -> Result<bool, CrmError> {
    let condition = have.map_or(Condition::NotExists, |i| Condition::VersionIs(i.version));
    let op = if want.is_empty() {
        WriteOp::Delete {
            pk: pk.clone(),
            sk: sk.clone(),
            condition,
        }
    } else {
        let mut item = Item::new(pk.clone(), sk.clone());
        item.data = want
            .iter()
            .map(|(k, n)| (k.clone(), Value::from(*n)))
            .collect::<Map<_, _>>();
        item.version = have.map_or_else(super::store::fresh_version, |i| i.version + 1);
        WriteOp::Put { item, condition }
    };
    match store.transact(vec![op]).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed | StoreError::Conflict) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// When the counters were first rebuilt from the records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
struct Initialized {
    at_ms: i64,
}

/// Makes sure the counters cover every record: a store whose counters were never rebuilt (data
/// written by a version without aggregates) is rebuilt once, with `apply`, and marked. Returns
/// the report when it ran. A new store is rebuilt in a few reads.
pub async fn ensure_initialized(
    store: &Arc<dyn ItemStore>,
    now_ms: i64,
) -> Result<Option<RebuildReport>, CrmError> {
    if store
        .get(AGGREGATES_META_PK, AGGREGATES_INITIALIZED_SK)
        .await?
        .is_some()
    {
        return Ok(None);
    }
    let report = rebuild(store, true).await?;
    let marker = Item::with_doc(
        AGGREGATES_META_PK,
        AGGREGATES_INITIALIZED_SK,
        &Initialized { at_ms: now_ms },
    )?;
    match store.put(marker, Condition::NotExists).await {
        Ok(()) | Err(StoreError::ConditionFailed) => Ok(Some(report)),
        Err(e) => Err(e.into()),
    }
}
