//! Expiry: an expired item is absent from reads, queries, conditions and transactions.

use serde_json::json;

use super::helpers::{
    FAR_AHEAD, LONG_AGO, assert_condition_failed, item, must_get, must_put, query_all,
    query_index_all,
};
use crate::conformance::unique_prefix;
use crate::store::{Condition, IndexName, ItemStore, Query, WriteOp};

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
