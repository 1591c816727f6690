//! A purchase is recorded once per order, even when the client (the mini-program) retries,
//! and the customer's total always matches the stored purchases.
#![allow(clippy::unwrap_used)]

use reqwest::Method;
use serde_json::json;
use tests::{Backend, Harness, on_both_backends, scan_key};

on_both_backends!(a_retried_order_is_recorded_once_and_totals_match_the_purchases);

async fn a_retried_order_is_recorded_once_and_totals_match_the_purchases(backend: Backend) {
    let h = Harness::start(backend).await;
    let scan = h.scan("zhangsan", "xiaohongshu").await;
    h.processed(&scan_key(&scan)).await;
    let ext = scan["external_userid"].as_str().unwrap();
    let order = json!({
        "external_userid": ext, "amount_fen": 160_000, "item": "水光针",
        "purchased_at_ms": 1_795_800_000_000_i64, "order_id": "MP-20261128-0001"
    });

    let (status, first) = h
        .api(Method::POST, "/api/purchases", Some(order.clone()))
        .await;
    assert_eq!(status, 201, "{first}");
    // The mini-program did not see the answer and sends the same order again, twice at once.
    // Concurrently only on the embedded store: moto's TransactWriteItems restores a snapshot of
    // every table when a condition fails, so two at once can resurrect each other's writes
    // (DynamoDB's transactions are serializable; the product relies on that, not on moto).
    let retries = match backend {
        Backend::Embedded => {
            let (a, b) = tokio::join!(
                h.api(Method::POST, "/api/purchases", Some(order.clone())),
                h.api(Method::POST, "/api/purchases", Some(order.clone()))
            );
            [a, b]
        }
        Backend::Moto => [
            h.api(Method::POST, "/api/purchases", Some(order.clone()))
                .await,
            h.api(Method::POST, "/api/purchases", Some(order.clone()))
                .await,
        ],
    };
    for (status, again) in retries {
        assert_eq!(status, 200, "{again}");
        assert_eq!(again["id"], first["id"]);
    }
    // The same order number for a different purchase is refused.
    let mut other = order.clone();
    other["amount_fen"] = json!(1);
    let (status, error) = h.api(Method::POST, "/api/purchases", Some(other)).await;
    assert_eq!(status, 409, "{error}");
    // A purchase without an order number, and a bad order number.
    let (status, _) = h
        .api(
            Method::POST,
            "/api/purchases",
            Some(json!({"external_userid": ext, "amount_fen": 40_000, "item": "光子嫩肤", "purchased_at_ms": 1_795_700_000_000_i64})),
        )
        .await;
    assert_eq!(status, 201);
    let mut bad = order.clone();
    bad["order_id"] = json!("订单 1");
    let (status, error) = h.api(Method::POST, "/api/purchases", Some(bad)).await;
    assert_eq!(
        (status, error["error"]["field"].as_str()),
        (400, Some("order_id"))
    );

    let (_, list) = h
        .api(
            Method::GET,
            &format!("/api/customers/{ext}/purchases"),
            None,
        )
        .await;
    let purchases = list["items"]
        .as_array()
        .or_else(|| list["purchases"].as_array())
        .unwrap();
    assert_eq!(purchases.len(), 2, "{list}");
    let customer = h.customers.get(ext).await.unwrap().unwrap();
    assert_eq!(customer.total_spent_fen, 200_000);
    assert_eq!(customer.last_purchase_at_ms, Some(1_795_800_000_000));
    h.shutdown().await;
}
