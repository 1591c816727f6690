//! Callback ingestion on the embedded store: exactly one job per event, and a delivery whose
//! job could not be queued is recovered by WeCom's retry.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use async_trait::async_trait;
use crm::ingest::{IngestOutcome, Ingestor};
use crm::model::CallbackStatus;
use crm::repo::CallbackLog;
use ports::{FixedClock, JobQueue, OutgoingMessage, QueueError};
use store_embedded::{EmbeddedDb, EmbeddedQueue, SqliteStore};
use wecom_callback::{builder, parse_message};

/// A queue that can be switched off, in front of the embedded one.
struct Flaky {
    inner: Arc<EmbeddedQueue>,
    down: AtomicBool,
}

#[async_trait]
impl JobQueue for Flaky {
    async fn send_batch(&self, messages: Vec<OutgoingMessage>) -> Result<(), QueueError> {
        if self.down.load(Ordering::SeqCst) {
            return Err(QueueError::Unavailable("switched off".into()));
        }
        self.inner.send_batch(messages).await
    }
}

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
    flaky: Arc<Flaky>,
    clock: FixedClock,
}

fn fixture() -> Fixture {
    let db = EmbeddedDb::open_in_memory().unwrap();
    let queue = Arc::new(EmbeddedQueue::new(db.clone(), "events", 5));
    let flaky = Arc::new(Flaky {
        inner: queue.clone(),
        down: AtomicBool::new(false),
    });
    let clock = FixedClock::at_ms(1_795_850_000_000);
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
    f.flaky.down.store(true, Ordering::SeqCst);
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
    f.flaky.down.store(false, Ordering::SeqCst);
    f.clock.advance_ms(5_000);
    assert_eq!(
        f.ingestor.ingest(&message, &xml).await.unwrap(),
        IngestOutcome::Requeued
    );
    assert_eq!(f.queue.len().await.unwrap(), 1);
    let entry = f.log.get(&message.dedupe_key()).await.unwrap().unwrap();
    assert_eq!(entry.delivery_count, 2);
}
