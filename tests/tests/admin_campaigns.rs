//! The campaign endpoints' edges through HTTP: bad input answers 400 naming the field and
//! leaves no trace; media are uploaded to WeCom once and again only when WeCom has forgotten
//! them; direct messages give each customer a task of their own with their name.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use base64::Engine;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, eventually_within, on_both_backends};

on_both_backends!(
    bad_campaigns_are_refused_naming_the_field_and_store_nothing,
    media_are_uploaded_once_and_again_when_wecom_forgot_them,
    a_direct_message_gives_each_customer_their_own_task,
    a_tag_audience_takes_any_tag_of_a_group_and_every_group,
);

async fn bad_campaigns_are_refused_naming_the_field_and_store_nothing(backend: Backend) {
    let h = Harness::start(backend).await;
    let good = json!({
        "name": "双十二",
        "audience": {"type": "filter", "filter": {"tiers": ["A"]}},
        "content": {"text": "您好"},
    });
    let with = |path: &[&str], value: Value| {
        let mut body = good.clone();
        let mut at = &mut body;
        for key in &path[..path.len() - 1] {
            at = &mut at[*key];
        }
        at[path[path.len() - 1]] = value;
        body
    };
    let cases = [
        (with(&["name"], json!("")), "name"),
        (with(&["audience"], json!({"type": "everyone"})), "audience"),
        (
            with(
                &["audience"],
                json!({"type": "filter", "filter": {"tier": "A"}}),
            ),
            "audience",
        ),
        (
            with(&["audience", "filter", "tiers"], json!(["VIP"])),
            "audience.filter.tiers",
        ),
        (
            with(
                &["audience"],
                json!({"type": "customers", "external_userids": []}),
            ),
            "audience.external_userids",
        ),
        (
            with(&["audience"], json!({"type": "tags", "groups": [[]]})),
            "audience.groups",
        ),
        (with(&["content", "text"], json!("")), "content.text"),
        (
            with(&["content", "text"], json!("字".repeat(1400))),
            "content.text",
        ),
        (
            with(&["content", "text"], json!("{name}您好")),
            "content.text",
        ),
        (
            with(
                &["content", "attachments"],
                json!(vec![
                    json!({"msgtype": "link", "title": "t", "url": "https://a.example"});
                    10
                ]),
            ),
            "content.attachments",
        ),
        (
            with(
                &["content", "attachments"],
                json!([{"msgtype": "link", "title": "t", "url": "ftp://a.example"}]),
            ),
            "content.attachments.url",
        ),
        (
            with(
                &["content", "attachments"],
                json!([{"msgtype": "image", "media": "0000000000000000000000000000000000000000"}]),
            ),
            "content.attachments.media",
        ),
        (with(&["send_at"], json!("2020-01-01T10:00")), "send_at"),
        (with(&["send_at"], json!("明天上午")), "send_at"),
        (
            with(&["sender_policy"], json!({"type": "fixed", "userid": ""})),
            "sender_policy.userid",
        ),
        (
            with(&["booked_within_days"], json!(0)),
            "booked_within_days",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = h
            .api(Method::POST, "/api/campaigns", Some(body.clone()))
            .await;
        assert_eq!(status, 400, "{body} → {answer}");
        assert_eq!(answer["error"]["field"], field, "{body} → {answer}");
        assert!(
            answer["error"]["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "the message is for the clinic's staff: {answer}"
        );
    }
    let (status, answer) = h
        .api(Method::POST, "/api/campaigns", Some(json!("not an object")))
        .await;
    assert_eq!(status, 400, "{answer}");
    let (status, list) = h.api(Method::GET, "/api/campaigns", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"], json!([]), "nothing stored");
    assert!(h.group_msgs().await.is_empty());

    for path in ["/api/campaigns/nope", "/api/campaigns/nope/recipients"] {
        let (status, answer) = h.api(Method::GET, path, None).await;
        assert_eq!(status, 404, "{path}: {answer}");
    }
    // The status filter knows the statuses, and says which they are.
    let (status, answer) = h.api(Method::GET, "/api/campaigns?status=gone", None).await;
    assert_eq!(
        (status, answer["error"]["field"].as_str()),
        (400, Some("status")),
        "{answer}"
    );
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("scheduled") && message.contains("failed"),
        "{message}"
    );
    let (status, _) = h
        .api(Method::GET, "/api/campaigns?status=scheduled", None)
        .await;
    assert_eq!(status, 200);
    let (status, _) = h
        .api(Method::POST, "/api/campaigns/nope/cancel", None)
        .await;
    assert_eq!(status, 404);
    h.shutdown().await;
}

/// A 1×1 PNG.
const PNG: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

async fn media_are_uploaded_once_and_again_when_wecom_forgot_them(backend: Backend) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    let customer = h.consenting_customer("zhangsan", "xiaohongshu").await;
    let (status, media) = h
        .api(
            Method::POST,
            "/api/media",
            Some(json!({"filename": "double12.png", "kind": "image", "data_base64": PNG})),
        )
        .await;
    assert_eq!(status, 201, "{media}");
    let hash = media["hash"].as_str().unwrap().to_owned();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(PNG)
        .unwrap();
    assert_eq!(media["size"], bytes.len());
    let (status, bad) = h
        .api(
            Method::POST,
            "/api/media",
            Some(json!({"filename": "x.png", "kind": "image", "data_base64": "***"})),
        )
        .await;
    assert_eq!(
        (status, bad["error"]["field"].clone()),
        (400, json!("data_base64"))
    );

    let send = |n: u32| {
        let h = &h;
        let customer = customer.clone();
        let hash = hash.clone();
        async move {
            let (status, created) = h
                .api(
                    Method::POST,
                    "/api/campaigns",
                    Some(json!({
                        "name": format!("海报 {n}"),
                        "audience": {"type": "customers", "external_userids": [customer]},
                        "content": {"text": format!("第 {n} 期海报"), "attachments": [
                            {"msgtype": "image", "media": hash},
                            {"msgtype": "link", "title": "预约", "url": "https://yanmei.example/book", "pic_media": hash},
                        ]},
                    })),
                )
                .await;
            assert_eq!(status, 201, "{created}");
            let id = created["id"].as_str().unwrap().to_owned();
            h.campaign_in(&id, "tracking").await;
        }
    };
    send(1).await;
    send(2).await;
    assert_eq!(
        h.calls("media/upload").await,
        1,
        "the media_id is reused while it lives"
    );
    // WeCom forgets it (3 days pass, here at once): 40007, then one new upload.
    h.control("media/expire", json!({})).await;
    send(3).await;
    assert_eq!(h.calls("media/upload").await, 2);
    assert_eq!(
        h.calls("media/uploadimg").await,
        1,
        "an uploadimg URL is permanent: the link cover is uploaded once"
    );
    let tasks = h.group_msgs().await;
    assert_eq!(tasks.len(), 3);
    for task in &tasks {
        assert_eq!(task["attachments"][0]["msgtype"], "image", "{task}");
        let cover = task["attachments"][1]["link"]["picurl"].as_str().unwrap();
        assert!(cover.starts_with("https://"), "{task}");
        assert_eq!(cover, tasks[0]["attachments"][1]["link"]["picurl"]);
    }
    h.shutdown().await;
}

async fn a_direct_message_gives_each_customer_their_own_task(backend: Backend) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    let a = h.consenting_customer("zhangsan", "xiaohongshu").await;
    let b = h.consenting_customer("zhangsan", "xiaohongshu").await;
    let (status, answer) = h
        .api(
            Method::POST,
            "/api/messages",
            Some(json!({"external_userids": [a, "wm-nobody"], "content": {"text": "您好"}})),
        )
        .await;
    assert_eq!(
        (status, answer["error"]["field"].clone()),
        (400, json!("external_userids"))
    );
    let (status, sent) = h
        .api(
            Method::POST,
            "/api/messages",
            Some(json!({"external_userids": [a, b, a], "content": {"text": "{name}，您预约的项目已安排好。"}})),
        )
        .await;
    assert_eq!(status, 202, "{sent}");
    assert_eq!(sent["kind"], "direct");
    let tasks = eventually_within("two tasks", Duration::from_secs(120), || async {
        let tasks = h.group_msgs().await;
        (tasks.len() == 2).then_some(tasks)
    })
    .await;
    for id in [&a, &b] {
        let (_, detail) = h
            .api(Method::GET, &format!("/api/customers/{id}"), None)
            .await;
        let name = detail["name"].as_str().unwrap();
        let task = tasks
            .iter()
            .find(|t| t["recipients"][0]["external_userid"] == json!(id))
            .unwrap();
        assert_eq!(task["recipients"].as_array().unwrap().len(), 1);
        assert_eq!(task["text"], format!("{name}，您预约的项目已安排好。"));
        let (_, log) = h
            .api(
                Method::GET,
                &format!("/api/messages?external_userid={id}"),
                None,
            )
            .await;
        assert_eq!(log["items"][0]["status"], "awaiting_staff", "{log}");
    }

    // 提醒成员发送: both tasks are reminded now, three times a day at most (WeCom's limit).
    let campaign = sent["id"].as_str().unwrap();
    let path = format!("/api/campaigns/{campaign}/remind");
    for _ in 0..3 {
        let (status, reminded) = h.api(Method::POST, &path, None).await;
        assert_eq!(status, 200, "{reminded}");
        assert_eq!(reminded, json!({"reminded": 2, "at_limit": 0}));
    }
    let (status, reminded) = h.api(Method::POST, &path, None).await;
    assert_eq!(status, 200, "{reminded}");
    assert_eq!(reminded, json!({"reminded": 0, "at_limit": 2}));
    let (status, missing) = h
        .api(Method::POST, "/api/campaigns/no-such-campaign/remind", None)
        .await;
    assert_eq!(status, 404, "{missing}");
    h.shutdown().await;
}

async fn a_tag_audience_takes_any_tag_of_a_group_and_every_group(backend: Backend) {
    use wecom_sim::demo::{TAG_PROJECT_PHOTO, TAG_PROJECT_THERMAGE, TAG_TIER_A, TAG_TIER_B};
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    // (tier A or B) and (光子嫩肤 or 热玛吉): a, b match; c has no project; d is tier C only.
    let tagged = [
        vec![TAG_TIER_A, TAG_PROJECT_PHOTO],
        vec![TAG_TIER_B, TAG_PROJECT_THERMAGE],
        vec![TAG_TIER_A],
        vec![TAG_PROJECT_PHOTO],
    ];
    let mut ids = Vec::new();
    for tags in &tagged {
        let id = h.consenting_customer("zhangsan", "douyin").await;
        let (status, body) = h
            .api(
                Method::POST,
                &format!("/api/customers/{id}/tags"),
                Some(json!({"userid": "zhangsan", "add_tag": tags})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        ids.push(id);
    }
    let (status, preview) = h
        .api(
            Method::POST,
            "/api/campaigns/preview",
            Some(json!({
                "name": "项目关怀",
                "audience": {"type": "tags", "groups": [[TAG_TIER_A, TAG_TIER_B], [TAG_PROJECT_PHOTO, TAG_PROJECT_THERMAGE]]},
                "content": {"text": "您好"},
            })),
        )
        .await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["targeted"], 2, "{preview}");
    assert_eq!(preview["would_send"], 2);
    let mut sample: Vec<String> = preview["sample"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["external_userid"].as_str().unwrap().to_owned())
        .collect();
    sample.sort();
    let mut expected = vec![ids[0].clone(), ids[1].clone()];
    expected.sort();
    assert_eq!(sample, expected);
    h.shutdown().await;
}
