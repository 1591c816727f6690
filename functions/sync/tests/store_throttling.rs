//! The sync under store throttling, through the function's handler: the schedule starts a run
//! and SQS resume messages carry it, one page a step, on the aggregating store (as deployed)
//! over a store that refuses some writes as throttled. With a few % of writes refused the run
//! completes with every customer written and no page read twice; a customer whose writes keep
//! failing is recorded on the run while the others are written; a step that dies mid-page (an
//! outage longer than its retries) is redelivered and resumes from the run's checkpoint, not
//! from the first page.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use crm::model::{SyncRun, SyncRunStatus};
use crm::repo::{CustomerRepo, StoreTokenStore};
use crm::sync::{StepBudget, SyncConfig, SyncEngine, SyncRunner};
use ports::{
    Condition, Item, ItemStore, JobQueue, Page, Query, QueueConsumer, SequentialIds, StoreError,
    SystemClock, WriteOp,
};
use serde_json::Value;
use test_kit::{Embedded, samples, wecom};
use wecom_sim::{RunningSim, SeedRequest};

const BATCH: &str = "externalcontact/batch/get_by_user";

/// Refuses a share of writes (and fewer reads) as throttled, from a seeded draw; or every write
/// while down; or every write to one partition.
struct Throttling {
    inner: Arc<dyn ItemStore>,
    /// splitmix64 state: the same seed, the same refusals.
    state: Mutex<u64>,
    write_rate: f64,
    read_rate: f64,
    enabled: AtomicBool,
    /// Every write refused.
    down: AtomicBool,
    /// Goes down at the n-th write of a page's seen pairs from now (after its WeCom call).
    down_at_seen: Mutex<Option<u32>>,
    /// Writes to this partition are always refused.
    poisoned: Mutex<Option<String>>,
    refused: AtomicU64,
}

impl Throttling {
    fn new(inner: Arc<dyn ItemStore>, seed: u64, write_rate: f64, read_rate: f64) -> Self {
        Self {
            inner,
            state: Mutex::new(seed),
            write_rate,
            read_rate,
            enabled: AtomicBool::new(true),
            down: AtomicBool::new(false),
            down_at_seen: Mutex::new(None),
            poisoned: Mutex::new(None),
            refused: AtomicU64::new(0),
        }
    }

    fn draw(&self) -> f64 {
        let mut state = self.state.lock().unwrap();
        *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }

    fn refuse(&self) -> Result<(), StoreError> {
        self.refused.fetch_add(1, Ordering::SeqCst);
        Err(StoreError::Unavailable("throttled".into()))
    }

    fn read(&self) -> Result<(), StoreError> {
        if self.enabled.load(Ordering::SeqCst) && self.draw() < self.read_rate {
            return self.refuse();
        }
        Ok(())
    }

    fn write(&self, pks: &[&str], sks: &[&str]) -> Result<(), StoreError> {
        if !self.enabled.load(Ordering::SeqCst) {
            return Ok(());
        }
        if sks.iter().any(|sk| sk.starts_with("SEEN#")) {
            let mut at = self.down_at_seen.lock().unwrap();
            if let Some(n) = at.as_mut() {
                *n -= 1;
                if *n == 0 {
                    *at = None;
                    self.down.store(true, Ordering::SeqCst);
                }
            }
        }
        let poisoned = self.poisoned.lock().unwrap().clone();
        if self.down.load(Ordering::SeqCst)
            || poisoned.is_some_and(|p| pks.iter().any(|pk| *pk == p))
            || self.draw() < self.write_rate
        {
            return self.refuse();
        }
        Ok(())
    }
}

#[async_trait]
impl ItemStore for Throttling {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.read()?;
        self.inner.get(pk, sk).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.write(&[&item.pk], &[&item.sk])?;
        self.inner.put(item, condition).await
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.write(&[pk], &[sk])?;
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.read()?;
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let keys: Vec<(&str, &str)> = ops.iter().map(WriteOp::key).collect();
        let (pks, sks): (Vec<&str>, Vec<&str>) = keys.into_iter().unzip();
        self.write(&pks, &sks)?;
        self.inner.transact(ops).await
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let pks: Vec<&str> = items.iter().map(|i| i.pk.as_str()).collect();
        let sks: Vec<&str> = items.iter().map(|i| i.sk.as_str()).collect();
        self.write(&pks, &sks)?;
        self.inner.batch_put(items).await
    }
}

struct Fixture {
    sim: RunningSim,
    throttling: Arc<Throttling>,
    /// The aggregating store over the throttling one, as the function uses it.
    store: Arc<dyn ItemStore>,
    queue: Arc<store_embedded::EmbeddedQueue>,
    runner: SyncRunner,
}

/// `staff` members with `customers` customers in WeCom; a sync function whose store refuses
/// `write_rate` of writes and `read_rate` of reads (seeded), one page a step.
async fn fixture(staff: u32, customers: u32, write_rate: f64, read_rate: f64) -> Fixture {
    let sim = wecom::quiet_sim().await;
    sim.sim
        .seed(&SeedRequest::new(staff, customers).seed(11))
        .unwrap();
    let embedded = Embedded::new();
    let throttling = Arc::new(Throttling::new(
        embedded.store.clone(),
        20_261_207,
        write_rate,
        read_rate,
    ));
    let store = crm::aggregates::AggregatingStore::wrap(throttling.clone());
    let queue = embedded.queue("sync");
    // WeCom's access token is kept apart: this is about the sync's own reads and writes.
    let wecom = wecom::sim_client(
        &sim,
        Arc::new(StoreTokenStore::new(embedded.store.clone())),
        Arc::new(SystemClock),
    );
    let config = SyncConfig {
        min_call_interval: Duration::ZERO,
        page_limit: 50,
        store_attempts: 6,
        store_backoff: Duration::from_millis(2),
        ..SyncConfig::default()
    };
    let jobs: Arc<dyn JobQueue> = queue.clone();
    let runner = SyncRunner::new(
        Arc::new(SyncEngine::new(
            store.clone(),
            Arc::new(wecom),
            Arc::new(SystemClock),
            Arc::new(SequentialIds::new("run")),
            config,
        )),
        jobs,
        StepBudget::pages(1),
    );
    sim.sim.reset_call_counts();
    Fixture {
        sim,
        throttling,
        store,
        queue,
        runner,
    }
}

/// How a run went through the handler.
struct Outcome {
    run: SyncRun,
    steps: u32,
    /// Deliveries answered with a batch item failure (SQS delivers those again).
    failed_deliveries: u32,
}

/// Starts a run from the schedule's event and delivers its resume messages until the queue is
/// empty; a delivery the handler reports as failed is delivered again (as SQS would), after
/// `between_failures` runs.
async fn run_through_the_handler(f: &Fixture, mut between_failures: impl FnMut()) -> Outcome {
    let schedule = samples::text("sync/schedule.json");
    let answer = sync::handle_event(&f.runner, serde_json::from_str(&schedule).unwrap())
        .await
        .unwrap();
    assert_eq!(answer["started"], true, "{answer}");
    let run_id = answer["run_id"].as_str().unwrap().to_owned();
    let (mut steps, mut failed_deliveries) = (0, 0);
    loop {
        let delivered = f.queue.receive(1, 60, 100).await.unwrap();
        let Some(message) = delivered.into_iter().next() else {
            break;
        };
        loop {
            let mut event: Value =
                serde_json::from_str(&samples::text("sync/resume.json")).unwrap();
            event["Records"][0]["body"] = Value::String(message.body.clone());
            let response = sync::handle_event(&f.runner, event).await.unwrap();
            steps += 1;
            assert!(steps < 200, "the run never finished");
            if response["batchItemFailures"] == serde_json::json!([]) {
                break;
            }
            failed_deliveries += 1;
            between_failures();
        }
        f.queue.ack(&message.receipt).await.unwrap();
    }
    let run = f.runner.engine().get_run(&run_id).await.unwrap().unwrap();
    Outcome {
        run,
        steps,
        failed_deliveries,
    }
}

/// The external_userids WeCom lists (with a visible relationship) and those not stored.
async fn missing_from_store(f: &Fixture) -> (usize, Vec<String>) {
    let repo = CustomerRepo::new(f.store.clone());
    let state = f.sim.sim.state();
    let mut listed: Vec<String> = state
        .relationships
        .iter()
        .filter(|r| r.status.visible())
        .map(|r| r.external_userid.clone())
        .collect();
    listed.sort();
    listed.dedup();
    let mut missing = Vec::new();
    for rel in state.relationships.iter().filter(|r| r.status.visible()) {
        let stored = repo.get(&rel.external_userid).await.unwrap().is_some()
            && repo
                .get_relationship(&rel.external_userid, &rel.userid)
                .await
                .unwrap()
                .is_some();
        if !stored && !missing.contains(&rel.external_userid) {
            missing.push(rel.external_userid.clone());
        }
    }
    (listed.len(), missing)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_four_percent_of_writes_throttled_the_run_completes_with_every_customer_written() {
    let f = fixture(3, 300, 0.04, 0.01).await;
    let outcome = run_through_the_handler(&f, || {}).await;
    f.throttling.enabled.store(false, Ordering::SeqCst);
    let run = &outcome.run;

    assert_eq!(run.status, SyncRunStatus::Done, "{run:?}");
    let (listed, missing) = missing_from_store(&f).await;
    assert!(listed >= 300, "{listed}");
    assert_eq!(missing, Vec::<String>::new(), "every customer written");
    assert_eq!(run.customers_unwritten, 0, "{run:?}");
    assert_eq!(run.customers_added as usize, listed);
    // Waited out one operation at a time: no step failed, no page was read twice.
    assert_eq!(outcome.failed_deliveries, 0);
    assert_eq!(f.sim.sim.call_counts().get(BATCH), run.pages);
    assert!(run.pages >= 7, "{} pages", run.pages);
    let refused = f.throttling.refused.load(Ordering::SeqCst);
    assert!(refused >= 10, "{refused} refusals");
    assert!(run.store_retries > 0, "{run:?}");
    // The counters kept with the retried writes equal a recount.
    let report = crm::aggregates::rebuild(&f.store, false).await.unwrap();
    assert!(report.differences.is_empty(), "{:?}", report.differences);
    println!(
        "[throttled] customers={listed} pages={} steps={} refused={refused} store_retries={}",
        run.pages, outcome.steps, run.store_retries
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_whose_writes_keep_failing_is_recorded_and_the_others_are_written() {
    let f = fixture(2, 120, 0.0, 0.0).await;
    let state = f.sim.sim.state();
    let poisoned = state
        .relationships
        .iter()
        .find(|r| r.status.visible())
        .unwrap()
        .external_userid
        .clone();
    *f.throttling.poisoned.lock().unwrap() = Some(format!("CUST#{poisoned}"));
    let outcome = run_through_the_handler(&f, || {}).await;
    let run = &outcome.run;

    assert_eq!(run.status, SyncRunStatus::Done, "{run:?}");
    assert_eq!(outcome.failed_deliveries, 0);
    assert_eq!(run.customers_unwritten, 1, "{run:?}");
    assert_eq!(run.unwritten_customers, std::slice::from_ref(&poisoned));
    let error = run.last_error.clone().unwrap_or_default();
    assert!(
        error.contains("could not be written after 6 attempts") && error.contains("throttled"),
        "{error}"
    );
    assert!(
        !error.contains(&poisoned),
        "no customer id in the error text"
    );
    let (listed, missing) = missing_from_store(&f).await;
    assert_eq!(missing, [poisoned]);
    assert_eq!(run.customers_added as usize, listed - 1);
    // The customer's relationships counted as seen: none ended for it.
    assert_eq!(run.relationships_ended, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_that_dies_mid_page_resumes_from_the_checkpoint_not_from_the_first_page() {
    let f = fixture(3, 300, 0.0, 0.0).await;
    // The store goes down while the 4th page is being written (after its WeCom call), for
    // longer than the step's retries; it is back before SQS delivers the step again.
    *f.throttling.down_at_seen.lock().unwrap() = Some(4);
    let throttling = f.throttling.clone();
    let outcome = run_through_the_handler(&f, move || {
        throttling.down.store(false, Ordering::SeqCst);
    })
    .await;
    let run = &outcome.run;

    assert_eq!(run.status, SyncRunStatus::Done, "{run:?}");
    assert_eq!(outcome.failed_deliveries, 1, "one step died");
    assert!(run.pages >= 7, "{} pages", run.pages);
    // Every page read once, and the page that died read once more: not a restart from page 1.
    assert_eq!(f.sim.sim.call_counts().get(BATCH), run.pages + 1);
    let (listed, missing) = missing_from_store(&f).await;
    assert_eq!(missing, Vec::<String>::new());
    assert_eq!(run.customers_added as usize, listed, "each counted once");
    assert_eq!(run.customers_unwritten, 0);
}
