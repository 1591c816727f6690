//! The sender function: one group-send task per chunk, created once.
//!
//! add_msg_template is not idempotent at WeCom, and a timeout leaves its outcome unknown. So
//! the chunk is marked `creating` (with the exact text) before the call; an attempt that finds
//! a chunk in that state first looks for the task in WeCom's list of the sender's recent
//! tasks and adopts it — same creator and text (and, for attachments-only content, the same
//! attachments), sent to exactly the chunk's queued customers — and creates a new one only
//! when none is there after `reconcile_after`. A redelivered message for a created chunk does
//! nothing.

use crate::jobs::QueueJob;
use std::collections::BTreeSet;

use ports::scheduler::OneTimeSchedule;
use tracing::{info, warn};
use wecom_api::WeComError;
use wecom_api::errcode;
use wecom_api::model::{
    Attachment, AttachmentBody, GroupMsgSendResult, GroupMsgSummary, ImageAttachment,
    LinkAttachment, MediaAttachment, MiniprogramAttachment, MsgTemplate, Text,
};

use super::links::rewrite_urls;
use super::model::{
    Campaign, CampaignStatus, Chunk, ChunkStatus, ContentAttachment, LedgerEntry, Recipient,
    RecipientStatus,
};
use super::plan::Rules;
use super::{CampaignJob, Campaigns, schedule_name};
use crate::CrmError;

impl Campaigns {
    pub async fn send_chunk(&self, campaign_id: &str, key: &str) -> Result<(), CrmError> {
        let Some(campaign) = self.repo().get(campaign_id).await? else {
            return Err(CrmError::not_found("campaign", campaign_id));
        };
        let Some((mut chunk, mut version)) = self.repo().chunk(campaign_id, key).await? else {
            return Err(CrmError::not_found("chunk", key));
        };
        if let (ChunkStatus::Created, Some(msgid)) = (chunk.status, chunk.msgid.clone()) {
            // The task is recorded on the chunk; a run that died (or whose store write failed)
            // before its recipients were recorded left them queued: finish that now. Without
            // it they stayed queued and the campaign `sending` (or `done` once another chunk
            // finished), their task in WeCom unknown to the CRM.
            return self.record_task(&campaign, &chunk, &msgid).await;
        }
        if !matches!(chunk.status, ChunkStatus::Pending | ChunkStatus::Creating) {
            info!(
                campaign_id,
                chunk = key,
                "task already created; nothing to do"
            );
            return Ok(());
        }
        if campaign.status == CampaignStatus::Cancelled {
            return self.cancel_unsent_chunk(chunk, version).await;
        }
        let now = self.clock.now_ms();
        let config = self.configs().load().await?.unwrap_or_default();
        let allowed = Rules::from_config(&config).next_allowed(now);
        if defer_for_quiet_hours(chunk.status, allowed, now) {
            // Quiet hours began after the run: the campaign's run re-queues it when they end.
            self.scheduler
                .schedule_once(OneTimeSchedule {
                    name: schedule_name(campaign_id),
                    at_ms: allowed,
                    payload: CampaignJob::Run {
                        campaign_id: campaign_id.to_owned(),
                    }
                    .to_body(),
                })
                .await?;
            self.repo()
                .update(campaign_id, |c| {
                    c.deferred_until_ms = Some(allowed);
                    true
                })
                .await?;
            info!(campaign_id, chunk = key, "quiet hours: task deferred");
            return Ok(());
        }
        let recipients: Vec<Recipient> = self
            .repo()
            .chunk_recipients(campaign_id, key)
            .await?
            .into_iter()
            .filter(|r| r.status == RecipientStatus::Queued)
            .collect();
        let single = (chunk.recipients == 1 && recipients.len() == 1)
            .then(|| recipients[0].external_userid.clone());
        let base_text = match (
            recipients.first().and_then(|r| r.text.as_ref()),
            campaign.personalised,
        ) {
            (Some(t), true) => t.clone(),
            _ => campaign.content.text.clone(),
        };
        let mut rendered = None;
        if chunk.status == ChunkStatus::Creating {
            // The content is rendered as the lost attempt sent it (stable link tokens, cached
            // media ids) to recognise its task.
            let content = self
                .render_content(&campaign, &chunk, &base_text, single.as_deref())
                .await?;
            if let Some(msgid) = self
                .find_lost_task(&campaign, &chunk, &recipients, &content.1)
                .await?
            {
                info!(
                    campaign_id,
                    chunk = key,
                    "found the task of an earlier attempt"
                );
                return self
                    .task_created(&campaign, chunk, version, msgid, Vec::new())
                    .await;
            }
            if outcome_still_unknown(chunk.attempt_started_ms, now, self.settings.reconcile_after) {
                return Err(CrmError::Contention(format!(
                    "{key}: the outcome of the previous attempt is not known yet"
                )));
            }
            rendered = Some(content);
        }
        if recipients.is_empty() {
            chunk.status = ChunkStatus::Done;
            chunk.updated_at_ms = now;
            self.repo().save_chunk(&chunk, version).await?;
            return self.after_chunk(&campaign).await;
        }
        let (text, attachments) = match rendered {
            Some(content) => content,
            None => {
                self.render_content(&campaign, &chunk, &base_text, single.as_deref())
                    .await?
            }
        };
        chunk.status = ChunkStatus::Creating;
        chunk.attempts += 1;
        chunk.attempt_started_ms = Some(now);
        chunk.sent_text.clone_from(&text);
        chunk.updated_at_ms = now;
        if !self.repo().save_chunk(&chunk, version).await? {
            info!(
                campaign_id,
                chunk = key,
                "another attempt is creating this task"
            );
            return Ok(());
        }
        version += 1;
        let template = MsgTemplate {
            sender: chunk.sender.clone(),
            external_userid: recipients
                .iter()
                .map(|r| r.external_userid.clone())
                .collect(),
            text: (!text.is_empty()).then_some(Text { content: text }),
            attachments,
            allow_select: false,
        };
        let e = match self.wecom.add_msg_template(&template).await {
            Ok(created) => {
                return self
                    .task_created(&campaign, chunk, version, created.msgid, created.fail_list)
                    .await;
            }
            Err(e) => e,
        };
        match CreateFailure::of(&e) {
            CreateFailure::Ambiguous => {
                warn!(campaign_id, chunk = key, error = %e, "add_msg_template outcome unknown; will reconcile");
                Err(e.into())
            }
            CreateFailure::MediaExpired => {
                for a in &campaign.content.attachments {
                    if let Some(hash) = a.media_hash() {
                        self.forget_media_id(hash).await?;
                    }
                }
                self.back_to_pending(chunk, version).await?;
                Err(CrmError::Contention(format!(
                    "{key}: media expired, uploading again"
                )))
            }
            CreateFailure::RetryLater => {
                // WeCom refused (busy, rate limit): nothing was created.
                self.back_to_pending(chunk, version).await?;
                Err(e.into())
            }
            CreateFailure::Configuration => {
                // The operator's to fix (secret, trusted IP, app permission): nothing was
                // created and nothing is failed. The error is not retryable, so the message
                // takes the long backoff and, once its receives run out, waits among the dead
                // letters to be replayed; the recipients stay queued with their quota.
                warn!(
                    campaign_id,
                    chunk = key,
                    errcode = e.errcode(),
                    "add_msg_template refused by the corp's configuration; the chunk waits for the operator"
                );
                chunk.error = Some(crate::CrmError::WeCom(e.clone()).summary());
                self.back_to_pending(chunk, version).await?;
                Err(e.into())
            }
            CreateFailure::Permanent => {
                self.chunk_failed(&campaign, chunk, version, &e, recipients)
                    .await
            }
        }
    }

    async fn back_to_pending(&self, mut chunk: Chunk, version: u64) -> Result<(), CrmError> {
        chunk.status = ChunkStatus::Pending;
        chunk.attempt_started_ms = None;
        chunk.updated_at_ms = self.clock.now_ms();
        self.repo().save_chunk(&chunk, version).await?;
        Ok(())
    }

    /// Looks for a task of this chunk among the sender's tasks since the last attempt: the
    /// chunk's content (`attachments` as rendered for it) sent to exactly its queued
    /// `recipients`.
    async fn find_lost_task(
        &self,
        campaign: &Campaign,
        chunk: &Chunk,
        recipients: &[Recipient],
        attachments: &[Attachment],
    ) -> Result<Option<String>, CrmError> {
        let Some(started) = chunk.attempt_started_ms else {
            return Ok(None);
        };
        let claimed: Vec<String> = self
            .repo()
            .chunks(&campaign.id)
            .await?
            .into_iter()
            .filter_map(|c| c.msgid)
            .collect();
        let ours: BTreeSet<String> = recipients
            .iter()
            .map(|r| r.external_userid.clone())
            .collect();
        if ours.is_empty() {
            return Ok(None);
        }
        let start = started / 1000 - 60;
        let end = self.clock.now_secs() + 60;
        let mut cursor: Option<String> = None;
        loop {
            let page = self
                .wecom
                .get_groupmsg_list_v2(Some(&chunk.sender), start, end, cursor.as_deref())
                .await?;
            for task in page.group_msg_list {
                if may_be_lost_task(&task, chunk, &claimed, attachments)
                    && self
                        .same_recipients(&task.msgid, &chunk.sender, &ours)
                        .await?
                {
                    return Ok(Some(task.msgid));
                }
            }
            match page.next_cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => return Ok(None),
            }
        }
    }

    /// Whether a task WeCom lists went to exactly this chunk's customers, every page of its
    /// results read (another campaign or a direct message with the same content from the same
    /// consultant, to some of them or to others too, must not be adopted).
    async fn same_recipients(
        &self,
        msgid: &str,
        sender: &str,
        ours: &BTreeSet<String>,
    ) -> Result<bool, CrmError> {
        let mut listed: Vec<GroupMsgSendResult> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = match self
                .wecom
                .get_groupmsg_send_result(msgid, sender, cursor.as_deref())
                .await
            {
                Ok(page) => page,
                Err(e) if e.errcode() == Some(errcode::GROUPMSG_DISPATCHING) => {
                    return Err(CrmError::Contention(format!(
                        "{msgid} is still dispatching; checking again later"
                    )));
                }
                Err(e) => return Err(e.into()),
            };
            // Someone else's customer on this page: not ours, whatever the other pages say.
            if !page.send_list.iter().all(|r| is_ours(r, ours)) {
                return Ok(false);
            }
            listed.extend(page.send_list);
            if listed.len() > ours.len() {
                return Ok(false);
            }
            match page.next_cursor {
                Some(next) if !next.is_empty() => cursor = Some(next),
                _ => return Ok(same_recipient_set(&listed, ours)),
            }
        }
    }

    async fn task_created(
        &self,
        campaign: &Campaign,
        mut chunk: Chunk,
        version: u64,
        msgid: String,
        fail_list: Vec<String>,
    ) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        chunk.status = ChunkStatus::Created;
        chunk.msgid = Some(msgid.clone());
        chunk.fail_list.clone_from(&fail_list);
        chunk.created_at_ms = Some(now);
        chunk.error = None;
        chunk.updated_at_ms = now;
        if !self.repo().save_chunk(&chunk, version).await? {
            warn!(campaign_id = %campaign.id, chunk = %chunk.key, "chunk changed while its task was recorded");
        }
        self.record_task(campaign, &chunk, &msgid).await
    }

    /// Records a created task on the chunk's recipients still queued (each once: a repeat
    /// finds none queued), releases the quota of those WeCom could not take, and moves the
    /// campaign on. Safe to repeat after a failure at any step.
    async fn record_task(
        &self,
        campaign: &Campaign,
        chunk: &Chunk,
        msgid: &str,
    ) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        let mut recipients = self
            .repo()
            .chunk_recipients(&campaign.id, &chunk.key)
            .await?;
        let queued = recipients
            .iter()
            .filter(|r| r.status == RecipientStatus::Queued)
            .count();
        let released: Vec<LedgerEntry> = recipients
            .iter_mut()
            .filter_map(|r| recipient_on_created(r, msgid, &chunk.fail_list, now))
            .collect();
        // Quota first: a failure before the recipients are written leaves them queued, and the
        // repeat releases again (a release is idempotent).
        for entry in released {
            self.repo().release_ledger(&entry).await?;
        }
        if queued > 0 {
            self.repo().put_recipients(&recipients).await?;
            info!(campaign_id = %campaign.id, chunk = %chunk.key, recipients = queued, failed = chunk.fail_list.len(), "group-send task recorded");
        }
        // Cancelled while the task was being created: stop it in WeCom at once. If WeCom
        // refuses now, the chunk stays created and a repeated cancel stops it.
        if self
            .repo()
            .get(&campaign.id)
            .await?
            .is_some_and(|c| c.status == CampaignStatus::Cancelled)
            && let Some((chunk, version)) = self.repo().chunk(&campaign.id, &chunk.key).await?
        {
            self.wecom.cancel_groupmsg_send(msgid).await?;
            return self.cancel_unsent_chunk(chunk, version).await;
        }
        self.after_chunk(campaign).await
    }

    async fn chunk_failed(
        &self,
        campaign: &Campaign,
        mut chunk: Chunk,
        version: u64,
        error: &WeComError,
        mut recipients: Vec<Recipient>,
    ) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        let reason = failure_reason(error);
        warn!(campaign_id = %campaign.id, chunk = %chunk.key, %reason, "group-send task failed permanently");
        // Recipients first, the chunk last: a failure in between leaves the chunk `creating`
        // with nobody queued, which the repeat closes (no task, nobody to send to). The other
        // order left the recipients queued under a failed chunk that no repeat looks at.
        for r in &mut recipients {
            r.set_status(RecipientStatus::Failed, now);
            r.reason = Some(reason.clone());
        }
        for entry in recipients.iter().filter_map(ledger_of) {
            self.repo().release_ledger(&entry).await?;
        }
        self.repo().put_recipients(&recipients).await?;
        chunk.status = ChunkStatus::Failed;
        chunk.error = Some(crate::CrmError::WeCom(error.clone()).summary());
        chunk.updated_at_ms = now;
        self.repo().save_chunk(&chunk, version).await?;
        self.after_chunk(campaign).await
    }

    pub(crate) async fn cancel_unsent_chunk(
        &self,
        mut chunk: Chunk,
        version: u64,
    ) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        chunk.status = ChunkStatus::Cancelled;
        chunk.updated_at_ms = now;
        self.repo().save_chunk(&chunk, version).await?;
        let mut recipients = self
            .repo()
            .chunk_recipients(&chunk.campaign_id, &chunk.key)
            .await?;
        recipients.retain(|r| !r.status.is_final());
        for r in &mut recipients {
            r.set_status(RecipientStatus::Cancelled, now);
        }
        self.repo().put_recipients(&recipients).await?;
        for entry in recipients.iter().filter_map(ledger_of) {
            self.repo().release_ledger(&entry).await?;
        }
        Ok(())
    }

    /// Moves the campaign to tracking once no chunk waits for its task.
    async fn after_chunk(&self, campaign: &Campaign) -> Result<(), CrmError> {
        if self.repo().has_pending_chunk(&campaign.id).await? {
            return Ok(());
        }
        let now = self.clock.now_ms();
        let any_open = self.repo().has_open_chunk(&campaign.id).await?;
        self.repo()
            .update(&campaign.id, |c| after_last_task(c, any_open, now))
            .await?;
        Ok(())
    }

    /// The content of one task: links rewritten to tracked ones, media uploaded.
    async fn render_content(
        &self,
        campaign: &Campaign,
        chunk: &Chunk,
        text: &str,
        single: Option<&str>,
    ) -> Result<(String, Vec<Attachment>), CrmError> {
        let track = !self.settings.link_base.is_empty();
        let mut urls = Vec::new();
        let rewritten = rewrite_urls(text, |i, url| {
            urls.push((i, url.to_owned()));
            format!("\u{0}{i}\u{0}")
        });
        let mut text_out = rewritten.clone();
        for (i, url) in &urls {
            let public = if track {
                self.track_link(&campaign.id, &chunk.key, *i, url, single)
                    .await?
            } else {
                url.clone()
            };
            text_out = text_out.replacen(&format!("\u{0}{i}\u{0}"), &public, 1);
        }
        let mut next_index = urls.len();
        let mut attachments = Vec::new();
        for a in &campaign.content.attachments {
            let body = match a {
                ContentAttachment::Image {
                    media,
                    pic_media,
                    pic_url,
                } => AttachmentBody::Image(ImageAttachment {
                    media_id: match media {
                        Some(hash) => Some(self.media_id(hash).await?),
                        None => None,
                    },
                    pic_url: match pic_media {
                        Some(hash) => Some(self.image_url(hash).await?),
                        None => pic_url.clone(),
                    },
                }),
                ContentAttachment::Link {
                    title,
                    url,
                    desc,
                    picurl,
                    pic_media,
                } => {
                    let picurl = match pic_media {
                        Some(hash) => Some(self.image_url(hash).await?),
                        None => picurl.clone(),
                    };
                    let public = if track {
                        self.track_link(&campaign.id, &chunk.key, next_index, url, single)
                            .await?
                    } else {
                        url.clone()
                    };
                    next_index += 1;
                    AttachmentBody::Link(LinkAttachment {
                        title: title.clone(),
                        picurl,
                        desc: desc.clone(),
                        url: public,
                    })
                }
                ContentAttachment::Miniprogram {
                    title,
                    appid,
                    page,
                    pic_media,
                } => AttachmentBody::Miniprogram(MiniprogramAttachment {
                    title: title.clone(),
                    pic_media_id: self.media_id(pic_media).await?,
                    appid: appid.clone(),
                    page: page.clone(),
                }),
                ContentAttachment::Video { media } => AttachmentBody::Video(MediaAttachment {
                    media_id: self.media_id(media).await?,
                }),
                ContentAttachment::File { media } => AttachmentBody::File(MediaAttachment {
                    media_id: self.media_id(media).await?,
                }),
            };
            attachments.push(Attachment::new(body));
        }
        Ok((text_out, attachments))
    }
}

/// What a failed add_msg_template means for the chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CreateFailure {
    /// The task may exist: the chunk stays `creating` and the next attempt looks for it.
    Ambiguous,
    /// 40007: a media_id expired; upload again, back to pending, retry.
    MediaExpired,
    /// WeCom refused for now (busy, 45009, unreachable): nothing was created; back to
    /// pending, retry.
    RetryLater,
    /// WeCom refused because of the corp's configuration, which the operator fixes: 40001
    /// (invalid secret), 60020 (IP not on the app's trusted list), 48002 (API not permitted
    /// for the app). Nothing was created; back to pending with the recipients still queued and
    /// their quota kept, and the message fails until it is dead-lettered and replayed.
    Configuration,
    /// WeCom refused the task for good: the chunk and its recipients fail.
    Permanent,
}

impl CreateFailure {
    fn of(e: &WeComError) -> Self {
        if e.is_ambiguous() {
            CreateFailure::Ambiguous
        } else if e.errcode() == Some(errcode::INVALID_MEDIA_ID) {
            CreateFailure::MediaExpired
        } else if matches!(
            e.errcode(),
            Some(errcode::INVALID_SECRET | errcode::UNTRUSTED_IP | errcode::NO_API_PERMISSION)
        ) {
            CreateFailure::Configuration
        } else if e.is_retryable() {
            CreateFailure::RetryLater
        } else {
            CreateFailure::Permanent
        }
    }
}

/// The recipients' reason when their task failed for good.
fn failure_reason(e: &WeComError) -> String {
    match e.errcode() {
        Some(code) => format!("wecom_errcode_{code}"),
        None => "wecom_request_refused".to_owned(),
    }
}

/// Applies a created task to one recipient: a queued one on WeCom's `fail_list` failed (its
/// ledger entry, if any, is returned to be released), any other queued one now waits for the
/// consultant. Recipients in other states are left as they are.
pub(super) fn recipient_on_created(
    r: &mut Recipient,
    msgid: &str,
    fail_list: &[String],
    now: i64,
) -> Option<LedgerEntry> {
    if r.status != RecipientStatus::Queued {
        return None;
    }
    if fail_list.contains(&r.external_userid) {
        r.set_status(RecipientStatus::Failed, now);
        r.reason = Some("wecom_fail_list".into());
        ledger_of(r)
    } else {
        r.set_status(RecipientStatus::AwaitingStaff, now);
        r.msgid = Some(msgid.to_owned());
        None
    }
}

/// Quiet hours (next allowed instant `allowed_ms`) defer a chunk not yet attempted; a chunk
/// whose creation is under way goes on, to find out what became of it.
fn defer_for_quiet_hours(status: ChunkStatus, allowed_ms: i64, now_ms: i64) -> bool {
    allowed_ms > now_ms && status == ChunkStatus::Pending
}

/// Whether the outcome of the attempt started at `attempt_started_ms` may still show up in
/// WeCom's list, so that creating the task again could send it twice.
fn outcome_still_unknown(
    attempt_started_ms: Option<i64>,
    now_ms: i64,
    reconcile_after: std::time::Duration,
) -> bool {
    let since = now_ms - attempt_started_ms.unwrap_or(0);
    since < i64::try_from(reconcile_after.as_millis()).unwrap_or(60_000)
}

/// Whether a task in the sender's list may be the one a lost attempt created: same creator,
/// same text, not another chunk's task, and, when the content is attachments only (no text
/// tells tasks apart), the same attachments as this chunk's (`attachments`, rendered for it).
fn may_be_lost_task(
    task: &GroupMsgSummary,
    chunk: &Chunk,
    claimed: &[String],
    attachments: &[Attachment],
) -> bool {
    let text = task.text.as_ref().map(|t| t.content.as_str()).unwrap_or("");
    task.creator == chunk.sender
        && text == chunk.sent_text
        && !claimed.contains(&task.msgid)
        && (!chunk.sent_text.is_empty() || same_attachments(&task.attachments, attachments))
}

/// Whether the attachments `get_groupmsg_list_v2` lists for a task (as WeCom returns them,
/// `{"msgtype": "link", "link": {…}}`) are `ours`, in order: as many, each with every field
/// this product sent (msgtype, media_id, url, title…) equal; fields WeCom adds are ignored.
fn same_attachments(listed: &[serde_json::Value], ours: &[Attachment]) -> bool {
    listed.len() == ours.len()
        && listed.iter().zip(ours).all(|(listed, ours)| {
            serde_json::to_value(ours).is_ok_and(|sent| has_fields_of(listed, &sent))
        })
}

/// Whether `listed` holds every field of `sent` with the same value (objects compared field by
/// field, anything else as a whole).
fn has_fields_of(listed: &serde_json::Value, sent: &serde_json::Value) -> bool {
    match (listed, sent) {
        (serde_json::Value::Object(listed), serde_json::Value::Object(sent)) => {
            sent.iter().all(|(key, value)| {
                listed
                    .get(key)
                    .is_some_and(|listed| has_fields_of(listed, value))
            })
        }
        _ => listed == sent,
    }
}

/// Whether one recipient of a task's results is one of this chunk's customers.
fn is_ours(r: &GroupMsgSendResult, ours: &BTreeSet<String>) -> bool {
    r.external_userid
        .as_ref()
        .is_some_and(|id| ours.contains(id))
}

/// Whether a task's results (every page) list exactly this chunk's customers: each of them,
/// and nobody else (a task to only some of them is someone else's).
fn same_recipient_set(send_list: &[GroupMsgSendResult], ours: &BTreeSet<String>) -> bool {
    if ours.is_empty() || !send_list.iter().all(|r| is_ours(r, ours)) {
        return false;
    }
    let listed: BTreeSet<&str> = send_list
        .iter()
        .filter_map(|r| r.external_userid.as_deref())
        .collect();
    listed.len() == ours.len()
}

/// The campaign once no chunk waits for its task: tracking while a task is open, else done.
/// Only a sending campaign moves (a cancelled one stays cancelled); false when unchanged.
fn after_last_task(c: &mut Campaign, any_open: bool, now: i64) -> bool {
    if c.status != CampaignStatus::Sending {
        return false;
    }
    if any_open {
        c.status = CampaignStatus::Tracking;
    } else {
        c.status = CampaignStatus::Done;
        c.finished_at_ms = Some(now);
    }
    c.updated_at_ms = now;
    true
}

/// The ledger entry a recipient reserved.
pub(crate) fn ledger_of(r: &Recipient) -> Option<LedgerEntry> {
    r.ledger_at_ms.map(|at_ms| LedgerEntry {
        external_userid: r.external_userid.clone(),
        campaign_id: r.campaign_id.clone(),
        at_ms,
    })
}

#[cfg(test)]
#[path = "send_tests.rs"]
mod tests;
