//! The SQS event source's contract, written once for every queue-driven function (events,
//! sync steps, campaign runs, sends): each record is handled inside a span naming its message,
//! and the ones that failed are answered as partial batch failures, so SQS delivers only those
//! again (and moves them to the dead-letter queue after `maxReceiveCount`).

use std::future::Future;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use tracing::{Instrument, info_span};

/// One record of a batch, as a handler needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqsMessage {
    pub message_id: String,
    pub body: String,
    /// `ApproximateReceiveCount`: 1 on the first delivery.
    pub receive_count: u32,
    /// To change this delivery's visibility (a retry later than the queue's timeout).
    pub receipt_handle: Option<String>,
}

/// What became of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// Done with: SQS deletes it.
    Done,
    /// Not done: SQS delivers it again when its visibility runs out.
    Failed,
}

/// Runs `handle` on every record of `event` in order and answers the failed ones.
pub async fn partial_batch<F, Fut>(event: SqsEvent, mut handle: F) -> SqsBatchResponse
where
    F: FnMut(SqsMessage) -> Fut,
    Fut: Future<Output = Handled>,
{
    let mut response = SqsBatchResponse::default();
    for record in event.records {
        let message = SqsMessage {
            message_id: record.message_id.unwrap_or_default(),
            body: record.body.unwrap_or_default(),
            receive_count: record
                .attributes
                .get("ApproximateReceiveCount")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1),
            receipt_handle: record.receipt_handle,
        };
        let message_id = message.message_id.clone();
        let span = info_span!("message", message_id = %message_id);
        if handle(message).instrument(span).await == Handled::Failed {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message_id;
            response.batch_item_failures.push(failure);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::SqsMessage as SqsRecord;

    fn record(id: &str, body: &str, receives: &str) -> SqsRecord {
        let mut record = SqsRecord::default();
        record.message_id = Some(id.to_owned());
        record.body = Some(body.to_owned());
        record.receipt_handle = Some(format!("receipt-{id}"));
        record
            .attributes
            .insert("ApproximateReceiveCount".into(), receives.into());
        record
    }

    #[tokio::test]
    async fn only_the_failed_records_are_answered_and_each_sees_its_own_delivery() {
        let mut event = SqsEvent::default();
        event.records = vec![
            record("m1", "ok", "1"),
            record("m2", "bad", "3"),
            record("m3", "ok", "2"),
        ];
        let mut seen = Vec::new();
        let response = partial_batch(event, |m| {
            seen.push((
                m.message_id.clone(),
                m.receive_count,
                m.receipt_handle.clone(),
            ));
            async move {
                if m.body == "ok" {
                    Handled::Done
                } else {
                    Handled::Failed
                }
            }
        })
        .await;
        let failed: Vec<_> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.clone())
            .collect();
        assert_eq!(failed, ["m2"]);
        assert_eq!(
            seen,
            [
                ("m1".to_owned(), 1, Some("receipt-m1".to_owned())),
                ("m2".to_owned(), 3, Some("receipt-m2".to_owned())),
                ("m3".to_owned(), 2, Some("receipt-m3".to_owned())),
            ]
        );
    }
}
