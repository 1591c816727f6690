//! Consultant alerts (issue 14, item 4): the app messages WeCom delivers to a consultant when a
//! new customer adds them, when a customer deletes them (流失提醒), and each morning (pending
//! group-send tasks, tomorrow's appointments) — through the real callback URL and the
//! simulated WeCom's `message/send`.
#![allow(clippy::unwrap_used, clippy::panic)]

use reqwest::Method;
use serde_json::json;
use tests::{Backend, Harness, eventually, on_both_backends, scan_key};

on_both_backends!(
    a_scan_sends_the_consultant_one_alert_naming_the_channel_with_a_link,
    a_redelivered_or_replayed_event_sends_no_second_alert,
    a_customer_deleting_the_consultant_sends_a_lost_customer_alert,
    alerts_switched_off_in_the_configuration_send_nothing,
    the_daily_digest_lists_tomorrows_appointment_and_pending_tasks,
);

/// The app messages WeCom accepted for one member.
async fn app_messages_to(h: &Harness, userid: &str) -> Vec<String> {
    h.control_get("app-messages")
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m["touser"].as_array().unwrap().iter().any(|u| u == userid))
        .map(|m| m["content"].as_str().unwrap_or("").to_owned())
        .collect()
}

async fn a_scan_sends_the_consultant_one_alert_naming_the_channel_with_a_link(backend: Backend) {
    let h = Harness::start(backend).await;
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let ext = scan["external_userid"].as_str().unwrap().to_owned();
    let entry = h.processed(&scan_key(&scan)).await;
    assert!(
        entry.outcome.as_deref().unwrap().contains("alert:sent"),
        "{entry:?}"
    );
    let messages = app_messages_to(&h, "zhangsan").await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let text = &messages[0];
    assert!(text.starts_with("新客户提醒"), "{text}");
    assert!(text.contains("「小红书」"), "the channel's name: {text}");
    let customer = h.customers.get(&ext).await.unwrap().unwrap();
    assert!(text.contains(&customer.name), "{text}");
    let link = format!("{}/dashboard/customers?customer={ext}", h.app.public_base);
    assert!(
        text.contains(&link),
        "a link to the customer's page: {text}"
    );
    // Only the consultant who was added is told.
    let all = h.control_get("app-messages").await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .all(|m| m["touser"] == json!(["zhangsan"])),
        "{all}"
    );
    h.shutdown().await;
}

async fn a_redelivered_or_replayed_event_sends_no_second_alert(backend: Backend) {
    let h = Harness::start(backend).await;
    // WeCom delivers the same event three times at once.
    let scan = h
        .control(
            "scan",
            json!({"userid": "wangwu", "state": "douyin", "deliveries": 3}),
        )
        .await;
    let key = scan_key(&scan);
    let first = h.processed(&key).await;
    h.settled().await;
    assert_eq!(app_messages_to(&h, "wangwu").await.len(), 1);

    // An operator replays the processed event: the customer is processed again, the alert
    // recorded for the event is not sent again.
    let (status, body) = h
        .api(
            Method::POST,
            &format!("/api/callback-logs/{key}/replay"),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let log = h.log.clone();
    let replayed = eventually("the replay is processed", || {
        let log = log.clone();
        let key = key.clone();
        async move {
            log.get(&key).await.unwrap().filter(|e| {
                e.attempts > first.attempts && e.status == crm::model::CallbackStatus::Processed
            })
        }
    })
    .await;
    assert!(
        replayed
            .outcome
            .as_deref()
            .unwrap()
            .contains("alert:already sent"),
        "{replayed:?}"
    );
    h.settled().await;
    let messages = app_messages_to(&h, "wangwu").await;
    assert_eq!(messages.len(), 1, "one alert per event: {messages:?}");
    h.shutdown().await;
}

async fn a_customer_deleting_the_consultant_sends_a_lost_customer_alert(backend: Backend) {
    let h = Harness::start(backend).await;
    let scan = h.scan("lisi", "douyin").await;
    let ext = scan["external_userid"].as_str().unwrap().to_owned();
    h.processed(&scan_key(&scan)).await;
    assert_eq!(app_messages_to(&h, "lisi").await.len(), 1);

    h.control(
        "delete",
        json!({"userid": "lisi", "external_userid": ext, "by": "customer"}),
    )
    .await;
    let entry = h
        .processed_event("change_external_contact/del_follow_user", Some(&ext))
        .await;
    assert!(
        entry.outcome.as_deref().unwrap().contains("alert:sent"),
        "{entry:?}"
    );
    let messages = app_messages_to(&h, "lisi").await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    let lost = &messages[1];
    assert!(lost.starts_with("流失提醒"), "{lost}");
    let customer = h.customers.get(&ext).await.unwrap().unwrap();
    assert!(lost.contains(&customer.name), "{lost}");
    assert!(lost.contains(&format!("customer={ext}")), "{lost}");

    // The consultant deleting the customer is no 流失提醒.
    let other = h.scan("zhangsan", "douyin").await;
    let other_ext = other["external_userid"].as_str().unwrap().to_owned();
    h.processed(&scan_key(&other)).await;
    h.control(
        "delete",
        json!({"userid": "zhangsan", "external_userid": other_ext, "by": "staff"}),
    )
    .await;
    h.processed_event(
        "change_external_contact/del_external_contact",
        Some(&other_ext),
    )
    .await;
    let messages = app_messages_to(&h, "zhangsan").await;
    assert_eq!(
        messages.len(),
        1,
        "only the new-customer alert: {messages:?}"
    );
    h.shutdown().await;
}

async fn alerts_switched_off_in_the_configuration_send_nothing(backend: Backend) {
    let h = Harness::start(backend).await;
    let (status, config) = h.api(Method::GET, "/api/config", None).await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(
        config["alerts"],
        json!({"new_customer": true, "lost_customer": true, "daily_digest": true})
    );
    // A value that is not a switch is refused, naming the field.
    let (status, error) = h
        .api(
            Method::PUT,
            "/api/config",
            Some(json!({"alerts": {"new_customer": "yes", "lost_customer": true, "daily_digest": true}})),
        )
        .await;
    assert_eq!(status, 400, "{error}");
    let (status, config) = h
        .api(
            Method::PUT,
            "/api/config",
            Some(json!({"alerts": {"new_customer": false, "lost_customer": false, "daily_digest": false}})),
        )
        .await;
    assert_eq!(status, 200, "{config}");
    assert_eq!(config["alerts"]["new_customer"], false);

    let scan = h.scan("zhangsan", "xiaohongshu").await;
    let ext = scan["external_userid"].as_str().unwrap().to_owned();
    let entry = h.processed(&scan_key(&scan)).await;
    assert_eq!(entry.status, crm::model::CallbackStatus::Processed);
    h.control(
        "delete",
        json!({"userid": "zhangsan", "external_userid": ext, "by": "customer"}),
    )
    .await;
    h.processed_event("change_external_contact/del_follow_user", Some(&ext))
        .await;
    let alerts = campaigns::digest::alerts(&h.app.campaigns, &h.app.public_base);
    let digest = campaigns::digest::handle(&alerts).await.unwrap();
    assert!(digest.off, "{digest:?}");
    h.settled().await;
    assert!(
        app_messages_to(&h, "zhangsan").await.is_empty(),
        "no alert while switched off"
    );
    h.shutdown().await;
}

async fn the_daily_digest_lists_tomorrows_appointment_and_pending_tasks(backend: Backend) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    let (ext, _) = h
        .customer_with(
            "zhangsan",
            "xiaohongshu",
            json!({"marketing_consent": true}),
        )
        .await;
    let customer = h.customers.get(&ext).await.unwrap().unwrap();

    // A group-send task waiting for zhangsan.
    let (status, created) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({"name": "双十二焕新季", "audience": {"type": "customers", "external_userids": [ext]},
                        "content": {"text": "您好，双十二焕新季限时优惠"}})),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    h.funnel_reaches(&id, "awaiting_staff", 1).await;

    // An appointment tomorrow at 10:00 (Shanghai) and one the day after (not listed).
    let today = crm::calendar::date(h.now_ms());
    let tomorrow = today.succ_opt().unwrap();
    let at = |d: chrono::NaiveDate| crm::calendar::start_of_day(d) + 10 * 3_600_000;
    for (day, item) in [
        (tomorrow, "水光针"),
        (tomorrow.succ_opt().unwrap(), "热玛吉"),
    ] {
        let (status, body) = h
            .api(
                Method::POST,
                "/api/appointments",
                Some(json!({"external_userid": ext, "scheduled_at_ms": at(day), "item": item})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }

    let alerts = campaigns::digest::alerts(&h.app.campaigns, &h.app.public_base);
    let digest = campaigns::digest::handle(&alerts).await.unwrap();
    assert_eq!((digest.consultants, digest.sent), (1, 1), "{digest:?}");
    let messages = app_messages_to(&h, "zhangsan").await;
    let text: &String = messages
        .iter()
        .find(|m| m.starts_with("每日提醒"))
        .unwrap_or_else(|| panic!("a digest: {messages:?}"));
    assert!(text.contains("待发送的群发任务 1 个"), "{text}");
    assert!(text.contains("「双十二焕新季」1 位客户"), "{text}");
    assert!(
        text.contains(&format!("明天（{}）的预约 1 个", tomorrow.format("%m-%d"))),
        "{text}"
    );
    assert!(
        text.contains(&format!("10:00 {} 水光针", customer.name)),
        "{text}"
    );
    assert!(!text.contains("热玛吉"), "only tomorrow's: {text}");

    // Once a day: a second round sends nothing more.
    let again = campaigns::digest::handle(&alerts).await.unwrap();
    assert_eq!((again.sent, again.already_sent), (0, 1), "{again:?}");
    let digests = app_messages_to(&h, "zhangsan")
        .await
        .into_iter()
        .filter(|m| m.starts_with("每日提醒"))
        .count();
    assert_eq!(digests, 1);
    h.shutdown().await;
}
