//! The queue glue the campaign and sender functions share: an SQS batch in AWS (partial batch
//! failures), a polling worker locally.

use std::future::Future;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_wiring::sqs_batch::{Handled, partial_batch};
use crm::CrmError;
use ports::QueueConsumer;
use ports::queue::Settle;
use tracing::warn;

/// How a local worker spaces retries.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// After a transient failure.
    pub retry: Duration,
    /// After WeCom's frequency limit (45009 asks for 60 s).
    pub rate_limited: Duration,
    /// After a permanent one (the message reaches the dead letters after its receives run out).
    pub poison: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            retry: Duration::from_secs(30),
            rate_limited: Duration::from_secs(60),
            poison: Duration::from_secs(60),
        }
    }
}

/// Handles each record; failed ones are reported so that SQS delivers them again (and, after
/// maxReceiveCount, moves them to the dead-letter queue).
pub async fn handle_sqs<F, Fut>(event: SqsEvent, mut handle: F) -> SqsBatchResponse
where
    F: FnMut(String) -> Fut,
    Fut: Future<Output = Result<(), CrmError>>,
{
    partial_batch(event, |message| {
        let done = handle(message.body);
        async move {
            match done.await {
                Ok(()) => Handled::Done,
                Err(e) => {
                    warn!(error = %e.summary(), retryable = e.is_retryable(), "message failed; SQS will deliver it again");
                    Handled::Failed
                }
            }
        }
    })
    .await
}

fn secs(d: Duration) -> u32 {
    u32::try_from(d.as_secs()).unwrap_or(u32::MAX).max(1)
}

/// Local mode: polls `queue` until `stop` fires.
pub async fn run_worker<F, Fut>(
    queue: &dyn QueueConsumer,
    backoff: Backoff,
    stop: tokio::sync::watch::Receiver<bool>,
    handle: F,
) where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<(), CrmError>>,
{
    ports::queue::consume(queue, 1, 300, stop, |delivery| {
        let done = handle(delivery.body);
        async move {
            match done.await {
                Ok(()) => Settle::Ack,
                Err(e) if e.is_retryable() => {
                    warn!(error = %e.summary(), "will be retried");
                    let delay = match e.retry_after() {
                        Some(_) => backoff.rate_limited,
                        None => backoff.retry,
                    };
                    Settle::RetryAfter(secs(delay))
                }
                Err(e) => {
                    warn!(error = %e.summary(), "failed; dead-lettered after its receives run out");
                    Settle::RetryAfter(secs(backoff.poison))
                }
            }
        }
    })
    .await;
}
