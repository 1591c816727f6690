//! Item-store behaviours. Each function writes under its own [`unique_prefix`], so all of them
//! may share one backend.
//!
//! Global secondary indexes are eventually consistent in DynamoDB, so index queries here are
//! retried for a few seconds until the expected number of items shows; primary-key reads are
//! expected to read the caller's own writes at once.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::{is_url_safe, join_all, unique_prefix};
use crate::store::{
    Condition, IndexName, Item, ItemStore, MAX_TRANSACTION_OPS, Query, SkCondition, StoreError,
    WriteOp,
};

/// An expiry long past (2001-09-09), whatever clock the adapter runs on.
const LONG_AGO: i64 = 1_000_000_000;
/// An expiry far ahead (2100-01-01).
const FAR_AHEAD: i64 = 4_102_444_800;

fn doc(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("test document must be an object, got {other}"),
    }
}

fn item(pk: &str, sk: &str, data: Value) -> Item {
    let mut item = Item::new(pk, sk);
    item.data = doc(data);
    item
}

fn assert_condition_failed<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::ConditionFailed) => {}
        other => panic!("{what}: expected ConditionFailed, got {other:?}"),
    }
}

fn assert_invalid<T: std::fmt::Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::Invalid(_)) => {}
        other => panic!("{what}: expected Invalid, got {other:?}"),
    }
}

async fn must_get(store: &dyn ItemStore, pk: &str, sk: &str) -> Option<Item> {
    store
        .get(pk, sk)
        .await
        .unwrap_or_else(|e| panic!("get {pk}/{sk} failed: {e}"))
}

async fn must_put(store: &dyn ItemStore, item: Item, condition: Condition) {
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
async fn query_index_all(store: &dyn ItemStore, query: Query, expected: usize) -> Vec<Item> {
    let mut items = Vec::new();
    for _ in 0..50 {
        items = query_all(store, query.clone()).await;
        if items.len() == expected {
            return items;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    items
}

fn sks(items: &[Item]) -> Vec<&str> {
    items.iter().map(|i| i.sk.as_str()).collect()
}

pub async fn get_of_missing_returns_none(store: &dyn ItemStore) {
    let p = unique_prefix("get_of_missing");
    assert_eq!(must_get(store, &p, "nothing-here").await, None);
    must_put(store, item(&p, "present", json!({})), Condition::Always).await;
    assert_eq!(must_get(store, &p, "nothing-here").await, None);
    assert_eq!(
        must_get(store, &format!("{p}/other"), "present").await,
        None
    );
}

pub async fn put_then_get_round_trips_nested_json(store: &dyn ItemStore) {
    let p = unique_prefix("round_trip");
    let data = json!({
        "name": "王小明 🌸",
        "remark": "深圳妍美医疗美容门诊部「联系我」",
        "empty": "",
        "int": 42,
        "negative": -7,
        "zero": 0,
        "big": u64::MAX,
        "min": i64::MIN,
        "float": 3.25,
        "negative_float": -0.5,
        "yes": true,
        "no": false,
        "nothing": null,
        "list": [1, "二", false, null, {"k": "v"}, [1, 2], ""],
        "empty_list": [],
        "empty_map": {},
        "nested": {"deep": {"deeper": {"tags": ["小红书", "抖音"], "score": 0.75}}},
        "中文键": "值",
        "key with spaces.and#symbols": "x"
    });
    let mut written = item(&p, "客户#1", data);
    written.gsi1 = Some((format!("{p}/g1"), "2024-05-01".into()));
    written.gsi2 = Some((format!("{p}/g2"), "渠道".into()));
    written.gsi3 = Some((format!("{p}/g3"), "z".into()));
    written.expires_at = Some(FAR_AHEAD);
    written.version = 7;
    must_put(store, written.clone(), Condition::Always).await;
    let read = must_get(store, &p, "客户#1").await;
    assert_eq!(read.as_ref(), Some(&written), "item did not round-trip");

    // Typed documents round-trip through the same path.
    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Customer {
        name: String,
        tags: Vec<String>,
        birthday: Option<String>,
    }
    let customer = Customer {
        name: "李丽".into(),
        tags: vec!["A".into()],
        birthday: None,
    };
    let typed = Item::with_doc(&p, "typed", &customer).expect("serialisable document");
    must_put(store, typed, Condition::Always).await;
    let back = must_get(store, &p, "typed")
        .await
        .expect("typed item present")
        .doc::<Customer>()
        .expect("typed document reads back");
    assert_eq!(back, customer);
}

pub async fn put_replaces_the_whole_item_and_its_index_keys(store: &dyn ItemStore) {
    let p = unique_prefix("replace");
    let g1 = format!("{p}/g1");
    let mut first = item(&p, "x", json!({"a": 1, "b": 2}));
    first.gsi1 = Some((g1.clone(), "k".into()));
    first.expires_at = Some(FAR_AHEAD);
    first.version = 1;
    must_put(store, first.clone(), Condition::Always).await;
    let seen = query_index_all(store, Query::partition(IndexName::Gsi1, &g1), 1).await;
    assert_eq!(seen, vec![first]);

    let second = item(&p, "x", json!({"c": 3}));
    must_put(store, second.clone(), Condition::Always).await;
    assert_eq!(must_get(store, &p, "x").await, Some(second));
    let seen = query_index_all(store, Query::partition(IndexName::Gsi1, &g1), 0).await;
    assert!(
        seen.is_empty(),
        "an overwritten item without gsi1 keys still shows in gsi1: {seen:?}"
    );
}

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

pub async fn expired_items_are_absent_everywhere(store: &dyn ItemStore) {
    let p = unique_prefix("ttl");
    let g = format!("{p}/g1");
    let mut expired = item(&p, "expired", json!({"state": "old"}));
    expired.expires_at = Some(LONG_AGO);
    expired.gsi1 = Some((g.clone(), "a".into()));
    expired.version = 3;
    let mut live = item(&p, "live", json!({"state": "live"}));
    live.expires_at = Some(FAR_AHEAD);
    live.gsi1 = Some((g.clone(), "b".into()));
    must_put(store, expired.clone(), Condition::Always).await;
    must_put(store, live.clone(), Condition::Always).await;

    assert_eq!(
        must_get(store, &p, "expired").await,
        None,
        "get of an expired item"
    );
    assert_eq!(must_get(store, &p, "live").await, Some(live.clone()));
    let got = query_all(store, Query::partition(IndexName::Primary, &p).limit(1)).await;
    assert_eq!(got, vec![live.clone()], "primary query");
    let got = query_index_all(store, Query::partition(IndexName::Gsi1, &g), 1).await;
    assert_eq!(got, vec![live.clone()], "gsi1 query");

    assert_condition_failed(
        store.put(expired.clone(), Condition::Exists).await,
        "put-if-exists over an expired item",
    );
    assert_condition_failed(
        store.put(expired.clone(), Condition::VersionIs(3)).await,
        "versioned put over an expired item",
    );
    assert_condition_failed(
        store.delete(&p, "expired", Condition::Exists).await,
        "delete-if-exists of an expired item",
    );
    assert_condition_failed(
        store
            .transact(vec![WriteOp::Check {
                pk: p.clone(),
                sk: "expired".into(),
                condition: Condition::Exists,
            }])
            .await,
        "transaction check-exists of an expired item",
    );
    store
        .delete(&p, "expired", Condition::NotExists)
        .await
        .expect("delete-if-absent of an expired item");

    let fresh = item(&p, "expired", json!({"state": "new"}));
    must_put(store, fresh.clone(), Condition::NotExists).await;
    assert_eq!(must_get(store, &p, "expired").await, Some(fresh));

    // An item can be written already expired, and then it is simply absent.
    let mut born_dead = item(&p, "born-dead", json!({}));
    born_dead.expires_at = Some(LONG_AGO);
    must_put(store, born_dead, Condition::NotExists).await;
    assert_eq!(must_get(store, &p, "born-dead").await, None);
}

pub async fn transact_is_all_or_nothing(store: &dyn ItemStore) {
    let p = unique_prefix("transact_atomic");
    let mut x = item(&p, "x", json!({"x": 1}));
    x.version = 1;
    let mut c = item(&p, "c", json!({"c": 1}));
    c.version = 5;
    must_put(store, x.clone(), Condition::Always).await;
    must_put(store, c.clone(), Condition::Always).await;

    let a = item(&p, "a", json!({"a": 1}));
    let mut c2 = item(&p, "c", json!({"c": 2}));
    c2.version = 6;
    let failing = vec![
        WriteOp::Put {
            item: a.clone(),
            condition: Condition::NotExists,
        },
        WriteOp::Delete {
            pk: p.clone(),
            sk: "x".into(),
            condition: Condition::VersionIs(1),
        },
        WriteOp::Put {
            item: c2.clone(),
            condition: Condition::NotExists,
        },
    ];
    assert_condition_failed(
        store.transact(failing).await,
        "transaction with one failing op",
    );
    assert_eq!(
        must_get(store, &p, "a").await,
        None,
        "a put of a failed transaction landed"
    );
    assert_eq!(
        must_get(store, &p, "x").await,
        Some(x),
        "a delete of a failed transaction landed"
    );
    assert_eq!(
        must_get(store, &p, "c").await,
        Some(c),
        "failed transaction changed c"
    );

    let succeeding = vec![
        WriteOp::Put {
            item: a.clone(),
            condition: Condition::NotExists,
        },
        WriteOp::Delete {
            pk: p.clone(),
            sk: "x".into(),
            condition: Condition::VersionIs(1),
        },
        WriteOp::Put {
            item: c2.clone(),
            condition: Condition::VersionIs(5),
        },
    ];
    store
        .transact(succeeding)
        .await
        .expect("transaction whose conditions hold");
    assert_eq!(must_get(store, &p, "a").await, Some(a));
    assert_eq!(must_get(store, &p, "x").await, None);
    assert_eq!(must_get(store, &p, "c").await, Some(c2));
}

pub async fn transact_check_ops_gate_the_writes(store: &dyn ItemStore) {
    let p = unique_prefix("transact_check");
    let mut gate = item(&p, "gate", json!({"open": true}));
    gate.version = 3;
    must_put(store, gate.clone(), Condition::Always).await;
    let payload = item(&p, "payload", json!({"n": 1}));

    let check = |condition| WriteOp::Check {
        pk: p.clone(),
        sk: "gate".into(),
        condition,
    };
    let put = WriteOp::Put {
        item: payload.clone(),
        condition: Condition::Always,
    };
    for failing in [Condition::VersionIs(4), Condition::NotExists] {
        assert_condition_failed(
            store.transact(vec![check(failing), put.clone()]).await,
            &format!("check {failing:?}"),
        );
        assert_eq!(
            must_get(store, &p, "payload").await,
            None,
            "check {failing:?} let the put through"
        );
    }
    assert_condition_failed(
        store
            .transact(vec![
                WriteOp::Check {
                    pk: p.clone(),
                    sk: "missing".into(),
                    condition: Condition::Exists,
                },
                put.clone(),
            ])
            .await,
        "check-exists of a missing item",
    );
    assert_eq!(must_get(store, &p, "payload").await, None);

    store
        .transact(vec![
            check(Condition::VersionIs(3)),
            WriteOp::Check {
                pk: p.clone(),
                sk: "missing".into(),
                condition: Condition::NotExists,
            },
            put,
        ])
        .await
        .expect("transaction whose checks hold");
    assert_eq!(must_get(store, &p, "payload").await, Some(payload));
    assert_eq!(
        must_get(store, &p, "gate").await,
        Some(gate),
        "a check changed its item"
    );
}

pub async fn transact_enforces_its_limits(store: &dyn ItemStore) {
    let p = unique_prefix("transact_limits");
    store.transact(Vec::new()).await.expect("empty transaction");

    let too_many: Vec<WriteOp> = (0..=MAX_TRANSACTION_OPS)
        .map(|i| WriteOp::Put {
            item: item(&p, &format!("over#{i:03}"), json!({})),
            condition: Condition::Always,
        })
        .collect();
    assert_invalid(store.transact(too_many).await, "transaction of 101 ops");
    assert_eq!(
        must_get(store, &p, "over#000").await,
        None,
        "a rejected transaction wrote"
    );

    let duplicate = vec![
        WriteOp::Put {
            item: item(&p, "dup", json!({})),
            condition: Condition::Always,
        },
        WriteOp::Check {
            pk: p.clone(),
            sk: "dup".into(),
            condition: Condition::NotExists,
        },
    ];
    assert_invalid(
        store.transact(duplicate).await,
        "transaction naming one key twice",
    );
    assert_eq!(must_get(store, &p, "dup").await, None);

    let full: Vec<WriteOp> = (0..MAX_TRANSACTION_OPS)
        .map(|i| WriteOp::Put {
            item: item(&p, &format!("full#{i:03}"), json!({"i": i})),
            condition: Condition::NotExists,
        })
        .collect();
    store
        .transact(full)
        .await
        .expect("transaction of exactly 100 ops");
    let got = query_all(
        store,
        Query::partition(IndexName::Primary, &p).sk(SkCondition::BeginsWith("full#".into())),
    )
    .await;
    assert_eq!(got.len(), MAX_TRANSACTION_OPS);
}

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
    assert_invalid(
        store
            .query(Query::partition(IndexName::Primary, &p).after(Some("not a cursor!".into())))
            .await,
        "garbage cursor",
    );
    assert_invalid(
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
    assert_invalid(
        store
            .query(
                Query::partition(IndexName::Primary, format!("{p}/other"))
                    .after(Some(cursor.clone())),
            )
            .await,
        "cursor of another partition",
    );
    assert_invalid(
        store
            .query(Query::partition(IndexName::Gsi1, &p).after(Some(cursor)))
            .await,
        "cursor of another index",
    );
}
