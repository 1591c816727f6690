//! A campaign's funnel: targeted → skipped (by reason) → task created → sent → clicks →
//! booked, overall and by tier and channel. There is no open rate: WeCom reports none.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Campaigns;
use super::model::{Recipient, RecipientStatus};
use crate::CrmError;
use crate::calendar::DAY_MS;
use crate::repo::CustomerAdmin;

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
    fn add(&mut self, r: &Recipient, booked: bool) {
        self.targeted += 1;
        match r.status {
            RecipientStatus::Skipped => self.skipped += 1,
            RecipientStatus::Queued => {}
            RecipientStatus::AwaitingStaff => self.awaiting_staff += 1,
            RecipientStatus::Sent => self.sent += 1,
            RecipientStatus::NotFriend => self.not_friend += 1,
            RecipientStatus::OverQuota => self.over_quota += 1,
            RecipientStatus::Failed => self.failed += 1,
            RecipientStatus::Cancelled => self.cancelled += 1,
        }
        if r.msgid.is_some() {
            self.task_created += 1;
        }
        if booked {
            self.booked += 1;
        }
    }
}

impl Campaigns {
    pub async fn funnel(&self, campaign_id: &str) -> Result<Option<Funnel>, CrmError> {
        let Some(campaign) = self.repo().get(campaign_id).await? else {
            return Ok(None);
        };
        let window = i64::from(campaign.booked_within_days) * DAY_MS;
        let recipients = self.repo().all_recipients(campaign_id).await?;
        // Bookings come from the per-day index over the span the sends cover: a handful of
        // queries, not two per recipient.
        let sent_times: Vec<i64> = recipients.iter().filter_map(|r| r.sent_at_ms).collect();
        let mut booked_at: BTreeMap<String, Vec<i64>> = BTreeMap::new();
        if let (Some(first), Some(last)) = (sent_times.iter().min(), sent_times.iter().max()) {
            let to = (last + window).min(self.clock.now_ms());
            for b in CustomerAdmin::new(self.store.clone())
                .bookings_between(*first, to.max(*first))
                .await?
            {
                booked_at
                    .entry(b.external_userid)
                    .or_default()
                    .push(b.at_ms);
            }
        }
        let mut funnel = Funnel {
            booked_within_days: campaign.booked_within_days,
            ..Funnel::default()
        };
        for r in recipients {
            let booked = match (r.status, r.sent_at_ms) {
                (RecipientStatus::Sent, Some(sent)) => booked_at
                    .get(&r.external_userid)
                    .is_some_and(|times| times.iter().any(|t| *t >= sent && *t <= sent + window)),
                _ => false,
            };
            funnel.total.add(&r, booked);
            let tier = r.tier.clone().unwrap_or_else(|| "unknown".to_owned());
            funnel.by_tier.entry(tier).or_default().add(&r, booked);
            let channel = if r.channel.is_empty() {
                "unknown".to_owned()
            } else {
                r.channel.clone()
            };
            funnel
                .by_channel
                .entry(channel)
                .or_default()
                .add(&r, booked);
            if let Some(reason) = &r.reason {
                match r.status {
                    RecipientStatus::Skipped => {
                        *funnel.skipped_by_reason.entry(reason.clone()).or_default() += 1;
                    }
                    RecipientStatus::Failed => {
                        *funnel.failed_by_reason.entry(reason.clone()).or_default() += 1;
                    }
                    _ => {}
                }
            }
        }
        let clicks = self.clicks_of(campaign_id).await?;
        funnel.clicks = clicks.total;
        funnel.clicks_attributed = clicks.by_customer.values().sum();
        Ok(Some(funnel))
    }
}
