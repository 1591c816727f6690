//! A campaign's funnel: targeted → skipped (by reason) → task created → sent → clicks →
//! booked, overall and by tier and channel. There is no open rate: WeCom reports none.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Campaigns;
use super::model::RecipientStatus;
use crate::CrmError;
use crate::aggregates::contribution::{clicks as aggregates_clicks, funnel};
use crate::aggregates::{Aggregates, Counts};

/// One row of the funnel.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stage {
    pub targeted: u64,
    pub skipped: u64,
    /// Recipients in a created group-send task.
    pub task_created: u64,
    pub awaiting_staff: u64,
    pub sent: u64,
    pub not_friend: u64,
    pub over_quota: u64,
    pub failed: u64,
    pub cancelled: u64,
    /// Sent recipients with an appointment booked or a purchase made within the window.
    pub booked: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Funnel {
    #[serde(flatten)]
    pub total: Stage,
    pub skipped_by_reason: BTreeMap<String, u64>,
    pub failed_by_reason: BTreeMap<String, u64>,
    /// Clicks on the campaign's tracked links (every click, per task content).
    pub clicks: u64,
    /// Clicks attributable to one customer (tasks that went to one customer).
    pub clicks_attributed: u64,
    pub booked_within_days: u32,
    pub by_tier: BTreeMap<String, Stage>,
    pub by_channel: BTreeMap<String, Stage>,
}

impl Stage {
    /// The stage counters of one dimension (`all`, `tier:A`, `channel:douyin`).
    fn of(counts: &Counts, dimension: &str) -> Self {
        let n = |stage: &str| counts.count(&funnel::field(dimension, stage));
        Self {
            targeted: n(funnel::TARGETED),
            skipped: n(RecipientStatus::Skipped.name()),
            task_created: n(funnel::TASK_CREATED),
            awaiting_staff: n(RecipientStatus::AwaitingStaff.name()),
            sent: n(RecipientStatus::Sent.name()),
            not_friend: n(RecipientStatus::NotFriend.name()),
            over_quota: n(RecipientStatus::OverQuota.name()),
            failed: n(RecipientStatus::Failed.name()),
            cancelled: n(RecipientStatus::Cancelled.name()),
            booked: n(funnel::BOOKED),
        }
    }
}

impl Campaigns {
    /// The funnel, read from the campaign's maintained counters: one query of a partition
    /// holding one item per chunk (and one for clicks), whatever the number of recipients or
    /// clicks.
    pub async fn funnel(&self, campaign_id: &str) -> Result<Option<Funnel>, CrmError> {
        let Some(campaign) = self.repo().get(campaign_id).await? else {
            return Ok(None);
        };
        let (counts, clicks) = Aggregates::new(self.store.clone())
            .campaign(campaign_id)
            .await?;
        let mut funnel = Funnel {
            total: Stage::of(&counts, funnel::ALL),
            booked_within_days: campaign.booked_within_days,
            clicks: clicks.count(aggregates_clicks::CLICKS),
            clicks_attributed: clicks.count(aggregates_clicks::ATTRIBUTED),
            ..Funnel::default()
        };
        for field in counts.0.keys() {
            if let Some(reason) = field.strip_prefix(funnel::SKIPPED_REASON) {
                funnel
                    .skipped_by_reason
                    .insert(reason.to_owned(), counts.count(field));
            } else if let Some(reason) = field.strip_prefix(funnel::FAILED_REASON) {
                funnel
                    .failed_by_reason
                    .insert(reason.to_owned(), counts.count(field));
            } else if let Some((dimension, _)) = field.rsplit_once('|') {
                if let Some(tier) = dimension.strip_prefix(funnel::TIER) {
                    if !funnel.by_tier.contains_key(tier) {
                        funnel
                            .by_tier
                            .insert(tier.to_owned(), Stage::of(&counts, dimension));
                    }
                } else if let Some(channel) = dimension.strip_prefix(funnel::CHANNEL)
                    && !funnel.by_channel.contains_key(channel)
                {
                    funnel
                        .by_channel
                        .insert(channel.to_owned(), Stage::of(&counts, dimension));
                }
            }
        }
        funnel.skipped_by_reason.retain(|_, n| *n > 0);
        funnel.failed_by_reason.retain(|_, n| *n > 0);
        Ok(Some(funnel))
    }
}
