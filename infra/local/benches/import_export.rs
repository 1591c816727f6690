//! Customer import and export on 100 000 customers in the embedded store, through the real
//! listener (`POST /api/customers/import`, `GET /api/customers/export`): wall time and the
//! process's peak resident memory during each phase (`VmHWM`, reset before each phase through
//! `/proc/self/clear_refs`). Run under `/usr/bin/time -v` for the whole process's peak.
//!
//! Phases: export the 100 000 customers as CSV and as xlsx; import 100 000 rows by
//! external_userid that change every tier; the same file again (nothing changes); 100 000 rows
//! by phone (matched through the phone index, setting the psych type); 100 000 rows that match
//! nobody (100 000 new leads). Each import file is kept under the 9 MB upload limit.
//!
//! `cargo bench -p wecom-crm --bench import_export [-- CUSTOMERS]` (default 100000).
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::panic)]

use std::sync::Arc;
use std::time::Instant;

use crm::clinic_fields::Phone;
use crm::repo::CustomerRepo;
use ports::SystemClock;
use store_embedded::{EmbeddedDb, SqliteStore};
use wecom_crm::{Adapters, AppOptions};

/// Peak resident set since the last reset, in MiB; then resets it.
fn peak_mib_and_reset() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    kb / 1024.0
}

fn multipart(filename: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----benchboundary7d1f";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);

    let dir = tempfile::tempdir().unwrap();
    let db = EmbeddedDb::open(&dir.path().join("bench.db")).unwrap();
    let store = crm::aggregates::AggregatingStore::wrap(Arc::new(SqliteStore::new(db.clone())));
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let started = Instant::now();
    let (mut customers, relationships) =
        wecom_crm::seed::customers(n, now_ms, &wecom_crm::seed::numbered_staff(50));
    for (i, c) in customers.iter_mut().enumerate() {
        c.crm.phone = Phone::parse(&format!("138{i:08}")).ok();
    }
    let repo = CustomerRepo::new(store.clone());
    for (c, r) in customers.chunks(5_000).zip(relationships.chunks(5_000)) {
        repo.import(c, r).await.unwrap();
    }
    let seeded = started.elapsed();
    // Every row moves the customer to the next tier (A → B → C → A).
    let by_id: String = std::iter::once("客户ID,等级\n".to_owned())
        .chain(customers.iter().map(|c| {
            let next = match c.crm.tier.map(|t| t.as_str()) {
                Some("A") => "B",
                Some("B") => "C",
                _ => "A",
            };
            format!("{},{next}\n", c.external_userid)
        }))
        .collect();
    drop(customers);
    drop(relationships);

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
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3600))
        .build()
        .unwrap();
    println!(
        "{n} customers seeded in {:.1} s; peak RSS so far {:.0} MiB",
        seeded.as_secs_f64(),
        peak_mib_and_reset()
    );
    println!("| phase | rows | file | time | rows/s | peak RSS during the phase |");
    println!("|---|---|---|---|---|---|");

    for format in ["csv", "xlsx"] {
        peak_mib_and_reset();
        let t = Instant::now();
        let response = http
            .get(format!(
                "{}/api/customers/export?format={format}",
                app.base_url
            ))
            .bearer_auth("bench-token")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let rows: usize = response.headers()["x-export-rows"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let bytes = response.bytes().await.unwrap();
        let elapsed = t.elapsed();
        assert_eq!(rows, n);
        println!(
            "| export {format} | {rows} | {:.1} MB | {:.1} s | {:.0} | {:.0} MiB |",
            bytes.len() as f64 / 1e6,
            elapsed.as_secs_f64(),
            rows as f64 / elapsed.as_secs_f64(),
            peak_mib_and_reset()
        );
    }

    let by_phone: String = std::iter::once("手机号,心理类型\n".to_owned())
        .chain((0..n).map(|i| format!("138{i:08},理性型\n")))
        .collect();
    let leads: String = std::iter::once("手机号,姓名,等级,营销授权,授权方式\n".to_owned())
        .chain((0..n).map(|i| format!("139{i:08},线索{i},B,是,表单\n")))
        .collect();
    let phases = [
        (
            "import by external_userid (every tier changes)",
            &by_id,
            "changed",
        ),
        ("the same file again (nothing changes)", &by_id, "unchanged"),
        ("import by phone (psych type)", &by_phone, "changed"),
        ("import of unmatched rows (new leads)", &leads, "new_leads"),
    ];
    for (name, file, counter) in phases {
        let (content_type, body) = multipart("bench.csv", file.as_bytes());
        peak_mib_and_reset();
        let t = Instant::now();
        let response = http
            .post(format!(
                "{}/api/customers/import?dry_run=false",
                app.base_url
            ))
            .bearer_auth("bench-token")
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let summary: serde_json::Value = response.json().await.unwrap();
        let elapsed = t.elapsed();
        assert_eq!(status, 200, "{summary}");
        assert_eq!(
            summary[counter].as_u64(),
            Some(n as u64),
            "{name}: {summary}"
        );
        println!(
            "| {name} | {n} | {:.1} MB | {:.1} s | {:.0} | {:.0} MiB |",
            file.len() as f64 / 1e6,
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64(),
            peak_mib_and_reset()
        );
    }
    app.shutdown().await;
}
