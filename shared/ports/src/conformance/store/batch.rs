//! Batch writes: many items at once, their index keys, a key repeated in one batch.

use serde_json::json;

use super::helpers::{doc, item, must_get, must_put, query_all, query_index_all};
use crate::conformance::unique_prefix;
use crate::store::{Condition, IndexName, Item, ItemStore, Query};

pub async fn batch_put_writes_60_items(store: &dyn ItemStore) {
    let p = unique_prefix("batch_put");
    store.batch_put(Vec::new()).await.expect("empty batch");
    let mut old = item(&p, "b#05", json!({"old": true}));
    old.version = 9;
    must_put(store, old, Condition::Always).await;

    let g = format!("{p}/g3");
    let items: Vec<Item> = (0..60)
        .map(|i| {
            let mut it = item(&p, &format!("b#{i:02}"), json!({"i": i, "名": "批量"}));
            it.version = 1;
            if i % 3 == 0 {
                it.gsi3 = Some((g.clone(), format!("{i:02}")));
            }
            it
        })
        .collect();
    store
        .batch_put(items.clone())
        .await
        .expect("batch_put of 60 items");
    for it in &items {
        assert_eq!(
            must_get(store, &p, &it.sk).await.as_ref(),
            Some(it),
            "{}",
            it.sk
        );
    }
    let got = query_all(store, Query::partition(IndexName::Primary, &p).limit(1000)).await;
    assert_eq!(got, items);
    let indexed = query_index_all(store, Query::partition(IndexName::Gsi3, &g), 20).await;
    assert_eq!(indexed.len(), 20, "batch-written items show in their index");

    // The same key twice in one batch: the later one wins.
    let twice = vec![
        item(&p, "twice", json!({"n": 1})),
        item(&p, "twice", json!({"n": 2})),
    ];
    store
        .batch_put(twice)
        .await
        .expect("batch with a repeated key");
    let stored = must_get(store, &p, "twice").await.expect("item present");
    assert_eq!(stored.data, doc(json!({"n": 2})));
}
