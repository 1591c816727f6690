//! The queue port: at-least-once delivery of job messages, with delays, visibility timeouts
//! and dead-lettering after too many receives.

use async_trait::async_trait;

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("queue unavailable: {0}")]
    Unavailable(String),
    #[error("invalid queue request: {0}")]
    Invalid(String),
    /// The receipt no longer names an in-flight message (acked, expired or redelivered).
    #[error("unknown or stale receipt")]
    StaleReceipt,
}

impl QueueError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, QueueError::Unavailable(_))
    }
}

/// A message to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    pub body: String,
    /// Seconds before the message becomes visible (0..=900, SQS's limit).
    pub delay_secs: u32,
}

/// What a consumer decided about one delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settle {
    /// Done with it: remove it from the queue.
    Ack,
    /// Make it visible again after this many seconds.
    RetryAfter(u32),
    /// Leave it invisible until its timeout (after its last receive, the dead-letter queue).
    Leave,
}

/// Polls `queue` until `stop` turns true, handing each delivery to `handle` and settling it as
/// `handle` says: the worker loop of local mode (in AWS, Lambda's event source mapping polls).
pub async fn consume<F, Fut>(
    queue: &dyn QueueConsumer,
    max: usize,
    visibility_secs: u32,
    mut stop: tokio::sync::watch::Receiver<bool>,
    mut handle: F,
) where
    F: FnMut(Delivery) -> Fut,
    Fut: std::future::Future<Output = Settle>,
{
    loop {
        if *stop.borrow() {
            return;
        }
        let received = tokio::select! {
            r = queue.receive(max, visibility_secs, 500) => r,
            _ = stop.changed() => return,
        };
        let deliveries = match received {
            Ok(d) if d.is_empty() => {
                // A queue that does not long-poll must not turn this into a busy loop.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                continue;
            }
            Ok(d) => d,
            Err(e) => {
                tracing::warn!(error = %e, "queue receive failed");
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                continue;
            }
        };
        for delivery in deliveries {
            let receipt = delivery.receipt.clone();
            let settled = match handle(delivery).await {
                Settle::Ack => queue.ack(&receipt).await,
                Settle::RetryAfter(secs) => queue.retry_after(&receipt, secs).await,
                Settle::Leave => Ok(()),
            };
            if let Err(e) = settled {
                tracing::warn!(error = %e, "could not settle a message; it will be redelivered");
            }
        }
    }
}

/// Longest delay SQS accepts on a message (15 minutes).
pub const MAX_DELAY_SECS: u32 = 900;
/// Most messages one receive may ask for (SQS's batch).
pub const MAX_RECEIVE: usize = 10;
/// Longest visibility timeout, or retry delay, SQS accepts (12 hours).
pub const MAX_VISIBILITY_SECS: u32 = 43_200;

/// The receive contract every adapter enforces: 1..=[`MAX_RECEIVE`] messages, a visibility
/// timeout of at most [`MAX_VISIBILITY_SECS`].
pub fn check_receive(max: usize, visibility_secs: u32) -> Result<(), QueueError> {
    if max == 0 || max > MAX_RECEIVE {
        return Err(QueueError::Invalid(format!(
            "receive takes 1..={MAX_RECEIVE} messages, asked for {max}"
        )));
    }
    if visibility_secs > MAX_VISIBILITY_SECS {
        return Err(QueueError::Invalid(format!(
            "visibility timeout is at most {MAX_VISIBILITY_SECS} s"
        )));
    }
    Ok(())
}

/// The retry contract every adapter enforces: a delay of at most [`MAX_VISIBILITY_SECS`].
pub fn check_retry_delay(delay_secs: u32) -> Result<(), QueueError> {
    if delay_secs > MAX_VISIBILITY_SECS {
        return Err(QueueError::Invalid(format!(
            "retry delay is at most {MAX_VISIBILITY_SECS} s"
        )));
    }
    Ok(())
}
/// Largest body SQS accepts.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

impl OutgoingMessage {
    pub fn now(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            delay_secs: 0,
        }
    }

    /// Refuses what SQS would refuse — delays above 900 s, empty or oversized bodies, characters
    /// outside SQS's allowed set — so that every adapter fails where AWS would.
    pub fn validate(&self) -> Result<(), QueueError> {
        if self.delay_secs > MAX_DELAY_SECS {
            return Err(QueueError::Invalid(format!(
                "delay is at most {MAX_DELAY_SECS} s, got {}",
                self.delay_secs
            )));
        }
        if self.body.is_empty() {
            return Err(QueueError::Invalid("message body is empty".into()));
        }
        if self.body.len() > MAX_BODY_BYTES {
            return Err(QueueError::Invalid(format!(
                "message body is {} bytes, above {MAX_BODY_BYTES}",
                self.body.len()
            )));
        }
        if let Some(c) = self.body.chars().find(|c| !sqs_allows(*c)) {
            return Err(QueueError::Invalid(format!(
                "message body holds U+{:04X}, which SQS does not accept",
                u32::from(c)
            )));
        }
        Ok(())
    }
}

/// `#x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF`.
fn sqs_allows(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// A received message, invisible to other consumers until acked or its visibility ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub message_id: String,
    pub receipt: String,
    pub body: String,
    /// How many times this message has been received, this time included.
    pub receive_count: u32,
}

/// The producing side; what callback and campaign functions hold.
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Enqueues every message or fails (batches above 10 are split by the adapter).
    async fn send_batch(&self, messages: Vec<OutgoingMessage>) -> Result<(), QueueError>;
}

/// The consuming side; in AWS, Lambda's event source mapping plays this role.
#[async_trait]
pub trait QueueConsumer: Send + Sync {
    /// Up to `max` visible messages (1..=10), each hidden for `visibility_secs`; waits up to
    /// `wait_ms` for one to arrive.
    async fn receive(
        &self,
        max: usize,
        visibility_secs: u32,
        wait_ms: u64,
    ) -> Result<Vec<Delivery>, QueueError>;

    /// Removes a processed message for good.
    async fn ack(&self, receipt: &str) -> Result<(), QueueError>;

    /// Makes the message visible again after `delay_secs` (a failed attempt).
    async fn retry_after(&self, receipt: &str, delay_secs: u32) -> Result<(), QueueError>;

    /// Messages not done yet: visible, delayed and in flight (not dead letters). Approximate
    /// on SQS (its `ApproximateNumberOf*` attributes); zero means the queue is drained.
    async fn pending(&self) -> Result<u64, QueueError>;
}

/// A message set aside after too many receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// Names it for [`DeadLetters::replay`] (the message id it had in the source queue).
    pub id: String,
    pub body: String,
    /// How many times it had been received (approximate on SQS, where looking at a dead-letter
    /// queue is itself a receive).
    pub receive_count: u32,
    /// When it was dead-lettered (milliseconds since the Unix epoch), if the backend knows.
    pub failed_at_ms: Option<i64>,
}

/// The dead letters of one queue: what an operator inspects and sends back for another try.
#[async_trait]
pub trait DeadLetters: Send + Sync {
    /// Up to `limit` dead letters, oldest first (does not remove them).
    async fn list(&self, limit: usize) -> Result<Vec<DeadLetter>, QueueError>;

    /// Puts the dead letter back on its source queue (as a fresh message) and removes it from
    /// the dead letters. `Ok(false)` when no dead letter has this id.
    async fn replay(&self, id: &str) -> Result<bool, QueueError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_checked_like_sqs_does() {
        assert!(OutgoingMessage::now("{\"客户\":1}\n").validate().is_ok());
        assert!(OutgoingMessage::now("a\u{0}b").validate().is_err());
        assert!(OutgoingMessage::now("\u{FFFE}").validate().is_err());
        assert!(OutgoingMessage::now("").validate().is_err());
        assert!(
            OutgoingMessage::now("x".repeat(MAX_BODY_BYTES + 1))
                .validate()
                .is_err()
        );
        let late = OutgoingMessage {
            body: "x".into(),
            delay_secs: MAX_DELAY_SECS + 1,
        };
        assert!(late.validate().is_err());
    }
}
