//! Transactions: all or nothing, check operations, and their limits.

use serde_json::json;

use super::helpers::{
    assert_condition_failed, assert_invalid, item, must_get, must_put, query_all,
};
use crate::conformance::unique_prefix;
use crate::store::{
    Condition, IndexName, ItemStore, MAX_TRANSACTION_OPS, Query, SkCondition, WriteOp,
};

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
