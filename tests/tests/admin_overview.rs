//! 概览: the dashboard's numbers come from the API in one answer, over the window only.
#![allow(clippy::unwrap_used)]

use reqwest::Method;
use serde_json::json;
use tests::{Backend, Harness};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_overview_counts_new_customers_by_day_and_channel_and_their_bookings_and_revenue() {
    let h = Harness::start(Backend::Embedded).await;
    let (status, empty) = h.api(Method::GET, "/api/overview?days=7", None).await;
    assert_eq!(status, 200, "{empty}");
    assert_eq!(empty["new_customers"], 0);
    assert_eq!(empty["dead_letters"], 0);
    assert_eq!(empty["days"], 7);

    let (xhs_a, _) = h
        .customer_with("zhangsan", "xiaohongshu", json!({"tier": "A"}))
        .await;
    let (_xhs_b, _) = h
        .customer_with("lisi", "xiaohongshu", json!({"tier": "B"}))
        .await;
    let (dy, _) = h
        .customer_with("zhangsan", "douyin", json!({"tier": "C"}))
        .await;
    let now = chrono::Utc::now().timestamp_millis();
    for (id, fen) in [(&xhs_a, 128_000), (&xhs_a, 2_000), (&dy, 50_000)] {
        let (status, body) = h
            .api(
                Method::POST,
                "/api/purchases",
                Some(json!({"external_userid": id, "amount_fen": fen, "item": "光子嫩肤", "purchased_at_ms": now})),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let (status, body) = h
        .api(
            Method::POST,
            "/api/appointments",
            Some(json!({"external_userid": xhs_a, "scheduled_at_ms": now + 86_400_000, "item": "热玛吉"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let (status, o) = h.api(Method::GET, "/api/overview", None).await;
    assert_eq!(status, 200, "{o}");
    assert_eq!(o["days"], 30);
    assert_eq!(o["new_customers"], 3, "{o}");
    assert_eq!(o["still_connected"], 3);
    assert_eq!(o["purchases"], 3);
    assert_eq!(o["revenue_fen"], 180_000);
    assert_eq!(o["appointments"], 1);
    let channel = |state: &str| {
        o["channels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["state"] == state)
            .cloned()
            .unwrap()
    };
    assert_eq!(channel("xiaohongshu")["new_customers"], 2);
    assert_eq!(channel("xiaohongshu")["revenue_fen"], 130_000);
    assert_eq!(channel("xiaohongshu")["appointments"], 1);
    assert_eq!(channel("douyin")["revenue_fen"], 50_000);
    let per_day: u64 = o["new_customers_per_day"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["state"] == "xiaohongshu")
        .map(|d| d["count"].as_u64().unwrap())
        .sum();
    assert_eq!(per_day, 2);

    // A consultant deletes a customer: still connected drops.
    h.control(
        "delete",
        json!({"userid": "zhangsan", "external_userid": dy, "by": "staff"}),
    )
    .await;
    let o = tests::eventually("the relationship to end", || async {
        let (_, o) = h.api(Method::GET, "/api/overview", None).await;
        (o["still_connected"] == 2).then_some(o)
    })
    .await;
    assert_eq!(o["new_customers"], 3);

    for bad in ["0", "91", "abc"] {
        let (status, error) = h
            .api(Method::GET, &format!("/api/overview?days={bad}"), None)
            .await;
        assert_eq!(status, 400, "{bad}: {error}");
        assert_eq!(error["error"]["field"], "days");
    }
    h.shutdown().await;
}
