//! The rebuild: every counter recomputed from the records, compared with the maintained ones,
//! and (when asked) corrected.
//!
//! The walk reads each customer's partition (profile, relationships, appointments, purchases),
//! each campaign's recipients, and each of its links' clicks and clicker markers — the same
//! records whose contributions the [`AggregatingStore`](super::AggregatingStore) adds up on
//! every write, through the same [`contribute`] function.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError, WriteOp};
use serde::Serialize;
use serde_json::{Map, Value};

use super::contribution::{Tally, contribute};
use crate::CrmError;
use crate::keys::{
    CAMPAIGNS_GSI_PK, CHANNEL_DAYS_PK, CLICK_PREFIX, CLICKER_PREFIX, CONTACT_WAY_COUNTS_PK,
    CUSTOMERS_GSI_PK, LINK_COUNTS_SK, RECIPIENT_PREFIX, campaign_counts_pk, campaign_links_gsi_pk,
    campaign_pk,
};
use crate::repo::query_all_items;

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
/// the ones that differ (each on the version it read, so a counter moved meanwhile is left for
/// the next run). Run it when writes are quiet: a record written during the walk may be
/// reported as a difference that is not one.
pub async fn rebuild(store: &Arc<dyn ItemStore>, apply: bool) -> Result<RebuildReport, CrmError> {
    let mut expected = Tally::default();
    let mut records = 0u64;
    let mut count = |items: &[Item], tally: &mut Tally| -> Result<(), StoreError> {
        for item in items {
            records += 1;
            contribute(item, 1, tally)?;
        }
        Ok(())
    };
    // Customers: the index holds every profile; each partition holds the rest.
    let mut cursor = None;
    loop {
        let page = store
            .query(
                Query::partition(IndexName::Gsi2, CUSTOMERS_GSI_PK)
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        for profile in &page.items {
            count(std::slice::from_ref(profile), &mut expected)?;
            let pk = profile.pk.clone();
            let appointments = query_all_items(
                store.as_ref(),
                Query::partition(IndexName::Primary, pk.clone())
                    .sk(SkCondition::Between("APPT#".into(), "APPT$".into()))
                    .limit(1000),
            )
            .await?;
            // `PURCHASE#…` and `REL#…` are neighbours in sort order (nothing else sorts between).
            let rest = query_all_items(
                store.as_ref(),
                Query::partition(IndexName::Primary, pk)
                    .sk(SkCondition::Between("PURCHASE#".into(), "REL$".into()))
                    .limit(1000),
            )
            .await?;
            count(&appointments, &mut expected)?;
            count(&rest, &mut expected)?;
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // Campaigns: recipients, links, clicks and clickers.
    let campaigns = query_all_items(
        store.as_ref(),
        Query::partition(IndexName::Gsi1, CAMPAIGNS_GSI_PK).limit(1000),
    )
    .await?;
    let mut counter_partitions: BTreeSet<String> =
        [CHANNEL_DAYS_PK.to_owned(), CONTACT_WAY_COUNTS_PK.to_owned()].into();
    let mut link_counters = Vec::new();
    for campaign in &campaigns {
        let Some(id) = campaign.pk.strip_prefix("CAMPAIGN#") else {
            continue;
        };
        counter_partitions.insert(campaign_counts_pk(id));
        let recipients = query_all_items(
            store.as_ref(),
            Query::partition(IndexName::Primary, campaign_pk(id))
                .sk(SkCondition::BeginsWith(RECIPIENT_PREFIX.into()))
                .limit(1000),
        )
        .await?;
        count(&recipients, &mut expected)?;
        let links = query_all_items(
            store.as_ref(),
            Query::partition(IndexName::Gsi1, campaign_links_gsi_pk(id)).limit(1000),
        )
        .await?;
        for link in &links {
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
            link_counters.push(link.pk.clone());
        }
    }
    let expected = expected.compact();

    // The maintained counters: whole partitions, and each link's item.
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
    for pk in &link_counters {
        if let Some(item) = store.get(pk, LINK_COUNTS_SK).await? {
            actual.insert((item.pk.clone(), item.sk.clone()), item);
        }
    }
    let keys: BTreeSet<(String, String)> =
        expected.0.keys().chain(actual.keys()).cloned().collect();
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
        item.version = have.map_or(1, |i| i.version + 1);
        WriteOp::Put { item, condition }
    };
    match store.transact(vec![op]).await {
        Ok(()) => Ok(true),
        Err(StoreError::ConditionFailed | StoreError::Conflict) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
