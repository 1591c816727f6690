//! Conditional writes: put if absent, if present, if at a version; concurrent writers; conditional
//! deletes.

use serde_json::json;

use super::helpers::{assert_condition_failed, doc, item, must_get, must_put};
use crate::conformance::{join_all, unique_prefix};
use crate::store::{Condition, ItemStore, StoreError};

pub async fn put_if_absent_rejects_the_second_writer(store: &dyn ItemStore) {
    let p = unique_prefix("put_if_absent");
    must_put(store, item(&p, "k", json!({"w": 1})), Condition::NotExists).await;
    assert_condition_failed(
        store
            .put(item(&p, "k", json!({"w": 2})), Condition::NotExists)
            .await,
        "second put-if-absent",
    );
    let stored = must_get(store, &p, "k").await.expect("first write stays");
    assert_eq!(
        stored.data,
        doc(json!({"w": 1})),
        "the loser's write landed"
    );
}

pub async fn put_if_exists_requires_the_item(store: &dyn ItemStore) {
    let p = unique_prefix("put_if_exists");
    assert_condition_failed(
        store
            .put(item(&p, "k", json!({"w": 1})), Condition::Exists)
            .await,
        "put-if-exists of a missing item",
    );
    assert_eq!(
        must_get(store, &p, "k").await,
        None,
        "a rejected put landed"
    );
    must_put(store, item(&p, "k", json!({"w": 1})), Condition::Always).await;
    must_put(store, item(&p, "k", json!({"w": 2})), Condition::Exists).await;
    let stored = must_get(store, &p, "k").await.expect("item present");
    assert_eq!(stored.data, doc(json!({"w": 2})));
}

pub async fn put_if_version_matches_requires_that_version(store: &dyn ItemStore) {
    let p = unique_prefix("put_if_version");
    let mut v1 = item(&p, "k", json!({"v": 1}));
    v1.version = 1;
    assert_condition_failed(
        store.put(v1.clone(), Condition::VersionIs(0)).await,
        "version check of a missing item",
    );
    must_put(store, v1, Condition::NotExists).await;

    let mut v2 = item(&p, "k", json!({"v": 2}));
    v2.version = 2;
    must_put(store, v2.clone(), Condition::VersionIs(1)).await;

    let mut stale = item(&p, "k", json!({"v": 3}));
    stale.version = 3;
    assert_condition_failed(
        store.put(stale, Condition::VersionIs(1)).await,
        "put with a stale version",
    );
    assert_eq!(must_get(store, &p, "k").await, Some(v2));

    // Versions use the whole u64 range.
    let mut high = item(&p, "high", json!({}));
    high.version = u64::MAX;
    must_put(store, high.clone(), Condition::Always).await;
    let mut next = high.clone();
    next.version = 5;
    must_put(store, next, Condition::VersionIs(u64::MAX)).await;
}

pub async fn concurrent_put_if_absent_has_exactly_one_winner(store: &dyn ItemStore) {
    let p = unique_prefix("concurrent_put_if_absent");
    let writers = (0..20).map(|w| {
        let attempt = item(&p, "contested", json!({"writer": w}));
        async move { (w, store.put(attempt, Condition::NotExists).await) }
    });
    let results = join_all(writers.collect()).await;
    let mut winners = Vec::new();
    for (w, result) in results {
        match result {
            Ok(()) => winners.push(w),
            Err(StoreError::ConditionFailed) => {}
            Err(e) => panic!("writer {w} failed with {e:?} instead of ConditionFailed"),
        }
    }
    assert_eq!(winners.len(), 1, "winners: {winners:?}");
    let stored = must_get(store, &p, "contested")
        .await
        .expect("item present");
    assert_eq!(stored.data, doc(json!({"writer": winners[0]})));
}

pub async fn delete_honours_its_condition(store: &dyn ItemStore) {
    let p = unique_prefix("delete");
    // Deleting what is not there is fine unless the caller asked for it to exist.
    store
        .delete(&p, "missing", Condition::Always)
        .await
        .expect("unconditional delete of a missing item");
    store
        .delete(&p, "missing", Condition::NotExists)
        .await
        .expect("delete-if-absent of a missing item");
    assert_condition_failed(
        store.delete(&p, "missing", Condition::Exists).await,
        "delete-if-exists of a missing item",
    );
    assert_condition_failed(
        store.delete(&p, "missing", Condition::VersionIs(0)).await,
        "versioned delete of a missing item",
    );

    let mut v4 = item(&p, "k", json!({}));
    v4.version = 4;
    must_put(store, v4.clone(), Condition::Always).await;
    assert_condition_failed(
        store.delete(&p, "k", Condition::VersionIs(3)).await,
        "delete with a stale version",
    );
    assert_condition_failed(
        store.delete(&p, "k", Condition::NotExists).await,
        "delete-if-absent of a present item",
    );
    assert_eq!(must_get(store, &p, "k").await, Some(v4));
    store
        .delete(&p, "k", Condition::VersionIs(4))
        .await
        .expect("delete with the current version");
    assert_eq!(must_get(store, &p, "k").await, None);

    must_put(store, item(&p, "e", json!({})), Condition::Always).await;
    store
        .delete(&p, "e", Condition::Exists)
        .await
        .expect("delete-if-exists of a present item");
    assert_eq!(must_get(store, &p, "e").await, None);
    must_put(store, item(&p, "a", json!({})), Condition::Always).await;
    store
        .delete(&p, "a", Condition::Always)
        .await
        .expect("unconditional delete");
    assert_eq!(must_get(store, &p, "a").await, None);
}
