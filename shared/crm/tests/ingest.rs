//! Callback ingestion on the embedded store: exactly one job per event, and a delivery whose
//! job could not be queued is recovered by WeCom's retry.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use crm::ingest::{IngestOutcome, Ingestor};
use crm::model::CallbackStatus;
use crm::repo::CallbackLog;
use ports::{Clock, FixedClock, JobQueue, OutgoingMessage};
use store_embedded::{EmbeddedDb, EmbeddedQueue, SqliteStore};
use test_kit::queue::SwitchableQueue;
use wecom_callback::{builder, parse_message};

fn add_xml(external_userid: &str) -> String {
    builder::external_contact_xml(
        "wwcorp",
        "add_external_contact",
        "zhangsan",
        external_userid,
        Some("douyin"),
        Some("CODE"),
        1_795_850_000,
    )
}

struct Fixture {
    ingestor: Ingestor,
    log: CallbackLog,
    queue: Arc<EmbeddedQueue>,
    flaky: Arc<SwitchableQueue>,
    clock: FixedClock,
}

fn fixture() -> Fixture {
    let clock = FixedClock::at_ms(1_795_850_000_000);
    // The store's expiry (the queued mark's) follows the test's clock too.
    let db = EmbeddedDb::open_in_memory_with_clock(Arc::new(clock.clone())).unwrap();
    let queue = Arc::new(EmbeddedQueue::new(db.clone(), "events", 5));
    let flaky = SwitchableQueue::new(queue.clone());
    let log = CallbackLog::new(Arc::new(SqliteStore::new(db)), 90);
    Fixture {
        ingestor: Ingestor::new(log.clone(), flaky.clone(), Arc::new(clock.clone())),
        log,
        queue,
        flaky,
        clock,
    }
}

#[tokio::test]
async fn repeat_deliveries_are_counted_on_one_entry_with_one_job() {
    let f = fixture();
    let xml = add_xml("wmA");
    let message = parse_message(&xml).unwrap();
    assert_eq!(
        f.ingestor.ingest(&message, &xml).await.unwrap(),
        IngestOutcome::Queued
    );
    // WeCom's concurrent or quick repeats: counted, no second job.
    f.clock.advance_ms(100);
    assert_eq!(
        f.ingestor.ingest(&message, &xml).await.unwrap(),
        IngestOutcome::Duplicate
    );
    assert_eq!(f.queue.len().await.unwrap(), 1);
    // Once processed, even a late repeat queues nothing.
    f.log
        .update(&message.dedupe_key(), |e| {
            e.status = CallbackStatus::Processed;
            true
        })
        .await
        .unwrap();
    f.clock.advance_ms(5_000);
    assert_eq!(
        f.ingestor.ingest(&message, &xml).await.unwrap(),
        IngestOutcome::Duplicate
    );
    let entry = f.log.get(&message.dedupe_key()).await.unwrap().unwrap();
    assert_eq!(
        (entry.delivery_count, entry.status),
        (3, CallbackStatus::Processed)
    );
    assert_eq!(f.queue.len().await.unwrap(), 1);

    // Another customer in the same second is another event.
    let other = add_xml("wmB");
    let message = parse_message(&other).unwrap();
    assert_eq!(
        f.ingestor.ingest(&message, &other).await.unwrap(),
        IngestOutcome::Queued
    );
    assert_eq!(f.queue.len().await.unwrap(), 2);
}

#[tokio::test]
async fn a_job_that_could_not_be_queued_is_queued_by_the_next_delivery() {
    let f = fixture();
    let xml = add_xml("wmC");
    let message = parse_message(&xml).unwrap();
    f.flaky.set_down(true);
    assert!(
        f.ingestor.ingest(&message, &xml).await.is_err(),
        "WeCom must get a non-200"
    );
    assert!(
        f.log.get(&message.dedupe_key()).await.unwrap().is_some(),
        "raw event kept"
    );
    assert_eq!(f.queue.len().await.unwrap(), 0);

    // WeCom retries 5 s later; the queue is back.
    f.flaky.set_down(false);
    f.clock.advance_ms(5_000);
    assert_eq!(
        f.ingestor.ingest(&message, &xml).await.unwrap(),
        IngestOutcome::Requeued
    );
    assert_eq!(f.queue.len().await.unwrap(), 1);
    let entry = f.log.get(&message.dedupe_key()).await.unwrap().unwrap();
    assert_eq!(entry.delivery_count, 2);
}

/// The first delivery's log write was applied but answered as failed, or its process died
/// before queuing the job: WeCom got no 200 and repeats at once. The repeat must not be taken
/// for a concurrent duplicate (acknowledged, the event never processed): no job is marked
/// queued, so it queues the job itself.
#[tokio::test]
async fn a_quick_repeat_of_an_event_whose_job_was_never_queued_queues_it() {
    let f = fixture();
    let xml = add_xml("wmD");
    let message = parse_message(&xml).unwrap();
    let logged_only = Ingestor::new(f.log.clone(), f.flaky.clone(), Arc::new(f.clock.clone()));
    f.flaky.set_down(true);
    // The queue refused the job and the "not queued" note is lost with the process: a bare
    // `received` entry, as a kill between the two writes leaves it.
    assert!(logged_only.ingest(&message, &xml).await.is_err());
    f.log
        .update(&message.dedupe_key(), |e| {
            e.error = None;
            true
        })
        .await
        .unwrap();
    f.flaky.set_down(false);

    f.clock.advance_ms(100);
    let quick = f
        .ingestor
        .with_repeat_wait(std::time::Duration::from_millis(50));
    assert_eq!(
        quick.ingest(&message, &xml).await.unwrap(),
        IngestOutcome::Requeued
    );
    assert_eq!(f.queue.len().await.unwrap(), 1, "the job is queued");
    // And now marked: a further quick repeat is a duplicate, with no spare job.
    f.clock.advance_ms(100);
    assert_eq!(
        quick.ingest(&message, &xml).await.unwrap(),
        IngestOutcome::Duplicate
    );
    assert_eq!(f.queue.len().await.unwrap(), 1);
}

/// WeCom's concurrent duplicate arrives while the first delivery is still queuing the job: it
/// waits for the first one's mark and is acknowledged as a duplicate, with no spare job.
#[tokio::test]
async fn a_concurrent_repeat_waits_for_the_first_deliverys_job() {
    let f = fixture();
    let xml = add_xml("wmE");
    let message = parse_message(&xml).unwrap();
    // The first delivery has logged the event and not yet queued its job.
    let entry = crm::model::CallbackLogEntry {
        dedupe_key: message.dedupe_key(),
        event_type: "change_external_contact/add_external_contact".to_owned(),
        raw_xml: xml.clone(),
        delivery_count: 1,
        received_at_ms: f.clock.now_ms(),
        last_delivery_at_ms: f.clock.now_ms(),
        ..Default::default()
    };
    f.log
        .record_delivery(&entry, f.clock.now_ms())
        .await
        .unwrap();
    let log = f.log.clone();
    let queue = f.queue.clone();
    let key = message.dedupe_key();
    let now = f.clock.now_ms();
    let first = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        queue
            .send_batch(vec![OutgoingMessage::now("job".to_owned())])
            .await
            .unwrap();
        log.mark_queued(&key, now).await.unwrap();
    });
    f.clock.advance_ms(10);
    assert_eq!(
        f.ingestor.ingest(&message, &xml).await.unwrap(),
        IngestOutcome::Duplicate
    );
    first.await.unwrap();
    assert_eq!(f.queue.len().await.unwrap(), 1, "no spare job");
}

/// WeCom gave up on a delivery (every attempt refused while the queue was down) after its log
/// write went through: the result-tracking schedule's sweep queues the job of such an event
/// once, and leaves alone the events whose job was queued, the processed ones and the recent.
#[tokio::test]
async fn an_event_logged_but_never_queued_is_queued_by_the_sweep() {
    let f = fixture();
    let given_up = parse_message(&add_xml("wmF")).unwrap();
    f.flaky.set_down(true);
    for _ in 0..4 {
        assert!(f.ingestor.ingest(&given_up, &given_up.raw).await.is_err());
    }
    f.flaky.set_down(false);
    let queued = parse_message(&add_xml("wmG")).unwrap();
    assert_eq!(
        f.ingestor.ingest(&queued, &queued.raw).await.unwrap(),
        IngestOutcome::Queued
    );
    let processed = crm::model::CallbackLogEntry {
        dedupe_key: "ec:processed".to_owned(),
        event_type: "change_external_contact/edit_external_contact".to_owned(),
        status: CallbackStatus::Processed,
        received_at_ms: f.clock.now_ms(),
        ..Default::default()
    };
    f.log
        .record_delivery(&processed, f.clock.now_ms())
        .await
        .unwrap();
    f.clock.advance_ms(10 * 60_000);
    // Refused moments ago: WeCom may still repeat it; not the sweep's yet.
    let recent = parse_message(&add_xml("wmH")).unwrap();
    f.flaky.set_down(true);
    assert!(f.ingestor.ingest(&recent, &recent.raw).await.is_err());
    f.flaky.set_down(false);
    assert_eq!(f.queue.len().await.unwrap(), 1);

    let summary = f
        .ingestor
        .requeue_unqueued(5 * 60_000, 6 * 3_600_000)
        .await
        .unwrap();
    assert_eq!((summary.examined, summary.requeued), (3, 1), "{summary:?}");
    assert_eq!(f.queue.len().await.unwrap(), 2, "the given-up event's job");
    // Once queued, a later sweep leaves it alone.
    let again = f
        .ingestor
        .requeue_unqueued(5 * 60_000, 6 * 3_600_000)
        .await
        .unwrap();
    assert_eq!(again.requeued, 0);
    assert_eq!(f.queue.len().await.unwrap(), 2);
}
