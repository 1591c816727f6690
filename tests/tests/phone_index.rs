//! The phone index (`crm::phone_index`) behind the booking system's lookup
//! (`GET /api/booking/customers?phone=`): the right customer among many, both customers of a
//! shared number, a consultant's remark phone; nothing once the number changed or the customer
//! was erased, and no index item left naming them.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

use std::time::Instant;

use admin_api::Role;
use crm::clinic_fields::Phone;
use crm::model::Customer;
use ports::{IndexName, Query};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, on_both_backends};

const T0: i64 = 1_796_000_000_000;

/// `n` customers written as an import or a sync writes them (through the store every function
/// uses), the i-th with phone `139` followed by i in 8 digits.
async fn seed(h: &Harness, n: usize) {
    let customers: Vec<Customer> = (0..n)
        .map(|i| {
            let mut c = Customer {
                external_userid: format!("wm_seed_{i:06}"),
                name: format!("客户{i}"),
                first_channel: "xiaohongshu".into(),
                first_added_at_ms: T0 - i as i64 * 60_000,
                updated_at_ms: T0,
                ..Customer::default()
            };
            c.crm.phone = Some(Phone::parse(&seed_phone(i)).unwrap());
            c
        })
        .collect();
    for chunk in customers.chunks(500) {
        h.customers.import(chunk, &[]).await.unwrap();
    }
}

fn seed_phone(i: usize) -> String {
    format!("139{i:08}")
}

async fn lookup(h: &Harness, phone: &str) -> Vec<String> {
    let booking = h.staff_token(Role::Booking, None);
    let (status, body) = h
        .api_as(
            &booking,
            Method::GET,
            &format!("/api/booking/customers?phone={phone}"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let mut ids: Vec<String> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["external_userid"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

async fn patch(h: &Harness, path: &str, body: Value) {
    let (status, answer) = h.api(Method::PATCH, path, Some(body)).await;
    assert_eq!(status, 200, "{answer}");
}

/// The index items stored under a number (read with the deployment's key).
async fn index_items(h: &Harness, phone: &str) -> usize {
    let key = crm::privacy::tombstone::privacy_key(h.store.as_ref())
        .await
        .unwrap();
    h.store
        .query(Query::partition(
            IndexName::Primary,
            crm::phone_index::entry_pk(&key, phone),
        ))
        .await
        .unwrap()
        .items
        .len()
}

async fn the_booking_lookup_by_phone_follows_every_change_of_the_number(backend: Backend) {
    let h = Harness::start(backend).await;
    h.advance_clock_to_ms(T0);
    seed(&h, 300).await;
    let (ext, _) = h
        .customer_with("zhangsan", "xiaohongshu", json!({"phone": "13800138000"}))
        .await;

    // The right customer among many.
    assert_eq!(lookup(&h, "13800138000").await, vec![ext.clone()]);
    assert_eq!(lookup(&h, &seed_phone(123)).await, ["wm_seed_000123"]);
    assert!(lookup(&h, "13700000000").await.is_empty());

    // A changed number: found by the new one only, and the old one's item is gone.
    patch(
        &h,
        &format!("/api/customers/{ext}"),
        json!({"phone": "13800138001"}),
    )
    .await;
    assert!(lookup(&h, "13800138000").await.is_empty());
    assert_eq!(index_items(&h, "13800138000").await, 0);
    assert_eq!(lookup(&h, "13800138001").await, vec![ext.clone()]);

    // A number two customers share answers both.
    patch(
        &h,
        "/api/customers/wm_seed_000007",
        json!({"phone": "13800138001"}),
    )
    .await;
    let mut both = vec![ext.clone(), "wm_seed_000007".to_owned()];
    both.sort();
    assert_eq!(lookup(&h, "13800138001").await, both);
    assert_eq!(lookup(&h, &seed_phone(7)).await, Vec::<String>::new());

    // A consultant's remark phone, in any spelling WeCom keeps.
    patch(
        &h,
        &format!("/api/customers/{ext}/relationships/zhangsan"),
        json!({"remark_mobiles": ["+86-137-0013-7000"]}),
    )
    .await;
    assert_eq!(lookup(&h, "13700137000").await, vec![ext.clone()]);

    // Erased: found by nothing, and no index item names them any more.
    let (status, report) = h
        .api(
            Method::POST,
            &format!("/api/customers/{ext}/erase"),
            Some(json!({"reason": "客户本人申请删除"})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(lookup(&h, "13800138001").await, ["wm_seed_000007"]);
    assert!(lookup(&h, "13700137000").await.is_empty());
    assert_eq!(index_items(&h, "13700137000").await, 0);
    assert_eq!(index_items(&h, "13800138001").await, 1);
    h.shutdown().await;
}

on_both_backends!(the_booking_lookup_by_phone_follows_every_change_of_the_number);

/// The booking lookup at 20 000 customers: the walk the route made before the index (every
/// customer, a page of 1 000 at a time) against the route now. Measured for BENCHMARKS.md:
/// `PHONE_INDEX_TIMING=1 cargo nextest run -p tests --test phone_index --no-capture timing`
/// (out of the test command, which runs ignored tests too: it seeds 20 000 customers).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn booking_lookup_at_20000_customers_timing() {
    if std::env::var_os("PHONE_INDEX_TIMING").is_none() {
        eprintln!("skipped: set PHONE_INDEX_TIMING=1 (a measurement for BENCHMARKS.md)");
        return;
    }
    const N: usize = 20_000;
    let h = Harness::start(Backend::Embedded).await;
    h.advance_clock_to_ms(T0);
    let seeded = Instant::now();
    seed(&h, N).await;
    println!("seeded {N} customers in {:?}", seeded.elapsed());
    let wanted = seed_phone(N / 2);

    let mut walk = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        // The route's code before the index (functions/admin-api, appointments::lookup).
        let mut found = Vec::new();
        let mut cursor = None;
        loop {
            let (page, next) = h.customers.list(1000, cursor).await.unwrap();
            found.extend(page.into_iter().filter(|c| {
                c.merged_into.is_none()
                    && c.crm.phone.as_ref().is_some_and(|p| p.as_str() == wanted)
            }));
            match next {
                Some(n) if found.len() < 20 => cursor = Some(n),
                _ => break,
            }
        }
        walk.push(started.elapsed());
        assert_eq!(found.len(), 1);
    }
    let mut route = Vec::new();
    for _ in 0..20 {
        let started = Instant::now();
        assert_eq!(lookup(&h, &wanted).await.len(), 1);
        route.push(started.elapsed());
    }
    walk.sort();
    route.sort();
    println!(
        "before (walk of {N} customers): median {:?}, max {:?}",
        walk[walk.len() / 2],
        walk[walk.len() - 1]
    );
    println!(
        "after (GET /api/booking/customers over the phone index): median {:?}, max {:?}",
        route[route.len() / 2],
        route[route.len() - 1]
    );
    h.shutdown().await;
}
