//! Plain reads and writes: a missing item, a round trip of every JSON shape, a put that replaces
//! the whole item.

use serde_json::json;

use super::helpers::{FAR_AHEAD, item, must_get, must_put, query_index_all};
use crate::conformance::unique_prefix;
use crate::store::{Condition, IndexName, Item, ItemStore, Query};

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
