//! Result tracking (a schedule, every 15 minutes in AWS): what each consultant has sent,
//! reminders for what waits, closing finished campaigns; and cancelling.

use std::collections::BTreeMap;

use serde::Serialize;
use tracing::{info, warn};
use wecom_api::errcode;
use wecom_api::model::GroupMsgTask;

use super::Campaigns;
use super::model::{
    Campaign, CampaignStatus, Chunk, ChunkStatus, LedgerEntry, Recipient, RecipientStatus,
};
use super::schedule_name;
use super::send::{ledger_of, recipient_on_created};
use crate::CrmError;
use crate::calendar::DAY_MS;

/// WeCom allows three reminders per task per 24 hours.
pub const MAX_REMINDERS_PER_DAY: usize = 3;

/// How many times a cancel reads and decides again on a campaign that other functions keep
/// moving before it gives up (contention: retried later).
const MAX_CANCEL_DECISIONS: usize = 5;

/// The reason of a recipient whose consultant had not sent the task when the campaign's
/// tracking ended (`tracking_days` after its last task was created): `failed`, not sent.
pub const NOT_SENT_BY_STAFF: &str = "not_sent_by_staff";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TrackSummary {
    pub campaigns: u64,
    pub recipients_updated: u64,
    pub reminders: u64,
    pub staff_notified: u64,
    pub closed: u64,
    pub errors: u64,
}

/// What reminding a campaign's consultants now did.
#[derive(Debug, Clone, PartialEq)]
pub enum RemindOutcome {
    /// `reminded` tasks were reminded; `at_limit` had had WeCom's three reminders in 24 hours.
    Reminded {
        reminded: u64,
        at_limit: u64,
    },
    /// The campaign has no group-send task waiting (not sending, or finished).
    NothingToRemind(Box<Campaign>),
    NotFound,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CancelOutcome {
    Cancelled(Box<Campaign>),
    AlreadyFinished(Box<Campaign>),
    NotFound,
}

impl Campaigns {
    /// Reminds the consultants now (`remind_groupmsg_send`) of every created task of the
    /// campaign still open, within WeCom's three reminders per task per 24 hours.
    pub async fn remind_now(&self, campaign_id: &str) -> Result<RemindOutcome, CrmError> {
        let Some(campaign) = self.repo().get(campaign_id).await? else {
            return Ok(RemindOutcome::NotFound);
        };
        if !matches!(
            campaign.status,
            CampaignStatus::Sending | CampaignStatus::Tracking
        ) {
            return Ok(RemindOutcome::NothingToRemind(Box::new(campaign)));
        }
        let now = self.clock.now_ms();
        let (mut reminded, mut at_limit) = (0, 0);
        for (chunk, _) in self.repo().open_chunks(campaign_id).await? {
            let Some(msgid) = chunk.msgid.clone() else {
                continue;
            };
            if reminders_in_last_day(&chunk.reminders, now) >= MAX_REMINDERS_PER_DAY {
                at_limit += 1;
                continue;
            }
            match self.wecom.remind_groupmsg_send(&msgid).await {
                Ok(()) => {
                    reminded += 1;
                    if let Some((mut fresh, v)) = self.repo().chunk(campaign_id, &chunk.key).await?
                    {
                        fresh.reminders.push(now);
                        fresh.updated_at_ms = now;
                        self.repo().save_chunk(&fresh, v).await?;
                    }
                }
                // Still being dispatched to the consultant: nothing to remind of yet.
                Err(e) if e.errcode() == Some(errcode::GROUPMSG_DISPATCHING) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if reminded == 0 && at_limit == 0 {
            return Ok(RemindOutcome::NothingToRemind(Box::new(campaign)));
        }
        Ok(RemindOutcome::Reminded { reminded, at_limit })
    }

    /// Tracks every open campaign once.
    pub async fn track_open(&self) -> Result<TrackSummary, CrmError> {
        let mut summary = TrackSummary::default();
        for id in self.repo().open_ids().await? {
            summary.campaigns += 1;
            if let Err(e) = self.track(&id, &mut summary).await {
                summary.errors += 1;
                warn!(campaign_id = %id, error = %e.summary(), "tracking failed; next round tries again");
            }
        }
        Ok(summary)
    }

    /// Reads the send results of one campaign's tasks, reminds, and closes it when done.
    pub async fn track(
        &self,
        campaign_id: &str,
        summary: &mut TrackSummary,
    ) -> Result<(), CrmError> {
        let Some(campaign) = self.repo().get(campaign_id).await? else {
            return Ok(());
        };
        if !matches!(
            campaign.status,
            CampaignStatus::Sending | CampaignStatus::Tracking
        ) {
            return Ok(());
        }
        let config = self.configs().load().await?.unwrap_or_default();
        let remind_after = i64::from(config.send_rules.remind_after_minutes) * 60_000;
        let now = self.clock.now_ms();
        let mut waiting: BTreeMap<String, u64> = BTreeMap::new();
        let mut last_created = 0;
        for (mut chunk, version) in self.repo().open_chunks(campaign_id).await? {
            let key = chunk.key.clone();
            last_created = last_created.max(chunk.created_at_ms.unwrap_or(0));
            let pending = match self.track_chunk(&mut chunk, version, summary).await {
                Ok(pending) => pending,
                Err(CrmError::WeCom(e)) if e.errcode() == Some(errcode::GROUPMSG_DISPATCHING) => {
                    continue;
                }
                Err(e) => return Err(e),
            };
            if pending == 0 {
                continue;
            }
            if reminder_due(&chunk, now, remind_after)
                && let Some(msgid) = chunk.msgid.clone()
            {
                match self.wecom.remind_groupmsg_send(&msgid).await {
                    Ok(()) => {
                        summary.reminders += 1;
                        *waiting.entry(chunk.sender.clone()).or_default() += pending;
                        let Some((mut fresh, v)) = self.repo().chunk(campaign_id, &key).await?
                        else {
                            continue;
                        };
                        fresh.reminders.push(now);
                        fresh.updated_at_ms = now;
                        self.repo().save_chunk(&fresh, v).await?;
                    }
                    Err(e) => warn!(campaign_id, error = %e, "reminder refused"),
                }
            }
        }
        if !config.agent_id.is_empty() {
            for (staff, count) in &waiting {
                let text = format!(
                    "您有 {count} 位客户的群发消息「{}」待发送，请在企业微信「客户联系 → 群发助手」中确认发送。",
                    campaign.name
                );
                match self
                    .wecom
                    .send_app_text(&config.agent_id, std::slice::from_ref(staff), &text)
                    .await
                {
                    Ok(_) => summary.staff_notified += 1,
                    Err(e) => warn!(campaign_id, error = %e, "could not notify a consultant"),
                }
            }
        }
        self.close_if_done(campaign_id, last_created, summary).await
    }

    /// Updates the chunk's recipients from WeCom; returns how many still wait for the
    /// consultant.
    async fn track_chunk(
        &self,
        chunk: &mut Chunk,
        version: u64,
        summary: &mut TrackSummary,
    ) -> Result<u64, CrmError> {
        let Some(msgid) = chunk.msgid.clone() else {
            return Ok(0);
        };
        // The consultant sends a task all at once: while its task status is 0 nothing has
        // changed, and one call answers that instead of reading every recipient's result.
        if !self.task_sent(&msgid, &chunk.sender).await? {
            return Ok(waiting_before_send(chunk));
        }
        let mut results: BTreeMap<String, (i64, Option<i64>)> = BTreeMap::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .wecom
                .get_groupmsg_send_result(&msgid, &chunk.sender, cursor.as_deref())
                .await?;
            for r in page.send_list {
                if let Some(id) = r.external_userid {
                    results.insert(id, (r.status, r.send_time));
                }
            }
            match page.next_cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => break,
            }
        }
        let now = self.clock.now_ms();
        let mut recipients = self
            .repo()
            .chunk_recipients(&chunk.campaign_id, &chunk.key)
            .await?;
        let mut changed = Vec::new();
        let mut pending = 0;
        let mut released = Vec::new();
        let mut repaired = 0;
        for r in &mut recipients {
            // A recipient of this task still `queued`: the record of the task on it was lost,
            // or overwritten by a stale run of the campaign's resolution (a redelivered or
            // lapsed message rewriting its page). Record the task now and read its result, so
            // that the chunk never closes over a recipient left in no final state.
            let was_queued = r.status == RecipientStatus::Queued;
            if was_queued {
                repaired += 1;
                if let Some(release) = recipient_on_created(r, &msgid, &chunk.fail_list, now) {
                    released.push(release);
                    changed.push(r.clone());
                    continue;
                }
            }
            if r.status != RecipientStatus::AwaitingStaff {
                continue;
            }
            let result = results.get(&r.external_userid).copied();
            let Some(release) = apply_send_result(r, result, now) else {
                pending += 1;
                if was_queued {
                    changed.push(r.clone());
                }
                continue;
            };
            released.extend(release);
            changed.push(r.clone());
        }
        if repaired > 0 {
            warn!(campaign_id = %chunk.campaign_id, chunk = %chunk.key, repaired, "recipients of a created task were still queued; recorded");
        }
        self.credit_earlier_bookings(&chunk.campaign_id, &mut changed)
            .await?;
        self.save_settled(&changed, &released, summary).await?;
        if pending == 0 {
            chunk.status = ChunkStatus::Done;
            chunk.updated_at_ms = now;
            self.repo().save_chunk(chunk, version).await?;
        }
        Ok(pending)
    }

    /// Saves recipients whose status changed, then gives back the quota of those that will not
    /// be sent (recipients first: a crash in between keeps a reservation, never loses one).
    async fn save_settled(
        &self,
        changed: &[Recipient],
        released: &[LedgerEntry],
        summary: &mut TrackSummary,
    ) -> Result<(), CrmError> {
        summary.recipients_updated += changed.len() as u64;
        self.repo().put_recipients(changed).await?;
        for entry in released {
            self.repo().release_ledger(entry).await?;
        }
        Ok(())
    }

    /// Whether `sender` has sent the task (get_groupmsg_task status 2).
    async fn task_sent(&self, msgid: &str, sender: &str) -> Result<bool, CrmError> {
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .wecom
                .get_groupmsg_task(msgid, cursor.as_deref())
                .await?;
            if let Some(sent) = sender_sent(&page.task_list, sender) {
                return Ok(sent);
            }
            match page.next_cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => return Ok(false),
            }
        }
    }

    async fn close_if_done(
        &self,
        campaign_id: &str,
        last_created: i64,
        summary: &mut TrackSummary,
    ) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        let unsent_work = self.repo().has_pending_chunk(campaign_id).await?;
        let open = unsent_work || self.repo().has_open_chunk(campaign_id).await?;
        let Some(expired) = close_reason(
            unsent_work,
            open,
            last_created,
            now,
            self.settings.tracking_days,
        ) else {
            return Ok(());
        };
        if expired {
            // Before the campaign closes, so that a crash in between leaves it open for the
            // next round.
            self.expire_open_chunks(campaign_id, now, summary).await?;
        }
        let closed = self.repo().update(campaign_id, |c| close(c, now)).await?;
        if closed.is_some() {
            summary.closed += 1;
            info!(campaign_id, expired, "campaign closed");
        }
        Ok(())
    }

    /// Tracking ends while tasks are still open: every recipient still waiting for the
    /// consultant is `failed` with [`NOT_SENT_BY_STAFF`] and gives its quota reservation back,
    /// and the chunk is done. Idempotent; a chunk changed meanwhile is contention (the next
    /// round closes the campaign).
    async fn expire_open_chunks(
        &self,
        campaign_id: &str,
        now: i64,
        summary: &mut TrackSummary,
    ) -> Result<(), CrmError> {
        for (mut chunk, version) in self.repo().open_chunks(campaign_id).await? {
            let mut recipients = self
                .repo()
                .chunk_recipients(campaign_id, &chunk.key)
                .await?;
            let mut changed = Vec::new();
            let mut released = Vec::new();
            for r in &mut recipients {
                if let Some(release) = expire_recipient(r, now) {
                    released.extend(release);
                    changed.push(r.clone());
                }
            }
            self.save_settled(&changed, &released, summary).await?;
            chunk.status = ChunkStatus::Done;
            chunk.updated_at_ms = now;
            if !self.repo().save_chunk(&chunk, version).await? {
                return Err(CrmError::Contention(format!(
                    "{campaign_id}/{}: changed while its tracking ended",
                    chunk.key
                )));
            }
            info!(
                campaign_id,
                chunk = %chunk.key,
                not_sent = changed.len(),
                "tracking ended: recipients still waiting for the consultant are not sent"
            );
        }
        Ok(())
    }

    /// Cancels a campaign: its schedule is deleted, tasks not created are dropped, and WeCom
    /// stops the created ones for consultants who have not sent them (what was sent stays
    /// sent).
    ///
    /// The campaign is marked cancelled only if it still has the status the decision was
    /// made on (a conditional write): one that another function moves meanwhile (tracking
    /// closes it as done, the sender moves it to tracking) is read and decided again, so a
    /// campaign that finished meanwhile answers [`CancelOutcome::AlreadyFinished`].
    pub async fn cancel(&self, campaign_id: &str) -> Result<CancelOutcome, CrmError> {
        let mut decided = false;
        for _ in 0..MAX_CANCEL_DECISIONS {
            let Some(campaign) = self.repo().get(campaign_id).await? else {
                return Ok(CancelOutcome::NotFound);
            };
            if campaign.status.is_final() {
                // A cancel that failed half-way (WeCom unreachable) may be repeated until
                // every task is stopped.
                let unfinished = self.repo().has_pending_chunk(campaign_id).await?
                    || self.repo().has_open_chunk(campaign_id).await?;
                if !may_cancel_again(campaign.status, unfinished) {
                    return Ok(CancelOutcome::AlreadyFinished(Box::new(campaign)));
                }
            }
            self.scheduler.cancel(&schedule_name(campaign_id)).await?;
            let now = self.clock.now_ms();
            let read = campaign.status;
            let written = self
                .repo()
                .update(campaign_id, |c| mark_cancelled(c, read, now))
                .await?;
            if written.is_some() || read == CampaignStatus::Cancelled {
                decided = true;
                break;
            }
            info!(
                campaign_id,
                "campaign changed while it was being cancelled; deciding again"
            );
        }
        if !decided {
            return Err(CrmError::Contention(format!(
                "{campaign_id}: kept changing while it was being cancelled"
            )));
        }
        let mut summary = TrackSummary::default();
        let mut unfinished = self.repo().pending_chunks(campaign_id).await?;
        unfinished.extend(self.repo().open_chunks(campaign_id).await?);
        for (mut chunk, version) in unfinished {
            match chunk.status {
                ChunkStatus::Pending | ChunkStatus::Creating => {
                    self.cancel_unsent_chunk(chunk, version).await?;
                }
                ChunkStatus::Created => {
                    // Record what was already sent before stopping the rest.
                    let version = match self.track_chunk(&mut chunk, version, &mut summary).await {
                        Ok(0) => continue,
                        Ok(_) => version,
                        Err(CrmError::WeCom(e))
                            if e.errcode() == Some(errcode::GROUPMSG_DISPATCHING) =>
                        {
                            version
                        }
                        Err(e) => return Err(e),
                    };
                    if let Some(msgid) = &chunk.msgid {
                        self.wecom.cancel_groupmsg_send(msgid).await?;
                    }
                    self.cancel_unsent_chunk(chunk, version).await?;
                }
                _ => {}
            }
        }
        match self.repo().get(campaign_id).await? {
            Some(c) => Ok(CancelOutcome::Cancelled(Box::new(c))),
            None => Ok(CancelOutcome::NotFound),
        }
    }
}

/// What the end of tracking makes of a recipient: one still waiting (queued, or awaiting the
/// consultant) is `failed` with [`NOT_SENT_BY_STAFF`] and its ledger entry is returned to be
/// released (`Some(None)` when it reserved none); `None` for one already final (left as it
/// is).
fn expire_recipient(r: &mut Recipient, now_ms: i64) -> Option<Option<LedgerEntry>> {
    if r.status.is_final() {
        return None;
    }
    r.set_status(RecipientStatus::Failed, now_ms);
    r.reason = Some(NOT_SENT_BY_STAFF.to_owned());
    Some(ledger_of(r))
}

/// What WeCom's send result for a recipient awaiting the consultant (`status`, `send_time` in
/// Unix seconds) makes of them: sent (at WeCom's send time, else now), not a friend any more,
/// over WeCom's quota; `None` while not sent yet (0) or not listed.
fn result_status(
    result: Option<(i64, Option<i64>)>,
    now_ms: i64,
) -> Option<(RecipientStatus, Option<i64>)> {
    match result {
        Some((1, send_time)) => Some((
            RecipientStatus::Sent,
            Some(send_time.map_or(now_ms, |t| t.saturating_mul(1000))),
        )),
        Some((2, _)) => Some((RecipientStatus::NotFriend, None)),
        Some((3, _)) => Some((RecipientStatus::OverQuota, None)),
        _ => None,
    }
}

/// Applies WeCom's send result to a recipient awaiting the consultant: `None` while it still
/// waits (left as it is), else its ledger entry to release (`Some(None)` when there is none to
/// release: it was sent, or reserved nothing).
fn apply_send_result(
    r: &mut Recipient,
    result: Option<(i64, Option<i64>)>,
    now_ms: i64,
) -> Option<Option<LedgerEntry>> {
    let (next, sent_at) = result_status(result, now_ms)?;
    if sent_at.is_some() {
        r.sent_at_ms = sent_at;
    }
    r.set_status(next, now_ms);
    Some(if next == RecipientStatus::Sent {
        None
    } else {
        ledger_of(r)
    })
}

/// How many of a task's recipients wait while its sender has not sent it: those WeCom took
/// (not on its fail_list), at least one.
fn waiting_before_send(chunk: &Chunk) -> u64 {
    let waiting = chunk
        .recipients
        .saturating_sub(chunk.fail_list.len() as u32);
    u64::from(waiting.max(1))
}

/// Whether `sender` has sent their task (status 2), when the page lists them.
fn sender_sent(tasks: &[GroupMsgTask], sender: &str) -> Option<bool> {
    tasks
        .iter()
        .find(|t| t.userid == sender)
        .map(|t| t.status == 2)
}

/// How many reminders were sent in the 24 hours before `now_ms`.
fn reminders_in_last_day(reminders: &[i64], now_ms: i64) -> usize {
    reminders.iter().filter(|t| now_ms - **t < DAY_MS).count()
}

/// Whether the consultant is reminded of a waiting task now: `remind_after_ms` since it was
/// created and since the last reminder, within WeCom's three reminders per 24 hours.
fn reminder_due(chunk: &Chunk, now_ms: i64, remind_after_ms: i64) -> bool {
    let created = chunk.created_at_ms.unwrap_or(now_ms);
    let last = chunk.reminders.iter().copied().max().unwrap_or(created);
    now_ms - created >= remind_after_ms
        && now_ms - last >= remind_after_ms
        && reminders_in_last_day(&chunk.reminders, now_ms) < MAX_REMINDERS_PER_DAY
}

/// Whether a campaign closes now: `Some(expired)` when no task is open, or (`expired`) when
/// its last task was created more than `tracking_days` ago and none is still to be created;
/// `None` to keep tracking.
fn close_reason(
    unsent_work: bool,
    open: bool,
    last_created_ms: i64,
    now_ms: i64,
    tracking_days: u32,
) -> Option<bool> {
    let expired = !unsent_work
        && last_created_ms > 0
        && now_ms - last_created_ms > i64::from(tracking_days) * DAY_MS;
    (!open || expired).then_some(expired)
}

/// Closes a campaign as done; false when it was already final.
fn close(c: &mut Campaign, now_ms: i64) -> bool {
    if c.status.is_final() {
        return false;
    }
    c.status = CampaignStatus::Done;
    c.finished_at_ms = Some(now_ms);
    c.updated_at_ms = now_ms;
    true
}

/// Marks a campaign cancelled if it still has the status `read` that the cancel was decided
/// on; false when it already was cancelled, or when its status changed since (the cancel
/// decides again on what it is now).
fn mark_cancelled(c: &mut Campaign, read: CampaignStatus, now_ms: i64) -> bool {
    if c.status == CampaignStatus::Cancelled || c.status != read {
        return false;
    }
    c.status = CampaignStatus::Cancelled;
    c.finished_at_ms = Some(now_ms);
    c.updated_at_ms = now_ms;
    true
}

/// Whether a campaign in a final state is cancelled (again): only a cancelled one whose
/// tasks are not all stopped yet (a cancel that failed half-way).
fn may_cancel_again(status: CampaignStatus, unfinished: bool) -> bool {
    status == CampaignStatus::Cancelled && unfinished
}

#[cfg(test)]
#[path = "track_tests.rs"]
mod tests;
