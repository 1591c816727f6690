//! Requests the store must refuse as invalid: empty or oversized keys and items, bad query
//! limits; foreign or garbled cursors are a `BadCursor`.

use serde_json::json;

use super::helpers::{assert_bad_cursor, assert_invalid, item, must_get, must_put};
use crate::conformance::unique_prefix;
use crate::store::{Condition, IndexName, ItemStore, Query};

pub async fn invalid_requests_are_rejected(store: &dyn ItemStore) {
    let p = unique_prefix("invalid");
    assert_invalid(
        store
            .put(item("", "sk", json!({})), Condition::Always)
            .await,
        "empty pk",
    );
    assert_invalid(
        store.put(item(&p, "", json!({})), Condition::Always).await,
        "empty sk",
    );
    let mut empty_index_key = item(&p, "k", json!({}));
    empty_index_key.gsi1 = Some((String::new(), "x".into()));
    assert_invalid(
        store.put(empty_index_key, Condition::Always).await,
        "empty gsi1 pk",
    );
    let mut empty_index_sk = item(&p, "k", json!({}));
    empty_index_sk.gsi2 = Some((format!("{p}/g"), String::new()));
    assert_invalid(
        store.put(empty_index_sk, Condition::Always).await,
        "empty gsi2 sk",
    );
    assert_invalid(store.get("", "sk").await, "get with an empty pk");
    let oversized = item(&p, "big", json!({"blob": "x".repeat(500_000)}));
    assert_invalid(
        store.put(oversized, Condition::Always).await,
        "item above 400 KB",
    );
    assert_eq!(must_get(store, &p, "big").await, None);
    assert_invalid(
        store
            .batch_put(vec![item(&p, "ok", json!({})), item("", "bad", json!({}))])
            .await,
        "batch with an empty pk",
    );

    assert_invalid(
        store
            .query(Query::partition(IndexName::Primary, &p).limit(0))
            .await,
        "limit 0",
    );
    assert_invalid(
        store
            .query(Query::partition(IndexName::Primary, &p).limit(1001))
            .await,
        "limit 1001",
    );
    assert_bad_cursor(
        store
            .query(Query::partition(IndexName::Primary, &p).after(Some("not a cursor!".into())))
            .await,
        "garbage cursor",
    );
    assert_bad_cursor(
        store
            .query(Query::partition(IndexName::Primary, &p).after(Some("00ff".into())))
            .await,
        "hex garbage cursor",
    );

    // A cursor only continues the query that produced it.
    for i in 0..3 {
        must_put(
            store,
            item(&p, &format!("c{i}"), json!({})),
            Condition::Always,
        )
        .await;
    }
    let page = store
        .query(Query::partition(IndexName::Primary, &p).limit(1))
        .await
        .expect("first page");
    let cursor = page.next_cursor.expect("more pages follow");
    assert_bad_cursor(
        store
            .query(
                Query::partition(IndexName::Primary, format!("{p}/other"))
                    .after(Some(cursor.clone())),
            )
            .await,
        "cursor of another partition",
    );
    assert_bad_cursor(
        store
            .query(Query::partition(IndexName::Gsi1, &p).after(Some(cursor)))
            .await,
        "cursor of another index",
    );
}
