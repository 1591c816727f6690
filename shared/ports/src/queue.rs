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

impl OutgoingMessage {
    pub fn now(body: impl Into<String>) -> Self {
        Self {
            body: body.into(),
            delay_secs: 0,
        }
    }
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
}
