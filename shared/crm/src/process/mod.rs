//! Event processing: what the events function does with each queued job.
//!
//! Every step is idempotent, because SQS delivers at least once and WeCom retries: customer
//! and relationship writes are upserts, the channel tag is only marked when missing, and the
//! welcome message is guarded by a single-use claim on its welcome code.

use crate::jobs::QueueJob;
use std::sync::Arc;
use std::time::Duration;

use ports::{Clock, ItemStore};
use tracing::{info, warn};
use wecom_api::WeComClient;
use wecom_api::model::{FollowUserTag, MarkTag};
use wecom_callback::event::{ExternalContactChange, ExternalContactEvent, MessageKind};

use crate::CrmError;
use crate::config::{CorpConfig, ResolvedChannel, WelcomeTemplate};
use crate::jobs::Job;
use crate::model::{
    CallbackLogEntry, CallbackStatus, EndCause, Relationship, RelationshipStatus, TimelineEvent,
    WelcomeStatus,
};
use crate::refresh::Occasion;
use crate::repo::{
    CallbackLog, ClaimOutcome, ConfigRepo, CustomerRepo, TagCatalogue, WelcomeClaims,
};
use crate::tags::TagService;

mod decisions;

use decisions::{
    AddPlan, WelcomeAnswer, WelcomePlan, end_kind, end_relationship, is_gone, is_settled,
    welcome_label,
};

/// Knobs of the processor; the defaults follow WeCom's rules.
#[derive(Debug, Clone)]
pub struct ProcessorSettings {
    /// WeCom accepts a welcome message this long after the add event.
    pub welcome_window_secs: i64,
    /// How long one worker holds a welcome claim.
    pub welcome_lease_ms: i64,
    /// Wait after a 45009 frequency block.
    pub rate_limit_backoff: Duration,
    /// Retry backoff: base · 2^(receive_count-1), capped.
    pub retry_base: Duration,
    pub retry_max: Duration,
    /// The console's public base, for the link in a new-customer alert (empty: no link).
    pub console_base: String,
}

impl Default for ProcessorSettings {
    fn default() -> Self {
        Self {
            welcome_window_secs: 20,
            welcome_lease_ms: 10_000,
            // 45009 blocks for the limit's window; the minute window is the common one.
            rate_limit_backoff: Duration::from_secs(60),
            retry_base: Duration::from_secs(2),
            retry_max: Duration::from_secs(300),
            console_base: String::new(),
        }
    }
}

/// What the queue runner should do with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobResult {
    /// Done (processed, ignored, or failed permanently and recorded): delete the message.
    Done,
    /// A transient failure: make the message visible again after this delay.
    RetryAfter(Duration),
    /// The message itself is unusable: leave it to the dead-letter queue.
    Reject,
}

/// Where the WeCom client comes from; rebuilt when the stored configuration changes.
pub struct Processor {
    customers: CustomerRepo,
    log: CallbackLog,
    tags: TagCatalogue,
    welcome: WelcomeClaims,
    config: ConfigRepo,
    tombstones: crate::privacy::Tombstones,
    seed: CorpConfig,
    wecom: Arc<WeComClient>,
    clock: Arc<dyn Clock>,
    settings: ProcessorSettings,
    alerts: crate::alerts::Alerts,
    /// The store, for the lead pipeline (`crate::pipeline`).
    store: Arc<dyn ItemStore>,
    leads: crate::leads::LeadRepo,
}

struct Outcome {
    status: CallbackStatus,
    summary: String,
}

impl Outcome {
    fn processed(summary: impl Into<String>) -> Self {
        Self {
            status: CallbackStatus::Processed,
            summary: summary.into(),
        }
    }

    fn ignored(summary: impl Into<String>) -> Self {
        Self {
            status: CallbackStatus::Ignored,
            summary: summary.into(),
        }
    }
}

impl Processor {
    pub fn new(
        store: Arc<dyn ItemStore>,
        log: CallbackLog,
        seed: CorpConfig,
        wecom: Arc<WeComClient>,
        clock: Arc<dyn Clock>,
        settings: ProcessorSettings,
    ) -> Self {
        let alerts = crate::alerts::Alerts::new(
            store.clone(),
            wecom.clone(),
            clock.clone(),
            &settings.console_base,
        );
        Self {
            alerts,
            store: store.clone(),
            leads: crate::leads::LeadRepo::new(store.clone()),
            customers: CustomerRepo::new(store.clone()),
            tags: TagCatalogue::new(store.clone()),
            welcome: WelcomeClaims::new(store.clone()),
            tombstones: crate::privacy::Tombstones::new(store.clone()),
            config: ConfigRepo::new(store),
            log,
            seed,
            wecom,
            clock,
            settings,
        }
    }

    /// Handles one queue message. Never fails: failures are recorded on the callback log and
    /// turned into the queue action that fits them.
    pub async fn handle(&self, body: &str, receive_count: u32) -> JobResult {
        let job = match Job::from_body(body) {
            Ok(job) => job,
            Err(e) => {
                warn!(error = %e, "unreadable job; leaving it to the dead-letter queue");
                return JobResult::Reject;
            }
        };
        match job {
            Job::Callback { key } => self.handle_callback(&key, receive_count).await,
        }
    }

    async fn handle_callback(&self, key: &str, receive_count: u32) -> JobResult {
        let entry = match self.log.get(key).await {
            Ok(Some(entry)) => entry,
            Ok(None) => {
                warn!(key, "job names no logged event (expired?); dropping it");
                return JobResult::Done;
            }
            Err(e) => {
                warn!(key, error = %e, "could not read the logged event");
                return JobResult::RetryAfter(self.settings.backoff(receive_count));
            }
        };
        if is_settled(entry.status) {
            return JobResult::Done;
        }
        // An erased customer: nothing is written about them, and the logged event keeps no
        // trace of them (crate::privacy).
        if let Some(id) = entry.external_userid.as_deref() {
            let dropped = match self.tombstones.is_erased(id).await {
                Ok(false) => Ok(false),
                Ok(true) => self.drop_erased(&entry, id).await.map(|()| true),
                Err(e) => Err(e),
            };
            match dropped {
                Ok(false) => {}
                Ok(true) => return JobResult::Done,
                Err(e) => {
                    warn!(key, error = %e.summary(), "could not check for an erasure; retrying");
                    return JobResult::RetryAfter(self.settings.backoff(receive_count));
                }
            }
        }
        let result = self.process_entry(&entry).await;
        let now = self.clock.now_ms();
        let (status, outcome, error, action) = match result {
            Ok(outcome) => (outcome.status, Some(outcome.summary), None, JobResult::Done),
            Err(e) => {
                let (status, action) = self.settings.on_failure(&e, receive_count);
                match action {
                    JobResult::RetryAfter(delay) => {
                        warn!(key, error = %e.summary(), retry_in_ms = delay.as_millis() as u64, "will retry");
                    }
                    JobResult::Done | JobResult::Reject => {
                        warn!(key, error = %e.summary(), "failed permanently");
                    }
                }
                (status, None, Some(e.summary()), action)
            }
        };
        let recorded = self
            .log
            .update(key, |entry| {
                entry.attempts = entry.attempts.saturating_add(1);
                entry.status = status;
                if status == CallbackStatus::Unrecognized {
                    entry.unrecognized_reason.clone_from(&outcome);
                    entry.processed_at_ms = Some(now);
                    entry.error = None;
                    return true;
                }
                crate::ingest::mark_recognized(entry);
                if outcome.is_some() {
                    entry.outcome.clone_from(&outcome);
                    entry.processed_at_ms = Some(now);
                }
                entry.error.clone_from(&error);
                true
            })
            .await;
        match recorded {
            Ok(()) => action,
            Err(e) => {
                warn!(key, error = %e, "could not record the outcome; retrying the job");
                JobResult::RetryAfter(self.settings.backoff(receive_count))
            }
        }
    }

    /// Replaces the logged event of an erased customer by a marker without ids or payload.
    /// A repeat delivery of it is logged and dropped again, so it never takes effect.
    async fn drop_erased(&self, entry: &CallbackLogEntry, id: &str) -> Result<(), CrmError> {
        let subject = self.tombstones.subject(id).await?;
        let Some(item) = self.log.raw_item(&entry.dedupe_key).await? else {
            return Ok(());
        };
        let marker = crate::privacy::erase::redacted_event(&item, &subject)?;
        self.log.replace(&item, marker).await?;
        info!(event_type = %entry.event_type, "event about an erased customer dropped");
        Ok(())
    }

    async fn process_entry(&self, entry: &CallbackLogEntry) -> Result<Outcome, CrmError> {
        // The stored plaintext is read with this version's parser: a message an older version
        // could not interpret is processed once it is replayed after an upgrade.
        let message = match crate::ingest::reinterpret(entry) {
            Ok(message) => message,
            Err(reason) => {
                return Ok(Outcome {
                    status: CallbackStatus::Unrecognized,
                    summary: reason,
                });
            }
        };
        let config = self.current_config().await?;
        match &message.kind {
            MessageKind::ExternalContact(ev) => {
                self.on_external_contact(&config, ev, message.create_time, &entry.dedupe_key)
                    .await
            }
            MessageKind::ExternalTag(_) => {
                let groups = self.tag_service().refresh().await?;
                Ok(Outcome::processed(format!(
                    "tags:refreshed groups={}",
                    groups.len()
                )))
            }
            MessageKind::ExternalChat(_) => Ok(Outcome::ignored("group chats are not tracked")),
            MessageKind::AppMessage(_) => Ok(Outcome::ignored("app message kept in the log")),
            MessageKind::Other => Ok(Outcome::ignored("unknown event kept in the log")),
        }
    }

    async fn current_config(&self) -> Result<CorpConfig, CrmError> {
        let config = self.config.load_or_seed(&self.seed).await?;
        // A secret rotated through the admin API takes effect with the next job.
        if self
            .wecom
            .set_credentials(&config.corp_id, &config.corp_secret)
        {
            info!("WeCom credentials changed; using the new ones");
        }
        Ok(config)
    }

    async fn on_external_contact(
        &self,
        config: &CorpConfig,
        ev: &ExternalContactEvent,
        create_time: i64,
        event_id: &str,
    ) -> Result<Outcome, CrmError> {
        match &ev.change {
            ExternalContactChange::Add => {
                self.on_add(config, ev, create_time, event_id, false).await
            }
            ExternalContactChange::AddHalf => {
                self.on_add(config, ev, create_time, event_id, true).await
            }
            ExternalContactChange::Edit => self.on_edit(ev, create_time, event_id).await,
            ExternalContactChange::Delete => {
                self.on_end(
                    config,
                    ev,
                    create_time,
                    event_id,
                    EndCause::StaffDeletedCustomer,
                )
                .await
            }
            ExternalContactChange::DeleteFollowUser => {
                self.on_end(
                    config,
                    ev,
                    create_time,
                    event_id,
                    EndCause::CustomerDeletedStaff,
                )
                .await
            }
            ExternalContactChange::TransferFail => {
                let reason = ev.fail_reason.clone().unwrap_or_default();
                let now = self.clock.now_ms();
                self.customers
                    .update_relationship(&ev.external_user_id, &ev.user_id, |rel| {
                        rel.map(|mut r| {
                            r.transfer_fail_reason = Some(reason.clone());
                            r.updated_at_ms = now;
                            r
                        })
                    })
                    .await?;
                self.timeline(
                    ev,
                    event_id,
                    create_time,
                    "transfer_failed",
                    Some(reason.clone()),
                )
                .await?;
                Ok(Outcome::processed(format!("transfer_fail:{reason}")))
            }
            ExternalContactChange::MsgAuditApproved => {
                Ok(Outcome::ignored("chat archiving consent noted"))
            }
            ExternalContactChange::Other(other) => {
                Ok(Outcome::ignored(format!("unknown change type {other}")))
            }
        }
    }

    /// A customer added a staff member (or half-added: not yet a real friend).
    async fn on_add(
        &self,
        config: &CorpConfig,
        ev: &ExternalContactEvent,
        create_time: i64,
        event_id: &str,
        half: bool,
    ) -> Result<Outcome, CrmError> {
        let plan = AddPlan::new(config, ev.state.as_deref(), half);
        let state = plan.state.clone();

        // The detail first (the welcome may greet by name), but the welcome must not wait on
        // a failing detail call: its 20-second window is running.
        let detail = if half {
            Ok(None)
        } else {
            self.wecom
                .get_external_contact(&ev.external_user_id)
                .await
                .map(Some)
        };
        let name = match &detail {
            Ok(Some(d)) => d.external_contact.name.clone(),
            _ => String::new(),
        };
        let welcome = self
            .send_welcome(ev, plan.welcome.as_ref(), &name, create_time)
            .await?;
        let detail = match detail {
            Ok(detail) => detail,
            // Deleted again before we got here: record who it was, not a live relationship.
            Err(e) if is_gone(&e) => {
                let now = self.clock.now_ms();
                self.customers
                    .ensure_placeholder(&ev.external_user_id, &state, now)
                    .await?;
                self.timeline(ev, event_id, create_time, "added", Some(state.clone()))
                    .await?;
                return Ok(Outcome::processed(format!(
                    "welcome:{} customer:no longer visible",
                    welcome_label(welcome)
                )));
            }
            Err(e) => return Err(e.into()),
        };

        let now = self.clock.now_ms();
        let mut summary = vec![format!("welcome:{}", welcome_label(welcome))];
        match &detail {
            Some(detail) => {
                let upsert = self
                    .customers
                    .apply_wecom_detail(
                        detail,
                        Occasion {
                            channel: &state,
                            event_user: Some(&ev.user_id),
                            add_time: Some(create_time),
                        },
                        now,
                    )
                    .await?;
                summary.push(
                    if upsert.created {
                        "customer:created"
                    } else {
                        "customer:updated"
                    }
                    .into(),
                );
                for merged in &upsert.merged_from {
                    self.customers
                        .add_timeline(
                            &ev.external_user_id,
                            &format!("merged-{merged}"),
                            &TimelineEvent {
                                at_ms: now,
                                kind: "merged_from".into(),
                                userid: None,
                                detail: Some(merged.clone()),
                            },
                        )
                        .await?;
                    summary.push("merged".into());
                }
                // An imported lead who is this person (unionid or a remark phone) joins them.
                let leads = crate::leads::merge_on_contact(
                    &self.leads,
                    &self.wecom,
                    detail,
                    &ev.user_id,
                    now,
                )
                .await?;
                if !leads.is_empty() {
                    summary.push(format!("leads_merged:{}", leads.len()));
                }
            }
            None => {
                self.customers
                    .ensure_placeholder(&ev.external_user_id, &state, now)
                    .await?;
                self.customers
                    .update_relationship(&ev.external_user_id, &ev.user_id, |rel| match rel {
                        Some(r) if r.status != RelationshipStatus::Ended => None,
                        _ => Some(Relationship {
                            external_userid: ev.external_user_id.clone(),
                            userid: ev.user_id.clone(),
                            status: RelationshipStatus::Pending,
                            state: state.clone(),
                            createtime: create_time,
                            last_event_time: create_time,
                            updated_at_ms: now,
                            ..Relationship::default()
                        }),
                    })
                    .await?;
                self.customers
                    .refresh_status(&ev.external_user_id, now)
                    .await?;
                summary.push("relationship:pending".into());
            }
        }
        self.timeline(
            ev,
            event_id,
            create_time,
            if half { "half_added" } else { "added" },
            plan.channel.as_ref().map(|c| c.state.clone()),
        )
        .await?;

        if let Some(channel) = plan.channel_to_tag() {
            summary.push(format!(
                "tag:{}",
                self.apply_channel_tag(ev, channel).await?
            ));
        }
        // The consultant the customer's conversion counts for: the first one they added.
        crate::pipeline::note_first_consultant(&self.store, &ev.external_user_id, &ev.user_id)
            .await?;
        // The consultant's alert comes last: the customer is recorded whatever WeCom answers;
        // a transient failure retries the (idempotent) job, the alert record keeps it single.
        let alert = self
            .alerts
            .new_customer(config, event_id, &ev.user_id, &ev.external_user_id, &state)
            .await?;
        if alert != crate::alerts::AlertOutcome::Off {
            summary.push(format!("alert:{}", alert.label()));
        }
        info!(outcome = %summary.join(" "), "customer add processed");
        Ok(Outcome::processed(summary.join(" ")))
    }

    /// A staff member changed the remark or tags in the client: take WeCom's current view.
    async fn on_edit(
        &self,
        ev: &ExternalContactEvent,
        create_time: i64,
        event_id: &str,
    ) -> Result<Outcome, CrmError> {
        let detail = match self.wecom.get_external_contact(&ev.external_user_id).await {
            Ok(detail) => detail,
            Err(e) if is_gone(&e) => return Ok(Outcome::processed("detail:not visible")),
            Err(e) => return Err(e.into()),
        };
        let now = self.clock.now_ms();
        let state = detail
            .follow_user
            .iter()
            .find(|f| f.userid == ev.user_id)
            .map(|f| f.state.clone())
            .unwrap_or_default();
        self.customers
            .apply_wecom_detail(
                &detail,
                Occasion {
                    channel: &state,
                    event_user: Some(&ev.user_id),
                    add_time: None,
                },
                now,
            )
            .await?;
        // A remark phone recorded now may be an imported lead's.
        crate::leads::merge_on_contact(&self.leads, &self.wecom, &detail, &ev.user_id, now).await?;
        self.timeline(ev, event_id, create_time, "edited", None)
            .await?;
        Ok(Outcome::processed("customer:refreshed"))
    }

    /// The relationship ended; nothing is deleted.
    async fn on_end(
        &self,
        config: &CorpConfig,
        ev: &ExternalContactEvent,
        create_time: i64,
        event_id: &str,
        cause: EndCause,
    ) -> Result<Outcome, CrmError> {
        let now = self.clock.now_ms();
        self.customers
            .ensure_placeholder(&ev.external_user_id, "", now)
            .await?;
        let source = ev.source.clone().filter(|s| !s.is_empty());
        let changed = self
            .customers
            .update_relationship(&ev.external_user_id, &ev.user_id, |rel| {
                end_relationship(rel, ev, create_time, cause, source.as_deref(), now)
            })
            .await?;
        self.customers
            .refresh_status(&ev.external_user_id, now)
            .await?;
        let kind = end_kind(cause);
        self.timeline(ev, event_id, create_time, kind, source.clone())
            .await?;
        let Some(_) = changed else {
            return Ok(Outcome::processed("relationship:stale event ignored"));
        };
        let mut summary = format!("relationship:ended:{kind}");
        // 流失提醒: the customer left the consultant (last, so it cannot hold up the record).
        if cause == EndCause::CustomerDeletedStaff {
            let alert = self
                .alerts
                .lost_customer(config, event_id, &ev.user_id, &ev.external_user_id)
                .await?;
            if alert != crate::alerts::AlertOutcome::Off {
                summary.push_str(&format!(" alert:{}", alert.label()));
            }
        }
        Ok(Outcome::processed(summary))
    }

    /// The event's timeline entry, at WeCom's `CreateTime`: every processing of one event
    /// (a spare job, SQS's duplicate, a replay) writes the same entry, never a second one.
    async fn timeline(
        &self,
        ev: &ExternalContactEvent,
        event_id: &str,
        create_time: i64,
        kind: &str,
        detail: Option<String>,
    ) -> Result<(), CrmError> {
        let event = TimelineEvent {
            at_ms: create_time.saturating_mul(1000),
            kind: kind.to_owned(),
            userid: Some(ev.user_id.clone()),
            detail,
        };
        self.customers
            .add_timeline(&ev.external_user_id, event_id, &event)
            .await
    }

    /// Sends the welcome message once, inside WeCom's window. A permanent refusal is
    /// recorded and does not fail the event; a transient one retries the job.
    async fn send_welcome(
        &self,
        ev: &ExternalContactEvent,
        template: Option<&WelcomeTemplate>,
        name: &str,
        create_time: i64,
    ) -> Result<Option<WelcomeStatus>, CrmError> {
        let Some(code) = ev.welcome_code.as_deref().filter(|c| !c.is_empty()) else {
            return Ok(None); // a console welcome is configured, or the chat had started
        };
        let now = self.clock.now_ms();
        let claim = match self
            .welcome
            .claim(
                code,
                &ev.external_user_id,
                &ev.user_id,
                now,
                self.settings.welcome_lease_ms,
            )
            .await?
        {
            ClaimOutcome::Acquired(claim) => claim,
            ClaimOutcome::Busy => return Ok(Some(WelcomeStatus::Sending)),
            ClaimOutcome::Settled(status) => return Ok(Some(status)),
        };
        let template = match self.settings.plan_welcome(template, now, create_time) {
            WelcomePlan::Send(template) => template,
            WelcomePlan::Settle(status) => {
                self.welcome.settle(claim, status, None, now).await?;
                return Ok(Some(status));
            }
        };
        let message = template.render(code, name);
        let result = self.wecom.send_welcome_msg(&message).await;
        let now = self.clock.now_ms();
        let WelcomeAnswer {
            status,
            error,
            retry,
        } = WelcomeAnswer::of(result);
        self.welcome.settle(claim, status, error, now).await?;
        match retry {
            Some(e) => Err(e),
            None => Ok(Some(status)),
        }
    }

    /// Tags the relationship with its channel's corp tag (created in WeCom if missing).
    async fn apply_channel_tag(
        &self,
        ev: &ExternalContactEvent,
        channel: &ResolvedChannel,
    ) -> Result<&'static str, CrmError> {
        let Some(rel) = self
            .customers
            .get_relationship(&ev.external_user_id, &ev.user_id)
            .await?
        else {
            return Ok("skipped:no relationship");
        };
        if rel.status != RelationshipStatus::Active {
            return Ok("skipped:not active");
        }
        let tag_id = self
            .ensure_tag(&channel.tag_group, &channel.tag_name)
            .await?;
        if rel.has_tag(&tag_id) {
            return Ok("present");
        }
        let request = MarkTag {
            userid: ev.user_id.clone(),
            external_userid: ev.external_user_id.clone(),
            add_tag: vec![tag_id.clone()],
            remove_tag: Vec::new(),
        };
        match self.wecom.mark_tag(&request).await {
            Ok(()) => {}
            Err(e) if is_gone(&e) => return Ok("skipped:relationship gone"),
            Err(e) => return Err(e.into()),
        }
        // The API fires no callback for its own changes: record the tag ourselves.
        let now = self.clock.now_ms();
        let tag = FollowUserTag {
            group_name: channel.tag_group.clone(),
            tag_name: channel.tag_name.clone(),
            tag_id: Some(tag_id.clone()),
            tag_type: 1,
        };
        self.customers
            .update_relationship(&ev.external_user_id, &ev.user_id, |rel| {
                rel.filter(|r| !r.has_tag(&tag_id)).map(|mut r| {
                    r.tags.push(tag.clone());
                    r.updated_at_ms = now;
                    r
                })
            })
            .await?;
        Ok("marked")
    }

    /// The id of a corp tag, creating it in WeCom when neither side has it.
    async fn ensure_tag(&self, group_name: &str, tag_name: &str) -> Result<String, CrmError> {
        self.tag_service().ensure(group_name, tag_name).await
    }

    fn tag_service(&self) -> TagService {
        TagService::new(self.tags.clone(), self.wecom.clone())
    }
}

#[cfg(test)]
mod tests;
