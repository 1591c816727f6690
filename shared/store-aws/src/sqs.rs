//! [`SqsQueue`]: the queue ports over one SQS standard queue.

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    MessageSystemAttributeName, QueueAttributeName, SendMessageBatchRequestEntry,
};
use ports::{Delivery, JobQueue, OutgoingMessage, QueueConsumer, QueueError};

/// Longest visibility timeout (12 hours).
pub const MAX_VISIBILITY_SECS: u32 = 43_200;
/// Entries per SendMessageBatch call, and most messages per receive.
const SQS_BATCH: usize = 10;
/// Longest long poll SQS allows.
const MAX_WAIT_SECS: u64 = 20;

/// Producer and consumer of one SQS queue. In AWS the consumer side is Lambda's event source
/// mapping; this implementation of [`QueueConsumer`] serves tests and tools.
#[derive(Debug, Clone)]
pub struct SqsQueue {
    client: Client,
    queue_url: String,
}

impl SqsQueue {
    pub fn new(client: Client, queue_url: impl Into<String>) -> Self {
        Self {
            client,
            queue_url: queue_url.into(),
        }
    }

    pub fn queue_url(&self) -> &str {
        &self.queue_url
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends one chunk of at most ten messages; entries that failed for the service's sake are
    /// sent once more.
    async fn send_chunk(&self, chunk: &[OutgoingMessage]) -> Result<(), QueueError> {
        let mut pending: Vec<(String, &OutgoingMessage)> = chunk
            .iter()
            .enumerate()
            .map(|(i, m)| (i.to_string(), m))
            .collect();
        for attempt in 0..2 {
            let mut request = self.client.send_message_batch().queue_url(&self.queue_url);
            for (id, m) in &pending {
                let entry = SendMessageBatchRequestEntry::builder()
                    .id(id)
                    .message_body(&m.body)
                    .delay_seconds(i32::try_from(m.delay_secs).unwrap_or(i32::MAX))
                    .build()
                    .map_err(|e| QueueError::Invalid(e.to_string()))?;
                request = request.entries(entry);
            }
            let out = request
                .send()
                .await
                .map_err(|e| sdk_error("SendMessageBatch", &e))?;
            let failed = out.failed();
            if failed.is_empty() {
                return Ok(());
            }
            if let Some(f) = failed.iter().find(|f| f.sender_fault()) {
                return Err(QueueError::Invalid(format!(
                    "SendMessageBatch refused a message: {} {}",
                    f.code(),
                    f.message().unwrap_or_default()
                )));
            }
            let failed_ids: Vec<&str> = failed.iter().map(|f| f.id()).collect();
            tracing::warn!(
                failed = failed_ids.len(),
                attempt,
                "SendMessageBatch entries failed"
            );
            pending.retain(|(id, _)| failed_ids.contains(&id.as_str()));
        }
        Err(QueueError::Unavailable(format!(
            "SendMessageBatch: {} messages still failed after a retry",
            pending.len()
        )))
    }
}

#[async_trait]
impl JobQueue for SqsQueue {
    /// Sends in chunks of ten. A failure part-way leaves earlier chunks sent: delivery is at
    /// least once, and a caller retrying the whole batch may enqueue some messages twice.
    async fn send_batch(&self, messages: Vec<OutgoingMessage>) -> Result<(), QueueError> {
        for m in &messages {
            m.validate()?;
        }
        for chunk in messages.chunks(SQS_BATCH) {
            self.send_chunk(chunk).await?;
        }
        Ok(())
    }
}

#[async_trait]
impl QueueConsumer for SqsQueue {
    /// `wait_ms` is rounded up to whole seconds (at most 20), SQS's long-poll granularity.
    async fn receive(
        &self,
        max: usize,
        visibility_secs: u32,
        wait_ms: u64,
    ) -> Result<Vec<Delivery>, QueueError> {
        if max == 0 || max > SQS_BATCH {
            return Err(QueueError::Invalid(format!(
                "receive takes 1..={SQS_BATCH} messages, asked for {max}"
            )));
        }
        if visibility_secs > MAX_VISIBILITY_SECS {
            return Err(QueueError::Invalid(format!(
                "visibility timeout is at most {MAX_VISIBILITY_SECS} s"
            )));
        }
        let wait_secs = wait_ms.div_ceil(1000).min(MAX_WAIT_SECS);
        let out = self
            .client
            .receive_message()
            .queue_url(&self.queue_url)
            .max_number_of_messages(i32::try_from(max).unwrap_or(10))
            .visibility_timeout(i32::try_from(visibility_secs).unwrap_or(i32::MAX))
            .wait_time_seconds(i32::try_from(wait_secs).unwrap_or(20))
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
            .await
            .map_err(|e| sdk_error("ReceiveMessage", &e))?;
        out.messages()
            .iter()
            .map(|m| {
                let missing = |what: &str| {
                    QueueError::Unavailable(format!(
                        "ReceiveMessage returned a message without {what}"
                    ))
                };
                let receive_count = m
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .and_then(|n| n.parse::<u32>().ok())
                    .ok_or_else(|| missing("ApproximateReceiveCount"))?;
                Ok(Delivery {
                    message_id: m
                        .message_id()
                        .ok_or_else(|| missing("MessageId"))?
                        .to_owned(),
                    receipt: m
                        .receipt_handle()
                        .ok_or_else(|| missing("ReceiptHandle"))?
                        .to_owned(),
                    body: m.body().unwrap_or_default().to_owned(),
                    receive_count,
                })
            })
            .collect()
    }

    async fn ack(&self, receipt: &str) -> Result<(), QueueError> {
        self.client
            .delete_message()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .send()
            .await
            .map_err(|e| receipt_error("DeleteMessage", &e))?;
        Ok(())
    }

    async fn retry_after(&self, receipt: &str, delay_secs: u32) -> Result<(), QueueError> {
        if delay_secs > MAX_VISIBILITY_SECS {
            return Err(QueueError::Invalid(format!(
                "retry delay is at most {MAX_VISIBILITY_SECS} s"
            )));
        }
        self.client
            .change_message_visibility()
            .queue_url(&self.queue_url)
            .receipt_handle(receipt)
            .visibility_timeout(i32::try_from(delay_secs).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(|e| receipt_error("ChangeMessageVisibility", &e))?;
        Ok(())
    }
}

fn sdk_error<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> QueueError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = format!("{operation}: {}", DisplayErrorContext(err));
    match err {
        SdkError::ConstructionFailure(_) => QueueError::Invalid(detail),
        SdkError::ServiceError(service) => match service.err().code().unwrap_or_default() {
            "InvalidParameterValue"
            | "InvalidMessageContents"
            | "InvalidAttributeValue"
            | "InvalidAttributeName"
            | "MissingParameter"
            | "BatchEntryIdsNotDistinct"
            | "TooManyEntriesInBatchRequest"
            | "EmptyBatchRequest"
            | "InvalidBatchEntryId"
            | "BatchRequestTooLong"
            | "UnsupportedOperation" => QueueError::Invalid(detail),
            // Throttling, 5xx, missing queue, denied access: may work later.
            _ => QueueError::Unavailable(detail),
        },
        _ => QueueError::Unavailable(detail),
    }
}

/// Like [`sdk_error`], with the answers that mean "this receipt no longer names an in-flight
/// message" mapped to [`QueueError::StaleReceipt`].
fn receipt_error<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> QueueError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let SdkError::ServiceError(service) = err {
        let code = service.err().code().unwrap_or_default();
        let message = service.err().message().unwrap_or_default();
        let stale = matches!(
            code,
            "ReceiptHandleIsInvalid" | "MessageNotInflight" | "InvalidIdFormat"
        ) || (code == "InvalidParameterValue" && message.contains("ReceiptHandle"));
        if stale {
            return QueueError::StaleReceipt;
        }
    }
    sdk_error(operation, err)
}

/// Creates `name` and its dead-letter queue `name-dlq`, with a redrive policy moving a message
/// received more than `max_receives` times to the dead-letter queue. Returns
/// `(queue_url, dlq_url)`.
pub async fn create_queue_with_dlq(
    client: &Client,
    name: &str,
    max_receives: u32,
) -> Result<(String, String), QueueError> {
    let dlq_url = client
        .create_queue()
        .queue_name(format!("{name}-dlq"))
        .attributes(QueueAttributeName::MessageRetentionPeriod, "1209600")
        .send()
        .await
        .map_err(|e| sdk_error("CreateQueue", &e))?
        .queue_url()
        .ok_or_else(|| QueueError::Unavailable("CreateQueue returned no URL".into()))?
        .to_owned();
    let dlq_arn = client
        .get_queue_attributes()
        .queue_url(&dlq_url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| sdk_error("GetQueueAttributes", &e))?
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .ok_or_else(|| QueueError::Unavailable("GetQueueAttributes returned no QueueArn".into()))?;
    let redrive = serde_json::json!({
        "deadLetterTargetArn": dlq_arn,
        "maxReceiveCount": max_receives.max(1).to_string(),
    });
    let queue_url = client
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::RedrivePolicy, redrive.to_string())
        .send()
        .await
        .map_err(|e| sdk_error("CreateQueue", &e))?
        .queue_url()
        .ok_or_else(|| QueueError::Unavailable("CreateQueue returned no URL".into()))?
        .to_owned();
    Ok((queue_url, dlq_url))
}
