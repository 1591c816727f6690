//! Dead-letter behaviours. Each one runs against a fresh, empty queue whose dead letters the
//! fixture exposes through the [`DeadLetters`] port.
//!
//! Messages reach the dead letters the way they do in production: received `max_receives`
//! times without an ack, then found over the limit by the next receive.

use std::time::{Duration, Instant};

use super::queue::QueueFixture;
use crate::queue::{DeadLetter, DeadLetters, Delivery, OutgoingMessage};

/// A [`QueueFixture`] whose queue's dead letters can be listed and replayed.
pub trait DeadLetterFixture: QueueFixture {
    /// The dead letters of the fixture's queue.
    fn dead_letters(&self) -> &dyn DeadLetters;
}

/// How long a dead letter may take to show in `list` (SQS moves them asynchronously).
const SHOW_UP: Duration = Duration::from_secs(10);

async fn receive(fixture: &dyn DeadLetterFixture, wait_ms: u64) -> Vec<Delivery> {
    fixture
        .consumer()
        .receive(10, 30, wait_ms)
        .await
        .unwrap_or_else(|e| panic!("receive failed: {e}"))
}

async fn list(fixture: &dyn DeadLetterFixture, limit: usize) -> Vec<DeadLetter> {
    let got = fixture
        .dead_letters()
        .list(limit)
        .await
        .unwrap_or_else(|e| panic!("list({limit}) failed: {e}"));
    assert!(
        got.len() <= limit,
        "list({limit}) returned {} dead letters",
        got.len()
    );
    got
}

async fn replay(fixture: &dyn DeadLetterFixture, id: &str) -> bool {
    fixture
        .dead_letters()
        .replay(id)
        .await
        .unwrap_or_else(|e| panic!("replay({id}) failed: {e}"))
}

/// Lists until exactly `n` dead letters show (or [`SHOW_UP`] passes).
async fn list_until(fixture: &dyn DeadLetterFixture, n: usize) -> Vec<DeadLetter> {
    let deadline = Instant::now() + SHOW_UP;
    loop {
        let got = list(fixture, 100).await;
        if got.len() == n || Instant::now() >= deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Sends `bodies` (in this order, a little time apart) and receives each of them
/// `max_receives` times without an ack, until the next receive dead-letters them. Returns the
/// dead letters, as listed.
async fn poison(fixture: &dyn DeadLetterFixture, bodies: &[&str]) -> Vec<DeadLetter> {
    for body in bodies {
        fixture
            .producer()
            .send_batch(vec![OutgoingMessage::now(*body)])
            .await
            .unwrap_or_else(|e| panic!("send of {body} failed: {e}"));
        fixture.pass_time(20).await;
    }
    let max = fixture.max_receives();
    for n in 1..=max {
        let mut seen: Vec<Delivery> = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while seen.len() < bodies.len() && Instant::now() < deadline {
            for d in receive(fixture, 1_000).await {
                assert!(
                    bodies.contains(&d.body.as_str()),
                    "unexpected message {d:?}"
                );
                assert!(
                    seen.iter().all(|s| s.body != d.body),
                    "{} delivered twice on round {n}",
                    d.body
                );
                seen.push(d);
            }
        }
        assert_eq!(
            seen.len(),
            bodies.len(),
            "not every message came back on receive {n}: {seen:?}"
        );
        for d in &seen {
            assert_eq!(d.receive_count, n, "{d:?}");
            fixture
                .consumer()
                .retry_after(&d.receipt, 0)
                .await
                .unwrap_or_else(|e| panic!("retry_after(0) failed: {e}"));
        }
    }
    let beyond = receive(fixture, 1_500).await;
    assert!(
        beyond.is_empty(),
        "a message was delivered beyond max_receives: {beyond:?}"
    );
    let dead = list_until(fixture, bodies.len()).await;
    assert_eq!(
        dead.len(),
        bodies.len(),
        "dead letters after {max} receives: {dead:?}"
    );
    for d in &dead {
        assert!(!d.id.is_empty(), "a dead letter without id: {d:?}");
        assert!(
            d.receive_count >= max,
            "a dead letter received {} times, below max_receives {max}",
            d.receive_count
        );
    }
    dead
}

pub async fn poison_message_reaches_the_dead_letters(fixture: &dyn DeadLetterFixture) {
    assert!(
        list(fixture, 10).await.is_empty(),
        "a fresh queue has dead letters"
    );
    fixture
        .producer()
        .send_batch(vec![OutgoingMessage::now("healthy")])
        .await
        .expect("send healthy");
    let healthy = receive(fixture, 1_000).await;
    assert_eq!(healthy.len(), 1);
    fixture
        .consumer()
        .ack(&healthy[0].receipt)
        .await
        .expect("ack healthy");

    let dead = poison(fixture, &["{\"job\":\"毒\"}"]).await;
    assert_eq!(dead[0].body, "{\"job\":\"毒\"}");

    // Listing does not remove anything.
    let again = list(fixture, 10).await;
    assert_eq!(again.len(), 1, "second list: {again:?}");
    assert_eq!(again[0].id, dead[0].id);
    assert_eq!(again[0].body, dead[0].body);
    assert!(
        receive(fixture, 0).await.is_empty(),
        "listing put a dead letter back on the queue"
    );
}

pub async fn replay_moves_a_dead_letter_back_exactly_once(fixture: &dyn DeadLetterFixture) {
    let dead = poison(fixture, &["replay me"]).await;
    let id = dead[0].id.clone();
    assert!(replay(fixture, &id).await, "replay of a listed dead letter");
    assert!(
        list_until(fixture, 0).await.is_empty(),
        "a replayed dead letter is still listed"
    );
    assert!(!replay(fixture, &id).await, "second replay of {id}");

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut back = Vec::new();
    while back.is_empty() && Instant::now() < deadline {
        back = receive(fixture, 1_000).await;
    }
    assert_eq!(back.len(), 1, "replayed message on the source queue");
    assert_eq!(back[0].body, "replay me");
    assert_eq!(
        back[0].receive_count, 1,
        "a replayed message starts over as a fresh one"
    );
    fixture
        .consumer()
        .ack(&back[0].receipt)
        .await
        .expect("ack replayed");
    fixture.pass_time(1_000).await;
    let more = receive(fixture, 1_000).await;
    assert!(more.is_empty(), "replayed more than once: {more:?}");
    assert!(list(fixture, 10).await.is_empty());
}

pub async fn replay_of_an_unknown_id_is_false(fixture: &dyn DeadLetterFixture) {
    assert!(
        !replay(fixture, "no-such-dead-letter").await,
        "replay on an empty dead-letter side"
    );
    let dead = poison(fixture, &["stays"]).await;
    assert!(
        !replay(fixture, "no-such-dead-letter").await,
        "replay of an unknown id"
    );
    let still = list(fixture, 10).await;
    assert_eq!(still.len(), 1, "the real dead letter is kept: {still:?}");
    assert_eq!(still[0].id, dead[0].id);
    assert!(
        receive(fixture, 0).await.is_empty(),
        "replay of an unknown id sent something"
    );
}

pub async fn dead_letters_are_listed_oldest_first(fixture: &dyn DeadLetterFixture) {
    let dead = poison(fixture, &["first", "second", "third"]).await;
    let bodies: Vec<&str> = dead.iter().map(|d| d.body.as_str()).collect();
    assert_eq!(bodies, vec!["first", "second", "third"]);
    let stamps: Vec<i64> = dead.iter().filter_map(|d| d.failed_at_ms).collect();
    assert!(
        stamps.windows(2).all(|w| w[0] <= w[1]),
        "failed_at_ms goes down along the list: {dead:?}"
    );
    assert_eq!(list(fixture, 2).await.len(), 2, "list honours its limit");
    assert!(list(fixture, 0).await.is_empty(), "list(0)");
    assert_eq!(
        list(fixture, 10).await.len(),
        3,
        "nothing removed by listing"
    );
}
