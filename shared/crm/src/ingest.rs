//! Callback ingestion: after the request is verified and decrypted, make the event durable
//! (raw log + idempotency key + a queued processing job) before WeCom gets its 200.

use crate::jobs::QueueJob;
use std::sync::Arc;

use ports::{Clock, JobQueue, OutgoingMessage};
use tracing::info;
use wecom_callback::event::{CallbackMessage, CallbackMessageRef, MessageClass, MessageKind};

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
        self.record(log_entry(message, raw_xml, now), now).await
    }

    /// [`Self::ingest`] from the borrowed view the callback request path parses (the raw XML
    /// logged is the view's): the same log entry, without building the owned message.
    pub async fn ingest_ref(
        &self,
        message: &CallbackMessageRef<'_>,
    ) -> Result<IngestOutcome, CrmError> {
        let now = self.clock.now_ms();
        self.record(log_entry_ref(message, now), now).await
    }

    async fn record(&self, entry: CallbackLogEntry, now: i64) -> Result<IngestOutcome, CrmError> {
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

/// [`event_type`] of the borrowed view.
pub fn event_type_ref(message: &CallbackMessageRef<'_>) -> String {
    match (message.event(), message.change_type()) {
        (Some(event), Some(change)) => format!("{event}/{change}"),
        (Some(event), None) => event.to_owned(),
        _ => message.msg_type().to_owned(),
    }
}

fn log_entry_ref(message: &CallbackMessageRef<'_>, now_ms: i64) -> CallbackLogEntry {
    let text = |v: Option<&str>| v.map(str::to_owned);
    let (external_userid, userid, state) = match message.class() {
        MessageClass::ExternalContact => (
            text(message.external_user_id()),
            text(message.user_id()),
            text(message.state()),
        ),
        MessageClass::AppMessage => (None, Some(message.from_user_name().to_owned()), None),
        _ => (None, None, None),
    };
    CallbackLogEntry {
        dedupe_key: message.dedupe_key(),
        event_type: event_type_ref(message),
        external_userid,
        userid,
        state,
        create_time: message.create_time(),
        raw_xml: message.raw().to_owned(),
        status: CallbackStatus::Received,
        delivery_count: 1,
        received_at_ms: now_ms,
        last_delivery_at_ms: now_ms,
        ..CallbackLogEntry::default()
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

#[cfg(test)]
mod tests {
    use super::*;
    use wecom_callback::{builder, parse_message, parse_message_ref};

    /// The request path logs from the borrowed view: the entry must be the owned message's.
    #[test]
    fn the_view_logs_the_same_entry_as_the_owned_message() {
        let docs = [
            builder::external_contact_xml("ww1", "add_external_contact", "u:1", "e%", Some("s"), Some("w"), 7),
            builder::external_contact_xml("ww1", "del_follow_user", "u", "e", None, None, 8),
            builder::external_tag_xml("ww1", "create", "et1", "tag", 9),
            builder::external_chat_xml("ww1", "update", "wr1", Some("add_member"), 10),
            builder::app_text_xml("ww1", "lisi", "hi", 42, 1000002, 11),
            "<xml><MsgType>event</MsgType><Event>enter_agent</Event><FromUserName>m</FromUserName></xml>".to_owned(),
            "<xml><MsgType>image</MsgType><FromUserName>m</FromUserName><CreateTime>3</CreateTime></xml>".to_owned(),
            "<xml><Whatever/></xml>".to_owned(),
        ];
        for doc in &docs {
            let owned = parse_message(doc).expect("parses");
            let view = parse_message_ref(doc).expect("parses");
            assert_eq!(log_entry_ref(&view, 5), log_entry(&owned, doc, 5), "{doc}");
            assert_eq!(event_type_ref(&view), event_type(&owned));
        }
    }
}
