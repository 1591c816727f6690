//! [`SqsQueue`]: the queue ports over one SQS standard queue.

use async_trait::async_trait;
use aws_sdk_sqs::Client;
use aws_sdk_sqs::config::http::HttpResponse;
use aws_sdk_sqs::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_sqs::types::{
    ChangeMessageVisibilityBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use ports::{
    DeadLetter, DeadLetters, Delivery, JobQueue, OutgoingMessage, QueueConsumer, QueueError,
};

/// Entries per SendMessageBatch call.
const SQS_BATCH: usize = ports::queue::MAX_RECEIVE;
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
        ports::queue::check_receive(max, visibility_secs)?;
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
        ports::queue::check_retry_delay(delay_secs)?;
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

    async fn pending(&self) -> Result<u64, QueueError> {
        let counts = [
            QueueAttributeName::ApproximateNumberOfMessages,
            QueueAttributeName::ApproximateNumberOfMessagesDelayed,
            QueueAttributeName::ApproximateNumberOfMessagesNotVisible,
        ];
        let out = self
            .client
            .get_queue_attributes()
            .queue_url(&self.queue_url)
            .set_attribute_names(Some(counts.to_vec()))
            .send()
            .await
            .map_err(|e| sdk_error("GetQueueAttributes", &e))?;
        let attributes = out.attributes();
        counts.iter().try_fold(0u64, |sum, name| {
            let n = attributes
                .and_then(|a| a.get(name))
                .and_then(|n| n.parse::<u64>().ok())
                .ok_or_else(|| {
                    QueueError::Unavailable(format!("GetQueueAttributes returned no {name}"))
                })?;
            Ok(sum + n)
        })
    }
}

/// How long `list` hides the dead letters it looks at (they are made visible again right
/// after).
const LIST_VISIBILITY_SECS: i32 = 5;
/// How long `replay` hides the dead letters it looks at: long enough for the send and the
/// delete of the one it replays to use a valid receipt.
const REPLAY_VISIBILITY_SECS: i32 = 30;
/// Receives of one scan of the dead-letter queue: at most this many times ten messages.
const MAX_SCAN_ROUNDS: usize = 100;
/// Long poll of each receive of a scan, so that an empty answer means an empty queue rather
/// than a short poll that missed the servers holding the messages.
const SCAN_WAIT_SECS: i32 = 1;

/// The dead letters of one SQS queue: its dead-letter queue (the redrive policy's target),
/// read without consuming it, and replayed onto the source queue.
///
/// SQS has no way to look at messages without receiving them, so `list` and `replay` receive
/// from the dead-letter queue with a short visibility timeout, then make what they did not
/// take visible again at once. Consequences: each look counts as a receive in the dead
/// letters' `ApproximateReceiveCount` (the reported `receive_count` leaves out the current
/// look only); a scan covers at most a thousand messages; "oldest first" (by `SentTimestamp`,
/// the original send, which SQS keeps when it dead-letters) orders the messages one scan saw;
/// `failed_at_ms` is `None`, as SQS does not tell when a message was moved.
#[derive(Debug, Clone)]
pub struct SqsDeadLetters {
    client: Client,
    dlq_url: String,
    source_queue_url: String,
}

/// A dead letter received by a scan.
#[derive(Debug, Clone)]
struct Peeked {
    id: String,
    receipt: String,
    body: String,
    receive_count: u32,
    sent_at_ms: i64,
}

impl SqsDeadLetters {
    pub fn new(
        client: Client,
        dlq_url: impl Into<String>,
        source_queue_url: impl Into<String>,
    ) -> Self {
        Self {
            client,
            dlq_url: dlq_url.into(),
            source_queue_url: source_queue_url.into(),
        }
    }

    pub fn dlq_url(&self) -> &str {
        &self.dlq_url
    }

    pub fn source_queue_url(&self) -> &str {
        &self.source_queue_url
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Receives from the dead-letter queue until `done` says so, a receive brings nothing new,
    /// or [`MAX_SCAN_ROUNDS`] receives. Each message once, with its latest receipt.
    async fn scan(
        &self,
        visibility_secs: i32,
        mut done: impl FnMut(&[Peeked]) -> bool,
    ) -> Result<Vec<Peeked>, QueueError> {
        let mut seen: Vec<Peeked> = Vec::new();
        for _ in 0..MAX_SCAN_ROUNDS {
            if done(&seen) {
                break;
            }
            let received = self.receive_dead(visibility_secs).await;
            let received = match received {
                Ok(r) => r,
                Err(e) => {
                    self.release(&seen).await;
                    return Err(e);
                }
            };
            let mut fresh = false;
            for p in received {
                match seen.iter_mut().find(|s| s.id == p.id) {
                    // Visible again already: keep the receipt that is valid now.
                    Some(known) => known.receipt = p.receipt,
                    None => {
                        seen.push(p);
                        fresh = true;
                    }
                }
            }
            if !fresh {
                break;
            }
        }
        Ok(seen)
    }

    async fn receive_dead(&self, visibility_secs: i32) -> Result<Vec<Peeked>, QueueError> {
        let out = self
            .client
            .receive_message()
            .queue_url(&self.dlq_url)
            .max_number_of_messages(i32::try_from(SQS_BATCH).unwrap_or(10))
            .visibility_timeout(visibility_secs)
            .wait_time_seconds(SCAN_WAIT_SECS)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .message_system_attribute_names(MessageSystemAttributeName::SentTimestamp)
            .send()
            .await
            .map_err(|e| sdk_error("ReceiveMessage", &e))?;
        out.messages()
            .iter()
            .map(|m| {
                let missing = |what: &str| {
                    QueueError::Unavailable(format!(
                        "ReceiveMessage returned a dead letter without {what}"
                    ))
                };
                let attribute = |name: &MessageSystemAttributeName| {
                    m.attributes().and_then(|a| a.get(name)).map(String::as_str)
                };
                let receive_count = attribute(&MessageSystemAttributeName::ApproximateReceiveCount)
                    .and_then(|n| n.parse::<u32>().ok())
                    .unwrap_or(1);
                let sent_at_ms = attribute(&MessageSystemAttributeName::SentTimestamp)
                    .and_then(|n| n.parse::<i64>().ok())
                    .unwrap_or(0);
                Ok(Peeked {
                    id: m
                        .message_id()
                        .ok_or_else(|| missing("MessageId"))?
                        .to_owned(),
                    receipt: m
                        .receipt_handle()
                        .ok_or_else(|| missing("ReceiptHandle"))?
                        .to_owned(),
                    body: m.body().unwrap_or_default().to_owned(),
                    // This receive is not one of the message's own.
                    receive_count: receive_count.saturating_sub(1).max(1),
                    sent_at_ms,
                })
            })
            .collect()
    }

    /// Makes scanned dead letters visible again at once. Best effort: whatever fails becomes
    /// visible when its short visibility timeout ends.
    async fn release(&self, peeked: &[Peeked]) {
        for chunk in peeked.chunks(SQS_BATCH) {
            let mut request = self
                .client
                .change_message_visibility_batch()
                .queue_url(&self.dlq_url);
            for (i, p) in chunk.iter().enumerate() {
                match ChangeMessageVisibilityBatchRequestEntry::builder()
                    .id(i.to_string())
                    .receipt_handle(&p.receipt)
                    .visibility_timeout(0)
                    .build()
                {
                    Ok(entry) => request = request.entries(entry),
                    Err(e) => tracing::warn!(error = %e, "cannot release a dead letter"),
                }
            }
            match request.send().await {
                Ok(out) if !out.failed().is_empty() => tracing::warn!(
                    failed = out.failed().len(),
                    "some dead letters stay hidden until their visibility timeout"
                ),
                Ok(_) => {}
                Err(e) => tracing::warn!(
                    error = %DisplayErrorContext(&e),
                    "dead letters stay hidden until their visibility timeout"
                ),
            }
        }
    }
}

#[async_trait]
impl DeadLetters for SqsDeadLetters {
    async fn list(&self, limit: usize) -> Result<Vec<DeadLetter>, QueueError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut peeked = self
            .scan(LIST_VISIBILITY_SECS, |seen| seen.len() >= limit)
            .await?;
        self.release(&peeked).await;
        peeked.sort_by(|a, b| (a.sent_at_ms, &a.id).cmp(&(b.sent_at_ms, &b.id)));
        Ok(peeked
            .into_iter()
            .take(limit)
            .map(|p| DeadLetter {
                id: p.id,
                body: p.body,
                receive_count: p.receive_count,
                failed_at_ms: None,
            })
            .collect())
    }

    /// Receives until the message shows, sends its body to the source queue as a new message,
    /// then deletes it from the dead-letter queue: a failure in between leaves it in both
    /// rather than in neither.
    async fn replay(&self, id: &str) -> Result<bool, QueueError> {
        let peeked = self
            .scan(REPLAY_VISIBILITY_SECS, |seen| {
                seen.iter().any(|p| p.id == id)
            })
            .await?;
        let (target, others): (Vec<Peeked>, Vec<Peeked>) =
            peeked.into_iter().partition(|p| p.id == id);
        self.release(&others).await;
        let Some(target) = target.into_iter().next() else {
            return Ok(false);
        };
        let sent = self
            .client
            .send_message()
            .queue_url(&self.source_queue_url)
            .message_body(&target.body)
            .send()
            .await;
        if let Err(e) = sent {
            self.release(std::slice::from_ref(&target)).await;
            return Err(sdk_error("SendMessage", &e));
        }
        self.client
            .delete_message()
            .queue_url(&self.dlq_url)
            .receipt_handle(&target.receipt)
            .send()
            .await
            .map_err(|e| {
                QueueError::Unavailable(format!(
                    "dead letter {id} was sent back to its queue but is still a dead letter: {}",
                    sdk_error("DeleteMessage", &e)
                ))
            })?;
        tracing::info!(message_id = id, "dead letter replayed");
        Ok(true)
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
