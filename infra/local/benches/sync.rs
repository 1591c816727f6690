//! A full sync of 100 000 customers across 50 staff from the WeCom simulator into the embedded
//! store, then a second sync with nothing changed. Reports WeCom calls (against the naive
//! `list` + `get` per customer, computed from the same data), wall time, peak memory and store
//! writes.
//!
//! The store is the `AggregatingStore` (as in local mode and on AWS) over the write counter, so
//! the writes counted include the counter items each customer write moves (prefix `AGG`); a
//! third run syncs the same corp into a store without it (as before issue 12), for the cost.
//!
//! `cargo bench -p wecom-crm --bench sync [-- CUSTOMERS STAFF]` (defaults 100000 and 50).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::panic)]

mod common;
use common::peak_rss_mib;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_trait::async_trait;
use crm::repo::StoreTokenStore;
use crm::sync::{StartOutcome, StepBudget, StepOutcome, SyncConfig, SyncEngine};
use ports::{Condition, Item, ItemStore, Page, Query, RandomIds, StoreError, SystemClock, WriteOp};
use store_embedded::{EmbeddedDb, SqliteStore};
use wecom_api::{WeComClient, WeComSettings};

/// Counts item writes by key prefix (`CUST`, `SYNC`, `TAGS`, …).
struct Counting {
    inner: Arc<dyn ItemStore>,
    writes: Mutex<BTreeMap<String, u64>>,
    total: AtomicU64,
}

impl Counting {
    fn count(&self, pk: &str) {
        let prefix = pk.split('#').next().unwrap_or(pk).to_owned();
        *self.writes.lock().unwrap().entry(prefix).or_default() += 1;
        self.total.fetch_add(1, Ordering::Relaxed);
    }

    fn take(&self) -> (u64, BTreeMap<String, u64>) {
        let map = std::mem::take(&mut *self.writes.lock().unwrap());
        (self.total.swap(0, Ordering::Relaxed), map)
    }
}

#[async_trait]
impl ItemStore for Counting {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.count(&item.pk);
        self.inner.put(item, condition).await
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.count(pk);
        self.inner.delete(pk, sk, condition).await
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        for op in &ops {
            match op {
                WriteOp::Put { item, .. } => self.count(&item.pk),
                WriteOp::Delete { pk, .. } => self.count(pk),
                WriteOp::Check { .. } => {}
            }
        }
        self.inner.transact(ops).await
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        for item in &items {
            self.count(&item.pk);
        }
        self.inner.batch_put(items).await
    }
}

async fn full_run(engine: &SyncEngine) -> crm::model::SyncRun {
    let run_id = match engine.start().await.unwrap() {
        StartOutcome::Started { run_id } => run_id,
        StartOutcome::AlreadyRunning { run_id } => panic!("{run_id} already running"),
    };
    loop {
        match engine
            .run_step(&run_id, StepBudget::unlimited())
            .await
            .unwrap()
        {
            StepOutcome::Continue { .. } => {}
            StepOutcome::Done(run) => return *run,
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
    let sim = wecom_sim::spawn(config.clone()).await.unwrap();
    let seeded_at = Instant::now();
    let seeded = sim
        .sim
        .seed(&wecom_sim::SeedRequest::new(staff as u32, customers as u32).seed(1))
        .unwrap();
    let seed_secs = seeded_at.elapsed().as_secs_f64();
    let before = peak_rss_mib();

    let dir = tempfile::tempdir().unwrap();
    let sync_into = |name: &str, counted: bool| {
        let db = EmbeddedDb::open(&dir.path().join(name)).unwrap();
        let counting = Arc::new(Counting {
            inner: Arc::new(SqliteStore::new(db)),
            writes: Mutex::new(BTreeMap::new()),
            total: AtomicU64::new(0),
        });
        let store: Arc<dyn ItemStore> = if counted {
            crm::aggregates::AggregatingStore::wrap(counting.clone())
        } else {
            counting.clone()
        };
        let wecom = WeComClient::new(
            WeComSettings::new(&sim.base_url, &config.corp_id, &config.corp_secret),
            Arc::new(StoreTokenStore::new(store.clone())),
            Arc::new(SystemClock),
        )
        .unwrap();
        let engine = SyncEngine::new(
            store,
            Arc::new(wecom),
            Arc::new(SystemClock),
            Arc::new(RandomIds),
            SyncConfig {
                min_call_interval: std::time::Duration::ZERO,
                ..SyncConfig::default()
            },
        );
        (engine, counting)
    };
    let (engine, counting) = sync_into("sync.db", true);
    // The same first sync into a store without the aggregates (as before issue 12), same run.
    let (plain_engine, plain_counting) = sync_into("plain.db", false);

    println!(
        "simulator: {} staff, {} customers, {} relationships (seeded in {seed_secs:.1} s)",
        seeded.staff, seeded.customers, seeded.relationships
    );
    // The naive way (what peers do): `list` per staff member, then `get` per customer.
    let naive = seeded.staff as u64 + seeded.customers as u64;
    println!(
        "| sync | WeCom calls | vs naive list+get ({naive}) | wall time | store writes (by prefix) |"
    );
    println!("|---|---|---|---|---|");
    for (name, engine, counting) in [
        ("first (empty store)", &engine, &counting),
        ("second (nothing changed)", &engine, &counting),
        (
            "first, into a store without the aggregates (before issue 12)",
            &plain_engine,
            &plain_counting,
        ),
    ] {
        sim.sim.reset_call_counts();
        counting.take();
        let started = Instant::now();
        let run = full_run(engine).await;
        let elapsed = started.elapsed();
        let calls = sim.sim.call_counts().total;
        let (writes, by_prefix) = counting.take();
        println!(
            "| {name} | {calls} | {:.1} × fewer | {:.1} s | {writes} {by_prefix:?} |",
            naive as f64 / calls as f64,
            elapsed.as_secs_f64()
        );
        assert_eq!(run.status, crm::model::SyncRunStatus::Done);
    }
    println!(
        "peak RSS {:.0} MiB for the whole process (simulator holding the corp included; {:.0} MiB before the first sync)",
        peak_rss_mib(),
        before
    );
}
