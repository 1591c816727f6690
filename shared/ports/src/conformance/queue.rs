//! Queue behaviours. Each one runs against a fresh, empty queue provided by a [`QueueFixture`].
//!
//! Time moves through [`QueueFixture::pass_time`]: real sleeping for a remote queue, a clock
//! advance for an adapter running on a test clock. Waits for redelivery go through `receive`'s
//! own `wait_ms`, so an adapter whose visibility deadlines only approximately match wall time
//! (SQS) still passes.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use async_trait::async_trait;

use crate::queue::{Delivery, JobQueue, OutgoingMessage, QueueConsumer, QueueError};

/// What the queue behaviours need from an adapter's test setup.
#[async_trait]
pub trait QueueFixture: Send + Sync {
    /// The producing side of the queue under test.
    fn producer(&self) -> &dyn JobQueue;

    /// The consuming side of the same queue.
    fn consumer(&self) -> &dyn QueueConsumer;

    /// How many receives a message gets before it is dead-lettered (at least 3).
    fn max_receives(&self) -> u32;

    /// Bodies that reached the queue's dead-letter side since the last call (a remote
    /// dead-letter queue may hand each one out once).
    async fn take_dead_letter_bodies(&self) -> Vec<String>;

    /// Lets `ms` milliseconds pass on the queue's clock (sleeps by default).
    async fn pass_time(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

async fn send(fixture: &dyn QueueFixture, messages: Vec<OutgoingMessage>) {
    let n = messages.len();
    fixture
        .producer()
        .send_batch(messages)
        .await
        .unwrap_or_else(|e| panic!("send_batch of {n} failed: {e}"));
}

async fn receive(
    fixture: &dyn QueueFixture,
    max: usize,
    visibility_secs: u32,
    wait_ms: u64,
) -> Vec<Delivery> {
    let got = fixture
        .consumer()
        .receive(max, visibility_secs, wait_ms)
        .await
        .unwrap_or_else(|e| panic!("receive failed: {e}"));
    assert!(
        got.len() <= max,
        "received {} messages, above max {max}",
        got.len()
    );
    for d in &got {
        assert!(!d.message_id.is_empty(), "empty message id");
        assert!(!d.receipt.is_empty(), "empty receipt");
        assert!(
            d.receive_count >= 1,
            "receive_count must count this receive"
        );
    }
    got
}

/// Receives until one message shows or `wait_ms` has passed.
async fn receive_one(fixture: &dyn QueueFixture, visibility_secs: u32, wait_ms: u64) -> Delivery {
    let deadline = Instant::now() + Duration::from_millis(wait_ms);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let mut got = receive(fixture, 1, visibility_secs, millis(left).max(1)).await;
        if let Some(d) = got.pop() {
            return d;
        }
        if left.is_zero() {
            panic!("no message arrived within {wait_ms} ms");
        }
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

async fn ack(fixture: &dyn QueueFixture, d: &Delivery) {
    fixture
        .consumer()
        .ack(&d.receipt)
        .await
        .unwrap_or_else(|e| panic!("ack of {} failed: {e}", d.message_id));
}

async fn assert_empty_now(fixture: &dyn QueueFixture, what: &str) {
    let got = receive(fixture, 10, 30, 0).await;
    assert!(
        got.is_empty(),
        "{what}: expected no visible message, got {got:?}"
    );
}

fn assert_invalid<T: std::fmt::Debug>(result: Result<T, QueueError>, what: &str) {
    match result {
        Err(QueueError::Invalid(_)) => {}
        other => panic!("{what}: expected Invalid, got {other:?}"),
    }
}

/// Waits (a few seconds at most: SQS's counts are approximate) until `pending` says `n`.
async fn assert_pending(fixture: &dyn QueueFixture, n: u64, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let got = fixture
            .consumer()
            .pending()
            .await
            .unwrap_or_else(|e| panic!("{what}: pending failed: {e}"));
        if got == n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: expected {n} pending, got {got}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub async fn pending_counts_every_message_not_yet_done(fixture: &dyn QueueFixture) {
    assert_pending(fixture, 0, "fresh queue").await;
    send(
        fixture,
        vec![
            OutgoingMessage::now("done"),
            OutgoingMessage {
                body: "delayed".into(),
                delay_secs: 600,
            },
        ],
    )
    .await;
    assert_pending(fixture, 2, "one visible, one delayed").await;
    let d = receive_one(fixture, 30, 5_000).await;
    assert_eq!(d.body, "done");
    assert_pending(fixture, 2, "one in flight, one delayed").await;
    ack(fixture, &d).await;
    assert_pending(fixture, 1, "acked: only the delayed one is left").await;

    send(fixture, vec![OutgoingMessage::now("retried")]).await;
    let d = receive_one(fixture, 30, 5_000).await;
    assert_eq!(d.body, "retried");
    fixture
        .consumer()
        .retry_after(&d.receipt, 600)
        .await
        .expect("retry_after");
    assert_pending(fixture, 2, "a retry waiting for its delay is not done").await;
}

pub async fn send_receive_ack_removes_the_message(fixture: &dyn QueueFixture) {
    assert_empty_now(fixture, "fresh queue").await;
    send(
        fixture,
        vec![OutgoingMessage::now("{\"job\":\"欢迎语\",\"n\":1}")],
    )
    .await;
    let d = receive_one(fixture, 1, 5_000).await;
    assert_eq!(d.body, "{\"job\":\"欢迎语\",\"n\":1}");
    assert_eq!(d.receive_count, 1);
    ack(fixture, &d).await;
    fixture.pass_time(1_500).await;
    let got = receive(fixture, 10, 30, 500).await;
    assert!(got.is_empty(), "an acked message came back: {got:?}");
}

pub async fn unacked_message_reappears_after_visibility(fixture: &dyn QueueFixture) {
    send(fixture, vec![OutgoingMessage::now("again")]).await;
    let first = receive_one(fixture, 1, 5_000).await;
    assert_eq!(first.receive_count, 1);
    assert_empty_now(fixture, "while in flight").await;
    fixture.pass_time(1_200).await;
    let second = receive_one(fixture, 30, 5_000).await;
    assert_eq!(second.message_id, first.message_id);
    assert_eq!(second.body, "again");
    assert_eq!(
        second.receive_count, 2,
        "receive_count counts every receive"
    );
    assert_ne!(
        second.receipt, first.receipt,
        "each receive gets its own receipt"
    );
    ack(fixture, &second).await;
}

pub async fn retry_after_delays_redelivery(fixture: &dyn QueueFixture) {
    assert!(
        fixture.max_receives() >= 3,
        "fixture must allow at least 3 receives"
    );
    send(fixture, vec![OutgoingMessage::now("retry me")]).await;
    let first = receive_one(fixture, 30, 5_000).await;
    fixture
        .consumer()
        .retry_after(&first.receipt, 2)
        .await
        .expect("retry_after");
    assert_empty_now(fixture, "right after retry_after(2)").await;
    fixture.pass_time(500).await;
    assert_empty_now(fixture, "0.5 s after retry_after(2)").await;
    fixture.pass_time(2_000).await;
    let second = receive_one(fixture, 30, 5_000).await;
    assert_eq!(second.message_id, first.message_id);
    assert_eq!(second.receive_count, 2);

    // A zero delay makes the message visible again at once.
    fixture
        .consumer()
        .retry_after(&second.receipt, 0)
        .await
        .expect("retry_after(0)");
    let third = receive_one(fixture, 30, 5_000).await;
    assert_eq!(third.message_id, first.message_id);
    assert_eq!(third.receive_count, 3);
    ack(fixture, &third).await;
}

pub async fn send_with_delay_hides_the_message_until_due(fixture: &dyn QueueFixture) {
    send(
        fixture,
        vec![
            OutgoingMessage {
                body: "later".into(),
                delay_secs: 2,
            },
            OutgoingMessage::now("now"),
        ],
    )
    .await;
    let now = receive_one(fixture, 30, 5_000).await;
    assert_eq!(now.body, "now");
    ack(fixture, &now).await;
    assert_empty_now(fixture, "before the delay is over").await;
    fixture.pass_time(2_500).await;
    let later = receive_one(fixture, 30, 5_000).await;
    assert_eq!(later.body, "later");
    assert_eq!(later.receive_count, 1);
    ack(fixture, &later).await;
}

pub async fn batch_of_25_messages_is_delivered_exactly_once(fixture: &dyn QueueFixture) {
    fixture
        .producer()
        .send_batch(Vec::new())
        .await
        .expect("empty batch");
    let bodies: Vec<String> = (0..25).map(|i| format!("msg-{i:02}")).collect();
    send(
        fixture,
        bodies.iter().cloned().map(OutgoingMessage::now).collect(),
    )
    .await;

    let mut seen: BTreeMap<String, Delivery> = BTreeMap::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while seen.len() < 25 && Instant::now() < deadline {
        for d in receive(fixture, 10, 60, 1_000).await {
            if let Some(previous) = seen.insert(d.body.clone(), d.clone()) {
                panic!(
                    "{} delivered twice within its visibility ({previous:?}, {d:?})",
                    d.body
                );
            }
        }
    }
    let got: Vec<String> = seen.keys().cloned().collect();
    assert_eq!(got, bodies, "every message exactly once");
    for d in seen.values() {
        ack(fixture, d).await;
    }
    fixture.pass_time(1_000).await;
    assert_empty_now(fixture, "after acking all 25").await;
}

pub async fn receive_honours_max(fixture: &dyn QueueFixture) {
    send(
        fixture,
        (0..5)
            .map(|i| OutgoingMessage::now(format!("m{i}")))
            .collect(),
    )
    .await;
    let mut total = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while total.len() < 5 && Instant::now() < deadline {
        let got = receive(fixture, 2, 60, 1_000).await;
        total.extend(got);
    }
    assert_eq!(total.len(), 5);
    for d in &total {
        ack(fixture, d).await;
    }
}

pub async fn receive_with_wait_returns_promptly_when_a_message_arrives(fixture: &dyn QueueFixture) {
    let started = Instant::now();
    let got = receive(fixture, 10, 30, 0).await;
    assert!(got.is_empty());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "receive with wait_ms 0 on an empty queue took {:?}",
        started.elapsed()
    );

    let started = Instant::now();
    let waiting = receive(fixture, 10, 30, 15_000);
    let sending = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        send(fixture, vec![OutgoingMessage::now("wake up")]).await;
    };
    let (got, ()) = tokio::join!(waiting, sending);
    let elapsed = started.elapsed();
    assert_eq!(got.len(), 1, "the waiting receive did not get the message");
    assert_eq!(got[0].body, "wake up");
    assert!(
        elapsed < Duration::from_secs(5),
        "receive returned {elapsed:?} after it started, not promptly after the send"
    );
    ack(fixture, &got[0]).await;
}

pub async fn message_exceeding_max_receives_is_dead_lettered(fixture: &dyn QueueFixture) {
    let max = fixture.max_receives();
    assert!(max >= 3, "fixture must allow at least 3 receives");
    send(
        fixture,
        vec![
            OutgoingMessage::now("poison"),
            OutgoingMessage::now("healthy"),
        ],
    )
    .await;
    let mut healthy_acked = false;
    for n in 1..=max {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut poison = None;
        while poison.is_none() && Instant::now() < deadline {
            for d in receive(fixture, 10, 30, 1_000).await {
                if d.body == "healthy" {
                    ack(fixture, &d).await;
                    healthy_acked = true;
                } else {
                    poison = Some(d);
                }
            }
        }
        let poison = poison.unwrap_or_else(|| panic!("poison message missing on receive {n}"));
        assert_eq!(poison.receive_count, n);
        fixture
            .consumer()
            .retry_after(&poison.receipt, 0)
            .await
            .expect("retry_after(0)");
    }
    assert!(healthy_acked, "the healthy message was never delivered");

    // The next receive finds the poison message over its limit and dead-letters it.
    let got = receive(fixture, 10, 30, 1_500).await;
    assert!(
        got.is_empty(),
        "a message was delivered beyond max_receives: {got:?}"
    );

    let mut dead = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while dead.is_empty() && Instant::now() < deadline {
        dead.extend(fixture.take_dead_letter_bodies().await);
        if dead.is_empty() {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_eq!(dead, vec!["poison".to_string()], "dead-letter side");
    assert_empty_now(fixture, "after dead-lettering").await;
}

pub async fn invalid_queue_requests_are_rejected(fixture: &dyn QueueFixture) {
    let consumer = fixture.consumer();
    assert_invalid(consumer.receive(0, 30, 0).await, "receive of 0 messages");
    assert_invalid(consumer.receive(11, 30, 0).await, "receive of 11 messages");
    assert_invalid(
        fixture
            .producer()
            .send_batch(vec![OutgoingMessage {
                body: "x".into(),
                delay_secs: 901,
            }])
            .await,
        "delay above 900 s",
    );
    assert_invalid(
        fixture
            .producer()
            .send_batch(vec![OutgoingMessage::now("")])
            .await,
        "empty body",
    );
    assert_invalid(
        fixture
            .producer()
            .send_batch(vec![OutgoingMessage::now("x".repeat(256 * 1024 + 1))])
            .await,
        "body above 256 KiB",
    );
    assert_invalid(
        fixture
            .producer()
            .send_batch(vec![OutgoingMessage::now("nul \u{0} byte")])
            .await,
        "body with a character SQS refuses",
    );
    assert_empty_now(fixture, "after rejected sends").await;

    assert!(
        consumer.ack("not-a-receipt").await.is_err(),
        "ack of a made-up receipt"
    );
    assert!(
        consumer.retry_after("not-a-receipt", 0).await.is_err(),
        "retry_after of a made-up receipt"
    );

    // A receipt goes stale once its message is acked.
    send(fixture, vec![OutgoingMessage::now("once")]).await;
    let d = receive_one(fixture, 30, 5_000).await;
    ack(fixture, &d).await;
    assert!(
        consumer.retry_after(&d.receipt, 0).await.is_err(),
        "retry_after of an acked message"
    );
}
