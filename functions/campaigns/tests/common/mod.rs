//! What the messaging functions' tests share: the sample events (`events/campaign`,
//! `events/sender`, `events/tracking`, `events/automation`, `events/redirect`), the fixture
//! (the embedded adapters and the WeCom simulator, with the campaign engine on them) and the
//! helpers that read queues and batch answers.
// Each test file (one test binary each) declares `mod common;` and uses only part of it; what a
// binary does not use would otherwise be reported as dead code.
#![allow(dead_code)]

use crm::jobs::QueueJob;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use crm::campaign::{
    Audience, Campaign, CampaignSettings, CampaignStatus, Campaigns, Content, RecipientStatus,
    SendJob,
};
use crm::config::{CorpConfig, SendRules};
use crm::model::{Customer, Relationship, RelationshipStatus};
use crm::repo::{ConfigRepo, CustomerAdmin, CustomerRepo, StoreTokenStore};
use ports::{Clock, ItemStore, QueueConsumer, SequentialIds, SystemClock};
use serde_json::{Value, json};
use store_embedded::{EmbeddedQueue, EmbeddedScheduler};
use wecom_api::WeComClient;
use wecom_sim::{RunningSim, ScanRequest, SimConfig};

pub const ADD_MSG_TEMPLATE: &str = "externalcontact/add_msg_template";
/// The campaign id the samples carry.
pub const SAMPLE_CAMPAIGN: &str = "01a2210383007f3c9e21b4d05a6c";

pub fn sample(name: &str) -> Value {
    test_kit::samples::json(&format!("{name}.json"))
}

/// The sample SQS event with its (only) record's JSON body changed by `edit`.
pub fn sqs_sample(name: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut event = sample(name);
    let body = event["Records"][0]["body"].as_str().unwrap().to_owned();
    let mut job: Value = serde_json::from_str(&body).unwrap();
    edit(&mut job);
    event["Records"][0]["body"] = Value::String(job.to_string());
    event
}

pub fn message_id(event: &Value) -> String {
    event["Records"][0]["messageId"]
        .as_str()
        .unwrap()
        .to_owned()
}

pub fn now_ms() -> i64 {
    SystemClock.now_ms()
}

pub struct Fixture {
    pub sim: RunningSim,
    pub store: Arc<dyn ItemStore>,
    pub campaigns: Campaigns,
    pub campaign_queue: Arc<EmbeddedQueue>,
    pub send_queue: Arc<EmbeddedQueue>,
    pub scheduler: Arc<EmbeddedScheduler>,
}

pub async fn fixture() -> Fixture {
    fixture_with(Duration::from_secs(5)).await
}

pub async fn fixture_with(request_timeout: Duration) -> Fixture {
    fixture_on(request_timeout, Arc::new(SystemClock)).await
}

/// A simulator whose 群发 results are readable at once, a store whose send rules have no
/// quiet hours (the tests do not depend on the time of day), and the campaign engine.
pub async fn fixture_on(request_timeout: Duration, clock: Arc<dyn Clock>) -> Fixture {
    let sim_config = SimConfig {
        callback_url: None,
        groupmsg_dispatch_delay: Duration::ZERO,
        ..SimConfig::demo()
    };
    let sim = wecom_sim::spawn(sim_config.clone()).await.unwrap();
    let embedded = test_kit::Embedded::new();
    // As deployed: the aggregates are kept on every write.
    let store = crm::aggregates::AggregatingStore::wrap(embedded.store.clone());
    let campaign_queue = embedded.queue("campaigns");
    let send_queue = embedded.queue_with("sends", 8);
    let scheduler = embedded.scheduler();

    let config = CorpConfig {
        corp_id: sim_config.corp_id.clone(),
        agent_id: sim_config.agent_id.clone(),
        send_rules: SendRules {
            quiet_start: "00:00".into(),
            quiet_end: "00:00".into(),
            ..SendRules::default()
        },
        ..CorpConfig::default()
    };
    ConfigRepo::new(store.clone()).save(&config).await.unwrap();

    let mut settings = test_kit::wecom::sim_settings(&sim);
    settings.request_timeout = request_timeout;
    let wecom = WeComClient::new(
        settings,
        Arc::new(StoreTokenStore::new(store.clone())),
        clock.clone(),
    )
    .unwrap();
    let campaigns = Campaigns {
        store: store.clone(),
        campaign_queue: campaign_queue.clone(),
        send_queue: send_queue.clone(),
        scheduler: scheduler.clone(),
        wecom: Arc::new(wecom),
        clock,
        ids: Arc::new(SequentialIds::new("id")),
        settings: CampaignSettings {
            link_base: "https://t.example".into(),
            // Longer than any answer the simulator delays here: an outcome lost this recently
            // is looked for, never re-sent.
            reconcile_after: Duration::from_millis(10_000),
            ..CampaignSettings::default()
        },
    };
    Fixture {
        sim,
        store,
        campaigns,
        campaign_queue,
        send_queue,
        scheduler,
    }
}

impl Fixture {
    /// `n` customers who scanned `userid`'s QR code, known to the CRM as WeCom describes them,
    /// with or without their marketing consent recorded.
    pub async fn customers(&self, userid: &str, n: usize, consent: bool) -> Vec<String> {
        let now = self.campaigns.clock.now_ms();
        let repo = CustomerRepo::new(self.store.clone());
        let admin = CustomerAdmin::new(self.store.clone());
        let mut ids = Vec::new();
        for _ in 0..n {
            let scanned = self
                .sim
                .sim
                .scan(ScanRequest::new(userid).state("xiaohongshu").name("顾客"))
                .await
                .unwrap();
            let id = scanned.external_userid;
            let customer = Customer {
                external_userid: id.clone(),
                name: "顾客".into(),
                first_channel: "xiaohongshu".into(),
                first_added_at_ms: now,
                updated_at_ms: now,
                ..Customer::default()
            };
            let relationship = Relationship {
                external_userid: id.clone(),
                userid: userid.into(),
                status: RelationshipStatus::Active,
                state: "xiaohongshu".into(),
                add_way: 1,
                createtime: scanned.create_time,
                updated_at_ms: now,
                ..Relationship::default()
            };
            repo.import(&[customer], &[relationship]).await.unwrap();
            if consent {
                admin
                    .update_profile(&id, |c| {
                        c.crm.marketing_consent = Some(true);
                        true
                    })
                    .await
                    .unwrap();
            }
            ids.push(id);
        }
        ids
    }

    /// Creates a campaign for these customers (as `POST /api/campaigns` does).
    pub async fn campaign(
        &self,
        id: &str,
        text: &str,
        audience: Vec<String>,
        at_ms: i64,
    ) -> Campaign {
        self.campaigns
            .create(Campaign {
                id: id.into(),
                name: "双十二光子嫩肤".into(),
                audience: Some(Audience::Customers {
                    external_userids: audience,
                }),
                content: Content {
                    text: text.into(),
                    attachments: Vec::new(),
                },
                send_at_ms: at_ms,
                created_by: "manager@yanmei.example".into(),
                ..Campaign::default()
            })
            .await
            .unwrap()
    }

    /// A campaign due now, run by its queue message, whose chunk messages are returned.
    pub async fn ran(&self, id: &str, text: &str, audience: Vec<String>) -> Vec<String> {
        self.campaign(id, text, audience, self.campaigns.clock.now_ms())
            .await;
        let jobs = drain(&self.campaign_queue).await;
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        self.campaigns.handle_job(&jobs[0]).await.unwrap();
        drain(&self.send_queue).await
    }

    pub async fn status(&self, id: &str) -> CampaignStatus {
        self.campaigns.repo().get(id).await.unwrap().unwrap().status
    }

    pub async fn statuses(&self, id: &str) -> Vec<(String, RecipientStatus, Option<String>)> {
        let mut out: Vec<_> = self
            .campaigns
            .repo()
            .all_recipients(id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.userid, r.status, r.reason))
            .collect();
        out.sort();
        out
    }

    pub fn add_msg_template_calls(&self) -> u64 {
        self.sim.sim.call_counts().get(ADD_MSG_TEMPLATE)
    }
}

/// Every message on the queue (acknowledged): what SQS would deliver next.
pub async fn drain(queue: &EmbeddedQueue) -> Vec<String> {
    let mut bodies = Vec::new();
    loop {
        let delivered = queue.receive(10, 60, 0).await.unwrap();
        if delivered.is_empty() {
            return bodies;
        }
        for message in delivered {
            queue.ack(&message.receipt).await.unwrap();
            bodies.push(message.body);
        }
    }
}

pub fn chunk_keys(bodies: &[String]) -> Vec<String> {
    let mut keys: Vec<String> = bodies
        .iter()
        .map(|b| match SendJob::from_body(b).unwrap() {
            SendJob::Chunk { chunk, .. } => chunk,
        })
        .collect();
    keys.sort();
    keys
}

/// The sender sample carrying one chunk of a campaign.
pub fn chunk_event(campaign_id: &str, chunk: &str) -> SqsEvent {
    serde_json::from_value(sqs_sample("sender/sqs-chunk", |job| {
        job["campaign_id"] = json!(campaign_id);
        job["chunk"] = json!(chunk);
    }))
    .unwrap()
}

pub fn failures(response: &SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

/// The key of the only chunk a run queued.
pub fn sends_chunk(sends: &[String]) -> String {
    let keys = chunk_keys(sends);
    assert_eq!(keys.len(), 1, "{keys:?}");
    keys[0].clone()
}
