//! Local-mode ingestion, end to end: concurrent senders POST signed, encrypted WeCom callbacks
//! to the real listener; each 200 means the event is on disk (raw log + idempotency key +
//! queued job, SQLite with `synchronous=FULL`). Reports events/s and latency percentiles, and
//! counts lost and duplicated records (both must be 0). A bare HTTP round trip on the same
//! listener, same concurrency, is the baseline measured in the same run.
//!
//! `cargo bench -p wecom-crm --bench ingest [-- EVENTS SENDERS]` (defaults 20000 and 16).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ports::SystemClock;
use store_embedded::{EmbeddedDb, EmbeddedQueue, SqliteStore};
use wecom_callback::{MsgCrypt, builder, envelope_xml};
use wecom_crm::{Adapters, AppOptions};

struct Run {
    events_per_sec: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

async fn blast(requests: Arc<Vec<(String, Option<String>)>>, senders: usize) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(senders)
        .build()
        .unwrap();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for s in 0..senders {
        let client = client.clone();
        let requests = requests.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut i = s;
            while i < requests.len() {
                let (url, body) = &requests[i];
                let t = Instant::now();
                let response = match body {
                    Some(body) => client.post(url).body(body.clone()).send().await,
                    None => client.get(url).send().await,
                }
                .unwrap();
                assert_eq!(response.status(), 200, "request {i} refused");
                let _ = response.bytes().await.unwrap();
                latencies.push(t.elapsed());
                i += senders;
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.unwrap());
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
    Run {
        events_per_sec: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        max: pct(1.0),
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let unique = args.first().copied().unwrap_or(20_000);
    let senders = args.get(1).copied().unwrap_or(16);

    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(&dir.path().join("bench.db")).unwrap();
    let queue = Arc::new(EmbeddedQueue::new(db.clone(), "events", 8));
    let store = Arc::new(SqliteStore::new(db.clone()));
    let sim = wecom_sim::SimConfig::demo();
    let mut options = AppOptions::new("127.0.0.1:0".parse().unwrap());
    options.simulate = Some(sim.clone());
    options.workers = 0; // measure acceptance alone; the jobs stay queued to be counted
    let app = wecom_crm::start(
        Adapters::embedded(db.clone(), 8, Arc::new(SystemClock)),
        options,
    )
    .await
    .unwrap();

    // Distinct customers added in the same second by the same consultant, plus every tenth
    // event delivered a second time (WeCom's retry): the dedupe must neither merge nor double.
    let crypt = MsgCrypt::new(&sim.token, &sim.encoding_aes_key, &sim.corp_id).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut requests = Vec::with_capacity(unique + unique / 10);
    for i in 0..unique {
        let xml = builder::external_contact_xml(
            &sim.corp_id,
            "add_external_contact",
            "zhangsan",
            &format!("wmBench{i:08}"),
            Some("xiaohongshu"),
            None,
            now as i64,
        );
        let ts = now.to_string();
        let nonce = format!("n{i}");
        let sealed = crypt.seal_random(&xml, &ts, &nonce);
        let url = format!(
            "{}?msg_signature={}&timestamp={ts}&nonce={nonce}",
            app.callback_url(),
            sealed.msg_signature
        );
        let body = envelope_xml(&sim.corp_id, &sim.agent_id, &sealed.encrypt);
        if i % 10 == 0 {
            requests.push((url.clone(), Some(body.clone())));
        }
        requests.push((url, Some(body)));
    }
    let sent = requests.len();
    let baseline_requests: Vec<_> = (0..sent)
        .map(|_| (format!("{}/healthz", app.base_url), None))
        .collect();

    let baseline = blast(Arc::new(baseline_requests), senders).await;
    let ingest = blast(Arc::new(requests), senders).await;

    // Count what landed.
    let log = crm::repo::CallbackLog::new(store.clone(), 90);
    let (mut lost, mut doubled) = (0usize, 0usize);
    for i in 0..unique {
        let key = format!("ec:add_external_contact:zhangsan:wmBench{i:08}:{now}");
        match log.get(&key).await.unwrap() {
            None => lost += 1,
            Some(entry) => {
                let expected = if i % 10 == 0 { 2 } else { 1 };
                if entry.delivery_count != expected {
                    doubled += 1;
                }
            }
        }
    }
    let jobs = queue.len().await.unwrap() as usize;
    let duplicated_jobs = jobs.saturating_sub(unique);
    lost += unique.saturating_sub(jobs);

    println!(
        "local ingest: {sent} deliveries ({unique} distinct events, 10% delivered twice), {senders} concurrent senders, no workers"
    );
    println!("| run | events/s | p50 | p99 | max |");
    println!("|---|---|---|---|---|");
    for (name, run) in [
        ("baseline: bare HTTP GET /healthz", &baseline),
        ("ingest: verify+decrypt+parse+log+enqueue, fsync'd", &ingest),
    ] {
        println!(
            "| {name} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms |",
            run.events_per_sec,
            run.p50.as_secs_f64() * 1e3,
            run.p99.as_secs_f64() * 1e3,
            run.max.as_secs_f64() * 1e3
        );
    }
    println!(
        "ingest throughput = {:.2} × baseline; lost = {lost}; duplicated = {} (records {doubled}, jobs {duplicated_jobs})",
        ingest.events_per_sec / baseline.events_per_sec,
        doubled + duplicated_jobs
    );
    app.shutdown().await;
    assert_eq!(
        (lost, doubled + duplicated_jobs),
        (0, 0),
        "lost or duplicated records"
    );
}
