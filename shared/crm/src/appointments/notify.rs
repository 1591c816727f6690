//! 预约确认 and 预约提醒, the honest way: WeCom cannot message a customer from the server, so
//! each notice is a single-customer group-send task (`add_msg_template` with one
//! external_userid, sender = the appointment's consultant) holding the text for the consultant
//! to confirm in WeCom, plus an app message telling the consultant.
//!
//! Like a campaign chunk, a notice is created exactly once across retries: it is claimed
//! (`creating`) by a versioned write before the call and marked `created` (with the msgid)
//! after; a claim left behind by a crash or an ambiguous answer is reconciled with WeCom's task
//! list (`get_groupmsg_list_v2`, by sender and text) before anything is created again.
//!
//! Quiet hours and the per-customer quotas of the campaign planner apply
//! ([`crate::campaign::plan::quota_check`] against the send ledger); a notice they block waits
//! for the next allowed time. Each created task takes its place in the ledger.

use tracing::{info, warn};
use wecom_api::model::{MsgTemplate, Text};

use super::model::{AppointmentChange, AppointmentRecord, Notice, NoticeKind, NoticeState};
use super::repo::{AppointmentRepo, RECONCILE_AFTER_MS};
use crate::CrmError;
use crate::calendar::{self, DAY_MS};
use crate::campaign::Campaigns;
use crate::campaign::model::LedgerEntry;
use crate::campaign::plan::{Rules, ledger_since, quota_check};
use crate::config::{AppointmentSettings, CorpConfig};
use crate::repo::ConfigRepo;

/// A failed call is tried again this much later, at most [`MAX_ATTEMPTS`] times.
const RETRY_AFTER_MS: i64 = 5 * 60_000;
const MAX_ATTEMPTS: u32 = 5;

/// Why a notice was skipped or is waiting (stored in `Notice::reason`).
pub mod reason {
    pub const QUIET_HOURS: &str = "quiet_hours";
    pub const RETRY: &str = "retry";
    pub const APPOINTMENT_CLOSED: &str = "appointment_closed";
    pub const VISIT_PASSED: &str = "visit_passed";
    pub const DISABLED: &str = "disabled";
    pub const NO_CONSULTANT: &str = "no_consultant";
    pub const NOT_CUSTOMER_OF_SENDER: &str = "not_customer_of_sender";
    pub const WITHIN_WINDOW: &str = "booked_within_reminder_window";
}

/// `M月D日 HH:MM`, Shanghai.
pub fn visit_time(ms: i64) -> String {
    calendar::local(ms).format("%-m月%-d日 %H:%M").to_string()
}

/// The text the customer gets once the consultant confirms the task.
pub fn customer_text(kind: NoticeKind, record: &AppointmentRecord) -> String {
    let when = visit_time(record.base.scheduled_at_ms);
    let item = &record.base.item;
    match kind {
        NoticeKind::Confirmation => {
            format!("您好，您的预约已登记：{when}「{item}」。如需改期请直接回复我，期待您的光临。")
        }
        NoticeKind::Reminder => {
            format!("温馨提醒：您预约了{when}的「{item}」，请按时到店。如需改期请直接回复我。")
        }
    }
}

/// The app message telling the consultant (no customer name or phone in it).
pub fn consultant_text(kind: NoticeKind, record: &AppointmentRecord) -> String {
    format!(
        "【{}】已为您创建一条发给客户的群发任务（{}「{}」），请在企业微信「客户联系 → 群发助手」中确认发送。",
        kind.label(),
        visit_time(record.base.scheduled_at_ms),
        record.base.item
    )
}

/// The notices a booking (or a reschedule) sets up at `now_ms`.
pub fn plan_notices(record: &mut AppointmentRecord, settings: &AppointmentSettings, now_ms: i64) {
    let at = record.base.scheduled_at_ms;
    record.confirmation = settings.confirmation.then(|| Notice::pending(now_ms, at));
    record.reminder = match settings.reminder_days_before {
        0 => None,
        days => {
            let due = at.saturating_sub(i64::from(days).saturating_mul(DAY_MS));
            Some(if due <= now_ms {
                // Booked inside the reminder window: the confirmation says it all.
                Notice::skipped(at, now_ms, reason::WITHIN_WINDOW)
            } else {
                Notice::pending(due, at)
            })
        }
    };
}

/// The ledger's campaign id of a notice (its own quota window entry).
pub fn ledger_id(kind: NoticeKind, record: &AppointmentRecord) -> String {
    format!(
        "appt-{}-{}-{}",
        record.base.id,
        kind.as_str(),
        record.base.scheduled_at_ms
    )
}

/// What one round of the notice job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoticeSummary {
    pub examined: u64,
    pub created: u64,
    pub deferred: u64,
    pub skipped: u64,
    pub failed: u64,
}

/// The notice job: the campaign engine's ports (WeCom, store, clock, ledger).
#[derive(Clone)]
pub struct AppointmentNotices {
    pub campaigns: Campaigns,
}

enum Step {
    Nothing,
    Created,
    Deferred,
    Skipped,
    Failed,
}

impl AppointmentNotices {
    pub fn new(campaigns: Campaigns) -> Self {
        Self { campaigns }
    }

    fn repo(&self) -> AppointmentRepo {
        AppointmentRepo::new(self.campaigns.store.clone())
    }

    async fn config(&self) -> Result<CorpConfig, CrmError> {
        Ok(ConfigRepo::new(self.campaigns.store.clone())
            .load()
            .await?
            .unwrap_or_default())
    }

    /// One round: every appointment whose notices have work due now (the schedule runs it
    /// every few minutes; safe to run any number of times, concurrently too).
    pub async fn run_due(&self) -> Result<NoticeSummary, CrmError> {
        let now = self.campaigns.clock.now_ms();
        let mut summary = NoticeSummary::default();
        let items = self.repo().due(now, 200).await?;
        for item in items {
            summary.examined += 1;
            for kind in [NoticeKind::Confirmation, NoticeKind::Reminder] {
                match self.step(&item.pk, &item.sk, kind).await {
                    Ok(Step::Created) => summary.created += 1,
                    Ok(Step::Deferred) => summary.deferred += 1,
                    Ok(Step::Skipped) => summary.skipped += 1,
                    Ok(Step::Failed) => summary.failed += 1,
                    Ok(Step::Nothing) => {}
                    Err(e) => {
                        warn!(error = %e.summary(), kind = kind.as_str(), "appointment notice failed; the next round retries");
                    }
                }
            }
        }
        if summary != NoticeSummary::default() {
            info!(
                examined = summary.examined,
                created = summary.created,
                deferred = summary.deferred,
                skipped = summary.skipped,
                failed = summary.failed,
                "appointment notices"
            );
        }
        Ok(summary)
    }

    /// Does what is due now for one appointment (right after a booking or a reschedule, so the
    /// confirmation does not wait for the next round). Errors are left to the next round.
    pub async fn process(&self, id: &str) {
        let item = match self.repo().find_item(id).await {
            Ok(Some(item)) => item,
            Ok(None) => return,
            Err(e) => {
                warn!(error = %e.summary(), "appointment notice: reading the appointment failed");
                return;
            }
        };
        for kind in [NoticeKind::Confirmation, NoticeKind::Reminder] {
            if let Err(e) = self.step(&item.pk, &item.sk, kind).await {
                warn!(error = %e.summary(), kind = kind.as_str(), "appointment notice failed; the next round retries");
            }
        }
    }

    /// One notice of one appointment, if it has work due now.
    async fn step(&self, pk: &str, sk: &str, kind: NoticeKind) -> Result<Step, CrmError> {
        let repo = self.repo();
        let now = self.campaigns.clock.now_ms();
        let Some(item) = repo.item(pk, sk).await? else {
            return Ok(Step::Nothing);
        };
        let mut record: AppointmentRecord = item.doc()?;
        let Some(notice) = record.notice(kind).cloned() else {
            return Ok(Step::Nothing);
        };
        if notice.work_at(RECONCILE_AFTER_MS).is_none_or(|at| at > now) {
            return Ok(Step::Nothing);
        }
        match notice.state {
            NoticeState::Created => {
                self.tell_consultant(&item, record, kind).await?;
                Ok(Step::Nothing)
            }
            NoticeState::Creating => {
                // A claim left behind: did the task get created?
                if let Some(msgid) = self.find_task(&record, &notice, now).await? {
                    let created = self
                        .mark_created(&item, &mut record, kind, &notice, msgid, now)
                        .await?;
                    return Ok(if created {
                        Step::Created
                    } else {
                        Step::Nothing
                    });
                }
                self.send(&item, record, kind, notice, now).await
            }
            NoticeState::Pending => self.send(&item, record, kind, notice, now).await,
            NoticeState::Skipped | NoticeState::Failed => Ok(Step::Nothing),
        }
    }

    /// Checks the rules, claims the notice and creates its task.
    async fn send(
        &self,
        item: &ports::Item,
        mut record: AppointmentRecord,
        kind: NoticeKind,
        mut notice: Notice,
        now: i64,
    ) -> Result<Step, CrmError> {
        let repo = self.repo();
        let config = self.config().await?;
        let settings = config.appointments;
        let skip = if !record.status.is_open() {
            Some(reason::APPOINTMENT_CLOSED)
        } else if kind == NoticeKind::Reminder && now >= record.base.scheduled_at_ms {
            Some(reason::VISIT_PASSED)
        } else if (kind == NoticeKind::Confirmation && !settings.confirmation)
            || (kind == NoticeKind::Reminder && settings.reminder_days_before == 0)
        {
            Some(reason::DISABLED)
        } else if record.userid.as_deref().is_none_or(str::is_empty) {
            Some(reason::NO_CONSULTANT)
        } else {
            None
        };
        if let Some(why) = skip {
            let ended = Notice {
                state: NoticeState::Skipped,
                reason: Some(why.to_owned()),
                claimed_at_ms: None,
                ..notice
            };
            *record.notice_mut(kind) = Some(ended);
            record.updated_at_ms = now;
            repo.replace(item, &record).await?;
            return Ok(Step::Skipped);
        }
        let rules = Rules::from_config(&config);
        let mut wait = None;
        let allowed = rules.next_allowed(now);
        if allowed > now {
            wait = Some((allowed, reason::QUIET_HOURS));
        } else {
            let ledger = self
                .campaigns
                .repo()
                .ledger(&record.base.external_userid, ledger_since(now))
                .await?;
            if let Some(blocked) = quota_check(&rules, &ledger, &ledger_id(kind, &record), now) {
                let tomorrow = calendar::day_start(now) + DAY_MS;
                wait = Some((rules.next_allowed(tomorrow), blocked));
            }
        }
        if let Some((at, why)) = wait {
            if notice.due_at_ms == at && notice.reason.as_deref() == Some(why) {
                return Ok(Step::Nothing);
            }
            notice.state = NoticeState::Pending;
            notice.due_at_ms = at;
            notice.claimed_at_ms = None;
            notice.reason = Some(why.to_owned());
            *record.notice_mut(kind) = Some(notice);
            record.updated_at_ms = now;
            repo.replace(item, &record).await?;
            return Ok(Step::Deferred);
        }
        // Claim it: of concurrent runs, one writes this.
        let sender = record.userid.clone().unwrap_or_default();
        let external_userid = record.base.external_userid.clone();
        notice.state = NoticeState::Creating;
        notice.claimed_at_ms = Some(now);
        notice.attempts += 1;
        notice.reason = None;
        notice.text = customer_text(kind, &record);
        *record.notice_mut(kind) = Some(notice.clone());
        record.updated_at_ms = now;
        if !repo.replace(item, &record).await? {
            return Ok(Step::Nothing);
        }
        let Some(claimed) = repo.item(&item.pk, &item.sk).await? else {
            return Ok(Step::Nothing);
        };
        let template = MsgTemplate {
            sender,
            external_userid: vec![external_userid.clone()],
            text: Some(Text {
                content: notice.text.clone(),
            }),
            attachments: Vec::new(),
            allow_select: false,
        };
        match self.campaigns.wecom.add_msg_template(&template).await {
            Ok(created) if created.fail_list.contains(&external_userid) => {
                self.finish(
                    &claimed,
                    &mut record,
                    kind,
                    NoticeState::Failed,
                    reason::NOT_CUSTOMER_OF_SENDER,
                    now,
                )
                .await?;
                Ok(Step::Failed)
            }
            Ok(created) => {
                let done = self
                    .mark_created(&claimed, &mut record, kind, &notice, created.msgid, now)
                    .await?;
                Ok(if done { Step::Created } else { Step::Nothing })
            }
            // Maybe created: the claim stays, and is reconciled later.
            Err(e) if e.is_ambiguous() => {
                warn!(error = %e, "appointment notice: add_msg_template answer lost; reconciling later");
                Ok(Step::Nothing)
            }
            Err(e) if e.is_retryable() && notice.attempts < MAX_ATTEMPTS => {
                let wait = e.retry_after().map_or(RETRY_AFTER_MS, |d| {
                    i64::try_from(d.as_millis()).unwrap_or(RETRY_AFTER_MS)
                });
                notice.state = NoticeState::Pending;
                notice.claimed_at_ms = None;
                notice.due_at_ms = now + wait.max(1000);
                notice.reason = Some(reason::RETRY.into());
                *record.notice_mut(kind) = Some(notice);
                repo.replace(&claimed, &record).await?;
                Ok(Step::Deferred)
            }
            Err(e) => {
                let why = match e.errcode() {
                    Some(code) => format!("wecom_{code}"),
                    None => "wecom_error".to_owned(),
                };
                warn!(error = %e, "appointment notice refused by WeCom");
                self.finish(&claimed, &mut record, kind, NoticeState::Failed, &why, now)
                    .await?;
                Ok(Step::Failed)
            }
        }
    }

    async fn finish(
        &self,
        item: &ports::Item,
        record: &mut AppointmentRecord,
        kind: NoticeKind,
        state: NoticeState,
        why: &str,
        now: i64,
    ) -> Result<(), CrmError> {
        if let Some(n) = record.notice_mut(kind) {
            n.state = state;
            n.reason = Some(why.to_owned());
            n.claimed_at_ms = None;
        }
        record.history.push(AppointmentChange {
            at_ms: now,
            by: "system".into(),
            kind: kind.as_str().into(),
            from: None,
            to: Some("failed".into()),
            note: Some(why.to_owned()),
        });
        record.updated_at_ms = now;
        self.repo().replace(item, record).await?;
        Ok(())
    }

    /// Records the task (and its ledger entry), then tells the consultant. False when the
    /// record changed under us (another run recorded it).
    async fn mark_created(
        &self,
        item: &ports::Item,
        record: &mut AppointmentRecord,
        kind: NoticeKind,
        notice: &Notice,
        msgid: String,
        now: i64,
    ) -> Result<bool, CrmError> {
        let created_at = notice.claimed_at_ms.unwrap_or(now);
        let mut done = notice.clone();
        done.state = NoticeState::Created;
        done.msgid = Some(msgid.clone());
        done.created_at_ms = Some(created_at);
        done.reason = None;
        // The consultant's message is claimed with the task's record: no tracking round sees a
        // recorded task with the consultant untold while this run tells them.
        done.consultant_notified = true;
        *record.notice_mut(kind) = Some(done);
        record.history.push(AppointmentChange {
            at_ms: now,
            by: "system".into(),
            kind: kind.as_str().into(),
            from: None,
            to: Some("created".into()),
            note: Some(format!("群发任务 {msgid}")),
        });
        record.updated_at_ms = now;
        // The ledger first: a quota counted twice (same key) is one entry.
        self.campaigns
            .repo()
            .add_ledger(&[LedgerEntry {
                external_userid: record.base.external_userid.clone(),
                campaign_id: ledger_id(kind, record),
                at_ms: created_at,
            }])
            .await?;
        if !self.repo().replace(item, record).await? {
            return Ok(false);
        }
        self.send_to_consultant(item, record, kind).await?;
        Ok(true)
    }

    /// The app message to the consultant, once per created task. Claimed before it is sent:
    /// of the runs that find the task recorded and the consultant not yet told (the booking's
    /// own and a tracking round at the same moment), only the one whose write lands sends it.
    /// A retryable refusal hands the claim back for the next round; a process that dies
    /// between the claim and the send leaves the consultant untold (the task itself is in
    /// their 群发助手) rather than told twice.
    async fn tell_consultant(
        &self,
        item: &ports::Item,
        mut record: AppointmentRecord,
        kind: NoticeKind,
    ) -> Result<(), CrmError> {
        if let Some(n) = record.notice_mut(kind) {
            n.consultant_notified = true;
        }
        if !self.repo().replace(item, &record).await? {
            return Ok(());
        }
        self.send_to_consultant(item, &record, kind).await
    }

    /// Sends the claimed app message (`item`: where the record is stored).
    async fn send_to_consultant(
        &self,
        item: &ports::Item,
        record: &AppointmentRecord,
        kind: NoticeKind,
    ) -> Result<(), CrmError> {
        let config = self.config().await?;
        let userid = record.userid.clone().unwrap_or_default();
        if config.agent_id.is_empty() || userid.is_empty() {
            return Ok(());
        }
        let text = consultant_text(kind, record);
        match self
            .campaigns
            .wecom
            .send_app_text(&config.agent_id, std::slice::from_ref(&userid), &text)
            .await
        {
            Ok(_) => Ok(()),
            Err(e) if e.is_retryable() => {
                self.unclaim_consultant(item, kind).await;
                Err(e.into())
            }
            Err(e) => {
                warn!(error = %e, "appointment notice: the consultant's app message was refused");
                Ok(())
            }
        }
    }

    /// Gives the consultant's message back to the next round (best effort: if this write
    /// fails too, the consultant is not told).
    async fn unclaim_consultant(&self, item: &ports::Item, kind: NoticeKind) {
        let Ok(Some(current)) = self.repo().item(&item.pk, &item.sk).await else {
            return;
        };
        let Ok(mut record) = current.doc::<AppointmentRecord>() else {
            return;
        };
        if let Some(n) = record.notice_mut(kind) {
            n.consultant_notified = false;
        }
        if let Err(e) = self.repo().replace(&current, &record).await {
            warn!(error = %e.summary(), "appointment notice: the consultant's message could not be handed back");
        }
    }

    /// The task a lost claim may have created: the sender's corp tasks since the claim with
    /// the notice's text.
    async fn find_task(
        &self,
        record: &AppointmentRecord,
        notice: &Notice,
        now: i64,
    ) -> Result<Option<String>, CrmError> {
        let Some(sender) = record.userid.as_deref() else {
            return Ok(None);
        };
        let start = notice.claimed_at_ms.unwrap_or(now) / 1000 - 60;
        let end = (now / 1000).max(start + 1);
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .campaigns
                .wecom
                .get_groupmsg_list_v2(Some(sender), start, end, cursor.as_deref())
                .await?;
            if let Some(found) = page.group_msg_list.iter().find(|m| {
                m.text
                    .as_ref()
                    .is_some_and(|t| !notice.text.is_empty() && t.content == notice.text)
            }) {
                return Ok(Some(found.msgid.clone()));
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(None),
            }
        }
    }
}
