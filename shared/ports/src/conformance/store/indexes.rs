//! Queries of the global secondary indexes `gsi1`..`gsi3`: which items each lists, in which
//! order, and paging through equal index sort keys.

use serde_json::json;

use super::helpers::{item, must_put, query_all, query_index_all};
use crate::conformance::unique_prefix;
use crate::store::{Condition, IndexName, ItemStore, Query, SkCondition};

pub async fn query_each_gsi_lists_only_items_carrying_its_key(store: &dyn ItemStore) {
    let p = unique_prefix("query_gsi");
    let (g1, g2, g3) = (format!("{p}/g1"), format!("{p}/g2"), format!("{p}/g3"));

    let mut a = item(&format!("{p}/a"), "profile", json!({"name": "a"}));
    a.gsi1 = Some((g1.clone(), "2024-01".into()));
    a.gsi2 = Some((g2.clone(), "x".into()));
    let mut b = item(&format!("{p}/b"), "profile", json!({"name": "b"}));
    b.gsi1 = Some((g1.clone(), "2024-02".into()));
    b.gsi3 = Some((g3.clone(), "s".into()));
    let c = item(&format!("{p}/c"), "profile", json!({"name": "c"}));
    let mut d = item(&format!("{p}/d"), "profile", json!({"name": "d"}));
    d.gsi1 = Some((format!("{g1}-other"), "2024-01".into()));
    d.gsi2 = Some((g2.clone(), "y".into()));
    let mut e = item(&format!("{p}/e"), "other", json!({"name": "e"}));
    e.gsi1 = Some((g1.clone(), "2023-12".into()));
    for it in [&d, &c, &b, &a, &e] {
        must_put(store, it.clone(), Condition::Always).await;
    }

    let got = query_index_all(store, Query::partition(IndexName::Gsi1, &g1), 3).await;
    assert_eq!(got, vec![e.clone(), a.clone(), b.clone()], "gsi1 forward");
    let got = query_index_all(
        store,
        Query::partition(IndexName::Gsi1, &g1)
            .newest_first()
            .limit(1),
        3,
    )
    .await;
    assert_eq!(
        got,
        vec![b.clone(), a.clone(), e.clone()],
        "gsi1 backward, paged"
    );
    let got = query_index_all(
        store,
        Query::partition(IndexName::Gsi1, &g1).sk(SkCondition::BeginsWith("2024".into())),
        2,
    )
    .await;
    assert_eq!(got, vec![a.clone(), b.clone()], "gsi1 begins_with");
    let got = query_index_all(
        store,
        Query::partition(IndexName::Gsi1, &g1).sk(SkCondition::Gte("2024-02".into())),
        1,
    )
    .await;
    assert_eq!(got, vec![b.clone()], "gsi1 gte");
    let got = query_index_all(
        store,
        Query::partition(IndexName::Gsi1, &g1).sk(SkCondition::Lte("2024-01".into())),
        2,
    )
    .await;
    assert_eq!(got, vec![e.clone(), a.clone()], "gsi1 lte");
    let got = query_index_all(
        store,
        Query::partition(IndexName::Gsi1, &g1)
            .sk(SkCondition::Between("2024-01".into(), "2024-01".into())),
        1,
    )
    .await;
    assert_eq!(got, vec![a.clone()], "gsi1 between");

    let got = query_index_all(store, Query::partition(IndexName::Gsi2, &g2), 2).await;
    assert_eq!(got, vec![a.clone(), d.clone()], "gsi2");
    let got = query_index_all(store, Query::partition(IndexName::Gsi3, &g3), 1).await;
    assert_eq!(got, vec![b.clone()], "gsi3");

    // Index partitions are separate from primary partitions and from each other.
    let got = query_all(store, Query::partition(IndexName::Gsi1, &g2)).await;
    assert!(got.is_empty(), "gsi1 query by a gsi2 key found {got:?}");
    let got = query_all(store, Query::partition(IndexName::Gsi1, format!("{p}/a"))).await;
    assert!(got.is_empty(), "gsi1 query by a primary key found {got:?}");
    let got = query_all(store, Query::partition(IndexName::Primary, &g1)).await;
    assert!(got.is_empty(), "primary query by a gsi1 key found {got:?}");
}

pub async fn query_gsi_pages_through_equal_sort_keys(store: &dyn ItemStore) {
    let p = unique_prefix("query_gsi_ties");
    let g = format!("{p}/g2");
    let mut items = Vec::new();
    for i in 0..30 {
        let mut it = item(&format!("{p}/c{i:02}"), "rel", json!({"i": i}));
        it.gsi2 = Some((g.clone(), "same".into()));
        items.push(it);
    }
    for i in 30..40 {
        let mut it = item(&format!("{p}/c{i:02}"), "rel", json!({"i": i}));
        it.gsi2 = Some((g.clone(), "zz".into()));
        items.push(it);
    }
    store.batch_put(items.clone()).await.expect("batch_put");

    for (forward, limit) in [(true, 4), (false, 7)] {
        let mut query = Query::partition(IndexName::Gsi2, &g).limit(limit);
        query.forward = forward;
        let got = query_index_all(store, query, 40).await;
        assert_eq!(got.len(), 40, "forward={forward}: every item exactly once");
        let mut keys: Vec<&str> = got.iter().map(|i| i.pk.as_str()).collect();
        let order: Vec<&str> = got
            .iter()
            .map(|i| i.gsi2.as_ref().map_or("", |(_, s)| s.as_str()))
            .collect();
        let mut sorted_order = order.clone();
        sorted_order.sort_unstable();
        if !forward {
            sorted_order.reverse();
        }
        assert_eq!(
            order, sorted_order,
            "forward={forward}: index sort-key order"
        );
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 40, "forward={forward}: duplicates across pages");
    }
}
