//! The events function's handler: one queue message at a time through the domain's
//! [`Processor`], with the queue action that fits each outcome.
//!
//! In AWS the SQS event source mapping delivers batches and we answer with partial batch
//! failures; a message to retry later gets its visibility timeout set to the retry delay
//! first. Locally, [`run_worker`] polls the embedded queue and does the same.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use crm::process::{JobResult, Processor};
use ports::QueueConsumer;
use tracing::{Instrument, info_span, warn};

/// SQS caps a visibility timeout at 12 hours.
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 3600);

/// Handles one SQS batch; `queue` sets the retry delay of messages that will be retried.
pub async fn handle_batch(
    processor: &Processor,
    queue: &dyn QueueConsumer,
    event: SqsEvent,
) -> SqsBatchResponse {
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let message_id = record.message_id.clone().unwrap_or_default();
        let receive_count = record
            .attributes
            .get("ApproximateReceiveCount")
            .and_then(|v| v.parse().ok())
            .unwrap_or(1);
        let body = record.body.unwrap_or_default();
        let result = processor
            .handle(&body, receive_count)
            .instrument(info_span!("job", message_id = %message_id))
            .await;
        let failed = match result {
            JobResult::Done => false,
            JobResult::Reject => true,
            JobResult::RetryAfter(delay) => {
                if let Some(receipt) = record.receipt_handle.as_deref()
                    && let Err(e) = queue.retry_after(receipt, secs(delay)).await
                {
                    warn!(error = %e, "could not delay the retry; the queue's visibility timeout applies");
                }
                true
            }
        };
        if failed {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

/// Polls `queue` until `stop` fires, processing each message (local mode and tests).
pub async fn run_worker(
    processor: Arc<Processor>,
    queue: Arc<dyn QueueConsumer>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *stop.borrow() {
            return;
        }
        let received = tokio::select! {
            r = queue.receive(10, 60, 500) => r,
            _ = stop.changed() => return,
        };
        let deliveries = match received {
            Ok(d) if d.is_empty() => {
                // A queue that does not long-poll must not turn this into a busy loop.
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
            Ok(d) => d,
            Err(e) => {
                warn!(error = %e, "queue receive failed");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        for delivery in deliveries {
            let result = processor
                .handle(&delivery.body, delivery.receive_count)
                .instrument(info_span!("job", message_id = %delivery.message_id))
                .await;
            let acked = match result {
                JobResult::Done => queue.ack(&delivery.receipt).await,
                JobResult::RetryAfter(delay) => {
                    queue.retry_after(&delivery.receipt, secs(delay)).await
                }
                // Left invisible until its timeout; after max receives the queue dead-letters it.
                JobResult::Reject => Ok(()),
            };
            if let Err(e) = acked {
                warn!(error = %e, "could not settle a message; it will be redelivered");
            }
        }
    }
}

fn secs(delay: Duration) -> u32 {
    let capped = delay.min(MAX_VISIBILITY);
    // Round up so that a sub-second delay still waits.
    u32::try_from(capped.as_millis().div_ceil(1000)).unwrap_or(u32::MAX)
}
