//! Campaigns: from an audience and a content to WeCom group-send tasks, staff confirmations,
//! clicks and bookings (docs/campaigns.md).
//!
//! - [`Campaigns::create`] stores a campaign and schedules its run (a one-time schedule, or the
//!   campaign queue when it is due now).
//! - [`Campaigns::run`] (the campaign function) defers to the end of quiet hours, resolves the
//!   audience page by page under a checkpoint, records every member with its status or skip
//!   reason, groups the rest by sender in chunks of ≤ 10 000 and queues one send per chunk.
//! - [`Campaigns::send_chunk`] (the sender function) creates the chunk's group-send task once.
//! - [`Campaigns::track_open`] (the result-tracking schedule) reads WeCom's send results,
//!   reminds staff, and closes campaigns.
//! - [`Campaigns::funnel`] counts targeted → skipped → task created → sent → clicks → booked.

pub mod booked;
pub mod funnel;
pub mod link_key;
pub mod links;
pub mod media;
pub mod model;
pub mod plan;
pub mod repo;
pub mod send;
pub mod track;
pub mod validate;

use crate::jobs::QueueJob;
use std::sync::Arc;
use std::time::Duration;

use ports::scheduler::{OneTimeSchedule, Scheduler};
use ports::{Clock, IdGen, ItemStore, JobQueue, OutgoingMessage};
use serde::{Deserialize, Serialize};
use wecom_api::WeComClient;

use crate::CrmError;
use crate::repo::ConfigRepo;
pub use model::*;
pub use repo::CampaignRepo;

/// Messages on the campaign queue (and the payload of a campaign's one-time schedule).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CampaignJob {
    /// Run (or continue) the campaign: resolve, then queue its chunks.
    Run { campaign_id: String },
}

/// Messages on the send queue: one group-send task to create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SendJob {
    Chunk { campaign_id: String, chunk: String },
}

impl QueueJob for CampaignJob {
    const WHAT: &'static str = "campaign job";
}

impl QueueJob for SendJob {
    const WHAT: &'static str = "send job";
}

/// The schedule name of a campaign's run (EventBridge's name rules: `[0-9A-Za-z-_.]`, ≤ 64).
pub fn schedule_name(campaign_id: &str) -> String {
    format!("campaign-{campaign_id}")
}

#[derive(Debug, Clone)]
pub struct CampaignSettings {
    /// Recipients per group-send task (WeCom's limit: 10 000).
    pub chunk_size: u32,
    /// Audience members examined per checkpointed page.
    pub page_size: usize,
    /// A run stops resolving after this long and continues through the campaign queue.
    pub step_budget: Duration,
    /// Base URL of the public redirect (`<base>/t/<token>`).
    pub link_base: String,
    /// A campaign's results are tracked this long after its tasks are created.
    pub tracking_days: u32,
    /// An add_msg_template outcome lost this long ago is re-sent when WeCom shows no task.
    pub reconcile_after: Duration,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            chunk_size: wecom_api::model::MAX_GROUPMSG_RECIPIENTS as u32,
            page_size: 200,
            step_budget: Duration::from_secs(600),
            link_base: String::new(),
            tracking_days: 3,
            reconcile_after: Duration::from_secs(60),
        }
    }
}

/// The campaign engine: its ports and settings.
#[derive(Clone)]
pub struct Campaigns {
    pub store: Arc<dyn ItemStore>,
    pub campaign_queue: Arc<dyn JobQueue>,
    pub send_queue: Arc<dyn JobQueue>,
    pub scheduler: Arc<dyn Scheduler>,
    pub wecom: Arc<WeComClient>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
    pub settings: CampaignSettings,
}

impl Campaigns {
    pub fn repo(&self) -> CampaignRepo {
        CampaignRepo::new(self.store.clone())
    }

    fn configs(&self) -> ConfigRepo {
        ConfigRepo::new(self.store.clone())
    }

    /// Stores a new campaign and arranges its run: now through the campaign queue, later
    /// through a one-time schedule.
    pub async fn create(&self, mut campaign: Campaign) -> Result<Campaign, CrmError> {
        let now = self.clock.now_ms();
        if campaign.id.is_empty() {
            campaign.id = self.ids.new_id(now);
        }
        campaign.status = CampaignStatus::Scheduled;
        campaign.created_at_ms = now;
        campaign.updated_at_ms = now;
        if campaign.booked_within_days == 0 {
            campaign.booked_within_days = 7;
        }
        // An erased customer named in a chosen audience is not stored with it (crate::privacy).
        if let Some(Audience::Customers { external_userids }) = &mut campaign.audience {
            let tombstones = crate::privacy::Tombstones::new(self.store.clone());
            let mut kept = Vec::with_capacity(external_userids.len());
            for id in external_userids.drain(..) {
                if !tombstones.is_erased(&id).await? {
                    kept.push(id);
                }
            }
            *external_userids = kept;
        }
        self.repo().insert(&campaign).await?;
        self.arrange_run(&campaign.id, campaign.send_at_ms).await?;
        Ok(campaign)
    }

    /// Runs the campaign at `at_ms`: through the queue when due, else a one-time schedule.
    async fn arrange_run(&self, campaign_id: &str, at_ms: i64) -> Result<(), CrmError> {
        let job = CampaignJob::Run {
            campaign_id: campaign_id.to_owned(),
        };
        if at_ms <= self.clock.now_ms() + 1000 {
            self.campaign_queue
                .send_batch(vec![OutgoingMessage::now(job.to_body())])
                .await?;
        } else {
            self.scheduler
                .schedule_once(OneTimeSchedule {
                    name: schedule_name(campaign_id),
                    at_ms,
                    payload: job.to_body(),
                })
                .await?;
        }
        Ok(())
    }

    /// Handles one campaign-queue message or schedule payload.
    pub async fn handle_job(&self, body: &str) -> Result<(), CrmError> {
        match CampaignJob::from_body(body)? {
            CampaignJob::Run { campaign_id } => self.run(&campaign_id).await,
        }
    }

    /// Handles one send-queue message.
    pub async fn handle_send(&self, body: &str) -> Result<(), CrmError> {
        match SendJob::from_body(body)? {
            SendJob::Chunk { campaign_id, chunk } => self.send_chunk(&campaign_id, &chunk).await,
        }
    }
}
