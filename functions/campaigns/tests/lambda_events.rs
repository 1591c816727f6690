//! The messaging functions' sample events (`events/campaign`, `events/sender`,
//! `events/tracking`, `events/automation`, `events/redirect`) through their handlers, on the
//! embedded adapters and the WeCom simulator: what each trigger delivers in AWS, handled the
//! way each binary in `src/bin/` hands it over.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use crm::automation::{AutomationRule, Automations, RuleKind};
use crm::campaign::links::link_token;
use crm::campaign::{
    Audience, Campaign, CampaignJob, CampaignSettings, CampaignStatus, Campaigns, Content,
    RecipientStatus, SendJob, schedule_name,
};
use crm::config::{CorpConfig, SendRules};
use crm::model::{Customer, Relationship, RelationshipStatus};
use crm::repo::{ConfigRepo, CustomerAdmin, CustomerRepo, StoreTokenStore};
use lambda_http::http::{Response, StatusCode, header};
use ports::scheduler::Scheduler;
use ports::{Clock, ItemStore, QueueConsumer, SequentialIds, SystemClock};
use serde_json::{Value, json};
use store_embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedScheduler, SqliteStore};
use wecom_api::{RetryPolicy, WeComClient, WeComSettings};
use wecom_sim::{FaultRule, GroupMsgConfirmRequest, RunningSim, ScanRequest, SimConfig};

const ADD_MSG_TEMPLATE: &str = "externalcontact/add_msg_template";
/// The campaign id the samples carry.
const SAMPLE_CAMPAIGN: &str = "01a2210383007f3c9e21b4d05a6c";
const OFFER: &str = "https://yanmei.example/activity/1212?src=wecom";

fn sample(name: &str) -> Value {
    let path = format!("{}/../../events/{name}.json", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The sample SQS event with its (only) record's JSON body changed by `edit`.
fn sqs_sample(name: &str, edit: impl FnOnce(&mut Value)) -> Value {
    let mut event = sample(name);
    let body = event["Records"][0]["body"].as_str().unwrap().to_owned();
    let mut job: Value = serde_json::from_str(&body).unwrap();
    edit(&mut job);
    event["Records"][0]["body"] = Value::String(job.to_string());
    event
}

fn message_id(event: &Value) -> String {
    event["Records"][0]["messageId"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn now_ms() -> i64 {
    SystemClock.now_ms()
}

struct Fixture {
    sim: RunningSim,
    store: Arc<dyn ItemStore>,
    campaigns: Campaigns,
    campaign_queue: Arc<EmbeddedQueue>,
    send_queue: Arc<EmbeddedQueue>,
    scheduler: Arc<EmbeddedScheduler>,
}

async fn fixture() -> Fixture {
    fixture_with(Duration::from_secs(5)).await
}

async fn fixture_with(request_timeout: Duration) -> Fixture {
    fixture_on(request_timeout, Arc::new(SystemClock)).await
}

/// A simulator whose 群发 results are readable at once, a store whose send rules have no
/// quiet hours (the tests do not depend on the time of day), and the campaign engine.
async fn fixture_on(request_timeout: Duration, clock: Arc<dyn Clock>) -> Fixture {
    let sim_config = SimConfig {
        callback_url: None,
        groupmsg_dispatch_delay: Duration::ZERO,
        ..SimConfig::demo()
    };
    let sim = wecom_sim::spawn(sim_config.clone()).await.unwrap();
    let db = EmbeddedDb::open_in_memory().unwrap();
    let store: Arc<dyn ItemStore> = Arc::new(SqliteStore::new(db.clone()));
    let campaign_queue = Arc::new(EmbeddedQueue::new(db.clone(), "campaigns", 5));
    let send_queue = Arc::new(EmbeddedQueue::new(db, "sends", 8));
    let scheduler = Arc::new(EmbeddedScheduler::new(store.clone()));

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

    let mut settings =
        WeComSettings::new(&sim.base_url, &sim_config.corp_id, &sim_config.corp_secret);
    settings.retry = RetryPolicy::fast();
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
    async fn customers(&self, userid: &str, n: usize, consent: bool) -> Vec<String> {
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
                        c.crm.insert("marketing_consent".into(), Value::Bool(true));
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
    async fn campaign(&self, id: &str, text: &str, audience: Vec<String>, at_ms: i64) -> Campaign {
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
    async fn ran(&self, id: &str, text: &str, audience: Vec<String>) -> Vec<String> {
        self.campaign(id, text, audience, self.campaigns.clock.now_ms())
            .await;
        let jobs = drain(&self.campaign_queue).await;
        assert_eq!(jobs.len(), 1, "{jobs:?}");
        self.campaigns.handle_job(&jobs[0]).await.unwrap();
        drain(&self.send_queue).await
    }

    async fn status(&self, id: &str) -> CampaignStatus {
        self.campaigns.repo().get(id).await.unwrap().unwrap().status
    }

    async fn statuses(&self, id: &str) -> Vec<(String, RecipientStatus, Option<String>)> {
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

    fn add_msg_template_calls(&self) -> u64 {
        self.sim.sim.call_counts().get(ADD_MSG_TEMPLATE)
    }
}

/// Every message on the queue (acknowledged): what SQS would deliver next.
async fn drain(queue: &EmbeddedQueue) -> Vec<String> {
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

fn chunk_keys(bodies: &[String]) -> Vec<String> {
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
fn chunk_event(campaign_id: &str, chunk: &str) -> SqsEvent {
    serde_json::from_value(sqs_sample("sender/sqs-chunk", |job| {
        job["campaign_id"] = json!(campaign_id);
        job["chunk"] = json!(chunk);
    }))
    .unwrap()
}

fn failures(response: &SqsBatchResponse) -> Vec<String> {
    response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_scheduler_sample_is_a_campaigns_schedule_input_and_runs_it() {
    let mut f = fixture().await;
    f.campaigns.settings.chunk_size = 2;
    let mut audience = f.customers("zhangsan", 3, true).await;
    audience.extend(f.customers("lisi", 2, true).await);
    audience.extend(f.customers("lisi", 1, false).await);

    // A campaign for later gets a one-time schedule whose input is the sample.
    let later = f
        .campaign(
            SAMPLE_CAMPAIGN,
            "双十二特惠",
            audience.clone(),
            now_ms() + 3_600_000,
        )
        .await;
    let schedule = f
        .scheduler
        .get(&schedule_name(&later.id))
        .await
        .unwrap()
        .unwrap();
    let input: Value = serde_json::from_str(&schedule.payload).unwrap();
    assert_eq!(input, sample("campaign/scheduler-run"));
    // Fired early (a schedule may fire twice, or a stray trigger), it runs nothing.
    let answer = campaigns::campaign::handle_event(&f.campaigns, input)
        .await
        .unwrap();
    assert_eq!(answer, json!({"ok": true}));
    assert_eq!(f.status(&later.id).await, CampaignStatus::Scheduled);
    assert!(f.statuses(&later.id).await.is_empty());

    // A campaign that is due: its schedule's payload resolves the audience and fans out.
    let due_id = "01a22103830091d2e3f4a5b6c7d8";
    f.campaign(due_id, "双十二特惠", audience, now_ms()).await;
    assert_eq!(drain(&f.campaign_queue).await.len(), 1, "due now: queued");
    let mut event = sample("campaign/scheduler-run");
    event["campaign_id"] = json!(due_id);
    let answer = campaigns::campaign::handle_event(&f.campaigns, event.clone())
        .await
        .unwrap();
    assert_eq!(answer, json!({"ok": true}));

    let recipients = f.statuses(due_id).await;
    let queued = |u: &str| (u.to_owned(), RecipientStatus::Queued, None);
    assert_eq!(
        recipients,
        [
            (
                String::new(),
                RecipientStatus::Skipped,
                Some("no_consent".to_owned())
            ),
            queued("lisi"),
            queued("lisi"),
            queued("zhangsan"),
            queued("zhangsan"),
            queued("zhangsan"),
        ]
    );
    let campaign = f.campaigns.repo().get(due_id).await.unwrap().unwrap();
    assert_eq!(campaign.status, CampaignStatus::Sending);
    assert_eq!(
        (campaign.progress.targeted, campaign.progress.queued),
        (6, 5)
    );
    // One send message per chunk: ≤ chunk_size recipients, one sender each.
    let sends = drain(&f.send_queue).await;
    assert_eq!(
        chunk_keys(&sends),
        [
            "CHUNK#lisi#00000",
            "CHUNK#zhangsan#00000",
            "CHUNK#zhangsan#00001"
        ]
    );
    let mut sizes: Vec<(String, u32)> = f
        .campaigns
        .repo()
        .chunks(due_id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.key, c.recipients))
        .collect();
    sizes.sort();
    assert_eq!(
        sizes,
        [
            ("CHUNK#lisi#00000".to_owned(), 2),
            ("CHUNK#zhangsan#00000".to_owned(), 2),
            ("CHUNK#zhangsan#00001".to_owned(), 1)
        ]
    );

    // The same schedule firing again records nobody twice; it re-queues the chunks whose task
    // does not exist yet (the sender creates each task once).
    campaigns::campaign::handle_event(&f.campaigns, event)
        .await
        .unwrap();
    assert_eq!(f.statuses(due_id).await, recipients);
    assert_eq!(
        f.campaigns.repo().get(due_id).await.unwrap().unwrap().runs,
        2
    );
    assert_eq!(chunk_keys(&drain(&f.send_queue).await), chunk_keys(&sends));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_campaign_queue_sample_reports_only_an_unknown_campaign() {
    let f = fixture().await;
    let unknown = sample("campaign/sqs-run");
    let answer = campaigns::campaign::handle_event(&f.campaigns, unknown.clone())
        .await
        .unwrap();
    assert_eq!(
        answer,
        json!({"batchItemFailures": [{"itemIdentifier": message_id(&unknown)}]}),
        "SQS delivers it again, then dead-letters it"
    );

    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a2210383009a8b7c6d5e4f3a2b";
    f.campaign(id, "双十二特惠", audience, now_ms()).await;
    let queued: Vec<Value> = drain(&f.campaign_queue)
        .await
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let event = sqs_sample("campaign/sqs-run", |job| job["campaign_id"] = json!(id));
    let body: Value = serde_json::from_str(event["Records"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(queued, [body], "the sample's body is what create() queues");
    let answer = campaigns::campaign::handle_event(&f.campaigns, event)
        .await
        .unwrap();
    assert_eq!(answer, json!({"batchItemFailures": []}));
    assert_eq!(f.status(id).await, CampaignStatus::Sending);
    assert_eq!(
        chunk_keys(&drain(&f.send_queue).await),
        ["CHUNK#zhangsan#00000"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sender_sample_creates_one_task_and_a_redelivery_creates_none() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2, true).await;
    let sends = f
        .ran(SAMPLE_CAMPAIGN, "双十二特惠，到院有礼", audience.clone())
        .await;
    // What the run queued is the sample's body.
    let sample_body: Value = serde_json::from_str(
        sample("sender/sqs-chunk")["Records"][0]["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let queued: Vec<Value> = sends
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    assert_eq!(queued, [sample_body]);

    let event: SqsEvent = serde_json::from_value(sample("sender/sqs-chunk")).unwrap();
    let response = campaigns::sender::handle_batch(&f.campaigns, event.clone()).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].creator, "zhangsan");
    assert_eq!(tasks[0].text.as_deref(), Some("双十二特惠，到院有礼"));
    let mut recipients: Vec<String> = tasks[0]
        .recipients
        .iter()
        .map(|r| r.external_userid.clone())
        .collect();
    recipients.sort();
    let mut expected = audience;
    expected.sort();
    assert_eq!(recipients, expected);
    assert_eq!(f.add_msg_template_calls(), 1);
    for r in f
        .campaigns
        .repo()
        .all_recipients(SAMPLE_CAMPAIGN)
        .await
        .unwrap()
    {
        assert_eq!(r.status, RecipientStatus::AwaitingStaff);
        assert_eq!(r.msgid.as_deref(), Some(tasks[0].msgid.as_str()));
    }
    assert_eq!(f.status(SAMPLE_CAMPAIGN).await, CampaignStatus::Tracking);

    // SQS delivers at least once: the same message again creates nothing.
    let response = campaigns::sender::handle_batch(&f.campaigns, event).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(f.sim.sim.group_msgs().len(), 1);
    assert_eq!(f.add_msg_template_calls(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_add_msg_template_answer_is_reconciled_not_sent_twice() {
    let f = fixture_with(Duration::from_millis(300)).await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a221038300c4d5e6f708192a3b";
    f.ran(id, "双十二特惠，到院有礼", audience).await;
    // WeCom creates the task but its answer comes after the client gave up.
    f.sim
        .sim
        .inject_fault(FaultRule::delay(ADD_MSG_TEMPLATE, 3000))
        .unwrap();
    let event = chunk_event(id, "CHUNK#zhangsan#00000");
    let response = campaigns::sender::handle_batch(&f.campaigns, event.clone()).await;
    assert_eq!(
        failures(&response),
        [message_id(&sample("sender/sqs-chunk"))]
    );
    let (chunk, _) = f
        .campaigns
        .repo()
        .chunk(id, "CHUNK#zhangsan#00000")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(chunk.status, crm::campaign::ChunkStatus::Creating);

    // Redelivered while the outcome is still unknown: no second call.
    let response = campaigns::sender::handle_batch(&f.campaigns, event.clone()).await;
    assert_eq!(failures(&response).len(), 1);
    assert_eq!(f.add_msg_template_calls(), 1);

    // Once WeCom shows the task, the next delivery adopts it.
    for _ in 0..200 {
        if !f.sim.sim.group_msgs().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 1);
    let response = campaigns::sender::handle_batch(&f.campaigns, event).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(f.add_msg_template_calls(), 1);
    assert_eq!(f.sim.sim.group_msgs().len(), 1);
    for r in f.campaigns.repo().all_recipients(id).await.unwrap() {
        assert_eq!(r.status, RecipientStatus::AwaitingStaff);
        assert_eq!(r.msgid.as_deref(), Some(tasks[0].msgid.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_poison_sample_is_a_batch_item_failure() {
    let f = fixture().await;
    let poison = sample("sender/sqs-poison");
    let event: SqsEvent = serde_json::from_value(poison.clone()).unwrap();
    let response = campaigns::sender::handle_batch(&f.campaigns, event).await;
    assert_eq!(
        failures(&response),
        [message_id(&poison)],
        "reported, so SQS moves it to the dead-letter queue after maxReceiveCount"
    );
    assert_eq!(f.sim.sim.call_counts().total, 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracking_sample_moves_confirmed_recipients_to_sent() {
    let f = fixture().await;
    let mut audience = f.customers("zhangsan", 2, true).await;
    audience.extend(f.customers("lisi", 1, true).await);
    let id = "01a221038300d5e6f708192a3b4c";
    let sends = f.ran(id, "双十二特惠，到院有礼", audience).await;
    for chunk in chunk_keys(&sends) {
        let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
        assert!(failures(&response).is_empty(), "{response:?}");
    }
    let schedule = sample("tracking/schedule");
    assert_eq!(schedule["detail-type"], "Scheduled Event");

    // Nobody has confirmed: everyone still waits for their consultant.
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.campaigns, summary.recipients_updated), (1, 0));
    assert_eq!(
        summary.reminders, 0,
        "reminders come after remind_after_minutes"
    );

    let confirmed = f
        .sim
        .sim
        .confirm_group_msgs(&GroupMsgConfirmRequest {
            userid: "zhangsan".into(),
            msgid: None,
        })
        .unwrap();
    assert_eq!(confirmed.sent, 2);
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.recipients_updated, summary.closed), (2, 0));
    let statuses: Vec<(String, RecipientStatus)> = f
        .statuses(id)
        .await
        .into_iter()
        .map(|(u, s, _)| (u, s))
        .collect();
    assert_eq!(
        statuses,
        [
            ("lisi".to_owned(), RecipientStatus::AwaitingStaff),
            ("zhangsan".to_owned(), RecipientStatus::Sent),
            ("zhangsan".to_owned(), RecipientStatus::Sent),
        ]
    );
    for r in f.campaigns.repo().all_recipients(id).await.unwrap() {
        assert_eq!(r.sent_at_ms.is_some(), r.status == RecipientStatus::Sent);
    }
    assert_eq!(f.status(id).await, CampaignStatus::Tracking);

    f.sim
        .sim
        .confirm_group_msgs(&GroupMsgConfirmRequest {
            userid: "lisi".into(),
            msgid: None,
        })
        .unwrap();
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.recipients_updated, summary.closed), (1, 1));
    assert_eq!(f.status(id).await, CampaignStatus::Done);
    let funnel = f.campaigns.funnel(id).await.unwrap().unwrap();
    assert_eq!(
        (
            funnel.total.targeted,
            funnel.total.task_created,
            funnel.total.sent
        ),
        (3, 3, 3)
    );
}

/// The redirect sample for `path`, answered as the redirect binary does.
async fn click(campaigns: &Campaigns, path: Option<&str>) -> Response<String> {
    let mut event = sample("redirect/click");
    if let Some(path) = path {
        event["rawPath"] = json!(path);
        event["requestContext"]["http"]["path"] = json!(path);
    }
    let request = lambda_http::request::from_str(&event.to_string()).unwrap();
    assert_eq!(request.method(), "GET");
    campaigns::redirect::answer(&campaigns.links(), request.method(), request.uri().path()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redirect_sample_answers_302_for_a_known_token_and_404_otherwise() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a221038300e6f708192a3b4c5d";
    let text = format!("双十二光子嫩肤限时特惠，详情 {OFFER} 回复「预约」锁定名额");
    let sends = f.ran(id, &text, audience).await;
    let response =
        campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &sends_chunk(&sends))).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let token = link_token(id, "CHUNK#zhangsan#00000", 0);
    let sent = f.sim.sim.group_msgs()[0].text.clone().unwrap();
    assert!(
        sent.contains(&format!("https://t.example/t/{token}")) && !sent.contains(OFFER),
        "{sent}"
    );

    // The sample as it is: a token nobody issued.
    let unknown = click(&f.campaigns, None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(f.campaigns.clicks_of(id).await.unwrap().total, 0);

    let answer = click(&f.campaigns, Some(&format!("/t/{token}"))).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    assert_eq!(answer.headers()[header::LOCATION], OFFER);
    assert_eq!(answer.headers()[header::CACHE_CONTROL], "no-store");
    let clicks = f.campaigns.clicks_of(id).await.unwrap();
    assert_eq!(clicks.total, 1);
    assert_eq!(
        clicks.by_chunk.get("CHUNK#zhangsan#00000").copied(),
        Some(1)
    );
    assert!(
        clicks.by_customer.is_empty(),
        "one content for two customers: the click is the task's"
    );

    // A task for one customer attributes the click to them.
    let one = f.customers("lisi", 1, true).await;
    let single = "01a221038300f708192a3b4c5d6e";
    let sends = f.ran(single, &text, one.clone()).await;
    let response =
        campaigns::sender::handle_batch(&f.campaigns, chunk_event(single, &sends_chunk(&sends)))
            .await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let token = link_token(single, "CHUNK#lisi#00000", 0);
    let answer = click(&f.campaigns, Some(&format!("/t/{token}"))).await;
    assert_eq!(answer.status(), StatusCode::FOUND);
    let clicks = f.campaigns.clicks_of(single).await.unwrap();
    assert_eq!(clicks.by_customer.get(&one[0]).copied(), Some(1));
    let funnel = f.campaigns.funnel(single).await.unwrap().unwrap();
    assert_eq!((funnel.clicks, funnel.clicks_attributed), (1, 1));
}

fn sends_chunk(sends: &[String]) -> String {
    let keys = chunk_keys(sends);
    assert_eq!(keys.len(), 1, "{keys:?}");
    keys[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_automation_cron_sample_hands_a_birthday_to_a_campaign_once() {
    let f = fixture().await;
    let customer = f.customers("zhangsan", 1, true).await.remove(0);
    let in_a_week = crm::calendar::date(now_ms()) + chrono::Duration::days(7);
    CustomerAdmin::new(f.store.clone())
        .update_profile(&customer, |c| {
            c.crm.insert(
                "birthday".into(),
                json!(in_a_week.format("1990-%m-%d").to_string()),
            );
            true
        })
        .await
        .unwrap();
    let automations = Automations::new(f.campaigns.clone());
    let now = now_ms();
    automations
        .create(&AutomationRule {
            id: "bday7".into(),
            name: "生日祝福".into(),
            kind: RuleKind::Birthday {
                days_ahead: 7,
                coupon: "BDAY200".into(),
            },
            text: "{name}您好，提前祝您生日快乐！生日券 {coupon}，{valid_until}前有效。".into(),
            attachments: Vec::new(),
            enabled: true,
            sender_policy: Default::default(),
            created_by: "manager@yanmei.example".into(),
            created_at_ms: now,
            updated_at_ms: now,
            last_run_at_ms: None,
        })
        .await
        .unwrap();
    // The sample is the daily schedule's Input in template.yaml, its context attributes filled.
    let cron = sample("automation/cron");
    let template = std::fs::read_to_string(format!(
        "{}/../../template.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let input: Value = template
        .lines()
        .find_map(|l| l.trim().strip_prefix("Input: '")?.strip_suffix('\''))
        .map(|json| serde_json::from_str(json).unwrap())
        .unwrap();
    let (input, filled) = (input.as_object().unwrap(), cron.as_object().unwrap());
    assert_eq!(
        input.keys().collect::<Vec<_>>(),
        filled.keys().collect::<Vec<_>>()
    );
    for (key, value) in input {
        let value = value.as_str().unwrap();
        if !value.starts_with("<aws.scheduler.") {
            assert_eq!(filled[key], value, "{key}");
        }
    }

    let runs = campaigns::automation::handle(&automations).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].matched, runs[0].handed_over, runs[0].already_done),
        (1, 1, 0)
    );
    assert_eq!(runs[0].day, in_a_week.format("%Y-%m-%d").to_string());
    let campaign_id = runs[0].campaign_ids[0].clone();
    let campaign = f.campaigns.repo().get(&campaign_id).await.unwrap().unwrap();
    assert_eq!(campaign.kind, crm::campaign::CampaignKind::Automation);
    assert!(campaign.personalised);
    // Due now: its run waits on the campaign queue.
    let jobs = drain(&f.campaign_queue).await;
    assert_eq!(
        jobs,
        [CampaignJob::Run {
            campaign_id: campaign_id.clone()
        }
        .to_body()]
    );
    f.campaigns.handle_job(&jobs[0]).await.unwrap();
    let recipient = f
        .campaigns
        .repo()
        .recipient(&campaign_id, &customer)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(recipient.status, RecipientStatus::Queued);
    assert!(
        recipient
            .text
            .as_deref()
            .is_some_and(|t| t.starts_with("顾客您好") && t.contains("BDAY200")),
        "{:?}",
        recipient.text
    );

    // The schedule retried (or run twice the same day): nobody is handed over again.
    let runs = campaigns::automation::handle(&automations).await.unwrap();
    assert_eq!((runs[0].handed_over, runs[0].already_done), (0, 1));
    assert!(drain(&f.campaign_queue).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tracking_sample_reminds_consultants_who_have_not_sent_at_most_three_times_a_day() {
    let clock = Arc::new(ports::FixedClock::at_ms(now_ms()));
    let f = fixture_on(Duration::from_secs(5), clock.clone()).await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a2210383007a1b2c3d4e5f6a7b";
    let sends = f.ran(id, "双十二特惠，到院有礼", audience).await;
    let chunk = sends_chunk(&sends);
    let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    let reminders = || f.sim.sim.state().group_msgs[0].reminders.len();
    let waiting_notes = || {
        f.sim
            .sim
            .app_messages()
            .iter()
            .filter(|m| {
                m.touser.iter().any(|u| u == "zhangsan")
                    && m.content.as_deref().is_some_and(|c| c.contains("待发送"))
            })
            .count()
    };
    let later = |minutes: i64| {
        clock.advance_ms(minutes * 60_000);
        f.sim
            .sim
            .advance_clock(Duration::from_secs(minutes as u64 * 60));
    };

    // Within remind_after (120 minutes by default): nothing.
    later(60);
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.reminders, summary.staff_notified), (0, 0));
    // After it: WeCom's reminder, and an app message telling the consultant what waits.
    later(61);
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!((summary.reminders, summary.staff_notified), (1, 1));
    assert_eq!((reminders(), waiting_notes()), (1, 1));
    // Not again before another remind_after.
    let summary = campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!(summary.reminders, 0);
    // Two more in the day, then WeCom's cap (3 per 24 h) holds.
    for _ in 0..3 {
        later(121);
        campaigns::tracking::handle(&f.campaigns).await.unwrap();
    }
    assert_eq!((reminders(), waiting_notes()), (3, 3));
    // A day after the first (sent at minute 121; it is now minute 484), one more.
    later(121 + 24 * 60 - 484 + 1);
    campaigns::tracking::handle(&f.campaigns).await.unwrap();
    assert_eq!(reminders(), 4);
    let chunk = f.campaigns.repo().chunks(id).await.unwrap().remove(0);
    assert_eq!(chunk.reminders.len(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_visit_and_re_engagement_rules_find_their_day_through_the_visits_index() {
    let f = fixture().await;
    let now = now_ms();
    let day = 86_400_000;
    let admin = CustomerAdmin::new(f.store.clone());
    let ids = f.customers("zhangsan", 5, true).await;
    let purchase = |n: usize, id: &str, at: i64| crm::model::Purchase {
        id: format!("p{n}"),
        external_userid: id.to_owned(),
        amount_fen: 58_000,
        item: "光子嫩肤".into(),
        purchased_at_ms: at,
        created_at_ms: at,
        created_by: "front-desk".into(),
        order_id: None,
    };
    // 0: bought 7 days ago; 1: came for an appointment 7 days ago; 2: last bought 30 days ago;
    // 3: bought 30 days ago and again 3 days ago; 4: bought 8 days ago.
    admin
        .record_purchase(&purchase(0, &ids[0], now - 7 * day))
        .await
        .unwrap();
    admin
        .add_appointment(&crm::model::Appointment {
            id: "a1".into(),
            external_userid: ids[1].clone(),
            scheduled_at_ms: now - 7 * day,
            item: "热玛吉".into(),
            source: "staff".into(),
            notes: None,
            created_at_ms: now - 10 * day,
            created_by: "front-desk".into(),
        })
        .await
        .unwrap();
    admin
        .record_purchase(&purchase(2, &ids[2], now - 30 * day))
        .await
        .unwrap();
    admin
        .record_purchase(&purchase(3, &ids[3], now - 30 * day))
        .await
        .unwrap();
    admin
        .record_purchase(&purchase(4, &ids[3], now - 3 * day))
        .await
        .unwrap();
    admin
        .record_purchase(&purchase(5, &ids[4], now - 8 * day))
        .await
        .unwrap();

    let automations = Automations::new(f.campaigns.clone());
    for (id, kind) in [
        ("care7", RuleKind::AfterVisit { days_after: 7 }),
        (
            "lapse30",
            RuleKind::ReEngagement {
                days_without_purchase: 30,
            },
        ),
    ] {
        automations
            .create(&AutomationRule {
                id: id.into(),
                name: id.into(),
                kind,
                text: "{name}您好，最近感觉怎么样？".into(),
                attachments: Vec::new(),
                enabled: true,
                sender_policy: Default::default(),
                created_by: "manager@yanmei.example".into(),
                created_at_ms: now,
                updated_at_ms: now,
                last_run_at_ms: None,
            })
            .await
            .unwrap();
    }
    let runs = campaigns::automation::handle(&automations).await.unwrap();
    let audience = |rule: &str| -> Vec<String> {
        let run = runs.iter().find(|r| r.rule_id == rule).unwrap();
        assert_eq!(run.campaign_ids.len(), 1, "{run:?}");
        run.campaign_ids.clone()
    };
    let mut found = Vec::new();
    for rule in ["care7", "lapse30"] {
        let campaign = f
            .campaigns
            .repo()
            .get(&audience(rule)[0])
            .await
            .unwrap()
            .unwrap();
        let Some(Audience::Customers {
            mut external_userids,
        }) = campaign.audience
        else {
            panic!("{campaign:?}");
        };
        external_userids.sort();
        found.push(external_userids);
    }
    let mut care = vec![ids[0].clone(), ids[1].clone()];
    care.sort();
    assert_eq!(
        found[0], care,
        "after-visit D+7: the purchase and the appointment of that day"
    );
    assert_eq!(
        found[1],
        vec![ids[2].clone()],
        "re-engagement: nothing bought since"
    );
    // Running again the same day hands nobody over twice.
    let again = campaigns::automation::handle(&automations).await.unwrap();
    assert!(
        again
            .iter()
            .all(|r| r.handed_over == 0 && r.already_done == r.matched)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chunk_reaching_the_sender_in_quiet_hours_waits_for_their_end() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2, true).await;
    let id = "01a2210383009f8e7d6c5b4a3928";
    let sends = f.ran(id, "周末护理special", audience).await;
    let chunk = sends_chunk(&sends);
    // Quiet hours start between the run and the send: from an hour ago to two hours ahead.
    let hhmm = |ms: i64| crm::calendar::local(ms).format("%H:%M").to_string();
    let now = now_ms();
    let configs = ConfigRepo::new(f.store.clone());
    let mut config = configs.load().await.unwrap().unwrap();
    config.send_rules.quiet_start = hhmm(now - 3_600_000);
    config.send_rules.quiet_end = hhmm(now + 2 * 3_600_000);
    configs.save(&config).await.unwrap();

    let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
    assert!(
        failures(&response).is_empty(),
        "deferred, not failed: {response:?}"
    );
    assert_eq!(f.add_msg_template_calls(), 0, "nothing sent in quiet hours");
    let schedule = f.scheduler.get(&schedule_name(id)).await.unwrap().unwrap();
    assert_eq!(hhmm(schedule.at_ms), hhmm(now + 2 * 3_600_000));
    assert!(
        f.statuses(id)
            .await
            .iter()
            .all(|(_, s, _)| *s == RecipientStatus::Queued)
    );

    // When they end, the schedule runs the campaign again: the chunk is queued and sent.
    config.send_rules.quiet_start = "00:00".into();
    config.send_rules.quiet_end = "00:00".into();
    configs.save(&config).await.unwrap();
    f.campaigns.handle_job(&schedule.payload).await.unwrap();
    let again = drain(&f.send_queue).await;
    assert_eq!(chunk_keys(&again), vec![chunk.clone()]);
    let response = campaigns::sender::handle_batch(&f.campaigns, chunk_event(id, &chunk)).await;
    assert!(failures(&response).is_empty(), "{response:?}");
    assert_eq!(f.add_msg_template_calls(), 1);
    assert!(
        f.statuses(id)
            .await
            .iter()
            .all(|(_, s, _)| *s == RecipientStatus::AwaitingStaff)
    );
}
