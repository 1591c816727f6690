//! The reports of issue 12 on the DynamoDB adapter: store reads per request, against moto's
//! server, at growing sizes (latency on moto means nothing; only the reads are kept).
//!
//! The same data set, cases and read-counting store as `infra/local/benches/reports.rs`
//! (`infra/local/benches/common/reports_data.rs`), with a `DynamoStore` on a fresh moto table
//! under the read counter and the `AggregatingStore`; the app is local mode's listener and
//! bearer middleware with that store. At each size the customers grow to it, the campaign to as
//! many recipients and half as many clicks; then every case is requested a few times and its
//! reads kept, and every answer is checked against what was written.
//!
//! The data is written through the `AggregatingStore` onto an in-memory embedded store, and
//! every item it stored (records and counters) is then copied into the table with
//! BatchWriteItem: moto copies its whole table on every TransactWriteItems (for its rollback),
//! so writing 1 000 customers transaction by transaction takes hours there, and concurrent
//! transactions crash it. The DynamoDB transactional path itself is covered by store-aws'
//! conformance tests on moto; here only the reads matter.
//!
//! Built and run by `scripts/bench/reports` (a package of its own under `target/`, so that
//! local mode's dependencies stay free of the AWS adapters):
//! `reports-dynamo OUT.json SIZE...` with `AWS_ENDPOINT_URL` pointing at moto.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::panic)]

#[path = "../../infra/local/benches/common/reports_data.rs"]
mod data;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use data::{Dataset, ReadCounting, Writes, measure_cases, report_cases, thousands};
use ports::{Condition, Item, ItemStore, Page, Query, StoreError, SystemClock, WriteOp};
use serde_json::{Map, Value, json};
use store_embedded::{EmbeddedDb, SqliteStore};
use wecom_crm::{Adapters, AppOptions};

type Key = (String, String);

/// Remembers the final state of every item written through it (`None`: deleted).
struct Recording {
    inner: Arc<dyn ItemStore>,
    changed: Mutex<BTreeMap<Key, Option<Item>>>,
}

impl Recording {
    fn note(&self, pk: &str, sk: &str, item: Option<Item>) {
        self.changed
            .lock()
            .unwrap()
            .insert((pk.to_owned(), sk.to_owned()), item);
    }

    /// Copies what changed since the last call into `to`; the number of items copied.
    async fn flush(&self, to: &Arc<dyn ItemStore>) -> usize {
        let changed = std::mem::take(&mut *self.changed.lock().unwrap());
        let n = changed.len();
        let mut puts = Vec::new();
        for ((pk, sk), item) in changed {
            match item {
                Some(item) => puts.push(item),
                None => to.delete(&pk, &sk, Condition::Always).await.unwrap(),
            }
        }
        for chunk in puts.chunks(500) {
            to.batch_put(chunk.to_vec()).await.unwrap();
        }
        n
    }
}

#[async_trait]
impl ItemStore for Recording {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        self.inner.put(item.clone(), condition).await?;
        self.note(&item.pk.clone(), &item.sk.clone(), Some(item));
        Ok(())
    }
    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(pk, sk, condition).await?;
        self.note(pk, sk, None);
        Ok(())
    }
    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.inner.transact(ops.clone()).await?;
        for op in ops {
            match op {
                WriteOp::Put { item, .. } => {
                    self.note(&item.pk.clone(), &item.sk.clone(), Some(item))
                }
                WriteOp::Delete { pk, sk, .. } => self.note(&pk, &sk, None),
                WriteOp::Check { .. } => {}
            }
        }
        Ok(())
    }
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.batch_put(items.clone()).await?;
        for item in items {
            self.note(&item.pk.clone(), &item.sk.clone(), Some(item));
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let out = args.next().expect("usage: reports-dynamo OUT.json SIZE...");
    let sizes: Vec<usize> = args.filter_map(|a| a.parse().ok()).collect();
    let requests: usize = std::env::var("REPORTS_DYNAMO_REQUESTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;

    let client = aws_sdk_dynamodb::Client::new(&store_aws::sdk_config().await);
    let table = format!("reports-bench-{now_ms}");
    store_aws::create_table(&client, &table).await.unwrap();
    let dynamo: Arc<dyn ItemStore> = Arc::new(store_aws::DynamoStore::new(client, table));
    let counting = ReadCounting::new(dynamo.clone());
    let store = crm::aggregates::AggregatingStore::wrap(counting.clone());

    // Where the data is written (with its counters) before it is copied into the table.
    let recording = Arc::new(Recording {
        inner: Arc::new(SqliteStore::new(EmbeddedDb::open_in_memory().unwrap())),
        changed: Mutex::new(BTreeMap::new()),
    });
    let staging_raw: Arc<dyn ItemStore> = recording.clone();
    let staging = crm::aggregates::AggregatingStore::wrap(staging_raw.clone());

    // The queues of local mode stay embedded; every item goes to DynamoDB.
    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(&dir.path().join("queues.db")).unwrap();
    let mut options = AppOptions::new("127.0.0.1:0".parse().unwrap());
    options.simulate = Some(wecom_sim::SimConfig::demo());
    options.workers = 0;
    options.sync_every = None;
    options.tracking_every = None;
    options.automations_daily = false;
    options.schedule_tick = Duration::from_secs(3600);
    options.admin_token = data::TOKEN.into();
    let app = wecom_crm::start(
        {
            let mut adapters = Adapters::embedded(db.clone(), 8, Arc::new(SystemClock));
            adapters.store = store.clone();
            adapters
        },
        options,
    )
    .await
    .unwrap();
    // Local mode's one-off rebuild of a store without aggregates is over before the copy.
    while store
        .get(
            crm::keys::AGGREGATES_META_PK,
            crm::keys::AGGREGATES_INITIALIZED_SK,
        )
        .await
        .unwrap()
        .is_none()
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let http = reqwest::Client::new();

    let mut data = Dataset::new(staging, staging_raw, now_ms).await;
    let cases = report_cases(now_ms, &data.campaign_id);
    let mut reads: Map<String, Value> = Map::new();
    let mut problems: Vec<String> = Vec::new();
    let mut seeding = Vec::new();
    let mut rows: Vec<Vec<String>> = cases.iter().map(|c| vec![c.name.clone()]).collect();
    for &size in &sizes {
        let started = Instant::now();
        data.grow_customers(size, Writes::Maintained).await;
        data.grow_campaign(size, size / 2, Writes::Maintained).await;
        let copied = recording.flush(&dynamo).await;
        seeding.push(started.elapsed().as_secs_f64());
        println!(
            "{} customers: {copied} items copied into DynamoDB",
            thousands(size as u64)
        );
        let measured = measure_cases(&http, &app.base_url, &cases, requests, &counting).await;
        for ((case, row), m) in cases.iter().zip(&mut rows).zip(measured) {
            problems.extend(
                data::check(case.key, &m.last, &data)
                    .into_iter()
                    .map(|p| format!("at {size}: {p}")),
            );
            reads
                .entry(case.key)
                .or_insert_with(|| Value::Array(Vec::new()))
                .as_array_mut()
                .unwrap()
                .push(m.reads_max.to_json());
            row.push(m.reads());
        }
    }
    println!(
        "| case | {} |",
        sizes
            .iter()
            .map(|n| format!("reads at {} customers", thousands(*n as u64)))
            .collect::<Vec<_>>()
            .join(" | ")
    );
    for row in &rows {
        println!("| {} |", row.join(" | "));
    }
    // The rebuild compares every counter with the records; on moto it crawls (each call takes
    // ~0.2 s once the table holds ~20 000 items, and the walk makes two per customer), so it is
    // asked for: REPORTS_DYNAMO_REBUILD=1. The answers above are checked either way.
    let rebuild = if std::env::var("REPORTS_DYNAMO_REBUILD").as_deref() == Ok("1") {
        let started = Instant::now();
        let rebuilt = crm::aggregates::rebuild(&store, false).await.unwrap();
        format!(
            "rebuild(compare) on DynamoDB {:.0} s: {} differences",
            started.elapsed().as_secs_f64(),
            rebuilt.differences.len()
        )
    } else {
        "no rebuild on DynamoDB (REPORTS_DYNAMO_REBUILD=1)".to_owned()
    };
    app.shutdown().await;
    println!(
        "seeding {seeding:?} s; {rebuild}; answers differing from what was written: {}",
        problems.len()
    );
    for p in problems.iter().take(20) {
        println!("  {p}");
    }
    let note = format!(
        "moto 5.2.5, DynamoStore under the read counter under the AggregatingStore, {requests} rounds of requests at {} customers (recipients = customers, clicks = half); data written through the AggregatingStore onto an in-memory embedded store and copied into the table with BatchWriteItem ({} s); {rebuild}; answers checked against what was written: {}",
        sizes
            .iter()
            .map(|n| thousands(*n as u64))
            .collect::<Vec<_>>()
            .join(" and "),
        seeding
            .iter()
            .map(|s| format!("{s:.0}"))
            .collect::<Vec<_>>()
            .join(" + "),
        if problems.is_empty() {
            "all exact".to_owned()
        } else {
            format!("{} differ", problems.len())
        }
    );
    std::fs::write(
        &out,
        serde_json::to_string_pretty(&json!({
            "sizes": sizes,
            "cases": reads,
            "problems": problems,
            "note": note,
        }))
        .unwrap(),
    )
    .unwrap();
}
