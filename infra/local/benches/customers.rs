//! `GET /api/customers` on 100 000 customers in the embedded store: p50/p99 per filter, through
//! the real listener and the bearer-token middleware. Baseline in the same run: `GET
//! /api/config` (authenticated, one store read). The store is wrapped in the
//! `AggregatingStore`, as in local mode and on AWS, so the import keeps the counters.
//!
//! `cargo bench -p wecom-crm --bench customers [-- CUSTOMERS REQUESTS]` (defaults 100000, 200).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use crm::repo::CustomerRepo;
use ports::SystemClock;
use store_embedded::{EmbeddedDb, SqliteStore};
use wecom_crm::{Adapters, AppOptions};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p) as usize]
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(100_000);
    let requests = args.get(1).copied().unwrap_or(200);

    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(&dir.path().join("bench.db")).unwrap();
    let store = crm::aggregates::AggregatingStore::wrap(Arc::new(SqliteStore::new(db.clone())));
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let started = Instant::now();
    let (customers, relationships) =
        wecom_crm::seed::customers(n, now_ms, &wecom_crm::seed::numbered_staff(50));
    CustomerRepo::new(store.clone())
        .import(&customers, &relationships)
        .await
        .unwrap();
    let seeded = started.elapsed();

    let mut options = AppOptions::new("127.0.0.1:0".parse().unwrap());
    options.simulate = Some(wecom_sim::SimConfig::demo());
    options.workers = 0;
    options.admin_token = "bench-token".into();
    let app = wecom_crm::start(
        {
            let mut adapters = Adapters::embedded(db.clone(), 8, Arc::new(SystemClock));
            adapters.store = store;
            adapters
        },
        options,
    )
    .await
    .unwrap();
    let http = reqwest::Client::new();

    let cases = [
        ("baseline: GET /api/config", "/api/config"),
        ("no filter (newest first)", "/api/customers?limit=20"),
        (
            "state=xiaohongshu",
            "/api/customers?state=xiaohongshu&limit=20",
        ),
        ("userid=staff07", "/api/customers?userid=staff07&limit=20"),
        ("tier=A", "/api/customers?tier=A&limit=20"),
        (
            "gender=2&tier=A&state=douyin",
            "/api/customers?gender=2&tier=A&state=douyin&limit=20",
        ),
        (
            "birthday_month=3",
            "/api/customers?birthday_month=3&limit=20",
        ),
        (
            "q=热玛吉 (free text, rare)",
            "/api/customers?q=%E7%83%AD%E7%8E%9B%E5%90%89&limit=20",
        ),
        ("page 10 of no filter (cursor)", ""),
    ];
    println!(
        "GET /api/customers on {n} customers (seeded in {:.1} s), {requests} sequential requests per case",
        seeded.as_secs_f64()
    );
    println!("| case | p50 | p99 | items on first page |");
    println!("|---|---|---|---|");
    let mut baseline_p99 = Duration::ZERO;
    for (name, path) in cases {
        // The cursor case walks ten pages per request.
        let mut latencies = Vec::with_capacity(requests);
        let mut items = 0;
        for _ in 0..requests {
            let t = Instant::now();
            if path.is_empty() {
                let mut cursor: Option<String> = None;
                for _ in 0..10 {
                    let url = match &cursor {
                        Some(c) => format!("{}/api/customers?limit=20&cursor={c}", app.base_url),
                        None => format!("{}/api/customers?limit=20", app.base_url),
                    };
                    let page: serde_json::Value = http
                        .get(url)
                        .bearer_auth("bench-token")
                        .send()
                        .await
                        .unwrap()
                        .json()
                        .await
                        .unwrap();
                    cursor = page["next_cursor"].as_str().map(str::to_owned);
                }
                latencies.push(t.elapsed() / 10);
                continue;
            }
            let response = http
                .get(format!("{}{path}", app.base_url))
                .bearer_auth("bench-token")
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let body: serde_json::Value = response.json().await.unwrap();
            latencies.push(t.elapsed());
            items = body["items"].as_array().map_or(0, Vec::len);
        }
        latencies.sort();
        let (p50, p99) = (percentile(&latencies, 0.5), percentile(&latencies, 0.99));
        if baseline_p99.is_zero() {
            baseline_p99 = p99;
        }
        println!(
            "| {name} | {:.2} ms | {:.2} ms ({:.1} × baseline) | {} |",
            p50.as_secs_f64() * 1e3,
            p99.as_secs_f64() * 1e3,
            p99.as_secs_f64() / baseline_p99.as_secs_f64(),
            if path.is_empty() {
                "20 per page".to_owned()
            } else {
                items.to_string()
            }
        );
    }
    app.shutdown().await;
}
