//! Behaviour of the AWS adapters beyond the ports' conformance suites, against moto: the
//! attribute layout `template.yaml` relies on, the redrive to the dead-letter queue and the
//! replay from it, the schedules' definition in EventBridge Scheduler, and error mapping.
//! Ignored by a plain `cargo test`: `./scripts/test` starts moto and runs them.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_scheduler::types::{ActionAfterCompletion, FlexibleTimeWindowMode};
use aws_sdk_sqs::types::QueueAttributeName;
use ports::{
    Condition, DeadLetters, IndexName, Item, ItemStore, JobQueue, OneTimeSchedule, OutgoingMessage,
    Query, QueueConsumer, QueueError, Scheduler, SchedulerError, StoreError,
};
use serde_json::json;
use store_aws::testing::{
    TEST_ROLE_ARN, TEST_TARGET_ARN, dynamo_client, fresh_queue, fresh_scheduler, fresh_store,
    scheduler_client, sqs_client, unique_name,
};
use store_aws::{DynamoStore, EventBridgeScheduler, SqsQueue, create_table};

#[tokio::test]
#[ignore = "needs moto: ./scripts/test starts it"]
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
#[ignore = "needs moto: ./scripts/test starts it"]
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
#[ignore = "needs moto: ./scripts/test starts it"]
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
#[ignore = "needs moto: ./scripts/test starts it"]
async fn creating_an_existing_table_fails() {
    let client = dynamo_client().await;
    let name = unique_name("twice");
    create_table(&client, &name).await.expect("first create");
    assert!(create_table(&client, &name).await.is_err());
}

#[tokio::test]
#[ignore = "needs moto: ./scripts/test starts it"]
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
#[ignore = "needs moto: ./scripts/test starts it"]
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

/// The dead-letter queue's visible and hidden message counts.
async fn dlq_counts(fixture: &store_aws::testing::SqsFixture) -> (u64, u64) {
    let out = fixture
        .queue
        .client()
        .get_queue_attributes()
        .queue_url(fixture.dead_letters.queue_url())
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessagesNotVisible)
        .send()
        .await
        .expect("queue attributes");
    let count = |name: QueueAttributeName| {
        out.attributes()
            .and_then(|a| a.get(&name))
            .and_then(|n| n.parse::<u64>().ok())
            .expect("count attribute")
    };
    (
        count(QueueAttributeName::ApproximateNumberOfMessages),
        count(QueueAttributeName::ApproximateNumberOfMessagesNotVisible),
    )
}

#[tokio::test]
#[ignore = "needs moto: ./scripts/test starts it"]
async fn dead_letters_are_listed_without_hiding_them_and_replayed_as_new_messages() {
    let fixture = fresh_queue(2).await;
    fixture
        .queue
        .send_batch(vec![OutgoingMessage::now("{\"job\":\"sync\"}")])
        .await
        .expect("send");
    let mut original_id = String::new();
    for _ in 0..2 {
        let got = fixture.queue.receive(1, 30, 2_000).await.expect("receive");
        assert_eq!(got.len(), 1);
        original_id.clone_from(&got[0].message_id);
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

    let port = &fixture.dead_letter_port;
    let listed = port.list(10).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, original_id, "SQS keeps the message id");
    assert_eq!(listed[0].body, "{\"job\":\"sync\"}");
    assert_eq!(listed[0].receive_count, 2);
    assert_eq!(listed[0].failed_at_ms, None, "SQS does not tell");
    assert_eq!(
        dlq_counts(&fixture).await,
        (1, 0),
        "list makes what it looked at visible again"
    );

    assert!(port.replay(&listed[0].id).await.expect("replay"));
    assert_eq!(dlq_counts(&fixture).await, (0, 0));
    let back = fixture.queue.receive(10, 30, 2_000).await.expect("receive");
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].body, "{\"job\":\"sync\"}");
    assert_eq!(back[0].receive_count, 1);
    assert_ne!(back[0].message_id, original_id, "replayed as a new message");
    fixture.queue.ack(&back[0].receipt).await.expect("ack");
}

#[tokio::test]
#[ignore = "needs moto: ./scripts/test starts it"]
async fn replay_of_an_unknown_id_leaves_the_dead_letters_visible() {
    let fixture = fresh_queue(3).await;
    let bodies: Vec<String> = (0..12).map(|i| format!("dead-{i:02}")).collect();
    fixture
        .dead_letters
        .send_batch(bodies.iter().cloned().map(OutgoingMessage::now).collect())
        .await
        .expect("seed the dead-letter queue");
    let port = &fixture.dead_letter_port;
    assert!(!port.replay("no-such-id").await.expect("replay"));
    assert_eq!(dlq_counts(&fixture).await, (12, 0));
    let listed = port.list(100).await.expect("list");
    let mut got: Vec<String> = listed.iter().map(|d| d.body.clone()).collect();
    got.sort();
    assert_eq!(got, bodies, "a scan sees past the first ten");
    assert_eq!(port.list(5).await.expect("list").len(), 5);
    assert_eq!(dlq_counts(&fixture).await, (12, 0));
}

#[tokio::test]
#[ignore = "needs moto: ./scripts/test starts it"]
async fn a_missing_dead_letter_queue_is_unavailable() {
    let client = sqs_client().await;
    let endpoint = store_aws::testing::moto_endpoint();
    let port = store_aws::SqsDeadLetters::new(
        client,
        format!("{endpoint}/123456789012/{}", unique_name("gone-dlq")),
        format!("{endpoint}/123456789012/{}", unique_name("gone")),
    );
    match port.list(10).await {
        Err(e @ QueueError::Unavailable(_)) => assert!(e.is_retryable()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert!(port.replay("x").await.is_err());
}

#[tokio::test]
#[ignore = "needs moto: ./scripts/test starts it"]
async fn schedules_are_one_time_shanghai_schedules_deleted_after_completion() {
    let scheduler = fresh_scheduler().await;
    // 2030-01-01T16:30:05.250Z: 00:30:05 the next day in Shanghai.
    let schedule = OneTimeSchedule::new(
        "campaign-42.step-1",
        1_893_456_000_000 + 59_405_250,
        "{\"campaign\":42}",
    );
    scheduler
        .schedule_once(schedule.clone())
        .await
        .expect("schedule");

    let raw = |scheduler: &EventBridgeScheduler| {
        scheduler
            .client()
            .get_schedule()
            .name("campaign-42.step-1")
            .group_name(scheduler.group())
            .send()
    };
    let out = raw(&scheduler).await.expect("GetSchedule");
    assert_eq!(out.schedule_expression(), Some("at(2030-01-02T00:30:05)"));
    assert_eq!(out.schedule_expression_timezone(), Some("Asia/Shanghai"));
    assert_eq!(out.group_name(), Some(scheduler.group()));
    assert_eq!(
        out.flexible_time_window().map(|w| w.mode()),
        Some(&FlexibleTimeWindowMode::Off)
    );
    assert_eq!(
        out.action_after_completion(),
        Some(&ActionAfterCompletion::Delete)
    );
    let target = out.target().expect("target");
    assert_eq!(target.arn(), TEST_TARGET_ARN);
    assert_eq!(target.role_arn(), TEST_ROLE_ARN);
    assert_eq!(target.input(), Some("{\"campaign\":42}"));
    assert_eq!(
        scheduler.get(&schedule.name).await.expect("get"),
        Some(OneTimeSchedule::new(
            "campaign-42.step-1",
            1_893_456_000_000 + 59_405_000,
            "{\"campaign\":42}"
        )),
        "milliseconds are dropped"
    );

    // A replacement goes through UpdateSchedule and keeps the definition's shape.
    let moved = OneTimeSchedule::new("campaign-42.step-1", 1_893_456_000_000, "{}");
    scheduler
        .schedule_once(moved.clone())
        .await
        .expect("replace");
    let out = raw(&scheduler).await.expect("GetSchedule");
    assert_eq!(out.schedule_expression(), Some("at(2030-01-01T08:00:00)"));
    assert_eq!(out.schedule_expression_timezone(), Some("Asia/Shanghai"));
    assert_eq!(
        out.flexible_time_window().map(|w| w.mode()),
        Some(&FlexibleTimeWindowMode::Off)
    );
    assert_eq!(
        out.action_after_completion(),
        Some(&ActionAfterCompletion::Delete)
    );
    assert_eq!(out.target().and_then(|t| t.input()), Some("{}"));
    assert_eq!(scheduler.get(&moved.name).await.expect("get"), Some(moved));
}

#[tokio::test]
#[ignore = "needs moto: ./scripts/test starts it"]
async fn schedules_written_by_other_tools_are_read_or_refused() {
    let scheduler = fresh_scheduler().await;
    let flexible = aws_sdk_scheduler::types::FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Off)
        .build()
        .expect("window");
    let target = aws_sdk_scheduler::types::Target::builder()
        .arn(TEST_TARGET_ARN)
        .role_arn(TEST_ROLE_ARN)
        .input("{}")
        .build()
        .expect("target");
    for (name, expression) in [
        ("utc", "at(2030-01-01T00:00:00)"),
        ("rate", "rate(5 minutes)"),
    ] {
        scheduler
            .client()
            .create_schedule()
            .name(name)
            .group_name(scheduler.group())
            .schedule_expression(expression)
            .flexible_time_window(flexible.clone())
            .target(target.clone())
            .send()
            .await
            .expect("raw CreateSchedule");
    }
    assert_eq!(
        scheduler.get("utc").await.expect("get"),
        Some(OneTimeSchedule::new("utc", 1_893_456_000_000, "{}")),
        "no time zone means UTC"
    );
    match scheduler.get("rate").await {
        Err(SchedulerError::Invalid(_)) => {}
        other => panic!("a rate() schedule is not one-time: {other:?}"),
    }
    assert!(scheduler.cancel("rate").await.expect("cancel"));
}

#[tokio::test]
#[ignore = "needs moto: ./scripts/test starts it"]
async fn a_missing_schedule_group_is_unavailable() {
    let scheduler = EventBridgeScheduler::new(
        scheduler_client().await,
        unique_name("no-such-group"),
        TEST_TARGET_ARN.to_owned(),
        TEST_ROLE_ARN.to_owned(),
    );
    match scheduler
        .schedule_once(OneTimeSchedule::new("x", 1_893_456_000_000, "{}"))
        .await
    {
        Err(e @ SchedulerError::Unavailable(_)) => assert!(e.is_retryable()),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[test]
fn moto_endpoint_explains_how_to_run_the_tests() {
    // Only checks the message when the variable is absent; under ./scripts/test it is set.
    if std::env::var_os("AWS_ENDPOINT_URL").is_none() {
        let panic = std::panic::catch_unwind(store_aws::testing::moto_endpoint)
            .expect_err("panics without AWS_ENDPOINT_URL");
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
            .unwrap_or_default();
        assert!(message.contains("./scripts/test"), "{message}");
    } else {
        assert!(store_aws::testing::moto_endpoint().starts_with("http"));
    }
}
