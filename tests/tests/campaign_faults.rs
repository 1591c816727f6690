//! Sending under faults: WeCom busy (-1, 45033), rate-limited (45009), an expired token and a
//! timed-out add_msg_template (its outcome unknown), an SQS redelivery, a campaign run fired
//! twice and a poison message. Every recipient ends in a definite state, no task is created
//! twice, and the poison message waits in the dead letters, from where it can be replayed.
#![allow(clippy::unwrap_used)]

use crm::jobs::QueueJob;
use std::time::Duration;

use crm::campaign::{CampaignJob, SendJob};
use ports::OutgoingMessage;
use reqwest::Method;
use serde_json::{Value, json};
use tests::{Backend, Harness, eventually_within, on_both_backends};

on_both_backends!(faults_while_sending_never_lose_a_recipient_nor_send_twice);

async fn faults_while_sending_never_lose_a_recipient_nor_send_twice(backend: Backend) {
    let h = Harness::start(backend).await;
    h.without_quiet_hours().await;
    let mut customers = Vec::new();
    for (userid, state) in [
        ("zhangsan", "xiaohongshu"),
        ("zhangsan", "douyin"),
        ("zhangsan", "xiaohongshu"),
        ("lisi", "douyin"),
        ("lisi", "xiaohongshu"),
        ("lisi", "douyin"),
    ] {
        customers.push(h.consenting_customer(userid, state).await);
    }

    // WeCom has a bad day: busy beyond the client's in-process retries, rate-limited, the
    // token expired, and one add_msg_template answered only after the client gave up (5 s).
    h.control("tokens/expire", json!({})).await;
    h.control(
        "faults",
        json!([
            {"path": "externalcontact/add_msg_template", "errcode": -1, "times": 1},
            {"path": "externalcontact/add_msg_template", "errcode": 45033, "times": 4},
            {"path": "externalcontact/add_msg_template", "errcode": 45009, "times": 1},
            {"path": "externalcontact/add_msg_template", "delay_ms": 6000, "times": 1},
        ]),
    )
    .await;
    let (status, created) = h
        .api(
            Method::POST,
            "/api/campaigns",
            Some(json!({
                "name": "故障演练",
                "audience": {"type": "customers", "external_userids": customers},
                "content": {"text": "会员日活动，详情 https://yanmei.example/vip"},
            })),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    h.campaign_in(&id, "tracking").await;
    assert!(
        h.control_get("faults").await.as_array().unwrap().is_empty(),
        "every fault was hit"
    );
    let tasks = h.group_msgs().await;
    assert_eq!(
        tasks.len(),
        2,
        "one task per consultant, none twice: {tasks:#?}"
    );
    let (_, page) = h
        .api(
            Method::GET,
            &format!("/api/campaigns/{id}/recipients"),
            None,
        )
        .await;
    let statuses: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["status"])
        .collect();
    assert_eq!(statuses.len(), 6);
    assert!(statuses.iter().all(|s| *s == "awaiting_staff"), "{page}");

    // The schedule fires twice, and SQS delivers a chunk's message again: nothing new.
    h.app
        .campaigns
        .handle_job(
            &CampaignJob::Run {
                campaign_id: id.clone(),
            }
            .to_body(),
        )
        .await
        .unwrap();
    h.app
        .campaigns
        .send_queue
        .send_batch(vec![OutgoingMessage::now(
            SendJob::Chunk {
                campaign_id: id.clone(),
                chunk: "CHUNK#zhangsan#00000".into(),
            }
            .to_body(),
        )])
        .await
        .unwrap();
    // A poison message on the send queue.
    h.app
        .campaigns
        .send_queue
        .send_batch(vec![OutgoingMessage::now(
            "{\"kind\":\"chunk\",\"campaign_id\":42}",
        )])
        .await
        .unwrap();
    let dead = eventually_within(
        "the poison message is dead-lettered",
        Duration::from_secs(240),
        || async {
            let (status, list) = h.api(Method::GET, "/api/dead-letters", None).await;
            assert_eq!(status, 200, "{list}");
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|d| d["queue"] == "sends")
                .cloned()
        },
    )
    .await;
    assert_eq!(dead["body"], json!({"kind": "chunk", "campaign_id": 42}));
    assert_eq!(
        h.group_msgs().await.len(),
        2,
        "redelivery and a second run sent nothing"
    );

    let (status, replayed) = h
        .api(
            Method::POST,
            &format!("/api/dead-letters/{}/replay", dead["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status, 202, "{replayed}");
    let (_, list) = h.api(Method::GET, "/api/dead-letters", None).await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["id"] != dead["id"]),
        "replayed: back on its queue, {list}"
    );
    let (status, unknown) = h
        .api(Method::POST, "/api/dead-letters/sends:nope/replay", None)
        .await;
    assert_eq!(status, 404, "{unknown}");

    // The consultants send: every recipient ends sent, each exactly once.
    for userid in ["zhangsan", "lisi"] {
        h.control("groupmsg/confirm", json!({"userid": userid}))
            .await;
    }
    let c = h.campaign_in(&id, "done").await;
    assert_eq!(c["funnel"]["sent"], 6, "{c}");
    assert_eq!(c["funnel"]["task_created"], 6);
    assert_eq!(h.calls("externalcontact/cancel_groupmsg_send").await, 0);
    h.shutdown().await;
}
