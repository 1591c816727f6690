//! A 100 000-recipient campaign on the embedded store, then the birthday job on the same
//! 100 000 customers.
//!
//! 1. The campaign function's run: audience resolution (filter walk, consent, ledger quotas),
//!    one recipient record and one ledger entry per customer, chunks by sender, the fan-out to
//!    the send queue. Timed against a baseline measured in the same run: a bare walk of the
//!    same index reading each customer's relationships (the least any resolution must read).
//! 2. The sender: every chunk's group-send task created against the WeCom simulator; WeCom
//!    calls counted by the simulator against the naive one-call-per-customer design.
//! 3. The birthday job: index items read versus customers matched (target: reads ≤ matches +
//!    1 %), and its time against the same baseline walk.
//!
//! The store is the `AggregatingStore` (as in local mode and on AWS) over the counting store, so
//! the items read and written include the counters: the records read before each counted write
//! and the counter items it moves.
//!
//! `cargo bench -p wecom-crm --bench campaign [-- CUSTOMERS STAFF]` (defaults 100000 and 50).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::panic)]

mod common;
use common::{peak_rss_mib, reset_peak_rss};

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use crm::audience::CustomerFilter;
use crm::automation::{AutomationRule, Automations, RuleKind};
use crm::campaign::{Audience, Campaign, CampaignSettings, Campaigns, Content};
use crm::model::{Customer, Relationship};
use crm::repo::{CustomerAdmin, CustomerRepo, IndexSource, StoreTokenStore};
use ports::{
    Clock, Condition, IdGen, Item, ItemStore, Page, Query, QueueConsumer, RandomIds, StoreError,
    SystemClock, WriteOp,
};
use store_embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedScheduler, SqliteStore};
use wecom_api::{WeComClient, WeComSettings};

/// Counts items read (gets that found one, query items) and written.
struct Counting {
    inner: Arc<dyn ItemStore>,
    reads: AtomicU64,
    writes: AtomicU64,
}

impl Counting {
    fn take(&self) -> (u64, u64) {
        (
            self.reads.swap(0, Ordering::Relaxed),
            self.writes.swap(0, Ordering::Relaxed),
        )
    }
}

#[async_trait]
impl ItemStore for Counting {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        let item = self.inner.get(pk, sk).await?;
        if item.is_some() {
            self.reads.fetch_add(1, Ordering::Relaxed);
        }
        Ok(item)
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.inner.put(item, condition).await
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        let page = self.inner.query(query).await?;
        self.reads
            .fetch_add(page.items.len() as u64, Ordering::Relaxed);
        Ok(page)
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.writes.fetch_add(ops.len() as u64, Ordering::Relaxed);
        self.inner.transact(ops).await
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.writes.fetch_add(items.len() as u64, Ordering::Relaxed);
        self.inner.batch_put(items).await
    }
}

/// The least a resolution must read: every customer of the index and their relationships.
async fn baseline_walk(store: &Arc<dyn ItemStore>) -> (Duration, usize) {
    let admin = CustomerAdmin::new(store.clone());
    let repo = CustomerRepo::new(store.clone());
    let started = Instant::now();
    let mut position: Option<String> = None;
    let mut seen = 0;
    loop {
        let (rows, more) = admin
            .walk(&IndexSource::AllCustomers, false, position.as_deref(), 200)
            .await
            .unwrap();
        for row in &rows {
            let c: Customer = row.item.doc().unwrap();
            repo.relationships(&c.external_userid).await.unwrap();
            seen += 1;
        }
        position = rows.last().map(|r| r.index_sk.clone());
        if !more {
            return (started.elapsed(), seen);
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let customers = args.first().copied().unwrap_or(100_000);
    let staff = args.get(1).copied().unwrap_or(50);

    let mut config = wecom_sim::SimConfig::demo();
    config.callback_url = None;
    config.demo_data = false;
    config.groupmsg_dispatch_delay = Duration::ZERO;
    let sim = wecom_sim::spawn(config.clone()).await.unwrap();
    let mut seed = wecom_sim::SeedRequest::new(staff as u32, customers as u32).seed(7);
    seed.relationships_per_customer = 1.0;
    sim.sim.seed(&seed).unwrap();
    let state = sim.sim.state();

    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(&dir.path().join("campaign.db")).unwrap();
    let counting = Arc::new(Counting {
        inner: Arc::new(SqliteStore::new(db.clone())),
        reads: AtomicU64::new(0),
        writes: AtomicU64::new(0),
    });
    let store: Arc<dyn ItemStore> = crm::aggregates::AggregatingStore::wrap(counting.clone());

    // The clinic's customers: every one consenting, tiers A/B/C, 90 % with a birthday spread
    // over the year (29 February included).
    let now = SystemClock.now_ms();
    let mut imported = Vec::with_capacity(customers);
    for (i, c) in state.contacts.iter().enumerate() {
        let mut crm = serde_json::Map::new();
        crm.insert("tier".into(), ["A", "B", "C"][i % 3].into());
        crm.insert("marketing_consent".into(), true.into());
        if i % 10 != 9 {
            let day = chrono::NaiveDate::from_yo_opt(2024, (i % 366) as u32 + 1).unwrap();
            crm.insert(
                "birthday".into(),
                day.format("1990-%m-%d").to_string().into(),
            );
        }
        imported.push(Customer {
            external_userid: c.external_userid.clone(),
            name: c.name.clone(),
            gender: i64::from(c.gender),
            contact_type: 1,
            first_channel: "xiaohongshu".into(),
            first_added_at_ms: now - 86_400_000,
            updated_at_ms: now,
            crm: crm.into(),
            ..Customer::default()
        });
    }
    let relationships: Vec<Relationship> = state
        .relationships
        .iter()
        .map(|r| Relationship {
            external_userid: r.external_userid.clone(),
            userid: r.userid.clone(),
            state: r.state.clone(),
            createtime: r.createtime,
            updated_at_ms: now,
            ..Relationship::default()
        })
        .collect();
    CustomerRepo::new(store.clone())
        .import(&imported, &relationships)
        .await
        .unwrap();
    drop(imported);
    drop(relationships);
    drop(state);
    counting.take();

    let wecom = Arc::new(
        WeComClient::new(
            WeComSettings::new(&sim.base_url, &config.corp_id, &config.corp_secret),
            Arc::new(StoreTokenStore::new(store.clone())),
            Arc::new(SystemClock),
        )
        .unwrap(),
    );
    let sends = Arc::new(EmbeddedQueue::new(db.clone(), "sends", 5));
    let runs = Arc::new(EmbeddedQueue::new(db.clone(), "campaigns", 5));
    let campaigns = Campaigns {
        store: store.clone(),
        campaign_queue: runs.clone(),
        send_queue: sends.clone(),
        scheduler: Arc::new(EmbeddedScheduler::new(store.clone())),
        wecom,
        clock: Arc::new(SystemClock),
        ids: Arc::new(RandomIds),
        settings: CampaignSettings {
            link_base: "https://t.example".into(),
            step_budget: Duration::from_secs(3600),
            ..CampaignSettings::default()
        },
    };
    let mut rules = crm::config::CorpConfig::from_env_map(|_| None);
    rules.send_rules.quiet_start = "00:00".into();
    rules.send_rules.quiet_end = "00:00".into();
    crm::repo::ConfigRepo::new(store.clone())
        .save(&rules)
        .await
        .unwrap();

    let (baseline, walked) = baseline_walk(&store).await;
    let (baseline_reads, _) = counting.take();

    // 1. The campaign function: resolve, record, fan out.
    let campaign = campaigns
        .create(Campaign {
            name: "bench".into(),
            audience: Some(Audience::Filter {
                filter: Box::new(CustomerFilter {
                    tiers: vec!["A".into(), "B".into(), "C".into()],
                    ..CustomerFilter::default()
                }),
            }),
            content: Content {
                text: "双十二焕新季 https://yanmei.example/double12".into(),
                attachments: Vec::new(),
            },
            send_at_ms: now,
            created_by: "bench".into(),
            ..Campaign::default()
        })
        .await
        .unwrap();
    let before = reset_peak_rss();
    let started = Instant::now();
    campaigns.run(&campaign.id).await.unwrap();
    let resolve = started.elapsed();
    let (run_reads, run_writes) = counting.take();
    let resolved = campaigns.repo().get(&campaign.id).await.unwrap().unwrap();
    let queued = sends.len().await.unwrap();
    let peak_after_run = peak_rss_mib();

    // 2. The sender: every chunk against the simulator.
    sim.sim.reset_call_counts();
    let started = Instant::now();
    loop {
        let batch = sends.receive(10, 300, 0).await.unwrap();
        if batch.is_empty() {
            break;
        }
        for d in batch {
            campaigns.handle_send(&d.body).await.unwrap();
            sends.ack(&d.receipt).await.unwrap();
        }
    }
    let send = started.elapsed();
    let calls = sim.sim.call_counts();
    let tasks = calls
        .by_path
        .get("externalcontact/add_msg_template")
        .copied()
        .unwrap_or(0);
    let naive = resolved.progress.queued;

    // 3. Every consultant sends; one tracking round reads the results; the funnel is counted.
    for s in &sim.sim.state().staff {
        sim.sim
            .confirm_group_msgs(&wecom_sim::GroupMsgConfirmRequest {
                userid: s.userid.clone(),
                msgid: None,
            })
            .unwrap();
    }
    sim.sim.reset_call_counts();
    let started = Instant::now();
    let tracked = campaigns.track_open().await.unwrap();
    let track = started.elapsed();
    let track_calls = sim.sim.call_counts().total;
    counting.take();
    let started = Instant::now();
    let funnel = campaigns.funnel(&campaign.id).await.unwrap().unwrap();
    let funnel_time = started.elapsed();
    let (funnel_reads, _) = counting.take();
    assert_eq!(funnel.total.sent, naive);

    println!(
        "{} customers across {staff} staff; campaign to all of them (tiers A/B/C, all consenting)",
        customers
    );
    println!();
    println!(
        "| step | wall time | vs baseline walk ({:.2} s, {walked} customers, {baseline_reads} items read) | items read | items written | result |",
        baseline.as_secs_f64()
    );
    println!("|---|---|---|---|---|---|");
    println!(
        "| campaign run (resolve + records + fan-out) | {:.2} s | {:.2}× | {run_reads} | {run_writes} | {} recipients, {} skipped, {queued} send messages |",
        resolve.as_secs_f64(),
        resolve.as_secs_f64() / baseline.as_secs_f64(),
        resolved.progress.queued,
        resolved.progress.skipped.values().sum::<u64>(),
    );
    println!(
        "| sender (every task created in the simulator) | {:.2} s | {:.2}× | | | {tasks} add_msg_template + {} other WeCom calls |",
        send.as_secs_f64(),
        send.as_secs_f64() / baseline.as_secs_f64(),
        calls.total - tasks,
    );
    println!(
        "| tracking round (every task's send results) | {:.2} s | {:.2}× | | | {} recipients now sent, {track_calls} WeCom calls |",
        track.as_secs_f64(),
        track.as_secs_f64() / baseline.as_secs_f64(),
        tracked.recipients_updated,
    );
    println!(
        "| funnel of the campaign (GET /api/campaigns/{{id}}), from its counters | {:.2} ms | {:.5}× | {funnel_reads} | | {} sent |",
        funnel_time.as_secs_f64() * 1e3,
        funnel_time.as_secs_f64() / baseline.as_secs_f64(),
        funnel.total.sent,
    );
    println!();
    println!(
        "WeCom calls: {} in all against {naive} for one call per customer ({:.0}× fewer); consultant confirmations: {tasks} instead of {naive}",
        calls.total,
        naive as f64 / calls.total.max(1) as f64
    );
    println!(
        "peak RSS during the run {peak_after_run:.0} MiB, {:.0} MiB above the {before:.0} MiB resident before it (the simulator holding {customers} customers, the SQLite cache)",
        peak_after_run - before
    );

    // 3. The birthday job.
    let automations = Automations::new(campaigns.clone());
    let rule = AutomationRule {
        id: RandomIds.new_id(now),
        name: "生日祝福".into(),
        kind: RuleKind::Birthday {
            days_ahead: 7,
            coupon: "8 折券".into(),
        },
        text: "{name}，生日快乐！".into(),
        attachments: Vec::new(),
        enabled: true,
        sender_policy: Default::default(),
        created_by: "bench".into(),
        created_at_ms: now,
        updated_at_ms: now,
        last_run_at_ms: None,
    };
    automations.create(&rule).await.unwrap();
    counting.take();
    let started = Instant::now();
    let run = automations.run_rule(&rule).await.unwrap();
    let elapsed = started.elapsed();
    let (reads, writes) = counting.take();
    println!();
    println!(
        "| birthday job | wall time | vs baseline walk | items read (all) | birthday-index items read | matches | reads ≤ matches + 1 % |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {customers} customers, 7 days ahead | {:.1} ms | {:.4}× | {reads} | {} | {} | {} |",
        elapsed.as_secs_f64() * 1000.0,
        elapsed.as_secs_f64() / baseline.as_secs_f64(),
        run.items_read,
        run.matched,
        if run.items_read as f64 <= run.matched as f64 * 1.01 {
            "yes"
        } else {
            "no"
        },
    );
    println!("(items written: {writes}: one claim per match, the campaign, the run record)");
    let _ = runs;
}
