//! Local mode keeps its promises across a restart: an event answered with 200 is on disk, and
//! its queued job runs when the process comes back.
#![allow(clippy::unwrap_used)]

use crm::model::CallbackStatus;
use serde_json::json;
use tests::{Backend, Harness, Setup};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_accepted_event_survives_a_restart_and_is_processed_after_it() {
    let h = Harness::start_with(
        Backend::Embedded,
        Setup {
            workers: 0,
            ..Setup::default()
        },
    )
    .await;
    let sent = h
        .control(
            "app-message",
            json!({"from_userid": "wangwu", "content": "明天休息"}),
        )
        .await;
    assert_eq!(sent["deliveries"][0]["status"], 200);
    let id = sent["id"]
        .as_str()
        .map_or_else(|| sent["id"].to_string(), str::to_owned);
    let key = format!("msg:{id}");
    let entry = h.log.get(&key).await.unwrap().unwrap();
    assert_eq!(
        entry.status,
        CallbackStatus::Received,
        "nobody processed it yet"
    );
    assert_eq!(h.embedded_queue.as_ref().unwrap().len().await.unwrap(), 1);

    let h = h.restart(Setup::default()).await;
    let entry = h.processed(&key).await;
    assert_eq!(entry.status, CallbackStatus::Ignored);
    assert!(entry.raw_xml.contains("明天休息"));
    h.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn customers_recorded_before_a_restart_are_still_there_after_it() {
    let h = Harness::start(Backend::Embedded).await;
    let scan = h.scan("lisi", "pengyouquan").await;
    h.processed(&tests::scan_key(&scan)).await;
    let ext = scan["external_userid"].as_str().unwrap().to_owned();
    let before = h.customers.get(&ext).await.unwrap().unwrap();

    let h = h.restart(Setup::default()).await;
    let after = h.customers.get(&ext).await.unwrap().unwrap();
    assert_eq!(after, before);
    let rel = h
        .customers
        .get_relationship(&ext, "lisi")
        .await
        .unwrap()
        .unwrap();
    assert!(rel.tags.iter().any(|t| t.tag_name == "来源:朋友圈"));
    h.shutdown().await;
}
