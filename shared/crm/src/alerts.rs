//! Consultant alerts: app messages (`message/send` through the corp's app) telling a
//! consultant that a new customer added them (with the channel and a link to the customer's
//! page in the console), that a customer deleted them (流失提醒), and, once a day, what waits
//! for them (group-send tasks not sent yet, tomorrow's appointments).
//!
//! Each alert is switchable in the corp configuration ([`crate::config::AlertSettings`]) and
//! goes out once: an alert record keyed by the event (or by the digest's day and consultant)
//! is claimed before WeCom is called and settled after, so a redelivered event or a second
//! worker sends nothing more. The record holds no personal data (no customer id or name).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ports::{Clock, Condition, IndexName, Item, ItemStore, Query, StoreError};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tracing::{info, warn};
use wecom_api::WeComClient;
use wecom_api::model::MAX_APP_TEXT_BYTES;

use crate::CrmError;
use crate::calendar::{self, DAY_MS};
use crate::campaign::model::{ChunkStatus, RecipientStatus};
use crate::campaign::repo::CampaignRepo;
use crate::config::CorpConfig;
use crate::keys::{APPOINTMENT_PREFIX, visits_gsi_pk};
use crate::model::{Customer, RelationshipStatus};
use crate::repo::{ConfigRepo, CustomerRepo};

/// The key of an alert record.
pub fn alert_pk(key: &str) -> String {
    format!("ALERT#{key}")
}
pub const ALERT_SK: &str = "ALERT";

/// Alert records are kept a month: far beyond any redelivery.
const ALERT_TTL_SECS: i64 = 30 * 86_400;
/// How long one worker holds an alert's claim while WeCom is called.
const ALERT_LEASE_MS: i64 = 30_000;
/// The daily digest goes out at this hour, Asia/Shanghai.
pub const DIGEST_HOUR: i64 = 8;

/// What kind of alert a record is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    NewCustomer,
    LostCustomer,
    DailyDigest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertStatus {
    Sending,
    Sent,
    /// WeCom refused it for good (the consultant cannot be reached, the app is not set up…).
    Refused,
    /// A transient failure: the next attempt takes the claim over.
    Failed,
}

/// The stored record of one alert (no personal data: the consultant's userid only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    pub key: String,
    pub kind: AlertKind,
    pub userid: String,
    pub status: AlertStatus,
    pub lease_until_ms: i64,
    pub attempts: u32,
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What became of an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertOutcome {
    Sent,
    /// Sent before (a redelivered event), or being sent by another worker now.
    AlreadySent,
    /// Switched off in the configuration, or no app (agent id) configured.
    Off,
    /// WeCom refused it for good; recorded, the event is not failed.
    Refused,
}

impl AlertOutcome {
    pub fn label(self) -> &'static str {
        match self {
            AlertOutcome::Sent => "sent",
            AlertOutcome::AlreadySent => "already sent",
            AlertOutcome::Off => "off",
            AlertOutcome::Refused => "refused",
        }
    }
}

/// What one digest round did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DigestSummary {
    /// Consultants with something to be told.
    pub consultants: u64,
    pub sent: u64,
    pub already_sent: u64,
    pub refused: u64,
    pub errors: u64,
    /// The digest is switched off (or no app is configured).
    pub off: bool,
}

enum Claim {
    Acquired(AlertRecord, u64),
    Taken,
}

#[derive(Clone)]
pub struct Alerts {
    store: Arc<dyn ItemStore>,
    wecom: Arc<WeComClient>,
    clock: Arc<dyn Clock>,
    /// The console's public base (links to a customer's page); empty: no link.
    console_base: String,
    /// The deployment's keyed hash: an event id names the customer, its alert record must not.
    keyed: crate::privacy::Tombstones,
}

impl Alerts {
    pub fn new(
        store: Arc<dyn ItemStore>,
        wecom: Arc<WeComClient>,
        clock: Arc<dyn Clock>,
        console_base: &str,
    ) -> Self {
        Self {
            keyed: crate::privacy::Tombstones::new(store.clone()),
            store,
            wecom,
            clock,
            console_base: console_base.trim_end_matches('/').to_owned(),
        }
    }

    /// The alert record's key of an event: a keyed hash (the event id holds the customer's id,
    /// which an erasure must leave nowhere).
    async fn event_key(&self, event_id: &str) -> Result<String, CrmError> {
        Ok(format!(
            "event:{}",
            self.keyed.subject(&format!("alert:{event_id}")).await?
        ))
    }

    /// The console page of one customer (the customer list with their drawer open).
    pub fn customer_link(&self, external_userid: &str) -> Option<String> {
        if self.console_base.is_empty() {
            return None;
        }
        let id: String = external_userid
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect();
        Some(format!(
            "{}/dashboard/customers?customer={id}",
            self.console_base
        ))
    }

    /// A new customer added `userid` through the channel `state` (event `event_id`).
    pub async fn new_customer(
        &self,
        config: &CorpConfig,
        event_id: &str,
        userid: &str,
        external_userid: &str,
        state: &str,
    ) -> Result<AlertOutcome, CrmError> {
        if !config.alerts.new_customer || config.agent_id.is_empty() {
            return Ok(AlertOutcome::Off);
        }
        let name = self.customer_name(external_userid, userid).await?;
        let channel = channel_label(config, state);
        let mut text = format!("新客户提醒：客户「{name}」通过「{channel}」添加了您，请及时跟进。");
        if let Some(link) = self.customer_link(external_userid) {
            text.push_str(&format!("\n查看客户：{link}"));
        }
        self.send_once(
            config,
            &self.event_key(event_id).await?,
            AlertKind::NewCustomer,
            userid,
            &text,
        )
        .await
    }

    /// A customer deleted `userid` (`del_follow_user`, event `event_id`): 流失提醒.
    pub async fn lost_customer(
        &self,
        config: &CorpConfig,
        event_id: &str,
        userid: &str,
        external_userid: &str,
    ) -> Result<AlertOutcome, CrmError> {
        if !config.alerts.lost_customer || config.agent_id.is_empty() {
            return Ok(AlertOutcome::Off);
        }
        let name = self.customer_name(external_userid, userid).await?;
        let mut text =
            format!("流失提醒：客户「{name}」已将您删除，可在客户详情中查看其历史记录。");
        if let Some(link) = self.customer_link(external_userid) {
            text.push_str(&format!("\n查看客户：{link}"));
        }
        self.send_once(
            config,
            &self.event_key(event_id).await?,
            AlertKind::LostCustomer,
            userid,
            &text,
        )
        .await
    }

    /// The daily digest: to each consultant with group-send tasks waiting for them or
    /// appointments tomorrow (Asia/Shanghai), one app message listing them; once per day and
    /// consultant.
    pub async fn daily_digest(&self) -> Result<DigestSummary, CrmError> {
        let configs = ConfigRepo::new(self.store.clone());
        let config = configs.load().await?.unwrap_or_default();
        let mut summary = DigestSummary::default();
        if !config.alerts.daily_digest || config.agent_id.is_empty() {
            summary.off = true;
            return Ok(summary);
        }
        let now = self.clock.now_ms();
        let today = calendar::date(now);
        let tomorrow = calendar::date(calendar::start_of_day(today) + DAY_MS + 1);
        let mut digests: BTreeMap<String, Digest> = BTreeMap::new();
        for (userid, task) in self.pending_tasks().await? {
            digests.entry(userid).or_default().tasks.push(task);
        }
        for (userid, visit) in self.appointments_on(tomorrow).await? {
            digests.entry(userid).or_default().appointments.push(visit);
        }
        let day = today.format("%Y-%m-%d").to_string();
        let tomorrow_label = tomorrow.format("%m-%d").to_string();
        for (userid, digest) in digests {
            summary.consultants += 1;
            let text = digest.text(&tomorrow_label, self.console_base.as_str());
            match self
                .send_once(
                    &config,
                    &format!("digest:{day}:{userid}"),
                    AlertKind::DailyDigest,
                    &userid,
                    &text,
                )
                .await
            {
                Ok(AlertOutcome::Sent) => summary.sent += 1,
                Ok(AlertOutcome::AlreadySent) => summary.already_sent += 1,
                Ok(AlertOutcome::Refused) => summary.refused += 1,
                Ok(AlertOutcome::Off) => {}
                Err(e) => {
                    summary.errors += 1;
                    warn!(error = %e.summary(), "a consultant's digest failed; the next round tries again");
                }
            }
        }
        info!(
            consultants = summary.consultants,
            sent = summary.sent,
            "daily digest done"
        );
        Ok(summary)
    }

    /// Open group-send tasks (created, waiting for the consultant), by sender.
    async fn pending_tasks(&self) -> Result<Vec<(String, DigestTask)>, CrmError> {
        let repo = CampaignRepo::new(self.store.clone());
        let mut out = Vec::new();
        for id in repo.open_ids().await? {
            let Some(campaign) = repo.get(&id).await? else {
                continue;
            };
            let mut waiting: BTreeMap<String, u64> = BTreeMap::new();
            for (chunk, _) in repo.open_chunks(&id).await? {
                if chunk.status != ChunkStatus::Created || chunk.msgid.is_none() {
                    continue;
                }
                let pending = repo
                    .chunk_recipients(&id, &chunk.key)
                    .await?
                    .iter()
                    .filter(|r| r.status == RecipientStatus::AwaitingStaff)
                    .count() as u64;
                if pending == 0 {
                    continue;
                }
                *waiting.entry(chunk.sender.clone()).or_default() += pending;
            }
            for (sender, customers) in waiting {
                out.push((
                    sender,
                    DigestTask {
                        campaign: campaign.name.clone(),
                        customers,
                    },
                ));
            }
        }
        Ok(out)
    }

    /// The appointments of one day, by consultant: the appointment's own consultant when it
    /// names one, else every consultant the customer is connected to. Cancelled ones are left
    /// out.
    async fn appointments_on(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<Vec<(String, DigestVisit)>, CrmError> {
        let items = crate::repo::query_all_items(
            self.store.as_ref(),
            Query::partition(
                IndexName::Gsi2,
                visits_gsi_pk(&day.format("%Y-%m-%d").to_string()),
            )
            .limit(1000),
        )
        .await?;
        let customers = CustomerRepo::new(self.store.clone());
        let mut out = Vec::new();
        for item in items {
            if !item.sk.starts_with(APPOINTMENT_PREFIX) {
                continue;
            }
            // Read loosely: other versions add fields (status, consultant) to appointments.
            let doc: Value = item.doc()?;
            let status = doc.get("status").and_then(Value::as_str).unwrap_or("");
            if matches!(status, "cancelled" | "canceled" | "no_show" | "completed") {
                continue;
            }
            let Some(external_userid) = doc.get("external_userid").and_then(Value::as_str) else {
                continue;
            };
            let at_ms = doc
                .get("scheduled_at_ms")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let item_name = doc
                .get("item")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let named: Option<String> = ["consultant", "consultant_userid", "userid"]
                .iter()
                .find_map(|f| doc.get(*f).and_then(Value::as_str))
                .filter(|s| !s.is_empty())
                .map(str::to_owned);
            let consultants: BTreeSet<String> = match named {
                Some(userid) => BTreeSet::from([userid]),
                None => customers
                    .relationships(external_userid)
                    .await?
                    .into_iter()
                    .filter(|r| r.status != RelationshipStatus::Ended)
                    .map(|r| r.userid)
                    .collect(),
            };
            for userid in consultants {
                let name = self.customer_name(external_userid, &userid).await?;
                out.push((
                    userid,
                    DigestVisit {
                        at_ms,
                        customer: name,
                        item: item_name.clone(),
                    },
                ));
            }
        }
        Ok(out)
    }

    /// How the consultant knows the customer: their remark, else the WeChat name.
    async fn customer_name(&self, external_userid: &str, userid: &str) -> Result<String, CrmError> {
        let customers = CustomerRepo::new(self.store.clone());
        if let Some(rel) = customers.get_relationship(external_userid, userid).await?
            && !rel.remark.trim().is_empty()
        {
            return Ok(rel.remark);
        }
        Ok(customers
            .get(external_userid)
            .await?
            .map(|c: Customer| c.name)
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "未知客户".to_owned()))
    }

    /// Claims the alert `key`, sends it, records the outcome. A transient failure is returned
    /// (the caller retries; the claim is released for the retry); a permanent refusal is
    /// recorded and answered `Refused`.
    async fn send_once(
        &self,
        config: &CorpConfig,
        key: &str,
        kind: AlertKind,
        userid: &str,
        text: &str,
    ) -> Result<AlertOutcome, CrmError> {
        let (mut record, version) = match self.claim(key, kind, userid).await? {
            Claim::Acquired(record, version) => (record, version),
            Claim::Taken => return Ok(AlertOutcome::AlreadySent),
        };
        let text = fit(text);
        let result = self
            .wecom
            .send_app_text(&config.agent_id, &[userid.to_owned()], &text)
            .await;
        let now = self.clock.now_ms();
        record.updated_at_ms = now;
        record.lease_until_ms = now;
        let (status, outcome) = match &result {
            Ok(_) => (AlertStatus::Sent, Ok(AlertOutcome::Sent)),
            Err(e) if e.is_retryable() => (AlertStatus::Failed, Err(())),
            Err(_) => (AlertStatus::Refused, Ok(AlertOutcome::Refused)),
        };
        record.status = status;
        record.error = result.as_ref().err().map(|e| {
            let e = CrmError::from(e.clone());
            e.summary()
        });
        let mut item = Self::item(&record)?;
        item.version = version + 1;
        match self.store.put(item, Condition::VersionIs(version)).await {
            Ok(()) | Err(StoreError::ConditionFailed) => {}
            Err(e) => {
                // The alert went out; a record that could not be settled expires its lease and
                // may be taken over: log, do not fail what already happened.
                warn!(error = %e, alert = ?kind, "could not settle an alert record");
            }
        }
        match (outcome, result) {
            (Ok(outcome), _) => {
                if outcome == AlertOutcome::Refused {
                    warn!(alert = ?kind, "WeCom refused an alert; not retried");
                }
                Ok(outcome)
            }
            (Err(()), Err(e)) => Err(e.into()),
            (Err(()), Ok(_)) => Ok(AlertOutcome::Sent),
        }
    }

    fn item(record: &AlertRecord) -> Result<Item, CrmError> {
        let mut item = Item::with_doc(alert_pk(&record.key), ALERT_SK, record)?;
        item.expires_at = Some(record.updated_at_ms.div_euclid(1000) + ALERT_TTL_SECS);
        Ok(item)
    }

    async fn claim(&self, key: &str, kind: AlertKind, userid: &str) -> Result<Claim, CrmError> {
        let now = self.clock.now_ms();
        let mut record = AlertRecord {
            key: key.to_owned(),
            kind,
            userid: userid.to_owned(),
            status: AlertStatus::Sending,
            lease_until_ms: now + ALERT_LEASE_MS,
            attempts: 1,
            updated_at_ms: now,
            error: None,
        };
        let mut item = Self::item(&record)?;
        item.version = 1;
        match self.store.put(item, Condition::NotExists).await {
            Ok(()) => return Ok(Claim::Acquired(record, 1)),
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
        let Some(current) = self.store.get(&alert_pk(key), ALERT_SK).await? else {
            return Ok(Claim::Taken);
        };
        let existing: AlertRecord = current.doc()?;
        match existing.status {
            AlertStatus::Sent | AlertStatus::Refused => Ok(Claim::Taken),
            AlertStatus::Sending if existing.lease_until_ms > now => Ok(Claim::Taken),
            AlertStatus::Sending | AlertStatus::Failed => {
                record.attempts = existing.attempts.saturating_add(1);
                let mut item = Self::item(&record)?;
                item.version = current.version + 1;
                match self
                    .store
                    .put(item, Condition::VersionIs(current.version))
                    .await
                {
                    Ok(()) => Ok(Claim::Acquired(record, current.version + 1)),
                    Err(StoreError::ConditionFailed) => Ok(Claim::Taken),
                    Err(e) => Err(e.into()),
                }
            }
        }
    }

    /// The stored record of an alert, if any.
    pub async fn record(&self, key: &str) -> Result<Option<AlertRecord>, CrmError> {
        match self.store.get(&alert_pk(key), ALERT_SK).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }
}

/// The channel's name as staff know it.
pub fn channel_label(config: &CorpConfig, state: &str) -> String {
    if state.is_empty() {
        return "非渠道活码".to_owned();
    }
    match config.channels.get(state) {
        Some(channel) if !channel.label.trim().is_empty() => channel.label.clone(),
        _ => state.to_owned(),
    }
}

/// Cuts a text to WeCom's app-message limit on a character boundary.
fn fit(text: &str) -> String {
    if text.len() <= MAX_APP_TEXT_BYTES {
        return text.to_owned();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.len() + c.len_utf8() + "…".len() > MAX_APP_TEXT_BYTES {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

#[derive(Debug, Default)]
struct Digest {
    tasks: Vec<DigestTask>,
    appointments: Vec<DigestVisit>,
}

#[derive(Debug)]
struct DigestTask {
    campaign: String,
    customers: u64,
}

#[derive(Debug)]
struct DigestVisit {
    at_ms: i64,
    customer: String,
    item: String,
}

/// At most this many lines per section (the message has a size limit).
const DIGEST_LINES: usize = 20;

impl Digest {
    fn text(mut self, tomorrow: &str, console_base: &str) -> String {
        let mut text = String::from("每日提醒");
        if !self.tasks.is_empty() {
            text.push_str(&format!(
                "\n待发送的群发任务 {} 个（请在企业微信「客户联系 → 群发助手」中确认发送）：",
                self.tasks.len()
            ));
            for task in self.tasks.iter().take(DIGEST_LINES) {
                text.push_str(&format!(
                    "\n· 「{}」{} 位客户",
                    task.campaign, task.customers
                ));
            }
            if self.tasks.len() > DIGEST_LINES {
                text.push_str(&format!("\n……等 {} 个", self.tasks.len()));
            }
        }
        if !self.appointments.is_empty() {
            self.appointments.sort_by_key(|v| v.at_ms);
            text.push_str(&format!(
                "\n明天（{tomorrow}）的预约 {} 个：",
                self.appointments.len()
            ));
            for visit in self.appointments.iter().take(DIGEST_LINES) {
                let time = calendar::local(visit.at_ms).format("%H:%M");
                text.push_str(&format!("\n· {time} {} {}", visit.customer, visit.item));
            }
            if self.appointments.len() > DIGEST_LINES {
                text.push_str(&format!("\n……等 {} 个", self.appointments.len()));
            }
        }
        if !console_base.is_empty() {
            text.push_str(&format!("\n打开控制台：{console_base}/dashboard"));
        }
        text
    }
}

/// Milliseconds from `now_ms` to the next digest time (08:00 Shanghai).
pub fn until_next_digest(now_ms: i64) -> i64 {
    let today = calendar::date(now_ms);
    let at = |d: chrono::NaiveDate| calendar::start_of_day(d) + DIGEST_HOUR * 3_600_000;
    let next = at(today);
    if next > now_ms {
        next - now_ms
    } else {
        at(today.succ_opt().unwrap_or(today)) - now_ms
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_long_text_is_cut_on_a_character_boundary() {
        let text = "提醒".repeat(2000);
        let cut = fit(&text);
        assert!(cut.len() <= MAX_APP_TEXT_BYTES);
        assert!(cut.ends_with('…'));
        assert_eq!(fit("短"), "短");
    }

    #[test]
    fn the_next_digest_is_at_eight_in_shanghai() {
        // 2026-12-07 00:00 UTC is 08:00 in Shanghai.
        let eight = calendar::start_of_day(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap())
            + 8 * 3_600_000;
        assert_eq!(until_next_digest(eight - 1000), 1000);
        assert_eq!(until_next_digest(eight), DAY_MS);
    }
}
