//! Queries of the table's partitions: every sort-key condition both ways, and paging in order.

use serde_json::json;

use super::helpers::{item, must_put, query_all, sks};
use crate::conformance::unique_prefix;
use crate::store::{Condition, IndexName, Item, ItemStore, Query, SkCondition};

pub async fn query_primary_with_each_sort_key_condition(store: &dyn ItemStore) {
    let p = unique_prefix("query_sk");
    let all = ["a", "b", "b#1", "b#2", "ba", "c", "d", "客户#1", "客户#2"];
    // Written out of order, and with a neighbour partition that must not leak in.
    for sk in all.iter().rev() {
        must_put(store, item(&p, sk, json!({"sk": sk})), Condition::Always).await;
    }
    must_put(
        store,
        item(&format!("{p}x"), "b", json!({})),
        Condition::Always,
    )
    .await;

    let cases: Vec<(SkCondition, Vec<&str>)> = vec![
        (SkCondition::Any, all.to_vec()),
        (
            SkCondition::BeginsWith("b".into()),
            vec!["b", "b#1", "b#2", "ba"],
        ),
        (SkCondition::BeginsWith("b#".into()), vec!["b#1", "b#2"]),
        (
            SkCondition::BeginsWith("客户".into()),
            vec!["客户#1", "客户#2"],
        ),
        (SkCondition::BeginsWith("z".into()), vec![]),
        (
            SkCondition::Between("b".into(), "c".into()),
            vec!["b", "b#1", "b#2", "ba", "c"],
        ),
        (
            SkCondition::Between("b#2".into(), "b#2".into()),
            vec!["b#2"],
        ),
        (
            SkCondition::Gte("ba".into()),
            vec!["ba", "c", "d", "客户#1", "客户#2"],
        ),
        (SkCondition::Lte("b#1".into()), vec!["a", "b", "b#1"]),
        (SkCondition::Lte("0".into()), vec![]),
    ];
    for (condition, expected) in cases {
        for limit in [100, 2] {
            let forward = query_all(
                store,
                Query::partition(IndexName::Primary, &p)
                    .sk(condition.clone())
                    .limit(limit),
            )
            .await;
            assert_eq!(
                sks(&forward),
                expected,
                "{condition:?} forward, limit {limit}"
            );
            let backward = query_all(
                store,
                Query::partition(IndexName::Primary, &p)
                    .sk(condition.clone())
                    .newest_first()
                    .limit(limit),
            )
            .await;
            let mut reversed = expected.clone();
            reversed.reverse();
            assert_eq!(
                sks(&backward),
                reversed,
                "{condition:?} backward, limit {limit}"
            );
        }
    }
    let one = query_all(
        store,
        Query::partition(IndexName::Primary, &p).sk(SkCondition::BeginsWith("d".into())),
    )
    .await;
    assert_eq!(
        one,
        vec![item(&p, "d", json!({"sk": "d"}))],
        "query returns whole items"
    );
}

pub async fn query_pages_through_250_items_in_order(store: &dyn ItemStore) {
    let p = unique_prefix("query_pages");
    let items: Vec<Item> = (0..250)
        .map(|i| item(&p, &format!("item#{i:04}"), json!({"i": i})))
        .collect();
    // Written in a scrambled order.
    let mut scrambled = items.clone();
    scrambled.sort_by_key(|it| {
        (it.sk.len() * 7919 + it.sk.bytes().map(usize::from).sum::<usize>()) % 251
    });
    store
        .batch_put(scrambled)
        .await
        .expect("batch_put of 250 items");

    let forward = query_all(store, Query::partition(IndexName::Primary, &p).limit(7)).await;
    assert_eq!(forward.len(), 250, "every item exactly once, forward");
    assert_eq!(forward, items, "forward order");

    let backward = query_all(
        store,
        Query::partition(IndexName::Primary, &p)
            .newest_first()
            .limit(13),
    )
    .await;
    let mut reversed = items.clone();
    reversed.reverse();
    assert_eq!(backward, reversed, "backward order");

    let one_page = query_all(store, Query::partition(IndexName::Primary, &p).limit(1000)).await;
    assert_eq!(one_page, items, "one large page");

    let hundreds = query_all(
        store,
        Query::partition(IndexName::Primary, &p)
            .sk(SkCondition::BeginsWith("item#01".into()))
            .limit(9),
    )
    .await;
    assert_eq!(hundreds, items[100..200].to_vec(), "paged begins_with");

    let between_back = query_all(
        store,
        Query::partition(IndexName::Primary, &p)
            .sk(SkCondition::Between("item#0010".into(), "item#0049".into()))
            .newest_first()
            .limit(6),
    )
    .await;
    let mut expected: Vec<Item> = items[10..50].to_vec();
    expected.reverse();
    assert_eq!(between_back, expected, "paged between, backward");
}
