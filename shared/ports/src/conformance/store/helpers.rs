//! What the item-store behaviours share: test items and documents, expiry instants, assertions
//! on errors, and reads that panic on failure (paged and index queries included).

use std::time::Duration;

use serde_json::{Map, Value};

use crate::conformance::is_url_safe;
use crate::store::{Condition, Item, ItemStore, Query, StoreError};

/// An expiry long past (2001-09-09), whatever clock the adapter runs on.
pub(super) const LONG_AGO: i64 = 1_000_000_000;
/// An expiry far ahead (2100-01-01).
pub(super) const FAR_AHEAD: i64 = 4_102_444_800;

pub(super) fn doc(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("test document must be an object, got {other}"),
    }
}

pub(super) fn item(pk: &str, sk: &str, data: Value) -> Item {
    let mut item = Item::new(pk, sk);
    item.data = doc(data);
    item
}

pub(super) fn assert_condition_failed<T: std::fmt::Debug>(
    result: Result<T, StoreError>,
    what: &str,
) {
    match result {
        Err(StoreError::ConditionFailed) => {}
        other => panic!("{what}: expected ConditionFailed, got {other:?}"),
    }
}

pub(super) fn assert_invalid<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("{what}: expected Invalid, got {other:?}"),
    }
}

pub(super) fn assert_bad_cursor<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::BadCursor) => {}
        other => panic!("{what}: expected BadCursor, got {other:?}"),
    }
}

pub(super) async fn must_get(store: &dyn ItemStore, pk: &str, sk: &str) -> Option<Item> {
    store
        .get(pk, sk)
        .await
        .unwrap_or_else(|e| panic!("get {pk}/{sk} failed: {e}"))
}

pub(super) async fn must_put(store: &dyn ItemStore, item: Item, condition: Condition) {
    let key = format!("{}/{}", item.pk, item.sk);
    store
        .put(item, condition)
        .await
        .unwrap_or_else(|e| panic!("put {key} with {condition:?} failed: {e}"));
}

/// Reads every page of `query`, checking page sizes and cursors on the way.
pub async fn query_all(store: &dyn ItemStore, query: Query) -> Vec<Item> {
    let limit = query.limit;
    let mut items = Vec::new();
    let mut cursor = query.cursor.clone();
    for _ in 0..10_000 {
        let page = store
            .query(query.clone().after(cursor.clone()))
            .await
            .unwrap_or_else(|e| panic!("query {query:?} failed: {e}"));
        assert!(
            page.items.len() <= limit,
            "a page held {} items, above the limit {limit}",
            page.items.len()
        );
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => {
                assert!(is_url_safe(&next), "cursor {next:?} is not URL-safe");
                assert!(!next.is_empty(), "cursor is empty");
                cursor = Some(next);
            }
            None => return items,
        }
    }
    panic!("query {query:?} did not finish within 10 000 pages");
}

/// Like [`query_all`], retried for a few seconds until `expected` items show (indexes are
/// eventually consistent).
pub(super) async fn query_index_all(
    store: &dyn ItemStore,
    query: Query,
    expected: usize,
) -> Vec<Item> {
    let mut items = Vec::new();
    for _ in 0..100 {
        items = query_all(store, query.clone()).await;
        if items.len() == expected {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    items
}

pub(super) fn sks(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.sk.as_str()).collect()
}
