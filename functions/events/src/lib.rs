//! The events function's handler: one queue message at a time through the domain's
//! [`Processor`], with the queue action that fits each outcome.
//!
//! In AWS the SQS event source mapping delivers batches and we answer with partial batch
//! failures; a message to retry later gets its visibility timeout set to the retry delay
//! first. Locally, [`run_worker`] polls the embedded queue and does the same.

use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_wiring::sqs_batch::{Handled, partial_batch};
use crm::process::{JobResult, Processor};
use ports::QueueConsumer;
use ports::queue::Settle;
use tracing::{Instrument, info_span, warn};

/// SQS caps a visibility timeout at 12 hours.
const MAX_VISIBILITY: Duration = Duration::from_secs(12 * 3600);

/// Handles one SQS batch; `queue` sets the retry delay of messages that will be retried.
pub async fn handle_batch(
    processor: &Processor,
    queue: &dyn QueueConsumer,
    event: SqsEvent,
) -> SqsBatchResponse {
    partial_batch(event, |message| async move {
        match processor.handle(&message.body, message.receive_count).await {
            JobResult::Done => Handled::Done,
            JobResult::Reject => Handled::Failed,
            JobResult::RetryAfter(delay) => {
                if let Some(receipt) = message.receipt_handle.as_deref()
                    && let Err(e) = queue.retry_after(receipt, secs(delay)).await
                {
                    warn!(error = %e, "could not delay the retry; the queue's visibility timeout applies");
                }
                Handled::Failed
            }
        }
    })
    .await
}

/// Polls `queue` until `stop` fires, processing each message (local mode and tests).
pub async fn run_worker(
    processor: Arc<Processor>,
    queue: Arc<dyn QueueConsumer>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    ports::queue::consume(queue.as_ref(), 10, 60, stop, |delivery| {
        let processor = processor.clone();
        async move {
            let result = processor
                .handle(&delivery.body, delivery.receive_count)
                .instrument(info_span!("job", message_id = %delivery.message_id))
                .await;
            match result {
                JobResult::Done => Settle::Ack,
                JobResult::RetryAfter(delay) => Settle::RetryAfter(secs(delay)),
                JobResult::Reject => Settle::Leave,
            }
        }
    })
    .await;
}

fn secs(delay: Duration) -> u32 {
    let capped = delay.min(MAX_VISIBILITY);
    // Round up so that a sub-second delay still waits.
    u32::try_from(capped.as_millis().div_ceil(1000)).unwrap_or(u32::MAX)
}
