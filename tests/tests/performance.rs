//! Consultant performance (员工绩效) end to end: WeCom's behaviour data seeded in the simulator,
//! imported through the admin API (one record per consultant-day, re-runs never duplicate),
//! `GET /api/stats/consultants` summing a period with the CRM's own customers, appointments and
//! purchases, a consultant seeing only themselves, and the route's speed on 10 consultants × 90
//! days.
#![allow(clippy::unwrap_used, clippy::panic, clippy::print_stdout)]

use std::time::Instant;

use chrono::Duration;
use crm::model::{Relationship, RelationshipStatus};
use crm::performance::{PerformanceStats, StatsPeriod};
use ports::{Condition, Item};
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, scan_key};

const DAY_MS: i64 = 86_400_000;

fn day(h: &Harness, back: i64) -> chrono::NaiveDate {
    crm::calendar::date(h.now_ms()) - Duration::days(back)
}

fn ymd(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

async fn scanned(h: &Harness, userid: &str, state: &str) -> String {
    let scan = h.scan(userid, state).await;
    h.processed(&scan_key(&scan)).await;
    scan["external_userid"].as_str().unwrap().to_owned()
}

fn line<'a>(report: &'a Value, userid: &str) -> &'a Value {
    report["consultants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["userid"] == userid)
        .unwrap_or_else(|| panic!("no line for {userid}: {report}"))
}

async fn stored_days(h: &Harness, userid: &str, from: chrono::NaiveDate) -> usize {
    PerformanceStats::new(h.store.clone())
        .days(
            userid,
            StatsPeriod {
                from,
                to: day(h, 0),
            },
        )
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_import_writes_one_record_per_consultant_day_and_reruns_do_not_duplicate() {
    let h = Harness::start(Backend::Embedded).await;
    h.control(
        "behavior",
        json!({ "days": [
            { "userid": "zhangsan", "date": ymd(day(&h, 2)), "chat_cnt": 10, "message_cnt": 40,
              "reply_percentage": 90.0, "avg_reply_time": 4 },
            { "userid": "zhangsan", "date": ymd(day(&h, 1)), "chat_cnt": 30, "message_cnt": 60,
              "reply_percentage": 50.0, "avg_reply_time": 12 },
            { "userid": "lisi", "date": ymd(day(&h, 1)), "chat_cnt": 5, "message_cnt": 9,
              "reply_percentage": 100.0, "avg_reply_time": 1 },
        ]}),
    )
    .await;

    // First run (even when asked for the last 3 days only): the last 30 days (yesterday
    // included) of each of the 3 consultants.
    let (status, first) = h
        .api(
            Method::POST,
            "/api/stats/consultants/import",
            Some(json!({ "days": 3 })),
        )
        .await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["consultants"], 3, "{first}");
    assert_eq!(first["days_written"], 90, "{first}");
    assert_eq!(
        first["calls"], 3,
        "one call of 30 days per consultant: {first}"
    );
    assert_eq!(stored_days(&h, "zhangsan", day(&h, 60)).await, 30);
    assert_eq!(h.calls("externalcontact/get_user_behavior_data").await, 3);

    // Again: nothing is due (yesterday is imported), nothing asked, nothing written.
    let (_, again) = h
        .api(
            Method::POST,
            "/api/stats/consultants/import",
            Some(json!({})),
        )
        .await;
    assert_eq!(again["days_written"], 0, "{again}");
    assert_eq!(h.calls("externalcontact/get_user_behavior_data").await, 3);

    // WeCom's figure for a day changes; importing the last 3 days again overwrites them.
    h.control(
        "behavior",
        json!({ "days": [{ "userid": "zhangsan", "date": ymd(day(&h, 1)), "chat_cnt": 32,
                           "message_cnt": 64, "reply_percentage": 50.0, "avg_reply_time": 12 }] }),
    )
    .await;
    let (status, redo) = h
        .api(
            Method::POST,
            "/api/stats/consultants/import",
            Some(json!({ "days": 3 })),
        )
        .await;
    assert_eq!(status, 200, "{redo}");
    assert_eq!(redo["days_written"], 9, "{redo}");
    assert_eq!(stored_days(&h, "zhangsan", day(&h, 60)).await, 30);
    let period = StatsPeriod {
        from: day(&h, 1),
        to: day(&h, 1),
    };
    let days = PerformanceStats::new(h.store.clone())
        .days("zhangsan", period)
        .await
        .unwrap();
    assert_eq!(days.len(), 1);
    assert_eq!(days[0].chat_cnt, 32);

    // Bad input.
    for body in [
        json!({ "days": 0 }),
        json!({ "days": 181 }),
        json!({ "x": 1 }),
    ] {
        let (status, answer) = h
            .api(Method::POST, "/api/stats/consultants/import", Some(body))
            .await;
        assert_eq!(status, 400, "{answer}");
    }
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_stats_sum_a_period_and_a_consultant_sees_only_themselves() {
    let h = Harness::start(Backend::Embedded).await;
    h.control(
        "behavior",
        json!({ "days": [
            { "userid": "zhangsan", "date": ymd(day(&h, 3)), "chat_cnt": 100, "message_cnt": 1,
              "reply_percentage": 10.0, "avg_reply_time": 60 },
            { "userid": "zhangsan", "date": ymd(day(&h, 2)), "chat_cnt": 10, "message_cnt": 40,
              "reply_percentage": 90.0, "avg_reply_time": 4 },
            { "userid": "zhangsan", "date": ymd(day(&h, 1)), "chat_cnt": 30, "message_cnt": 60,
              "reply_percentage": 50.0, "avg_reply_time": 12, "negative_feedback_cnt": 1 },
            { "userid": "lisi", "date": ymd(day(&h, 1)), "chat_cnt": 5, "message_cnt": 9,
              "reply_percentage": 100.0, "avg_reply_time": 1 },
        ]}),
    )
    .await;
    // Today: zhangsan gains three customers and loses one; one books and one buys.
    let a = scanned(&h, "zhangsan", "douyin").await;
    let b = scanned(&h, "zhangsan", "douyin").await;
    let c = scanned(&h, "zhangsan", "xiaohongshu").await;
    scanned(&h, "lisi", "douyin").await;
    h.control(
        "delete",
        json!({ "userid": "zhangsan", "external_userid": c, "by": "customer" }),
    )
    .await;
    tests::eventually("the relationship to end", || async {
        let rel = h.customers.get_relationship(&c, "zhangsan").await.unwrap();
        rel.filter(|r| r.status == RelationshipStatus::Ended)
    })
    .await;
    let (status, answer) = h
        .api(
            Method::POST,
            "/api/appointments",
            Some(json!({ "external_userid": a, "scheduled_at_ms": h.now_ms() + 2 * DAY_MS, "item": "水光针" })),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    // Customer a also adds lisi; an appointment that names lisi counts for lisi only.
    let both = h
        .control(
            "scan",
            json!({ "userid": "lisi", "state": "douyin", "external_userid": a }),
        )
        .await;
    h.processed(&scan_key(&both)).await;
    let (status, answer) = h
        .api(
            Method::POST,
            "/api/appointments",
            Some(json!({ "external_userid": a, "scheduled_at_ms": h.now_ms() + 3 * DAY_MS, "item": "复诊", "userid": "lisi" })),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let (status, answer) = h
        .api(
            Method::POST,
            "/api/purchases",
            Some(json!({ "external_userid": b, "amount_fen": 128_000, "item": "光子嫩肤", "purchased_at_ms": h.now_ms() - 1000 })),
        )
        .await;
    assert_eq!(status, 201, "{answer}");
    let (status, _) = h
        .api(
            Method::POST,
            "/api/stats/consultants/import",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 200);

    // The last two days and today: the day 3 days ago is outside.
    let path = format!(
        "/api/stats/consultants?from={}&to={}",
        ymd(day(&h, 2)),
        ymd(day(&h, 0))
    );
    let (status, report) = h.api(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["from"], ymd(day(&h, 2)));
    let z = line(&report, "zhangsan");
    assert_eq!(z["chats"], 40, "{z}");
    assert_eq!(z["messages"], 100);
    // (10 × 90 + 30 × 50) / 40 = 60; (10 × 4 + 30 × 12) / 40 = 10.
    assert_eq!(z["reply_rate"], 60.0);
    assert_eq!(z["avg_reply_minutes"], 10.0);
    assert_eq!(z["negative_feedback"], 1);
    assert_eq!(z["days_imported"], 2);
    assert_eq!(z["new_customers"], 3);
    assert_eq!(z["lost_customers"], 1);
    assert_eq!(z["appointments"], 1);
    assert_eq!(z["purchases"], 1);
    assert_eq!(z["revenue_fen"], 128_000);
    assert_eq!(z["daily"].as_array().unwrap().len(), 2);
    let l = line(&report, "lisi");
    assert_eq!(l["chats"], 5);
    assert_eq!(l["new_customers"], 2);
    assert_eq!(l["appointments"], 1);
    assert_eq!(l["revenue_fen"], 0);
    assert!(line(&report, "wangwu")["reply_rate"].is_null());

    // A wider period includes the third day.
    let wide = format!(
        "/api/stats/consultants?from={}&to={}&userid=zhangsan",
        ymd(day(&h, 10)),
        ymd(day(&h, 0))
    );
    let (_, report) = h.api(Method::GET, &wide, None).await;
    assert_eq!(report["consultants"].as_array().unwrap().len(), 1);
    assert_eq!(line(&report, "zhangsan")["chats"], 140);

    // A consultant: only their own line, never another's.
    let lisi = h.staff_token(admin_api::Role::Consultant, Some("lisi"));
    let (status, own) = h.api_as(&lisi, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{own}");
    let lines = own["consultants"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{own}");
    assert_eq!(lines[0]["userid"], "lisi");
    let (status, refused) = h
        .api_as(&lisi, Method::GET, &format!("{path}&userid=zhangsan"), None)
        .await;
    assert_eq!(status, 403, "{refused}");
    let (status, _) = h
        .api_as(
            &lisi,
            Method::POST,
            "/api/stats/consultants/import",
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 403);

    // Bad periods.
    for (query, field) in [
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2026-12-07&to=2026-12-01", "from"),
        ("from=2024-01-01&to=2026-01-01", "from"),
    ] {
        let (status, error) = h
            .api(
                Method::GET,
                &format!("/api/stats/consultants?{query}"),
                None,
            )
            .await;
        assert_eq!(status, 400, "{query}: {error}");
        assert_eq!(error["error"]["field"], field);
    }
    h.shutdown().await;
}

/// 10 consultants × 90 days of behaviour data, 900 relationships and the route over the whole
/// period: it must answer well within a second on the embedded store.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_route_is_fast_with_ten_consultants_and_ninety_days() {
    let h = Harness::start(Backend::Embedded).await;
    let today = day(&h, 0);
    let mut items = Vec::new();
    for c in 0..10 {
        let userid = format!("consultant{c:02}");
        for back in 0..90 {
            let d = today - Duration::days(back);
            let record = crm::performance::BehaviorDay {
                userid: userid.clone(),
                day: ymd(d),
                stat_time: crm::calendar::start_of_day(d) / 1000,
                chat_cnt: 10,
                message_cnt: 20,
                reply_percentage: 80.0,
                avg_reply_time: 5,
                ..Default::default()
            };
            items.push(
                Item::with_doc(
                    format!("PERF#{userid}"),
                    format!("DAY#{}", record.day),
                    &record,
                )
                .unwrap(),
            );
        }
    }
    for chunk in items.chunks(25) {
        h.store.batch_put(chunk.to_vec()).await.unwrap();
    }
    // Each consultant gains a customer a day.
    for c in 0..10 {
        let userid = format!("consultant{c:02}");
        for back in 0..90 {
            let ext = format!("wmPerf{c:02}x{back:03}");
            let created = (h.now_ms() - back * DAY_MS) / 1000;
            h.customers
                .update_relationship(&ext, &userid, |_| {
                    Some(Relationship {
                        external_userid: ext.clone(),
                        userid: userid.clone(),
                        status: RelationshipStatus::Active,
                        createtime: created,
                        ..Relationship::default()
                    })
                })
                .await
                .unwrap();
        }
    }
    // Everyone is in the staff list the route reads.
    h.store
        .put(
            Item::with_doc(
                "PERF#META",
                "IMPORT",
                &crm::performance::ImportState {
                    last_day: (0..10)
                        .map(|c| (format!("consultant{c:02}"), ymd(today)))
                        .collect(),
                    ..Default::default()
                },
            )
            .unwrap(),
            Condition::Always,
        )
        .await
        .unwrap();

    let path = format!(
        "/api/stats/consultants?from={}&to={}",
        ymd(today - Duration::days(89)),
        ymd(today)
    );
    let (status, warm) = h.api(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{warm}");
    let mut best = std::time::Duration::MAX;
    for _ in 0..3 {
        let started = Instant::now();
        let (status, report) = h.api(Method::GET, &path, None).await;
        best = best.min(started.elapsed());
        assert_eq!(status, 200);
        let lines = report["consultants"].as_array().unwrap();
        let perf: Vec<&Value> = lines
            .iter()
            .filter(|l| l["userid"].as_str().unwrap().starts_with("consultant"))
            .collect();
        assert_eq!(perf.len(), 10);
        for l in perf {
            assert_eq!(l["chats"], 900);
            assert_eq!(l["new_customers"], 90);
            assert_eq!(l["days_imported"], 90);
        }
    }
    println!("GET /api/stats/consultants, 10 consultants × 90 days: best of 3 {best:?}");
    assert!(
        best < std::time::Duration::from_millis(1500),
        "took {best:?}"
    );
    h.shutdown().await;
}

/// Group-send completion: of the recipients assigned to each consultant in a campaign sent in
/// the period, how many the consultant sent (confirmed in WeCom).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn group_send_completion_counts_what_each_consultant_sent() {
    let h = Harness::start(Backend::Embedded).await;
    h.without_quiet_hours().await;
    let z1 = h.consenting_customer("zhangsan", "douyin").await;
    let z2 = h.consenting_customer("zhangsan", "xiaohongshu").await;
    let l1 = h.consenting_customer("lisi", "douyin").await;
    let (status, created) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "绩效测试", "audience": {"type": "customers", "external_userids": [z1, z2, l1]},
                        "content": {"text": "您好，本周有活动"}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    h.funnel_reaches(&id, "task_created", 3).await;
    // zhangsan confirms his task; lisi does not (yet).
    h.control("groupmsg/confirm", json!({"userid": "zhangsan"}))
        .await;
    h.funnel_reaches(&id, "sent", 2).await;

    let path = format!(
        "/api/stats/consultants?from={}&to={}",
        ymd(day(&h, 0)),
        ymd(day(&h, 0))
    );
    let (status, report) = h.api(Method::GET, &path, None).await;
    assert_eq!(status, 200, "{report}");
    let z = line(&report, "zhangsan");
    assert_eq!(z["groupsend_assigned"], 2, "{z}");
    assert_eq!(z["groupsend_sent"], 2);
    assert_eq!(z["groupsend_completion"], 1.0);
    let l = line(&report, "lisi");
    assert_eq!(l["groupsend_assigned"], 1, "{l}");
    assert_eq!(l["groupsend_sent"], 0);
    assert_eq!(l["groupsend_completion"], 0.0);
    assert!(line(&report, "wangwu")["groupsend_completion"].is_null());
    // A period before the campaign counts none of it.
    let before = format!(
        "/api/stats/consultants?from={}&to={}&userid=zhangsan",
        ymd(day(&h, 5)),
        ymd(day(&h, 1))
    );
    let (_, report) = h.api(Method::GET, &before, None).await;
    assert_eq!(line(&report, "zhangsan")["groupsend_assigned"], 0);
    h.shutdown().await;
}
