//! Behaviour of the embedded adapters beyond the ports' conformance suites: durability across
//! reopening, group commit under concurrency, the test clock, dead-letter handling.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ports::{
    Clock, Condition, FixedClock, IndexName, Item, ItemStore, JobQueue, OutgoingMessage, Query,
    QueueConsumer, QueueError, StoreError, SystemClock,
};
use serde_json::json;
use store_embedded::{EmbeddedDb, EmbeddedQueue, SCHEMA_VERSION, SqliteStore};

fn item(pk: &str, sk: &str, n: u64) -> Item {
    let mut item = Item::new(pk, sk);
    item.data.insert("n".into(), json!(n));
    item
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_survives_reopening_the_file() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("crm.db");
    let (in_flight_id, dead_id) = {
        let db = EmbeddedDb::open(&path).expect("open");
        let store = SqliteStore::new(db.clone());
        let mut indexed = item("customer#1", "profile", 1);
        indexed.gsi1 = Some(("channel#xhs".into(), "2024-05-01".into()));
        indexed.version = 3;
        store.put(indexed, Condition::NotExists).await.expect("put");
        store
            .batch_put((0..10).map(|i| item("log", &format!("e{i}"), i)).collect())
            .await
            .expect("batch_put");

        let events = EmbeddedQueue::new(db.clone(), "events", 2);
        events
            .send_batch(vec![
                OutgoingMessage::now("in-flight"),
                OutgoingMessage::now("dead"),
                OutgoingMessage::now("waiting"),
                OutgoingMessage {
                    body: "delayed".into(),
                    delay_secs: 1,
                },
            ])
            .await
            .expect("send");
        let got = events.receive(2, 1, 0).await.expect("receive");
        assert_eq!(got.len(), 2);
        let dead = got
            .iter()
            .find(|d| d.body == "dead")
            .expect("dead delivered");
        let in_flight = got
            .iter()
            .find(|d| d.body == "in-flight")
            .expect("in-flight delivered");
        events.retry_after(&dead.receipt, 0).await.expect("retry");
        let next = events.receive(10, 30, 0).await.expect("receive");
        let mut bodies: Vec<&str> = next.iter().map(|d| d.body.as_str()).collect();
        bodies.sort_unstable();
        assert_eq!(bodies, vec!["dead", "waiting"]);
        let dead_again = next.iter().find(|d| d.body == "dead").expect("dead again");
        assert_eq!(dead_again.receive_count, 2);
        events
            .retry_after(&dead_again.receipt, 0)
            .await
            .expect("retry");
        // max_receives is 2: the next receive dead-letters it.
        assert!(events.receive(10, 30, 0).await.expect("receive").is_empty());
        (in_flight.message_id.clone(), dead.message_id.clone())
    };

    let db = EmbeddedDb::open(&path).expect("reopen");
    let store = SqliteStore::new(db.clone());
    let got = store
        .get("customer#1", "profile")
        .await
        .expect("get")
        .expect("item survived");
    assert_eq!(got.version, 3);
    let by_channel = store
        .query(Query::partition(IndexName::Gsi1, "channel#xhs"))
        .await
        .expect("query");
    assert_eq!(by_channel.items.len(), 1);
    let logs = store
        .query(Query::partition(IndexName::Primary, "log"))
        .await
        .expect("query");
    assert_eq!(logs.items.len(), 10);

    let events = EmbeddedQueue::new(db, "events", 2);
    // in-flight (visibility 1 s), waiting (in flight for 30 s) and delayed remain.
    assert_eq!(events.len().await.expect("len"), 3);
    let dead = events.list_dead_letters(10).await.expect("dead letters");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].id, dead_id);
    assert_eq!(dead[0].body, "dead");
    assert_eq!(dead[0].receive_count, 2);
    assert!(dead[0].failed_at_ms.is_some());

    // The message in flight when the file was closed comes back after its visibility timeout.
    let started = Instant::now();
    let mut redelivered = Vec::new();
    while redelivered.len() < 2 && started.elapsed() < Duration::from_secs(5) {
        redelivered.extend(events.receive(10, 30, 2_000).await.expect("receive"));
    }
    let mut bodies: Vec<&str> = redelivered.iter().map(|d| d.body.as_str()).collect();
    bodies.sort_unstable();
    assert_eq!(bodies, vec!["delayed", "in-flight"]);
    let again = redelivered
        .iter()
        .find(|d| d.body == "in-flight")
        .expect("in-flight redelivered");
    assert_eq!(again.message_id, in_flight_id);
    assert_eq!(again.receive_count, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_commit_lands_1000_concurrent_conditional_puts() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = EmbeddedDb::open(&dir.path().join("crm.db")).expect("open");
    let store = Arc::new(SqliteStore::new(db));
    // A contested key per pair of tasks: exactly one of each pair wins it, and the loser's
    // failed condition must not disturb the other writes in the same group commit.
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..50u64 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut wins = 0;
            for i in 0..20u64 {
                let key = format!("t{t:02}#{i:02}");
                store
                    .put(item("group", &key, t * 100 + i), Condition::NotExists)
                    .await
                    .expect("fresh key");
                if i % 4 == 0 {
                    let contested = format!("k{:02}#{i:02}", t / 2);
                    match store
                        .put(item("contested", &contested, t), Condition::NotExists)
                        .await
                    {
                        Ok(()) => wins += 1,
                        Err(StoreError::ConditionFailed) => {}
                        Err(e) => panic!("unexpected error {e}"),
                    }
                }
            }
            wins
        }));
    }
    let mut wins = 0;
    for task in tasks {
        wins += task.await.expect("task");
    }
    assert_eq!(wins, 125, "exactly one winner per contested key");
    let elapsed = started.elapsed();
    let mut seen = 0;
    let mut cursor = None;
    loop {
        let page = store
            .query(
                Query::partition(IndexName::Primary, "group")
                    .limit(1000)
                    .after(cursor),
            )
            .await
            .expect("query");
        seen += page.items.len();
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, 1000, "every conditional put landed");
    eprintln!(
        "group commit: 1000 conditional puts (+125 contested) from 50 tasks in {elapsed:?} \
         ({:.0} puts/s, debug build, synchronous=FULL)",
        1125.0 / elapsed.as_secs_f64()
    );
}

/// One local-ingestion "event": a put-if-absent idempotency key, a queue send and a raw log
/// put, all durable before the event counts. Prints throughput and p99 latency; asserts only a
/// floor low enough for a debug build on a busy CI machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingestion_throughput_with_durable_events() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = EmbeddedDb::open(&dir.path().join("crm.db")).expect("open");
    let store = Arc::new(SqliteStore::new(db.clone()));
    let queue = Arc::new(EmbeddedQueue::new(db, "events", 5));
    let tasks = 64;
    let per_task = 60;
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = store.clone();
        let queue = queue.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_task);
            for i in 0..per_task {
                let begun = Instant::now();
                let id = format!("{t:03}-{i:04}");
                let mut key = Item::new(format!("idem#{id}"), "callback");
                key.expires_at = Some(SystemClock.now_secs() + 86_400);
                store
                    .put(key, Condition::NotExists)
                    .await
                    .expect("idempotency key");
                queue
                    .send_batch(vec![OutgoingMessage::now(format!(
                        "{{\"event\":\"{id}\"}}"
                    ))])
                    .await
                    .expect("enqueue");
                let mut log = Item::new("callback-log", id.clone());
                log.data
                    .insert("xml".into(), json!("<xml>…</xml>".repeat(20)));
                store.put(log, Condition::Always).await.expect("raw log");
                latencies.push(begun.elapsed());
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await.expect("task"));
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    let p99 = latencies[latencies.len() * 99 / 100];
    let events = tasks * per_task;
    let rate = events as f64 / elapsed.as_secs_f64();
    eprintln!(
        "ingestion: {events} durable events (put-if-absent + send + put) in {elapsed:?}: \
         {rate:.0} events/s, p50 {:?}, p99 {p99:?}",
        latencies[latencies.len() / 2]
    );
    assert_eq!(queue.len().await.expect("len"), events as u64);
    assert!(rate > 200.0, "ingestion fell to {rate:.0} events/s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ttl_follows_the_injected_clock_and_purge_removes_expired_items() {
    let clock = FixedClock::at_ms(1_700_000_000_000);
    let db = EmbeddedDb::open_in_memory_with_clock(Arc::new(clock.clone())).expect("open");
    let store = SqliteStore::new(db.clone());
    let mut key = item("idem", "k", 1);
    key.expires_at = Some(1_700_000_010);
    store
        .put(key.clone(), Condition::NotExists)
        .await
        .expect("put");
    assert_eq!(
        store.get("idem", "k").await.expect("get"),
        Some(key.clone())
    );
    assert!(matches!(
        store.put(key.clone(), Condition::NotExists).await,
        Err(StoreError::ConditionFailed)
    ));
    clock.advance_ms(9_999);
    assert!(
        store.get("idem", "k").await.expect("get").is_some(),
        "expires at, not before"
    );
    clock.advance_ms(1);
    assert_eq!(store.get("idem", "k").await.expect("get"), None);
    assert_eq!(db.purge_expired().await.expect("purge"), 1);
    assert_eq!(db.purge_expired().await.expect("purge"), 0);
    store
        .put(key, Condition::NotExists)
        .await
        .expect("put after expiry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_and_replayed() {
    let db = EmbeddedDb::open_in_memory().expect("open");
    let queue = EmbeddedQueue::new(db.clone(), "sender", 2);
    let other = EmbeddedQueue::new(db, "other", 2);
    queue
        .send_batch(vec![OutgoingMessage::now("poison")])
        .await
        .expect("send");
    for n in 1..=2 {
        let got = queue.receive(1, 30, 0).await.expect("receive");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].receive_count, n);
        queue.retry_after(&got[0].receipt, 0).await.expect("retry");
    }
    assert!(queue.receive(10, 30, 0).await.expect("receive").is_empty());
    assert!(queue.is_empty().await.expect("is_empty"));
    let dead = queue.list_dead_letters(10).await.expect("list");
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].body, "poison");
    assert_eq!(dead[0].receive_count, 2);
    assert!(other.list_dead_letters(10).await.expect("list").is_empty());
    assert!(
        !other
            .replay_dead_letter(&dead[0].id)
            .await
            .expect("replay elsewhere")
    );

    // A receive waiting on the queue wakes up when the dead letter is replayed.
    let waiting = {
        let queue = queue.clone();
        tokio::spawn(async move { queue.receive(1, 30, 10_000).await })
    };
    // Give the receive a moment to start waiting (if it has not, it finds the message at once).
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(queue.replay_dead_letter(&dead[0].id).await.expect("replay"));
    let got = waiting.await.expect("task").expect("receive");
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].message_id, dead[0].id);
    assert_eq!(got[0].receive_count, 1, "a replayed message starts over");
    assert!(queue.list_dead_letters(10).await.expect("list").is_empty());
    assert!(
        !queue
            .replay_dead_letter(&dead[0].id)
            .await
            .expect("replay twice")
    );
    queue.ack(&got[0].receipt).await.expect("ack");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counts_receipts_and_queue_separation() {
    let clock = FixedClock::at_ms(1_700_000_000_000);
    let db = EmbeddedDb::open_in_memory_with_clock(Arc::new(clock.clone())).expect("open");
    let a = EmbeddedQueue::new(db.clone(), "a", 3);
    let b = EmbeddedQueue::new(db, "b", 3);
    a.send_batch(
        (0..3)
            .map(|i| OutgoingMessage::now(format!("m{i}")))
            .collect(),
    )
    .await
    .expect("send");
    assert!(b.receive(10, 30, 0).await.expect("receive").is_empty());
    assert_eq!(a.len().await.expect("len"), 3);
    assert_eq!(a.in_flight().await.expect("in_flight"), 0);
    let got = a.receive(2, 10, 0).await.expect("receive");
    assert_eq!(got.len(), 2);
    assert_eq!(
        got.iter().map(|d| d.body.as_str()).collect::<Vec<_>>(),
        vec!["m0", "m1"],
        "oldest first"
    );
    assert_eq!(a.in_flight().await.expect("in_flight"), 2);
    a.ack(&got[0].receipt).await.expect("ack");
    assert!(matches!(
        a.ack(&got[0].receipt).await,
        Err(QueueError::StaleReceipt)
    ));
    assert!(matches!(
        b.ack(&got[1].receipt).await,
        Err(QueueError::StaleReceipt)
    ));
    assert_eq!(a.len().await.expect("len"), 2);

    // After redelivery the old receipt is stale.
    clock.advance_ms(10_000);
    assert_eq!(a.in_flight().await.expect("in_flight"), 0);
    let again = a.receive(10, 10, 0).await.expect("receive");
    assert_eq!(again.len(), 2);
    assert!(matches!(
        a.ack(&got[1].receipt).await,
        Err(QueueError::StaleReceipt)
    ));
    assert!(matches!(
        a.retry_after(&got[1].receipt, 5).await,
        Err(QueueError::StaleReceipt)
    ));
    for d in &again {
        a.ack(&d.receipt).await.expect("ack");
    }
    assert!(a.is_empty().await.expect("is_empty"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_receive_returns_when_visibility_ends() {
    let db = EmbeddedDb::open_in_memory().expect("open");
    let queue = EmbeddedQueue::new(db, "q", 5);
    queue
        .send_batch(vec![OutgoingMessage::now("x")])
        .await
        .expect("send");
    let first = queue.receive(1, 1, 0).await.expect("receive");
    assert_eq!(first.len(), 1);
    let started = Instant::now();
    let second = queue.receive(1, 30, 10_000).await.expect("receive");
    assert_eq!(second.len(), 1);
    assert!(
        started.elapsed() < Duration::from_millis(2_500),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_proceed_while_writes_stream_in() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let db = EmbeddedDb::open(&dir.path().join("crm.db")).expect("open");
    let store = Arc::new(SqliteStore::new(db));
    store
        .put(item("fixed", "k", 1), Condition::Always)
        .await
        .expect("put");
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for i in 0..300 {
                store
                    .put(item("stream", &format!("{i:04}"), i), Condition::Always)
                    .await
                    .expect("put");
            }
        })
    };
    let mut reads = 0;
    while !writer.is_finished() {
        assert!(store.get("fixed", "k").await.expect("get").is_some());
        reads += 1;
    }
    writer.await.expect("writer");
    assert!(reads > 0);
}

#[test]
fn a_file_from_a_newer_build_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("crm.db");
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("set version");
    }
    match EmbeddedDb::open(&path) {
        Err(StoreError::Corrupt(why)) => assert!(why.contains("newer"), "{why}"),
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn opening_outside_a_runtime_creates_the_directory_and_drops_cleanly() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("data").join("crm.db");
    let db = EmbeddedDb::open(&path).expect("open");
    assert_eq!(db.path(), Some(path.as_path()));
    assert!(db.clock().now_ms() > 0);
    drop(db);
    let db = EmbeddedDb::open(&path).expect("reopen");
    drop(db);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_writes_stream_in_is_one_consistent_copy() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("crm.db");
    let db = EmbeddedDb::open(&path).expect("open");
    let store = Arc::new(SqliteStore::new(db.clone()));
    store
        .batch_put(
            (0..500)
                .map(|i| item("before", &format!("{i:04}"), i))
                .collect(),
        )
        .await
        .expect("batch_put");
    let events = EmbeddedQueue::new(db.clone(), "events", 5);
    events
        .send_batch(vec![OutgoingMessage::now("pending")])
        .await
        .expect("send");

    // Writers keep going while the copy is taken, each batch in one transaction.
    let writer = {
        let store = store.clone();
        tokio::spawn(async move {
            for batch in 0..50_u64 {
                store
                    .batch_put(
                        (0..10)
                            .map(|i| item(&format!("during#{batch}"), &format!("{i}"), i))
                            .collect(),
                    )
                    .await
                    .expect("batch_put");
            }
        })
    };
    let copy = dir.path().join("backup.db");
    let (src, dest) = (path.clone(), copy.clone());
    let bytes = tokio::task::spawn_blocking(move || store_embedded::backup(&src, &dest))
        .await
        .expect("join")
        .expect("backup");
    writer.await.expect("writer");
    assert!(bytes > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).expect("copy").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the copy holds customer data");
    }

    let restored = EmbeddedDb::open(&copy).expect("open the copy");
    let restored_store = SqliteStore::new(restored.clone());
    let before = restored_store
        .query(Query::partition(IndexName::Primary, "before").limit(1000))
        .await
        .expect("query");
    assert_eq!(
        before.items.len(),
        500,
        "everything written before the backup"
    );
    // Every batch written during the copy is there whole or not at all.
    for batch in 0..50 {
        let got = restored_store
            .query(Query::partition(IndexName::Primary, format!("during#{batch}")).limit(100))
            .await
            .expect("query");
        assert!(
            got.items.is_empty() || got.items.len() == 10,
            "batch {batch} torn: {} of 10",
            got.items.len()
        );
    }
    let queue = EmbeddedQueue::new(restored, "events", 5);
    let pending = queue.receive(10, 30, 0).await.expect("receive");
    assert_eq!(pending.len(), 1, "queued messages are in the copy too");

    // A second backup never overwrites a file.
    let again = store_embedded::backup(&path, &copy).expect_err("dest exists");
    assert!(again.to_string().contains("exists already"), "{again}");
    let missing = store_embedded::backup(&dir.path().join("nope.db"), &dir.path().join("x.db"))
        .expect_err("no source");
    assert!(missing.to_string().contains("no database"), "{missing}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_releases_what_a_killed_process_held_in_flight() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("crm.db");
    let held_receipt = {
        // The killed process: one message received (invisible for 15 minutes), one not yet.
        let db = EmbeddedDb::open(&path).expect("open");
        let queue = EmbeddedQueue::new(db, "sync", 8);
        queue
            .send_batch(vec![
                OutgoingMessage::now("held"),
                OutgoingMessage::now("waiting"),
            ])
            .await
            .expect("send");
        let got = queue.receive(1, 900, 0).await.expect("receive");
        assert_eq!(got[0].body, "held");
        got[0].receipt.clone()
    };
    let db = EmbeddedDb::open(&path).expect("reopen");
    let queue = EmbeddedQueue::new(db.clone(), "sync", 8);
    let other = EmbeddedQueue::new(db, "events", 8);
    other
        .send_batch(vec![OutgoingMessage::now("other queue")])
        .await
        .expect("send");
    other.receive(1, 900, 0).await.expect("receive");
    assert_eq!(queue.release_in_flight().await.expect("release"), 1);
    assert_eq!(queue.in_flight().await.expect("in flight"), 0);
    assert_eq!(
        other.in_flight().await.expect("in flight"),
        1,
        "only its own queue"
    );
    assert!(
        matches!(
            queue.ack(&held_receipt).await,
            Err(QueueError::StaleReceipt)
        ),
        "the dead process's receipt is void"
    );
    let mut again = queue.receive(10, 30, 0).await.expect("receive");
    again.sort_by(|a, b| a.body.cmp(&b.body));
    let bodies: Vec<_> = again
        .iter()
        .map(|d| (d.body.as_str(), d.receive_count))
        .collect();
    assert_eq!(
        bodies,
        [("held", 2), ("waiting", 1)],
        "redelivered at once, its receive count kept"
    );
}
