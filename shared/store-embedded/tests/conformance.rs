//! The ports' conformance suites against the embedded adapters: the store in memory and on a
//! file, the queue and its dead letters on a test clock (in memory) and on the system clock (on
//! a file), the scheduler over the store.

use std::ops::Deref;
use std::sync::Arc;

use async_trait::async_trait;
use ports::conformance::dead_letters::DeadLetterFixture;
use ports::conformance::queue::QueueFixture;
use ports::{Clock, DeadLetters, FixedClock, JobQueue, QueueConsumer, SystemClock};
use store_embedded::{EmbeddedDb, EmbeddedQueue, EmbeddedScheduler, SqliteStore};
use tempfile::TempDir;

/// A store on a database file in a temporary directory that lives as long as the store.
struct OnFile {
    store: SqliteStore,
    _dir: TempDir,
}

impl Deref for OnFile {
    type Target = SqliteStore;

    fn deref(&self) -> &SqliteStore {
        &self.store
    }
}

async fn store_on_file() -> OnFile {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = EmbeddedDb::open(&dir.path().join("crm.db")).expect("open database file");
    OnFile {
        store: SqliteStore::new(db),
        _dir: dir,
    }
}

async fn store_in_memory() -> Arc<SqliteStore> {
    Arc::new(SqliteStore::new(
        EmbeddedDb::open_in_memory().expect("open in-memory database"),
    ))
}

struct Fixture {
    queue: EmbeddedQueue,
    clock: Option<FixedClock>,
    _dir: Option<TempDir>,
}

#[async_trait]
impl QueueFixture for Fixture {
    fn producer(&self) -> &dyn JobQueue {
        &self.queue
    }

    fn consumer(&self) -> &dyn QueueConsumer {
        &self.queue
    }

    fn max_receives(&self) -> u32 {
        self.queue.max_receives()
    }

    async fn take_dead_letter_bodies(&self) -> Vec<String> {
        self.queue
            .list_dead_letters(100)
            .await
            .expect("list dead letters")
            .into_iter()
            .map(|d| d.body)
            .collect()
    }

    async fn pass_time(&self, ms: u64) {
        match &self.clock {
            Some(clock) => clock.advance_ms(i64::try_from(ms).expect("small duration")),
            None => tokio::time::sleep(std::time::Duration::from_millis(ms)).await,
        }
    }
}

impl DeadLetterFixture for Fixture {
    fn dead_letters(&self) -> &dyn DeadLetters {
        &self.queue
    }
}

async fn scheduler_in_memory() -> Arc<EmbeddedScheduler> {
    Arc::new(EmbeddedScheduler::new(store_in_memory().await))
}

async fn queue_on_test_clock() -> Fixture {
    let clock = FixedClock::at_ms(SystemClock.now_ms());
    let db = EmbeddedDb::open_in_memory_with_clock(Arc::new(clock.clone()))
        .expect("open in-memory database");
    Fixture {
        queue: EmbeddedQueue::new(db, "jobs", 3),
        clock: Some(clock),
        _dir: None,
    }
}

async fn queue_on_file() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = EmbeddedDb::open(&dir.path().join("crm.db")).expect("open database file");
    // Another queue in the same file must not interfere.
    let neighbour = EmbeddedQueue::new(db.clone(), "neighbour", 1);
    ports::JobQueue::send_batch(&neighbour, vec![ports::OutgoingMessage::now("elsewhere")])
        .await
        .expect("send to the neighbour queue");
    Fixture {
        queue: EmbeddedQueue::new(db, "jobs", 4),
        clock: None,
        _dir: Some(dir),
    }
}

mod store_in_memory {
    use super::*;
    ports::item_store_conformance!(store_in_memory());
}

mod store_on_file {
    use super::*;
    ports::item_store_conformance!(store_on_file());
}

mod queue_on_test_clock {
    use super::*;
    ports::queue_conformance!(queue_on_test_clock());
}

mod queue_on_file {
    use super::*;
    ports::queue_conformance!(queue_on_file());
}

mod dead_letters_on_test_clock {
    use super::*;
    ports::dead_letters_conformance!(queue_on_test_clock());
}

mod dead_letters_on_file {
    use super::*;
    ports::dead_letters_conformance!(queue_on_file());
}

mod scheduler {
    use super::*;
    ports::scheduler_conformance!(scheduler_in_memory());
}
