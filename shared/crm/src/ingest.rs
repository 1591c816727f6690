//! Callback ingestion: after the request is verified and decrypted, make the event durable
//! (raw log + idempotency key + a queued processing job) before WeCom gets its 200.

use crate::jobs::QueueJob;
use std::sync::Arc;

use ports::{Clock, JobQueue, OutgoingMessage};
use tracing::info;
use wecom_callback::event::{CallbackMessage, MessageKind};

use crate::CrmError;
use crate::jobs::Job;
use crate::model::{CallbackLogEntry, CallbackStatus};
use crate::repo::{CallbackLog, Delivery};

/// WeCom repeats a delivery only when it did not get a timely 200 — typically because the first
/// delivery could not queue its job. A repeat of an event still unprocessed after this long
/// therefore queues the job again (processing is idempotent, so a spare job is harmless);
/// repeats arriving together (WeCom's concurrent retries) do not.
const REQUEUE_AFTER_MS: i64 = 2_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// First delivery: logged and queued.
    Queued,
    /// A repeat delivery of an event already handled or in hand.
    Duplicate,
    /// A late repeat of an event not processed yet: its job was queued again.
    Requeued,
}

pub struct Ingestor {
    log: CallbackLog,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
}

impl Ingestor {
    pub fn new(log: CallbackLog, queue: Arc<dyn JobQueue>, clock: Arc<dyn Clock>) -> Self {
        Self { log, queue, clock }
    }

    /// Logs the decrypted event and queues its processing: two durable writes. Returns only
    /// once both are done; an error means WeCom must get a non-200 and retry.
    pub async fn ingest(
        &self,
        message: &CallbackMessage,
        raw_xml: &str,
    ) -> Result<IngestOutcome, CrmError> {
        let now = self.clock.now_ms();
        let entry = log_entry(message, raw_xml, now);
        let key = entry.dedupe_key.clone();
        let outcome = match self.log.record_delivery(&entry, now).await? {
            Delivery::First => IngestOutcome::Queued,
            Delivery::Repeat(existing)
                if matches!(
                    existing.status,
                    CallbackStatus::Received | CallbackStatus::Retrying
                ) && now - existing.received_at_ms >= REQUEUE_AFTER_MS =>
            {
                IngestOutcome::Requeued
            }
            Delivery::Repeat(existing) => {
                info!(
                    event_type = %existing.event_type,
                    deliveries = existing.delivery_count,
                    "repeat delivery of a logged event"
                );
                return Ok(IngestOutcome::Duplicate);
            }
        };
        let job = Job::Callback { key: key.clone() };
        self.queue
            .send_batch(vec![OutgoingMessage::now(job.to_body())])
            .await?;
        Ok(outcome)
    }
}

/// `change_external_contact/add_external_contact`, `change_external_tag/create`, `text`, …
pub fn event_type(message: &CallbackMessage) -> String {
    match (&message.event, &message.change_type) {
        (Some(event), Some(change)) => format!("{event}/{change}"),
        (Some(event), None) => event.clone(),
        _ => message.msg_type.clone(),
    }
}

fn log_entry(message: &CallbackMessage, raw_xml: &str, now_ms: i64) -> CallbackLogEntry {
    let (external_userid, userid, state) = match &message.kind {
        MessageKind::ExternalContact(ev) => (
            Some(ev.external_user_id.clone()),
            Some(ev.user_id.clone()),
            ev.state.clone(),
        ),
        MessageKind::AppMessage(msg) => (None, Some(msg.from_user.clone()), None),
        _ => (None, None, None),
    };
    CallbackLogEntry {
        dedupe_key: message.dedupe_key(),
        event_type: event_type(message),
        external_userid,
        userid,
        state,
        create_time: message.create_time,
        raw_xml: raw_xml.to_owned(),
        status: CallbackStatus::Received,
        delivery_count: 1,
        received_at_ms: now_ms,
        last_delivery_at_ms: now_ms,
        ..CallbackLogEntry::default()
    }
}
