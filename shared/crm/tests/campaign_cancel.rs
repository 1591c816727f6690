//! Cancelling a campaign while the other functions move it, on the embedded adapters and the
//! WeCom simulator: the cancel is decided on the status it read, and written only if the
//! campaign still has that status. Its scheduler is wrapped so that another function acts
//! exactly between the cancel's read and its write (the schedule is deleted in between).
//! Its store can fail one write of recipients, as a crash between two of the sender's writes
//! would leave them.
#![allow(clippy::unwrap_used)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use crm::campaign::track::CancelOutcome;
use crm::campaign::{
    Audience, Campaign, CampaignSettings, CampaignStatus, Campaigns, Content, RecipientStatus,
};
use crm::config::{ConsentMode, CorpConfig, SendRules};
use crm::model::{Customer, Relationship, RelationshipStatus};
use crm::repo::{ConfigRepo, CustomerRepo, StoreTokenStore};
use ports::scheduler::{OneTimeSchedule, Scheduler, SchedulerError};
use ports::{
    Clock, Condition, Item, ItemStore, Page, Query, QueueConsumer, SequentialIds, StoreError,
    SystemClock, WriteOp,
};
use store_embedded::{EmbeddedQueue, EmbeddedScheduler};
use wecom_sim::{GroupMsgConfirmRequest, RunningSim, ScanRequest, SimConfig};

/// What another function does between the cancel's read and its write.
enum Meanwhile {
    /// The tracking function's round.
    Tracking,
    /// The sender function creates this chunk's task.
    Sender { body: String },
}

/// The embedded scheduler; deleting a schedule first lets `meanwhile` happen (once).
struct RacingScheduler {
    inner: Arc<EmbeddedScheduler>,
    /// The other functions (the same store and WeCom, the plain scheduler).
    others: OnceLock<Campaigns>,
    meanwhile: Mutex<Option<Meanwhile>>,
}

#[async_trait]
impl Scheduler for RacingScheduler {
    async fn schedule_once(&self, schedule: OneTimeSchedule) -> Result<(), SchedulerError> {
        self.inner.schedule_once(schedule).await
    }

    async fn cancel(&self, name: &str) -> Result<bool, SchedulerError> {
        let deleted = self.inner.cancel(name).await;
        let meanwhile = self.meanwhile.lock().unwrap().take();
        if let (Some(meanwhile), Some(others)) = (meanwhile, self.others.get()) {
            match meanwhile {
                Meanwhile::Tracking => {
                    others.track_open().await.unwrap();
                }
                Meanwhile::Sender { body } => others.handle_send(&body).await.unwrap(),
            }
        }
        deleted
    }

    async fn get(&self, name: &str) -> Result<Option<OneTimeSchedule>, SchedulerError> {
        self.inner.get(name).await
    }
}

/// The store, except that once armed, the next write of recipients recording a created task
/// fails before anything is written (what a process killed there leaves).
struct FailRecipientsOnce {
    inner: Arc<dyn ItemStore>,
    armed: AtomicBool,
}

impl FailRecipientsOnce {
    fn trips(&self, items: &[&Item]) -> Result<(), StoreError> {
        let recording = items.iter().any(|i| {
            i.sk.starts_with(crm::keys::RECIPIENT_PREFIX)
                && i.data.get("status").and_then(|s| s.as_str()) == Some("awaiting_staff")
        });
        if recording && self.armed.swap(false, Ordering::SeqCst) {
            return Err(StoreError::Unavailable("injected: process died".into()));
        }
        Ok(())
    }
}

#[async_trait]
impl ItemStore for FailRecipientsOnce {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.trips(&[&item])?;
        self.inner.put(item, condition).await
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let items: Vec<&Item> = ops
            .iter()
            .filter_map(|op| match op {
                WriteOp::Put { item, .. } => Some(item),
                _ => None,
            })
            .collect();
        self.trips(&items)?;
        self.inner.transact(ops).await
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.trips(&items.iter().collect::<Vec<_>>())?;
        self.inner.batch_put(items).await
    }
}

struct Fixture {
    sim: RunningSim,
    faults: Arc<FailRecipientsOnce>,
    /// The admin API's engine (its scheduler races).
    admin: Campaigns,
    racing: Arc<RacingScheduler>,
    campaign_queue: Arc<EmbeddedQueue>,
    send_queue: Arc<EmbeddedQueue>,
}

async fn fixture() -> Fixture {
    let sim_config = SimConfig {
        callback_url: None,
        groupmsg_dispatch_delay: Duration::ZERO,
        ..SimConfig::demo()
    };
    let sim = wecom_sim::spawn(sim_config.clone()).await.unwrap();
    let embedded = test_kit::Embedded::new();
    let faults = Arc::new(FailRecipientsOnce {
        inner: embedded.store.clone(),
        armed: AtomicBool::new(false),
    });
    let store: Arc<dyn ItemStore> = faults.clone();
    let campaign_queue = embedded.queue("campaigns");
    let send_queue = embedded.queue("sends");
    let scheduler = embedded.scheduler();
    ConfigRepo::new(store.clone())
        .save(&CorpConfig {
            corp_id: sim_config.corp_id.clone(),
            agent_id: sim_config.agent_id.clone(),
            send_rules: SendRules {
                quiet_start: "00:00".into(),
                quiet_end: "00:00".into(),
                consent: ConsentMode::OptOut,
                ..SendRules::default()
            },
            ..CorpConfig::default()
        })
        .await
        .unwrap();
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let wecom = test_kit::wecom::sim_client(
        &sim,
        Arc::new(StoreTokenStore::new(store.clone())),
        clock.clone(),
    );
    let others = Campaigns {
        store,
        campaign_queue: campaign_queue.clone(),
        send_queue: send_queue.clone(),
        scheduler: scheduler.clone(),
        wecom: Arc::new(wecom),
        clock,
        ids: Arc::new(SequentialIds::new("id")),
        settings: CampaignSettings::default(),
    };
    let racing = Arc::new(RacingScheduler {
        inner: scheduler,
        others: OnceLock::new(),
        meanwhile: Mutex::new(None),
    });
    let admin = Campaigns {
        scheduler: racing.clone(),
        ..others.clone()
    };
    assert!(racing.others.set(others).is_ok());
    Fixture {
        sim,
        faults,
        admin,
        racing,
        campaign_queue,
        send_queue,
    }
}

/// Every message on the queue (acknowledged).
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

impl Fixture {
    /// `n` customers of `userid` in WeCom and in the store.
    async fn customers(&self, userid: &str, n: usize) -> Vec<String> {
        let repo = CustomerRepo::new(self.admin.store.clone());
        let now = self.admin.clock.now_ms();
        let mut ids = Vec::new();
        for _ in 0..n {
            let scanned = self
                .sim
                .sim
                .scan(ScanRequest::new(userid).state("xiaohongshu"))
                .await
                .unwrap();
            let id = scanned.external_userid;
            repo.import(
                &[Customer {
                    external_userid: id.clone(),
                    updated_at_ms: now,
                    ..Customer::default()
                }],
                &[Relationship {
                    external_userid: id.clone(),
                    userid: userid.into(),
                    status: RelationshipStatus::Active,
                    createtime: scanned.create_time,
                    updated_at_ms: now,
                    ..Relationship::default()
                }],
            )
            .await
            .unwrap();
            ids.push(id);
        }
        ids
    }

    /// A campaign due now, run; the send messages it queued.
    async fn ran(&self, id: &str, audience: Vec<String>) -> Vec<String> {
        self.admin
            .create(Campaign {
                id: id.into(),
                name: "spring".into(),
                audience: Some(Audience::Customers {
                    external_userids: audience,
                }),
                content: Content {
                    text: "Spring offer".into(),
                    attachments: Vec::new(),
                },
                send_at_ms: self.admin.clock.now_ms(),
                created_by: "manager@clinic.example".into(),
                ..Campaign::default()
            })
            .await
            .unwrap();
        let jobs = drain(&self.campaign_queue).await;
        assert_eq!(jobs.len(), 1);
        self.admin.handle_job(&jobs[0]).await.unwrap();
        drain(&self.send_queue).await
    }

    fn meanwhile(&self, what: Meanwhile) {
        *self.racing.meanwhile.lock().unwrap() = Some(what);
    }

    async fn status(&self, id: &str) -> CampaignStatus {
        self.admin.repo().get(id).await.unwrap().unwrap().status
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_tracking_closes_as_done_during_a_cancel_stays_done() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2).await;
    let id = "01a2210383000a1b2c3d4e5f6071";
    for body in f.ran(id, audience).await {
        f.admin.handle_send(&body).await.unwrap();
    }
    assert_eq!(f.status(id).await, CampaignStatus::Tracking);
    // The consultant sent everything; the next tracking round closes the campaign as done, and
    // it runs while the cancel is under way.
    f.sim
        .sim
        .confirm_group_msgs(&GroupMsgConfirmRequest {
            userid: "zhangsan".into(),
            msgid: None,
        })
        .unwrap();
    f.meanwhile(Meanwhile::Tracking);

    let outcome = f.admin.cancel(id).await.unwrap();
    let CancelOutcome::AlreadyFinished(campaign) = outcome else {
        panic!("a done campaign was cancelled: {outcome:?}");
    };
    assert_eq!(campaign.status, CampaignStatus::Done);
    assert_eq!(f.status(id).await, CampaignStatus::Done);
    for r in f.admin.repo().all_recipients(id).await.unwrap() {
        assert_eq!(r.status, RecipientStatus::Sent);
    }
    assert!(f.sim.sim.group_msgs().iter().all(|t| !t.cancelled));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_that_moves_on_but_is_not_finished_during_a_cancel_is_still_cancelled() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2).await;
    let id = "01a2210383000b1c2d3e4f506172";
    let sends = f.ran(id, audience).await;
    assert_eq!(sends.len(), 1);
    assert_eq!(f.status(id).await, CampaignStatus::Sending);
    // The sender creates the task (the campaign moves to tracking) while the cancel is under
    // way: the cancel reads again and stops that task.
    f.meanwhile(Meanwhile::Sender {
        body: sends[0].clone(),
    });

    let outcome = f.admin.cancel(id).await.unwrap();
    let CancelOutcome::Cancelled(campaign) = outcome else {
        panic!("not cancelled: {outcome:?}");
    };
    assert_eq!(campaign.status, CampaignStatus::Cancelled);
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 1);
    assert!(tasks[0].cancelled, "the task created meanwhile is stopped");
    for r in f.admin.repo().all_recipients(id).await.unwrap() {
        assert_eq!(r.status, RecipientStatus::Cancelled);
    }
    assert!(!f.admin.repo().has_open_chunk(id).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_that_died_after_recording_its_task_on_the_chunk_is_finished_by_the_redelivery() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 2).await;
    let id = "01a2210383000c1d2e3f40516273";
    let sends = f.ran(id, audience).await;
    assert_eq!(sends.len(), 1);
    // The task is created and recorded on the chunk; the process dies before its recipients.
    f.faults.armed.store(true, Ordering::SeqCst);
    assert!(f.admin.handle_send(&sends[0]).await.is_err());
    assert!(
        f.admin
            .repo()
            .all_recipients(id)
            .await
            .unwrap()
            .iter()
            .all(|r| r.status == RecipientStatus::Queued)
    );

    // The message comes back (SQS redelivery, or a restart releasing it).
    f.admin.handle_send(&sends[0]).await.unwrap();
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 1, "no second task");
    for r in f.admin.repo().all_recipients(id).await.unwrap() {
        assert_eq!(r.status, RecipientStatus::AwaitingStaff, "{r:?}");
        assert_eq!(r.msgid.as_deref(), Some(tasks[0].msgid.as_str()));
    }
    assert_eq!(f.status(id).await, CampaignStatus::Tracking);
    // A further repeat changes nothing.
    f.admin.handle_send(&sends[0]).await.unwrap();
    assert_eq!(f.sim.sim.group_msgs().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recipient_of_a_created_task_left_queued_is_recorded_by_the_tracking_round() {
    let f = fixture().await;
    let audience = f.customers("zhangsan", 3).await;
    let id = "01a2210383000d2e3f4051627384";
    for body in f.ran(id, audience).await {
        f.admin.handle_send(&body).await.unwrap();
    }
    assert_eq!(f.status(id).await, CampaignStatus::Tracking);
    // A stale run of the resolution (its message redelivered after a lapse) writes one of the
    // page's recipients again, as it resolved it: `queued`, no task.
    let mut stale = f.admin.repo().all_recipients(id).await.unwrap()[0].clone();
    let ext = stale.external_userid.clone();
    stale.status = RecipientStatus::Queued;
    stale.msgid = None;
    f.admin.repo().put_recipients(&[stale]).await.unwrap();

    // The consultant sends; the tracking round records the task on that recipient too and
    // closes the campaign with everyone sent.
    f.sim
        .sim
        .confirm_group_msgs(&GroupMsgConfirmRequest {
            userid: "zhangsan".into(),
            msgid: None,
        })
        .unwrap();
    f.admin.track_open().await.unwrap();
    assert_eq!(f.status(id).await, CampaignStatus::Done);
    let tasks = f.sim.sim.group_msgs();
    assert_eq!(tasks.len(), 1);
    for r in f.admin.repo().all_recipients(id).await.unwrap() {
        assert_eq!(r.status, RecipientStatus::Sent, "{r:?}");
        assert_eq!(r.msgid.as_deref(), Some(tasks[0].msgid.as_str()), "{ext}");
    }
}
