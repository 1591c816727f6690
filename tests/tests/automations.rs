//! The seed's scenario 3 end to end: a birthday rule, run by the 01:00 function (invoked with
//! its sample event), finds the customers whose birthday is 7 days ahead through the birthday
//! index and gives each one a group-send task of their own for their consultant, with their
//! name, the coupon and its validity (end of the birthday's month). Consent applies; a second
//! run the same day hands nobody over twice; the click on a one-customer task is theirs.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use chrono::Datelike;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, eventually_within, on_both_backends};

on_both_backends!(scenario_3_birthday_greetings_seven_days_ahead_with_a_coupon);

fn shanghai_today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}

async fn customer(h: &Harness, userid: &str, state: &str, fields: Value) -> (String, String) {
    let (id, body) = h.customer_with(userid, state, fields).await;
    (id, body["name"].as_str().unwrap().to_owned())
}

async fn scenario_3_birthday_greetings_seven_days_ahead_with_a_coupon(backend: Backend) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    let target = shanghai_today() + chrono::Duration::days(7);
    let birthday = format!("1992-{}", target.format("%m-%d"));
    let other_day = format!(
        "1990-{}",
        (target + chrono::Duration::days(1)).format("%m-%d")
    );
    let mut celebrated = Vec::new();
    for (userid, state) in [
        ("zhangsan", "xiaohongshu"),
        ("lisi", "douyin"),
        ("zhangsan", "douyin"),
    ] {
        celebrated.push(
            customer(
                &h,
                userid,
                state,
                json!({"birthday": birthday, "marketing_consent": true, "tier": "A"}),
            )
            .await,
        );
    }
    // Her birthday is 7 days ahead too, but she did not agree to marketing.
    let (refused, _) = customer(
        &h,
        "lisi",
        "xiaohongshu",
        json!({"birthday": target.format("%m-%d").to_string(), "marketing_consent": false}),
    )
    .await;
    // Not today's: a birthday a day later, and no birthday at all.
    customer(
        &h,
        "zhangsan",
        "douyin",
        json!({"birthday": other_day, "marketing_consent": true}),
    )
    .await;
    customer(&h, "lisi", "douyin", json!({"marketing_consent": true})).await;

    let (status, rule) = h
        .api(
            Method::POST,
            "/api/automations",
            Some(json!({
                "name": "生日祝福",
                "kind": {"type": "birthday", "days_ahead": 7, "coupon": "生日专享 8 折券"},
                "text": "{name}，生日快乐！送您{coupon}，有效期至{valid_until}。预约：https://yanmei.example/birthday",
            })),
        )
        .await;
    assert_eq!(status, 201, "{rule}");
    let rule_id = rule["id"].as_str().unwrap().to_owned();

    // 01:00: the automation function runs with its schedule's sample event.
    let sample = test_kit::samples::json("automation/cron.json");
    assert_eq!(sample["source"], "aws.scheduler");
    let automations = crm::automation::Automations::new((*h.app.campaigns).clone());
    let runs = campaigns::automation::handle(&automations).await.unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run.matched, 4, "{run:?}");
    assert_eq!(run.items_read, 4, "the birthday index, not a scan: {run:?}");
    assert_eq!(run.handed_over, 4);
    let campaign_id = run.campaign_ids[0].clone();

    // One task per customer, from their own consultant, with their name and the coupon.
    let valid_until = {
        let next = if target.month() == 12 {
            chrono::NaiveDate::from_ymd_opt(target.year() + 1, 1, 1)
        } else {
            chrono::NaiveDate::from_ymd_opt(target.year(), target.month() + 1, 1)
        }
        .unwrap();
        let last = next.pred_opt().unwrap();
        format!("{}年{}月{}日", last.year(), last.month(), last.day())
    };
    let tasks = eventually_within(
        "one task per celebrated customer",
        Duration::from_secs(180),
        || async {
            let tasks: Vec<Value> = h
                .group_msgs()
                .await
                .into_iter()
                .filter(|t| t["text"].as_str().unwrap_or("").contains("生日快乐"))
                .collect();
            (tasks.len() == 3).then_some(tasks)
        },
    )
    .await;
    for (id, name) in &celebrated {
        let task = tasks
            .iter()
            .find(|t| t["recipients"][0]["external_userid"] == json!(id))
            .unwrap_or_else(|| panic!("no task for {id}"));
        assert_eq!(task["recipients"].as_array().unwrap().len(), 1);
        let text = task["text"].as_str().unwrap();
        assert!(
            text.starts_with(&format!(
                "{name}，生日快乐！送您生日专享 8 折券，有效期至{valid_until}。"
            )),
            "{text}"
        );
        assert!(!text.contains("yanmei.example"), "{text}");
    }
    assert!(
        tasks
            .iter()
            .all(|t| t["recipients"][0]["external_userid"] != json!(refused)),
        "no consent, no message"
    );

    // The consultants send; the campaign records it.
    for userid in ["zhangsan", "lisi"] {
        h.control("groupmsg/confirm", json!({"userid": userid}))
            .await;
    }
    let funnel = h.funnel_reaches(&campaign_id, "sent", 3).await;
    assert_eq!(funnel["targeted"], 4);
    assert_eq!(funnel["skipped_by_reason"], json!({"no_consent": 1}));
    assert_eq!(funnel["task_created"], 3);

    // A click on a one-customer task belongs to that customer.
    let text = tasks[0]["text"].as_str().unwrap();
    let url = &text[text.find("http://").unwrap()..];
    let no_redirects = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = no_redirects.head(url).send().await.unwrap();
    assert_eq!(answer.status(), 302, "a link checker's HEAD is answered …");
    let answer = no_redirects.get(url).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    assert_eq!(
        answer.headers()["location"],
        "https://yanmei.example/birthday"
    );
    let c = h.campaign(&campaign_id).await;
    assert_eq!(c["funnel"]["clicks"], 1, "… but not counted as a click");
    assert_eq!(c["funnel"]["clicks_attributed"], 1);
    let (_, log) = h
        .api(
            Method::GET,
            &format!("/api/messages?external_userid={}", celebrated[0].0),
            None,
        )
        .await;
    assert_eq!(log["items"][0]["status"], "sent", "{log}");

    // Run again the same day (the console's "run now"): nobody is handed over twice.
    let (status, again) = h
        .api(
            Method::POST,
            &format!("/api/automations/{rule_id}/run"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["matched"], 4);
    assert_eq!(again["already_done"], 4);
    assert_eq!(again["handed_over"], 0);
    h.settled().await;
    let birthday_tasks = h
        .group_msgs()
        .await
        .into_iter()
        .filter(|t| t["text"].as_str().unwrap_or("").contains("生日快乐"))
        .count();
    assert_eq!(birthday_tasks, 3);
    let (status, runs) = h
        .api(
            Method::GET,
            &format!("/api/automations/{rule_id}/runs"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(runs["items"].as_array().unwrap().len(), 2, "{runs}");
    assert_eq!(runs["items"][0]["handed_over"], 0, "newest first");
    h.shutdown().await;
}
