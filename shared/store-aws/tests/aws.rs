//! Behaviour of the AWS adapters beyond the ports' conformance suites, against moto: the
//! attribute layout `template.yaml` relies on, the redrive to the dead-letter queue, and error
//! mapping.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use ports::{
    Condition, IndexName, Item, ItemStore, JobQueue, OutgoingMessage, Query, QueueConsumer,
    QueueError, StoreError,
};
use serde_json::json;
use store_aws::testing::{dynamo_client, fresh_queue, fresh_store, sqs_client, unique_name};
use store_aws::{DynamoStore, SqsQueue, create_table};

#[tokio::test]
async fn items_are_stored_in_the_documented_attribute_layout() {
    let store = fresh_store().await;
    let mut item = Item::new("customer#wm123", "profile");
    item.gsi1 = Some(("channel#xhs".into(), "2024-05-01".into()));
    item.expires_at = Some(4_102_444_800);
    item.version = 2;
    item.data = json!({"name": "王小明", "tags": ["A"], "empty": "", "n": null})
        .as_object()
        .cloned()
        .expect("object");
    store.put(item, Condition::NotExists).await.expect("put");

    let raw = store
        .client()
        .get_item()
        .table_name(store.table())
        .key("pk", AttributeValue::S("customer#wm123".into()))
        .key("sk", AttributeValue::S("profile".into()))
        .send()
        .await
        .expect("raw get");
    let attrs = raw.item().expect("item stored");
    let mut names: Vec<&str> = attrs.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(
        names,
        vec!["doc", "gsi1pk", "gsi1sk", "pk", "sk", "ttl", "ver"]
    );
    assert_eq!(
        attrs.get("ttl"),
        Some(&AttributeValue::N("4102444800".into()))
    );
    assert_eq!(attrs.get("ver"), Some(&AttributeValue::N("2".into())));
    let doc = match attrs.get("doc") {
        Some(AttributeValue::M(doc)) => doc.clone(),
        other => panic!("doc is not a map: {other:?}"),
    };
    assert_eq!(doc.get("name"), Some(&AttributeValue::S("王小明".into())));
    assert_eq!(doc.get("empty"), Some(&AttributeValue::S(String::new())));
    assert_eq!(doc.get("n"), Some(&AttributeValue::Null(true)));
    assert_eq!(
        doc.get("tags"),
        Some(&AttributeValue::L(vec![AttributeValue::S("A".into())]))
    );

    let table = store
        .client()
        .describe_table()
        .table_name(store.table())
        .send()
        .await
        .expect("describe")
        .table
        .expect("table");
    let mut indexes: Vec<String> = table
        .global_secondary_indexes()
        .iter()
        .filter_map(|g| g.index_name().map(str::to_owned))
        .collect();
    indexes.sort_unstable();
    assert_eq!(indexes, vec!["gsi1", "gsi2", "gsi3"]);
    let ttl = store
        .client()
        .describe_time_to_live()
        .table_name(store.table())
        .send()
        .await
        .expect("describe ttl");
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        Some("ttl")
    );
}

#[tokio::test]
async fn an_item_written_by_another_tool_reads_back() {
    // Numbers DynamoDB normalised, sets, and a missing doc.
    let store = fresh_store().await;
    let mut attrs = HashMap::new();
    attrs.insert("pk".to_owned(), AttributeValue::S("p".into()));
    attrs.insert("sk".to_owned(), AttributeValue::S("s".into()));
    store
        .client()
        .put_item()
        .table_name(store.table())
        .set_item(Some(attrs))
        .send()
        .await
        .expect("raw put");
    let item = store.get("p", "s").await.expect("get").expect("present");
    assert_eq!(item.version, 0);
    assert!(item.data.is_empty());
}

#[tokio::test]
async fn a_missing_table_is_unavailable_not_invalid() {
    let store = DynamoStore::new(dynamo_client().await, unique_name("no-such-table"));
    match store.get("p", "s").await {
        Err(e @ StoreError::Unavailable(_)) => assert!(e.is_retryable()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    match store.query(Query::partition(IndexName::Primary, "p")).await {
        Err(StoreError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn creating_an_existing_table_fails() {
    let client = dynamo_client().await;
    let name = unique_name("twice");
    create_table(&client, &name).await.expect("first create");
    assert!(create_table(&client, &name).await.is_err());
}

#[tokio::test]
async fn poison_messages_land_in_the_dead_letter_queue_with_their_body() {
    let fixture = fresh_queue(2).await;
    fixture
        .queue
        .send_batch(vec![OutgoingMessage::now("{\"job\":\"welcome\"}")])
        .await
        .expect("send");
    for n in 1..=2 {
        let got = fixture.queue.receive(1, 30, 2_000).await.expect("receive");
        assert_eq!(got.len(), 1, "receive {n}");
        assert_eq!(got[0].receive_count, n);
        fixture
            .queue
            .retry_after(&got[0].receipt, 0)
            .await
            .expect("retry");
    }
    assert!(
        fixture
            .queue
            .receive(10, 30, 1_000)
            .await
            .expect("receive")
            .is_empty()
    );
    let dead = fixture
        .dead_letters
        .receive(10, 30, 2_000)
        .await
        .expect("receive dlq");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "{\"job\":\"welcome\"}");
}

#[tokio::test]
async fn a_missing_queue_is_unavailable() {
    let client = sqs_client().await;
    let endpoint = store_aws::testing::moto_endpoint();
    let queue = SqsQueue::new(
        client,
        format!("{endpoint}/123456789012/{}", unique_name("gone")),
    );
    match queue.send_batch(vec![OutgoingMessage::now("x")]).await {
        Err(QueueError::Unavailable(_)) => {}
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(queue.receive(1, 30, 0).await.is_err());
}

#[test]
fn moto_endpoint_explains_how_to_run_the_tests() {
    // Only checks the message when the variable is absent; under ./scripts/test it is set.
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        let panic = std::panic::catch_unwind(store_aws::testing::moto_endpoint)
            .expect_err("panics without AWS_ENDPOINT_URL");
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains("./scripts/test"), "{message}");
    } else {
        assert!(store_aws::testing::moto_endpoint().starts_with("http"));
    }
}
