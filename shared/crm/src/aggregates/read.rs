//! What reports read: counter items only, a number of reads that grows with days × channels,
//! codes on a page, or a campaign's chunks — never with customers, recipients or clicks.

use std::collections::BTreeMap;
use std::sync::Arc;

use ports::{IndexName, ItemStore, Query, SkCondition};
use serde_json::Value;

use crate::CrmError;
use crate::keys::{
    CAMPAIGN_CLICKS_SK, CHANNEL_DAYS_PK, CONTACT_WAY_COUNTS_PK, LINK_COUNTS_SK, campaign_counts_pk,
    channel_day_end, link_pk,
};
use crate::repo::query_all_items;

/// Named counters of one item; an absent name reads as 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts(pub BTreeMap<String, i64>);

impl Counts {
    pub fn get(&self, field: &str) -> i64 {
        self.0.get(field).copied().unwrap_or(0)
    }

    /// A count that cannot be negative, as the API reports it.
    pub fn count(&self, field: &str) -> u64 {
        u64::try_from(self.get(field)).unwrap_or(0)
    }

    fn from_data(data: &serde_json::Map<String, Value>) -> Self {
        Self(
            data.iter()
                .filter_map(|(k, v)| v.as_i64().map(|n| (k.clone(), n)))
                .collect(),
        )
    }

    fn absorb(&mut self, other: &Counts) {
        for (k, n) in &other.0 {
            *self.0.entry(k.clone()).or_default() += n;
        }
    }
}

/// One channel's counters for one Beijing day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelDay {
    /// `YYYY-MM-DD`, Asia/Shanghai.
    pub day: String,
    /// The channel (`state`); empty for customers who came without one.
    pub state: String,
    pub counts: Counts,
}

/// Reads of the maintained counters.
#[derive(Clone)]
pub struct Aggregates {
    store: Arc<dyn ItemStore>,
}

impl Aggregates {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// Every channel's counters for the Beijing days `from_day..=to_day` (`YYYY-MM-DD`): one
    /// range query of one partition, days × channels items.
    pub async fn channel_days(
        &self,
        from_day: &str,
        to_day: &str,
    ) -> Result<Vec<ChannelDay>, CrmError> {
        let items = query_all_items(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, CHANNEL_DAYS_PK)
                .sk(SkCondition::Between(
                    format!("DAY#{from_day}"),
                    channel_day_end(to_day),
                ))
                .limit(1000),
        )
        .await?;
        Ok(items
            .iter()
            .filter_map(|item| {
                let rest = item.sk.strip_prefix("DAY#")?;
                let (day, state) = rest.split_once('#')?;
                Some(ChannelDay {
                    day: day.to_owned(),
                    state: state.to_owned(),
                    counts: Counts::from_data(&item.data),
                })
            })
            .collect())
    }

    /// One 「联系我」's counters (one read).
    pub async fn contact_way(&self, config_id: &str) -> Result<Counts, CrmError> {
        Ok(self
            .store
            .get(CONTACT_WAY_COUNTS_PK, config_id)
            .await?
            .map(|item| Counts::from_data(&item.data))
            .unwrap_or_default())
    }

    /// A campaign's funnel counters summed over its shards, and its click counters: one query
    /// of the campaign's counter partition (a chunk's worth of items).
    pub async fn campaign(&self, campaign_id: &str) -> Result<(Counts, Counts), CrmError> {
        let items = query_all_items(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, campaign_counts_pk(campaign_id)).limit(1000),
        )
        .await?;
        let (mut funnel, mut clicks) = (Counts::default(), Counts::default());
        for item in &items {
            let counts = Counts::from_data(&item.data);
            if item.sk == CAMPAIGN_CLICKS_SK {
                clicks.absorb(&counts);
            } else {
                funnel.absorb(&counts);
            }
        }
        Ok((funnel, clicks))
    }

    /// One tracked link's click counters (one read).
    pub async fn link(&self, token: &str) -> Result<Counts, CrmError> {
        Ok(self
            .store
            .get(&link_pk(token), LINK_COUNTS_SK)
            .await?
            .map(|item| Counts::from_data(&item.data))
            .unwrap_or_default())
    }
}
