//! Callback ingestion: after the request is verified and decrypted, make the event durable
//! (raw log + idempotency key + a queued processing job) before WeCom gets its 200.

use crate::jobs::QueueJob;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ports::{Clock, JobQueue, OutgoingMessage};
use sha1::{Digest, Sha1};
use tracing::{info, warn};
use wecom_callback::CallbackError;
use wecom_callback::event::{
    CallbackMessage, CallbackMessageRef, MessageClass, MessageKind, parse_message,
};

use crate::CrmError;
use crate::jobs::Job;
use crate::model::{CallbackLogEntry, CallbackStatus};
use crate::repo::{CallbackLog, Delivery};

/// WeCom repeats a delivery only when it did not get a timely 200 — typically because the first
/// delivery could not queue its job. A repeat of an event still unprocessed after this long
/// therefore queues the job again (processing is idempotent, so a spare job is harmless);
/// repeats arriving together (WeCom's concurrent retries) do not.
const REQUEUE_AFTER_MS: i64 = 2_000;

/// How long a quick repeat of an event still `received` waits for the first delivery's mark
/// that its job is queued ([`CallbackLog::mark_queued`]) before queuing the job itself: the
/// first delivery may be between its two writes, or may have died (or had its log write
/// answered as failed) without queuing it. Well inside WeCom's 5 s.
const REPEAT_WAIT: Duration = Duration::from_millis(1_000);
const REPEAT_POLL: Duration = Duration::from_millis(25);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngestOutcome {
    /// First delivery: logged and queued.
    Queued,
    /// A repeat delivery of an event already handled or in hand.
    Duplicate,
    /// A late repeat of an event not processed yet: its job was queued again.
    Requeued,
    /// First delivery of a message the product cannot interpret: logged raw as
    /// [`CallbackStatus::Unrecognized`], nothing queued.
    KeptUnrecognized,
}

/// The event type of log entries whose message could not be interpreted (all of them share
/// it, so the type index lists them; a replay that interprets one gives it its real type).
pub const UNRECOGNIZED_EVENT_TYPE: &str = "unrecognized";

pub struct Ingestor {
    log: CallbackLog,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
    repeat_wait: Duration,
}

impl Ingestor {
    pub fn new(log: CallbackLog, queue: Arc<dyn JobQueue>, clock: Arc<dyn Clock>) -> Self {
        Self {
            log,
            queue,
            clock,
            repeat_wait: REPEAT_WAIT,
        }
    }

    /// How long a quick repeat waits for the first delivery's queued mark (default 1 s).
    #[must_use]
    pub fn with_repeat_wait(mut self, wait: Duration) -> Self {
        self.repeat_wait = wait;
        self
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

    /// Keeps an authentic plaintext the product cannot interpret: logged raw (UTF-8 as is,
    /// anything else as base64) under `unrecognized:{sha1 of the bytes}`, so that WeCom's
    /// retries of it land on one entry; nothing is queued. `reason` is
    /// [`unrecognized_reason`]'s.
    pub async fn ingest_unrecognized(
        &self,
        plain: &[u8],
        reason: String,
    ) -> Result<IngestOutcome, CrmError> {
        let now = self.clock.now_ms();
        let entry = unrecognized_entry(plain, reason, now);
        match self.log.record_delivery(&entry, now).await? {
            Delivery::First => Ok(IngestOutcome::KeptUnrecognized),
            Delivery::Repeat(_) => Ok(IngestOutcome::Duplicate),
        }
    }

    async fn record(
        &self,
        mut entry: CallbackLogEntry,
        now: i64,
    ) -> Result<IngestOutcome, CrmError> {
        let key = entry.dedupe_key.clone();
        let ingest_id = format!("{:032x}", rand::random::<u128>());
        entry.ingest_id = Some(ingest_id.clone());
        let outcome = match self.log.record_delivery(&entry, now).await? {
            Delivery::First => IngestOutcome::Queued,
            Delivery::Repeat(existing) => match self.repeat(&existing, &ingest_id, now).await? {
                Some(outcome) => outcome,
                None => {
                    info!(
                        event_type = %existing.event_type,
                        deliveries = existing.delivery_count,
                        "repeat delivery of a logged event"
                    );
                    return Ok(IngestOutcome::Duplicate);
                }
            },
        };
        if let Err(e) = self.queue_job(&key).await {
            // WeCom gets a non-200 and repeats the delivery, possibly at once: the entry says
            // its job is not queued, so that the repeat queues it (a repeat within
            // REQUEUE_AFTER_MS would otherwise be taken for a concurrent duplicate and the event
            // never processed). If even this write fails, WeCom's later repeats still do.
            let note = format!("{NOT_QUEUED}: {e}");
            let _ = self
                .log
                .update(&key, |entry| {
                    if entry.status != CallbackStatus::Received {
                        return false;
                    }
                    entry.error = Some(note.clone());
                    true
                })
                .await;
            return Err(e.into());
        }
        Ok(outcome)
    }

    /// Queues the event's processing job, then marks it queued. The mark only spares a quick
    /// repeat its wait (and the queue a spare job), so failing to write it fails nothing.
    async fn queue_job(&self, key: &str) -> Result<(), ports::QueueError> {
        let job = Job::Callback {
            key: key.to_owned(),
        };
        self.queue
            .send_batch(vec![OutgoingMessage::now(job.to_body())])
            .await?;
        if let Err(e) = self.log.mark_queued(key, self.clock.now_ms()).await {
            warn!(error = %e.summary(), "queued mark not written");
        }
        Ok(())
    }

    /// What a repeat delivery of a logged event does: `Some` queues the job (again), `None`
    /// acknowledges it as a duplicate — only when its job is known to be queued, or processing
    /// has taken the event up.
    async fn repeat(
        &self,
        existing: &CallbackLogEntry,
        ingest_id: &str,
        now: i64,
    ) -> Result<Option<IngestOutcome>, CrmError> {
        // Our own write, applied, and a retry of it refused as a duplicate: the first.
        if existing.ingest_id.as_deref() == Some(ingest_id) {
            return Ok(Some(IngestOutcome::Queued));
        }
        let waiting = matches!(
            existing.status,
            CallbackStatus::Received | CallbackStatus::Retrying
        );
        if waiting && (now - existing.received_at_ms >= REQUEUE_AFTER_MS || not_queued(existing)) {
            return Ok(Some(IngestOutcome::Requeued));
        }
        if existing.status != CallbackStatus::Received
            || self.queued_within(&existing.dedupe_key).await?
        {
            return Ok(None);
        }
        // No mark: the first delivery never queued the job (it died, or its log write was
        // applied but answered as failed) — unless processing took the event up meanwhile.
        let now_status = self.log.get(&existing.dedupe_key).await?.map(|e| e.status);
        Ok((now_status == Some(CallbackStatus::Received)).then_some(IngestOutcome::Requeued))
    }

    /// Whether the event's queued mark is there, or appears within `repeat_wait`.
    async fn queued_within(&self, dedupe_key: &str) -> Result<bool, CrmError> {
        let deadline = Instant::now() + self.repeat_wait;
        loop {
            if self.log.is_queued(dedupe_key).await? {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(REPEAT_POLL).await;
        }
    }
}

/// What [`Ingestor::requeue_unqueued`] found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct RequeueSummary {
    /// Entries received in the window.
    pub examined: u64,
    /// Entries still `received` with no job ever queued: queued now.
    pub requeued: u64,
}

impl Ingestor {
    /// Queues the job of every event logged between `window_ms` and `grace_ms` ago that is
    /// still `received` and whose job was never queued (no queued mark): WeCom gave up on its
    /// delivery (every attempt refused, say while the queue was down) after the log write had
    /// gone through, or the mark was lost. Run by the result-tracking schedule; a spare job
    /// for an event whose mark alone was lost is harmless (processing is idempotent).
    pub async fn requeue_unqueued(
        &self,
        grace_ms: i64,
        window_ms: i64,
    ) -> Result<RequeueSummary, CrmError> {
        let now = self.clock.now_ms();
        let mut summary = RequeueSummary::default();
        let mut cursor = None;
        loop {
            let (entries, next) = self
                .log
                .received_between(now - window_ms, now - grace_ms, 200, cursor)
                .await?;
            for entry in entries {
                summary.examined += 1;
                if entry.status != CallbackStatus::Received
                    || self.log.is_queued(&entry.dedupe_key).await?
                {
                    continue;
                }
                self.queue_job(&entry.dedupe_key).await?;
                summary.requeued += 1;
            }
            match next {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        if summary.requeued > 0 {
            warn!(
                requeued = summary.requeued,
                "logged events that were never queued are queued now"
            );
        }
        Ok(summary)
    }
}

/// The error a logged event carries while its job could not be queued.
const NOT_QUEUED: &str = "job not queued";

fn not_queued(entry: &CallbackLogEntry) -> bool {
    entry.status == CallbackStatus::Received
        && entry
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with(NOT_QUEUED))
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

/// Why an authentic plaintext was not interpreted, as a stable code for the event log (no
/// message content): `empty`, `not_utf8`, `json`, `not_xml`, `forbidden_xml`,
/// `malformed_xml`, `bad_create_time`, `missing_element:{Name}`.
pub fn unrecognized_reason(plain: &[u8], error: &CallbackError) -> String {
    let Ok(text) = std::str::from_utf8(plain) else {
        return "not_utf8".to_owned();
    };
    let text = text.trim_start_matches('\u{feff}').trim();
    if text.is_empty() {
        return "empty".to_owned();
    }
    if text.starts_with(['{', '[']) && serde_json::from_str::<serde_json::Value>(text).is_ok() {
        return "json".to_owned();
    }
    if !text.starts_with('<') {
        return "not_xml".to_owned();
    }
    match error {
        CallbackError::MissingField(name) => format!("missing_element:{name}"),
        CallbackError::ForbiddenXml => "forbidden_xml".to_owned(),
        CallbackError::MalformedMessage(m) if m.starts_with("CreateTime") => {
            "bad_create_time".to_owned()
        }
        CallbackError::MalformedMessage(_) => "malformed_xml".to_owned(),
        other => other.code().to_owned(),
    }
}

/// The log entry of a plaintext that could not be interpreted.
fn unrecognized_entry(plain: &[u8], reason: String, now_ms: i64) -> CallbackLogEntry {
    let (raw_xml, raw_base64) = match std::str::from_utf8(plain) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (STANDARD.encode(plain), true),
    };
    CallbackLogEntry {
        dedupe_key: format!("unrecognized:{}", hex::encode(Sha1::digest(plain))),
        event_type: UNRECOGNIZED_EVENT_TYPE.to_owned(),
        raw_xml,
        raw_base64,
        status: CallbackStatus::Unrecognized,
        unrecognized_reason: Some(reason),
        delivery_count: 1,
        received_at_ms: now_ms,
        last_delivery_at_ms: now_ms,
        ..CallbackLogEntry::default()
    }
}

/// Interprets a logged entry's raw plaintext again with this version's parser (the events
/// worker does it on every run, so a replay after an upgrade reads what an older version
/// could not). `Err` is [`unrecognized_reason`]'s code.
pub fn reinterpret(entry: &CallbackLogEntry) -> Result<CallbackMessage, String> {
    let bytes = if entry.raw_base64 {
        STANDARD
            .decode(entry.raw_xml.as_bytes())
            .map_err(|_| "not_utf8".to_owned())?
    } else {
        entry.raw_xml.clone().into_bytes()
    };
    let text = String::from_utf8(bytes).map_err(|_| "not_utf8".to_owned())?;
    parse_message(&text).map_err(|e| unrecognized_reason(text.as_bytes(), &e))
}

/// Once a formerly unrecognized entry is interpreted: gives it what the message says (its
/// type, customer, member, channel, CreateTime; the raw text as UTF-8) and drops the reason.
/// Entries that were interpreted all along, and entries still not interpretable, are left as
/// they are.
pub fn mark_recognized(entry: &mut CallbackLogEntry) {
    if entry.event_type != UNRECOGNIZED_EVENT_TYPE && entry.unrecognized_reason.is_none() {
        return;
    }
    let Ok(message) = reinterpret(entry) else {
        return;
    };
    let seen = log_entry(&message, &message.raw, entry.received_at_ms);
    entry.event_type = seen.event_type;
    entry.external_userid = seen.external_userid;
    entry.userid = seen.userid;
    entry.state = seen.state;
    entry.create_time = seen.create_time;
    entry.raw_xml = seen.raw_xml;
    entry.raw_base64 = false;
    entry.unrecognized_reason = None;
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
            "<xml><MsgType>event</MsgType><Event>enter_agent</Event><FromUserName>m</FromUserName><CreateTime>2</CreateTime></xml>".to_owned(),
            "<xml><MsgType>image</MsgType><FromUserName>m</FromUserName><CreateTime>3</CreateTime></xml>".to_owned(),
            "<xml><MsgType>mystery</MsgType><CreateTime>4</CreateTime><Whatever/></xml>".to_owned(),
        ];
        for doc in &docs {
            let owned = parse_message(doc).expect("parses");
            let view = parse_message_ref(doc).expect("parses");
            assert_eq!(log_entry_ref(&view, 5), log_entry(&owned, doc, 5), "{doc}");
            assert_eq!(event_type_ref(&view), event_type(&owned));
        }
    }

    fn reason(plain: &[u8]) -> String {
        let error = match std::str::from_utf8(plain) {
            Ok(text) => parse_message(text).expect_err("not interpretable"),
            Err(_) => CallbackError::NotUtf8,
        };
        unrecognized_reason(plain, &error)
    }

    #[test]
    fn unrecognized_plaintexts_are_named_by_shape_without_their_content() {
        let no_from =
            "<xml><MsgType>text</MsgType><CreateTime>1</CreateTime><Content>私密</Content></xml>";
        assert_eq!(reason(no_from.as_bytes()), "missing_element:FromUserName");
        let no_time = "<xml><MsgType>event</MsgType><Event>change_external_contact</Event></xml>";
        assert_eq!(reason(no_time.as_bytes()), "missing_element:CreateTime");
        assert_eq!(
            reason(br#"{"msgtype":"text","text":{"content":"hi"}}"#),
            "json"
        );
        assert_eq!(reason(b"  \n"), "empty");
        assert_eq!(reason(b""), "empty");
        assert_eq!(reason("你好，不是 XML".as_bytes()), "not_xml");
        assert_eq!(reason(b"{not json"), "not_xml");
        assert_eq!(reason(&[0xff, 0xfe, 0x00]), "not_utf8");
        assert_eq!(reason(b"<xml><MsgType>text</Msg"), "malformed_xml");
        assert_eq!(
            reason(b"<xml><MsgType>text</MsgType><CreateTime>soon</CreateTime></xml>"),
            "bad_create_time"
        );
        assert_eq!(
            reason(b"<!DOCTYPE xml [<!ENTITY a \"b\">]><xml></xml>"),
            "forbidden_xml"
        );
    }

    #[test]
    fn unrecognized_entries_key_on_the_bytes_and_keep_non_utf8_as_base64() {
        let a = unrecognized_entry(b"{\"a\":1}", "json".into(), 5);
        let again = unrecognized_entry(b"{\"a\":1}", "json".into(), 9);
        let b = unrecognized_entry(b"{\"a\":2}", "json".into(), 5);
        assert_eq!(a.dedupe_key, again.dedupe_key);
        assert_ne!(a.dedupe_key, b.dedupe_key);
        assert!(a.dedupe_key.starts_with("unrecognized:"));
        assert_eq!((a.raw_xml.as_str(), a.raw_base64), ("{\"a\":1}", false));
        assert_eq!(a.status, CallbackStatus::Unrecognized);
        let binary = unrecognized_entry(&[0xff, 0x00, 0x41], "not_utf8".into(), 5);
        assert!(binary.raw_base64);
        assert_eq!(
            STANDARD.decode(&binary.raw_xml).expect("base64"),
            vec![0xff, 0x00, 0x41]
        );
        assert_eq!(reinterpret(&binary), Err("not_utf8".to_owned()));
    }

    #[test]
    fn an_entry_interpreted_after_an_upgrade_takes_the_messages_identity() {
        let xml = builder::external_contact_xml(
            "ww1",
            "add_external_contact",
            "u1",
            "wm1",
            Some("douyin"),
            None,
            7,
        );
        let mut entry = unrecognized_entry(xml.as_bytes(), "missing_element:State".into(), 5);
        assert!(reinterpret(&entry).is_ok(), "this version reads it");
        mark_recognized(&mut entry);
        assert_eq!(
            entry.event_type,
            "change_external_contact/add_external_contact"
        );
        assert_eq!(entry.external_userid.as_deref(), Some("wm1"));
        assert_eq!(entry.userid.as_deref(), Some("u1"));
        assert_eq!(entry.state.as_deref(), Some("douyin"));
        assert_eq!(entry.create_time, 7);
        assert_eq!(entry.unrecognized_reason, None);
        assert!(
            entry.dedupe_key.starts_with("unrecognized:"),
            "the key stays"
        );
    }
}
