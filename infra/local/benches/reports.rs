//! Reports on maintained aggregates (issue 12): channel statistics, the dashboard overview, a
//! campaign's funnel and the 「联系我」 list with exact per-code counts, at 100 000 and then
//! 1 000 000 customers in the embedded store, plus every filter case of `GET /api/customers`
//! (those of `benches/customers.rs`) at the full size. p50/p99 of sequential requests through
//! the real listener and the bearer-token middleware, in rounds that request every case in turn
//! after the baseline, `GET /api/config` (authenticated, one store read), and then case by case,
//! each case's requests back to back (the baseline's too); and the store reads
//! each request makes (a read-counting store under the `AggregatingStore`). Every answer is
//! checked against what was written; at the end `aggregates::rebuild` recomputes every counter
//! from the records and compares.
//!
//! `cargo bench -p wecom-crm --bench reports [-- CUSTOMERS REQUESTS]` (defaults 1000000, 200).
//! Environment: `REPORTS_FIRST` (the first size, 100000), `REPORTS_RECIPIENTS` (100000),
//! `REPORTS_CLICKS` (50000), `REPORTS_SEED=bulk` (import under the aggregates, then
//! `rebuild(apply)`, instead of counting on every write), `REPORTS_DYNAMO_JSON` (the reads
//! measured on DynamoDB/moto by `scripts/bench/reports_dynamo.rs`, shown beside;
//! `scripts/bench/reports` runs both).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::panic)]

mod common;
#[path = "common/reports_data.rs"]
mod data;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::peak_rss_mib;
use crm::aggregates::{Aggregates, RebuildReport};
use crm::keys::{AGGREGATES_INITIALIZED_SK, AGGREGATES_META_PK, CHANNEL_DAYS_PK, channel_day_end};
use crm::repo::ContactWayRepo;
use data::{
    Case, DAY_MS, Dataset, Goal, Kind, ReadCounting, Reads, Writes, measure_cases, percentile,
    report_cases, thousands,
};
use ports::{IndexName, ItemStore, Query, SkCondition, SystemClock};
use store_embedded::{EmbeddedDb, SqliteStore};
use wecom_crm::{Adapters, AppOptions};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The cases of `benches/customers.rs`, first page of 20.
fn customer_cases() -> Vec<Case> {
    let under = Goal::Under(Duration::from_millis(100));
    [
        ("no filter (newest first)", "/api/customers?limit=20"),
        (
            "`state=xiaohongshu`",
            "/api/customers?state=xiaohongshu&limit=20",
        ),
        ("`userid=staff07`", "/api/customers?userid=staff07&limit=20"),
        ("`tier=A`", "/api/customers?tier=A&limit=20"),
        (
            "`gender=2&tier=A&state=douyin`",
            "/api/customers?gender=2&tier=A&state=douyin&limit=20",
        ),
        (
            "`birthday_month=3`",
            "/api/customers?birthday_month=3&limit=20",
        ),
        (
            "`q=热玛吉` (free text, 5 % match)",
            "/api/customers?q=%E7%83%AD%E7%8E%9B%E5%90%89&limit=20",
        ),
    ]
    .into_iter()
    .map(|(name, path)| Case {
        key: "customers",
        name: format!("`GET /api/customers` {name}"),
        path: path.into(),
        kind: Kind::Single,
        goal: under,
    })
    .chain(std::iter::once(Case {
        key: "customers",
        name: "`GET /api/customers`, pages 1–10 of no filter by cursor (per page)".into(),
        path: "/api/customers?limit=20".into(),
        kind: Kind::TenPages,
        goal: under,
    }))
    .collect()
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// The moto reads of `key` at each size, from the helper's JSON.
fn moto_reads(moto: &serde_json::Value, key: &str) -> String {
    let Some(sizes) = moto["sizes"].as_array() else {
        return "not run".into();
    };
    let reads: Vec<String> = sizes
        .iter()
        .zip(moto["cases"][key].as_array().cloned().unwrap_or_default())
        .map(|(n, r)| {
            let r = Reads::from_json(&r).unwrap_or_default();
            format!("{}: {}", thousands(n.as_u64().unwrap_or(0)), r.calls())
        })
        .collect();
    if reads.is_empty() {
        "—".into()
    } else {
        reads.join(" → ")
    }
}

/// p50 of `requests` runs of `work` (no HTTP): where a request's time goes.
async fn p50_of<F, Fut>(requests: usize, mut work: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut took = Vec::with_capacity(requests);
    for _ in 0..requests {
        let started = Instant::now();
        work().await;
        took.push(started.elapsed());
    }
    took.sort();
    percentile(&took, 0.5)
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(1_000_000);
    let requests = args.get(1).copied().unwrap_or(200);
    let first = env_usize("REPORTS_FIRST", 100_000).min(n);
    let recipients = env_usize("REPORTS_RECIPIENTS", 100_000).min(first);
    let clicks = env_usize("REPORTS_CLICKS", 50_000);
    let writes = match std::env::var("REPORTS_SEED").as_deref() {
        Ok("bulk") => Writes::Bulk,
        _ => Writes::Maintained,
    };
    let moto: serde_json::Value = std::env::var("REPORTS_DYNAMO_JSON")
        .ok()
        .and_then(|p| std::fs::read_to_string(p).ok())
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or(serde_json::Value::Null);

    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(&dir.path().join("reports.db")).unwrap();
    let counting = ReadCounting::new(Arc::new(SqliteStore::new(db.clone())));
    let raw: Arc<dyn ItemStore> = counting.clone();
    let store = crm::aggregates::AggregatingStore::wrap(raw.clone());

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
    // Local mode's one-off rebuild of a store without aggregates (a few reads on a new one)
    // is over before anything is written.
    while store
        .get(AGGREGATES_META_PK, AGGREGATES_INITIALIZED_SK)
        .await
        .unwrap()
        .is_none()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let http = reqwest::Client::new();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;

    let mut data = Dataset::new(store.clone(), raw.clone(), now_ms).await;
    let cases = report_cases(now_ms, &data.campaign_id);
    let mut problems = Vec::new();
    let mut rebuilds: Vec<(usize, Duration, RebuildReport)> = Vec::new();

    // Stage 1: `first` customers and the campaign; the report cases.
    let started = Instant::now();
    data.grow_customers(first, writes).await;
    data.grow_campaign(recipients, clicks, writes).await;
    let seeded_first = started.elapsed();
    if writes == Writes::Bulk {
        let t = Instant::now();
        let report = crm::aggregates::rebuild(&store, true).await.unwrap();
        rebuilds.push((first, t.elapsed(), report));
    }
    let at_first = measure_cases(&http, &app.base_url, &cases, requests, &counting).await;
    for (case, m) in cases.iter().zip(&at_first) {
        problems.extend(data::check(case.key, &m.last, &data));
    }
    let times_first = data.times;

    // Stage 2: up to `n` customers (the campaign unchanged); every case again, and the
    // customer list's.
    let started = Instant::now();
    data.grow_customers(n, writes).await;
    let seeded_rest = started.elapsed();
    if writes == Writes::Bulk {
        let t = Instant::now();
        let report = crm::aggregates::rebuild(&store, true).await.unwrap();
        rebuilds.push((n, t.elapsed(), report));
    }
    let all: Vec<Case> = report_cases(now_ms, &data.campaign_id)
        .into_iter()
        .chain(customer_cases())
        .collect();
    let at_n = measure_cases(&http, &app.base_url, &all, requests, &counting).await;
    for (case, m) in all.iter().zip(&at_n) {
        problems.extend(data::check(case.key, &m.last, &data));
    }
    // The same cases one at a time, each `requests` times back to back (as benches/customers.rs
    // measures): the baseline alone is then as cheap as it gets.
    let mut alone = Vec::with_capacity(all.len());
    for case in &all {
        let m = measure_cases(
            &http,
            &app.base_url,
            std::slice::from_ref(case),
            requests,
            &counting,
        )
        .await;
        alone.extend(m);
    }

    // Where the report requests' time goes: the same reads without HTTP.
    let aggregates = Aggregates::new(store.clone());
    let (from_day, to_day) = (
        crm::calendar::day_string(now_ms - 365 * DAY_MS),
        crm::calendar::day_string(now_ms),
    );
    let raw_365 = p50_of(requests, || async {
        let mut cursor = None;
        loop {
            let page = raw
                .query(
                    Query::partition(IndexName::Primary, CHANNEL_DAYS_PK)
                        .sk(SkCondition::Between(
                            format!("DAY#{from_day}"),
                            channel_day_end(&to_day),
                        ))
                        .limit(1000)
                        .after(cursor),
                )
                .await
                .unwrap();
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    })
    .await;
    let days_365 = p50_of(requests, || async {
        aggregates.channel_days(&from_day, &to_day).await.unwrap();
    })
    .await;
    let ways = ContactWayRepo::new(store.clone());
    let list_100 = p50_of(requests, || async {
        ways.list(None, 100, None).await.unwrap();
    })
    .await;
    let (codes, _) = ways.list(None, 100, None).await.unwrap();
    let counts_100 = p50_of(requests, || async {
        for c in &codes {
            aggregates.contact_way(&c.config_id).await.unwrap();
        }
    })
    .await;
    let funnel = p50_of(requests, || async {
        app.campaigns.funnel(&data.campaign_id).await.unwrap();
    })
    .await;

    // The counters against the records.
    let t = Instant::now();
    let rebuilt = crm::aggregates::rebuild(&store, false).await.unwrap();
    let rebuild_time = t.elapsed();
    let peak = peak_rss_mib();
    app.shutdown().await;

    // The table.
    let baseline = at_n[0].p99;
    println!(
        "Reports on maintained aggregates: {} customers ({} at the first size), campaign of {} recipients and {} clicks, 200 「联系我」; {requests} rounds of sequential requests; counters kept {}",
        thousands(n as u64),
        thousands(first as u64),
        thousands(data.truth.recipients),
        thousands(data.truth.clicks),
        match writes {
            Writes::Maintained => "on every write (AggregatingStore)",
            Writes::Bulk => "by rebuild(apply) after a bulk import under the aggregates",
        }
    );
    println!();
    println!(
        "| case, at {} customers | p50 | p99 | p99 / baseline | back to back: p50 | p99 | p99 / baseline | goal (in rounds; back to back) | store reads per request, embedded: at {} → at {} customers | DynamoDB (moto): reads per request, by customers |",
        thousands(n as u64),
        thousands(first as u64),
        thousands(n as u64)
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    let baseline_alone = alone[0].p99;
    for (i, ((case, b), c)) in all.iter().zip(&at_n).zip(&alone).enumerate() {
        let ratio = b.p99.as_secs_f64() / baseline.as_secs_f64();
        let ratio_alone = c.p99.as_secs_f64() / baseline_alone.as_secs_f64();
        let verdict = |ok: bool| if ok { "met" } else { "**missed**" };
        let goal = match case.goal {
            Goal::None => String::new(),
            Goal::Ratio(g) if case.kind == Kind::Walk => format!(
                "≤ {g:.0} × per page — {}; {}",
                verdict(ratio / b.pages as f64 <= g),
                verdict(ratio_alone / c.pages as f64 <= g)
            ),
            Goal::Ratio(g) => format!(
                "≤ {g:.0} × — {}; {}",
                verdict(ratio <= g),
                verdict(ratio_alone <= g)
            ),
            Goal::Under(limit) => format!(
                "< {} ms — {}; {}",
                limit.as_millis(),
                verdict(b.p99 < limit),
                verdict(c.p99 < limit)
            ),
        };
        let name = if case.kind == Kind::Walk {
            format!("{} ({} pages)", case.name, b.pages)
        } else {
            case.name.clone()
        };
        let reads = match at_first.get(i) {
            Some(a) => format!(
                "{} → {}{}",
                a.reads(),
                b.reads(),
                if a.reads_max == b.reads_max {
                    " (equal)"
                } else {
                    " (**differ**)"
                }
            ),
            None => b.reads(),
        };
        let moto_col = if i < cases.len() {
            moto_reads(&moto, case.key)
        } else {
            String::new()
        };
        println!(
            "| {name} | {} | {} | {ratio:.1} × | {} | {} | {ratio_alone:.1} × | {goal} | {reads} | {moto_col} |",
            ms(b.p50),
            ms(b.p99),
            ms(c.p50),
            ms(c.p99),
        );
    }
    println!();
    println!(
        "At {} customers: {}",
        thousands(first as u64),
        cases
            .iter()
            .zip(&at_first)
            .map(|(c, m)| format!(
                "{} p50 {} p99 {} ({:.1} ×)",
                c.key,
                ms(m.p50),
                ms(m.p99),
                m.p99.as_secs_f64() / at_first[0].p99.as_secs_f64()
            ))
            .collect::<Vec<_>>()
            .join("; ")
    );
    println!(
        "Without HTTP (p50): channel counters of 365 days read from the store {} (2 pages), through Aggregates::channel_days {}; 「联系我」 page of 100 listed {}, its 100 counters read one by one {}; the campaign's funnel (Campaigns::funnel) {}",
        ms(raw_365),
        ms(days_365),
        ms(list_100),
        ms(counts_100),
        ms(funnel),
    );
    println!();
    let t = &data.truth;
    println!(
        "Data: {} customers, {} relationships ended, {} credited to the 200 codes ({} uncredited), {} appointments, {} purchases; recipients by status {:?}, {} booked; {} clicks",
        thousands(t.customers),
        thousands(t.ended),
        thousands(t.credited),
        thousands(t.customers - t.credited),
        thousands(t.appointments),
        thousands(t.purchases),
        t.by_status,
        thousands(t.booked),
        thousands(t.clicks),
    );
    let times = data.times;
    println!(
        "Seeding ({}): {} customers + the campaign {}, then up to {} customers {}. In all: customers (CustomerRepo::import, batches of 5 000) {} ({} for the first {}), appointments and purchases (CustomerAdmin, 32 at a time) {}, {} recipients (50 put_recipients calls) {}, {} clicks through Links::click {} ({:.2} ms each), the other clicks in batches of 500 {}",
        match writes {
            Writes::Maintained => "through the AggregatingStore",
            Writes::Bulk => "bulk, under the aggregates",
        },
        thousands(first as u64),
        secs(seeded_first),
        thousands(n as u64),
        secs(seeded_rest),
        secs(times.customers),
        secs(times_first.customers),
        thousands(first as u64),
        secs(times.appointments_purchases),
        thousands(t.recipients),
        secs(times.recipients),
        times.redirect_clicks_n,
        secs(times.redirect_clicks),
        times.redirect_clicks.as_secs_f64() * 1e3 / times.redirect_clicks_n.max(1) as f64,
        secs(times.batch_clicks),
    );
    for (size, took, report) in &rebuilds {
        println!(
            "rebuild(apply) at {} customers: {} ({} records, {} counters, {} corrected)",
            thousands(*size as u64),
            secs(*took),
            thousands(report.records),
            thousands(report.counters),
            thousands(report.corrected)
        );
    }
    println!(
        "rebuild(compare) of {} customers at the end: {} — {} records read, {} counters compared, **{} differences**",
        thousands(n as u64),
        secs(rebuild_time),
        thousands(rebuilt.records),
        thousands(rebuilt.counters),
        rebuilt.differences.len()
    );
    for d in rebuilt.differences.iter().take(10) {
        println!(
            "  difference: {} {} {}: counter {}, records {}",
            d.pk, d.sk, d.field, d.actual, d.expected
        );
    }
    if problems.is_empty() {
        println!(
            "Answers checked against what was written, at both sizes: channel stats (30 and 365 days), the funnel, every code's count — all exact; sum over codes = {} relationships credited",
            thousands(t.credited)
        );
    } else {
        println!(
            "**Answers that differ from what was written ({}):**",
            problems.len()
        );
        for p in problems.iter().take(20) {
            println!("  {p}");
        }
    }
    if let Some(note) = moto["note"].as_str() {
        println!("DynamoDB (moto): {note}");
    }
    println!("peak RSS {peak:.0} MiB");
}
