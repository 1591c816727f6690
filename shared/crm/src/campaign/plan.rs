//! The campaign function: quiet hours, audience resolution under a checkpoint, the skip
//! rules, chunking by sender, and queueing the sends.

use crate::jobs::QueueJob;
use std::collections::BTreeMap;
use std::time::Instant;

use ports::OutgoingMessage;
use ports::scheduler::OneTimeSchedule;
use tracing::{info, warn};

use super::model::{
    Audience, Campaign, CampaignStatus, Chunk, ChunkStatus, LedgerEntry, Recipient,
    RecipientStatus, SenderPolicy, skip,
};
use super::{CampaignJob, Campaigns, SendJob, schedule_name};
use crate::CrmError;
use crate::audience::{Candidate, CustomerFilter};
use crate::calendar::{self, QuietHours};
use crate::config::{ConsentMode, CorpConfig, QuotaRule};
use crate::keys::chunk_sk;
use crate::model::{Customer, Relationship, RelationshipStatus};
use crate::repo::{CustomerAdmin, CustomerRepo};

/// What a dry run found.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Preview {
    /// False when the dry run stopped before the end of the audience.
    pub complete: bool,
    pub targeted: u64,
    pub would_send: u64,
    pub skipped: BTreeMap<String, u64>,
    /// Group-send tasks (one per sender per ≤ 10 000 recipients): each needs one
    /// add_msg_template call and one confirmation by the consultant.
    pub tasks: u64,
    pub senders: u64,
    pub wecom_calls: u64,
    pub staff_confirmations: u64,
    pub sample: Vec<Recipient>,
    pub skipped_sample: Vec<Recipient>,
}

/// What one audience member's checks decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Send { sender: String },
    Skip(&'static str),
}

/// The send rules in force for one run.
#[derive(Debug, Clone)]
pub struct Rules {
    pub quiet: Option<QuietHours>,
    pub daily_cap: u32,
    pub quota: QuotaRule,
    pub consent: ConsentMode,
}

impl Rules {
    pub fn from_config(config: &CorpConfig) -> Self {
        let r = &config.send_rules;
        Self {
            quiet: QuietHours::parse(&r.quiet_start, &r.quiet_end),
            daily_cap: r.daily_cap_per_customer,
            quota: r.wecom_quota,
            consent: r.consent,
        }
    }

    pub fn next_allowed(&self, now_ms: i64) -> i64 {
        self.quiet.map_or(now_ms, |q| q.next_allowed(now_ms))
    }
}

/// The sender a policy picks among the customer's active relationships.
pub fn pick_sender<'a>(
    policy: &SenderPolicy,
    rels: &'a [Relationship],
) -> Result<&'a str, &'static str> {
    let mut active = rels
        .iter()
        .filter(|r| r.status == RelationshipStatus::Active);
    let chosen = match policy {
        SenderPolicy::OwnConsultant => {
            active.min_by(|a, b| (a.createtime, &a.userid).cmp(&(b.createtime, &b.userid)))
        }
        SenderPolicy::MostRecent => {
            active.max_by(|a, b| (a.createtime, &b.userid).cmp(&(b.createtime, &a.userid)))
        }
        SenderPolicy::Fixed { userid } => {
            if !rels.iter().any(|r| &r.userid == userid) {
                return Err(skip::NO_SENDER);
            }
            active.find(|r| &r.userid == userid)
        }
    };
    chosen
        .map(|r| r.userid.as_str())
        .ok_or(skip::RELATIONSHIP_ENDED)
}

/// Whether the customer may receive marketing under the consent mode.
pub fn has_consent(mode: ConsentMode, c: &Customer) -> bool {
    let consent = c.crm.marketing_consent;
    match mode {
        ConsentMode::OptIn => consent == Some(true),
        ConsentMode::OptOut => consent != Some(false),
    }
}

/// Where the ledger's windows start for a send at `now_ms`.
pub fn ledger_since(now_ms: i64) -> i64 {
    calendar::month_start(now_ms).min(calendar::week_start(now_ms))
}

/// WeCom's quota and the clinic's daily cap, against the ledger of other campaigns' sends.
pub fn quota_check(
    rules: &Rules,
    ledger: &[LedgerEntry],
    campaign_id: &str,
    now_ms: i64,
) -> Option<&'static str> {
    let others = || ledger.iter().filter(|e| e.campaign_id != campaign_id);
    let since = |t: i64| others().filter(|e| e.at_ms >= t).count() as u64;
    let date = calendar::date(now_ms);
    let over_wecom = match rules.quota {
        QuotaRule::Month => {
            since(calendar::month_start(now_ms))
                >= u64::from(calendar::days_in_month(
                    chrono::Datelike::year(&date),
                    chrono::Datelike::month(&date),
                ))
        }
        QuotaRule::Week => since(calendar::week_start(now_ms)) >= 7,
        QuotaRule::Day => since(calendar::day_start(now_ms)) >= 1,
    };
    if over_wecom {
        return Some(skip::WECOM_QUOTA);
    }
    if since(calendar::day_start(now_ms)) >= u64::from(rules.daily_cap) {
        return Some(skip::CLINIC_CAP);
    }
    None
}

impl Campaigns {
    /// The campaign function: run (or continue) a campaign. Safe to call any number of times.
    pub async fn run(&self, campaign_id: &str) -> Result<(), CrmError> {
        let started = Instant::now();
        let Some((mut campaign, mut version)) = self.repo().get_versioned(campaign_id).await?
        else {
            return Err(CrmError::not_found("campaign", campaign_id));
        };
        if campaign.status.is_final() {
            info!(campaign_id, "campaign already finished; nothing to do");
            return Ok(());
        }
        let config = self.configs().load().await?.unwrap_or_default();
        let rules = Rules::from_config(&config);
        let now = self.clock.now_ms();
        if campaign.send_at_ms > now + 1000 && campaign.deferred_until_ms.is_none() {
            // A stray early trigger: the schedule will fire at the right time.
            return Ok(());
        }
        let allowed = rules.next_allowed(now);
        if allowed > now {
            return self.defer(campaign, version, allowed).await;
        }
        if !campaign.progress.resolved {
            campaign.runs += 1;
            campaign.status = CampaignStatus::Resolving;
            campaign.started_at_ms.get_or_insert(now);
            campaign.deferred_until_ms = None;
            campaign.updated_at_ms = now;
            if !self.repo().checkpoint(&campaign, version).await? {
                info!(campaign_id, "another run is resolving this campaign");
                return Ok(());
            }
            version += 1;
            while !campaign.progress.resolved {
                self.resolve_page(&mut campaign, &rules, false).await?;
                campaign.updated_at_ms = self.clock.now_ms();
                if !self.repo().checkpoint(&campaign, version).await? {
                    info!(
                        campaign_id,
                        "another run advanced this campaign; leaving it to it"
                    );
                    return Ok(());
                }
                version += 1;
                if !campaign.progress.resolved && started.elapsed() >= self.settings.step_budget {
                    self.campaign_queue
                        .send_batch(vec![OutgoingMessage::now(
                            CampaignJob::Run {
                                campaign_id: campaign_id.to_owned(),
                            }
                            .to_body(),
                        )])
                        .await?;
                    return Ok(());
                }
            }
            self.create_chunks(&mut campaign, version).await?;
        } else if campaign.status == CampaignStatus::Resolving {
            // Resolved, but the run failed creating the chunks (a store error part-way): this
            // run creates them (each insert is idempotent) and moves the campaign on. Without
            // it the campaign stayed `resolving`, its missing chunks never sent.
            campaign.runs += 1;
            campaign.updated_at_ms = now;
            if !self.repo().checkpoint(&campaign, version).await? {
                info!(
                    campaign_id,
                    "another run is creating this campaign's chunks"
                );
                return Ok(());
            }
            version += 1;
            self.create_chunks(&mut campaign, version).await?;
        } else {
            campaign.runs += 1;
            let _ = self.repo().checkpoint(&campaign, version).await?;
        }
        self.queue_pending_chunks(&campaign).await
    }

    async fn defer(
        &self,
        mut campaign: Campaign,
        version: u64,
        until_ms: i64,
    ) -> Result<(), CrmError> {
        self.scheduler
            .schedule_once(OneTimeSchedule {
                name: schedule_name(&campaign.id),
                at_ms: until_ms,
                payload: CampaignJob::Run {
                    campaign_id: campaign.id.clone(),
                }
                .to_body(),
            })
            .await?;
        if !campaign.progress.resolved {
            campaign.status = CampaignStatus::Deferred;
        }
        campaign.deferred_until_ms = Some(until_ms);
        campaign.updated_at_ms = self.clock.now_ms();
        let _ = self.repo().checkpoint(&campaign, version).await?;
        info!(campaign_id = %campaign.id, until_ms, "quiet hours: campaign deferred");
        Ok(())
    }

    /// Resolves one page of the audience into recipient records.
    async fn resolve_page(
        &self,
        campaign: &mut Campaign,
        rules: &Rules,
        dry_run: bool,
    ) -> Result<Vec<Recipient>, CrmError> {
        let now = self.clock.now_ms();
        let customers = CustomerRepo::new(self.store.clone());
        let page = self.settings.page_size;
        let mut candidates: Vec<Result<Candidate, (String, &'static str)>> = Vec::new();
        match campaign.audience.clone() {
            Some(Audience::Filter { filter }) => {
                self.walk_audience(campaign, &filter, None, &mut candidates)
                    .await?;
            }
            Some(Audience::Tags { groups }) => {
                let everyone = CustomerFilter::default();
                self.walk_audience(campaign, &everyone, Some(&groups), &mut candidates)
                    .await?;
            }
            Some(Audience::Customers { external_userids }) => {
                let offset: usize = campaign
                    .progress
                    .position
                    .as_deref()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(0);
                let end = (offset + page).min(external_userids.len());
                let erased = crate::privacy::Tombstones::new(self.store.clone());
                for id in external_userids.get(offset..end).unwrap_or_default() {
                    // An erased customer: neither targeted nor recorded (no recipient row).
                    if id == crate::privacy::ERASED_PLACEHOLDER {
                        continue;
                    }
                    let found = customers.get(id).await?;
                    if found.is_none() && erased.is_erased(id).await? {
                        continue;
                    }
                    match found {
                        Some(customer) => {
                            let rels = customers.relationships(id).await?;
                            candidates.push(Ok(Candidate {
                                customer,
                                rels: Some(rels),
                            }));
                        }
                        None => candidates.push(Err((id.clone(), skip::UNKNOWN_CUSTOMER))),
                    }
                }
                campaign.progress.position = Some(end.to_string());
                campaign.progress.resolved = end >= external_userids.len();
            }
            None => campaign.progress.resolved = true,
        }

        let mut recipients = Vec::with_capacity(candidates.len());
        let mut ledger = Vec::new();
        for candidate in candidates {
            campaign.progress.targeted += 1;
            let (customer, rels) = match candidate {
                Ok(c) => {
                    let rels = c.rels.unwrap_or_default();
                    (c.customer, rels)
                }
                Err((id, reason)) => {
                    recipients.push(self.skipped(campaign, &id, None, "", reason, now));
                    *campaign
                        .progress
                        .skipped
                        .entry(reason.to_owned())
                        .or_default() += 1;
                    continue;
                }
            };
            let decision = self.decide(campaign, rules, &customer, &rels, now).await?;
            let tier = customer.crm.tier.map(|t| t.as_str().to_owned());
            match decision {
                Decision::Skip(reason) => {
                    *campaign
                        .progress
                        .skipped
                        .entry(reason.to_owned())
                        .or_default() += 1;
                    recipients.push(self.skipped(
                        campaign,
                        &customer.external_userid,
                        tier,
                        &customer.first_channel,
                        reason,
                        now,
                    ));
                }
                Decision::Send { sender } => {
                    let chunk = assign_chunk(
                        &mut campaign.progress.open_chunks,
                        &sender,
                        if campaign.personalised {
                            1
                        } else {
                            self.settings.chunk_size
                        },
                    );
                    campaign.progress.queued += 1;
                    let text = campaign
                        .personalised
                        .then(|| render_personal(&campaign.content.text, &customer));
                    ledger.push(LedgerEntry {
                        external_userid: customer.external_userid.clone(),
                        campaign_id: campaign.id.clone(),
                        at_ms: now,
                    });
                    recipients.push(Recipient {
                        campaign_id: campaign.id.clone(),
                        external_userid: customer.external_userid.clone(),
                        userid: sender,
                        status: RecipientStatus::Queued,
                        reason: None,
                        chunk: Some(chunk),
                        msgid: None,
                        tier,
                        channel: customer.first_channel.clone(),
                        text,
                        sent_at_ms: None,
                        booked_at_ms: None,
                        ledger_at_ms: Some(now),
                        created_at_ms: now,
                        updated_at_ms: now,
                        history: vec![super::model::StatusChange {
                            status: RecipientStatus::Queued,
                            at_ms: now,
                        }],
                    });
                }
            }
        }
        if !dry_run {
            self.repo().add_ledger(&ledger).await?;
            self.repo().put_recipients(&recipients).await?;
        }
        campaign.progress.pages += 1;
        Ok(recipients)
    }

    /// A dry run of the campaign as if it ran now: nothing is written. Stops after
    /// `max_members` audience members (then `complete` is false).
    pub async fn preview(
        &self,
        campaign: &Campaign,
        max_members: u64,
        sample: usize,
    ) -> Result<Preview, CrmError> {
        let config = self.configs().load().await?.unwrap_or_default();
        let rules = Rules::from_config(&config);
        let mut dry = campaign.clone();
        dry.progress = Default::default();
        let mut out = Preview::default();
        while !dry.progress.resolved && dry.progress.targeted < max_members {
            for r in self.resolve_page(&mut dry, &rules, true).await? {
                let list = if r.status == RecipientStatus::Skipped {
                    &mut out.skipped_sample
                } else {
                    &mut out.sample
                };
                if list.len() < sample {
                    list.push(r);
                }
            }
        }
        out.complete = dry.progress.resolved;
        out.targeted = dry.progress.targeted;
        out.would_send = dry.progress.queued;
        out.skipped = dry.progress.skipped.clone();
        out.tasks = dry
            .progress
            .open_chunks
            .values()
            .map(|(last, _)| u64::from(*last) + 1)
            .sum();
        out.senders = dry.progress.open_chunks.len() as u64;
        let media = campaign
            .content
            .attachments
            .iter()
            .filter(|a| a.media_hash().is_some())
            .count() as u64;
        // add_msg_template per task, at most one upload per medium, then per task and
        // tracking round one get_groupmsg_send_result page per 1 000 recipients.
        out.wecom_calls = out.tasks + media;
        out.staff_confirmations = out.tasks;
        Ok(out)
    }

    /// One page of an index walk: the filter's candidates (and, for a tag audience, only those
    /// matching the tag groups), the position moved past the rows read.
    async fn walk_audience(
        &self,
        campaign: &mut Campaign,
        filter: &CustomerFilter,
        tag_groups: Option<&[Vec<String>]>,
        candidates: &mut Vec<Result<Candidate, (String, &'static str)>>,
    ) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        let customers = CustomerRepo::new(self.store.clone());
        let source = filter.source();
        let (rows, more) = CustomerAdmin::new(self.store.clone())
            .walk(
                &source,
                false,
                campaign.progress.position.as_deref(),
                self.settings.page_size,
            )
            .await?;
        for row in &rows {
            if let Some(c) = filter.evaluate(&customers, &source, row, now, true).await?
                && tag_groups.is_none_or(|groups| {
                    matches_tag_groups(groups, c.rels.as_deref().unwrap_or_default())
                })
            {
                candidates.push(Ok(c));
            }
        }
        if let Some(last) = rows.last() {
            campaign.progress.position = Some(last.index_sk.clone());
        }
        campaign.progress.resolved = !more;
        Ok(())
    }

    fn skipped(
        &self,
        campaign: &Campaign,
        external_userid: &str,
        tier: Option<String>,
        channel: &str,
        reason: &str,
        now: i64,
    ) -> Recipient {
        Recipient {
            campaign_id: campaign.id.clone(),
            external_userid: external_userid.to_owned(),
            status: RecipientStatus::Skipped,
            reason: Some(reason.to_owned()),
            tier,
            channel: channel.to_owned(),
            created_at_ms: now,
            updated_at_ms: now,
            history: vec![super::model::StatusChange {
                status: RecipientStatus::Skipped,
                at_ms: now,
            }],
            ..Recipient::default()
        }
    }

    /// The checks of one audience member, in the order their reasons are reported.
    pub async fn decide(
        &self,
        campaign: &Campaign,
        rules: &Rules,
        customer: &Customer,
        rels: &[Relationship],
        now: i64,
    ) -> Result<Decision, CrmError> {
        if customer.merged_into.is_some() {
            return Ok(Decision::Skip(skip::DUPLICATE));
        }
        let sender = match pick_sender(&campaign.sender_policy, rels) {
            Ok(s) => s.to_owned(),
            Err(reason) => return Ok(Decision::Skip(reason)),
        };
        if !has_consent(rules.consent, customer) {
            return Ok(Decision::Skip(skip::NO_CONSENT));
        }
        let ledger = self
            .repo()
            .ledger(&customer.external_userid, ledger_since(now))
            .await?;
        if let Some(reason) = quota_check(rules, &ledger, &campaign.id, now) {
            return Ok(Decision::Skip(reason));
        }
        Ok(Decision::Send { sender })
    }

    /// Creates the chunk records of a resolved campaign and moves it to sending (or done,
    /// when nobody is left to message).
    async fn create_chunks(&self, campaign: &mut Campaign, version: u64) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        let per_chunk = if campaign.personalised {
            1
        } else {
            self.settings.chunk_size
        };
        for (sender, (last, in_last)) in &campaign.progress.open_chunks {
            for index in 0..=*last {
                let chunk = Chunk {
                    campaign_id: campaign.id.clone(),
                    key: chunk_sk(sender, index),
                    sender: sender.clone(),
                    index,
                    status: ChunkStatus::Pending,
                    recipients: if index == *last { *in_last } else { per_chunk },
                    updated_at_ms: now,
                    ..Chunk::default()
                };
                self.repo().insert_chunk(&chunk).await?;
            }
        }
        if campaign.progress.queued == 0 {
            campaign.status = CampaignStatus::Done;
            campaign.finished_at_ms = Some(now);
        } else {
            campaign.status = CampaignStatus::Sending;
        }
        campaign.updated_at_ms = now;
        if !self.repo().checkpoint(campaign, version).await? {
            warn!(campaign_id = %campaign.id, "campaign changed while its chunks were created");
        }
        Ok(())
    }

    /// Queues a send for every chunk whose task does not exist yet (a repeated run re-queues
    /// them; the sender creates each task once).
    async fn queue_pending_chunks(&self, campaign: &Campaign) -> Result<(), CrmError> {
        let chunks = self.repo().pending_chunks(&campaign.id).await?;
        let messages: Vec<OutgoingMessage> = chunks
            .iter()
            .map(|(c, _)| {
                OutgoingMessage::now(
                    SendJob::Chunk {
                        campaign_id: campaign.id.clone(),
                        chunk: c.key.clone(),
                    }
                    .to_body(),
                )
            })
            .collect();
        if !messages.is_empty() {
            info!(campaign_id = %campaign.id, chunks = messages.len(), "queueing group-send tasks");
            self.send_queue.send_batch(messages).await?;
        }
        Ok(())
    }
}

/// Puts the next recipient of `sender` in its open chunk, opening a new one when it is full.
pub fn assign_chunk(
    open: &mut BTreeMap<String, (u32, u32)>,
    sender: &str,
    per_chunk: u32,
) -> String {
    let entry = open.entry(sender.to_owned()).or_insert((0, 0));
    if entry.1 >= per_chunk.max(1) {
        entry.0 += 1;
        entry.1 = 0;
    }
    entry.1 += 1;
    chunk_sk(sender, entry.0)
}

/// A personalised text: `{name}` becomes the customer's name.
pub fn render_personal(template: &str, customer: &Customer) -> String {
    template.replace("{name}", &customer.name)
}

/// WeCom's tag_filter rule: within a group any tag, across groups every group, on the
/// customer's active relationships.
pub fn matches_tag_groups(groups: &[Vec<String>], rels: &[Relationship]) -> bool {
    let active: Vec<&Relationship> = rels
        .iter()
        .filter(|r| r.status == RelationshipStatus::Active)
        .collect();
    groups.iter().all(|group| {
        group
            .iter()
            .any(|tag| active.iter().any(|r| r.has_tag(tag)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(userid: &str, createtime: i64, status: RelationshipStatus) -> Relationship {
        Relationship {
            userid: userid.into(),
            createtime,
            status,
            ..Relationship::default()
        }
    }

    #[test]
    fn the_own_consultant_is_the_earliest_active_relationship() {
        let rels = [
            rel("lisi", 200, RelationshipStatus::Active),
            rel("zhangsan", 100, RelationshipStatus::Ended),
            rel("wangwu", 300, RelationshipStatus::Active),
        ];
        assert_eq!(pick_sender(&SenderPolicy::OwnConsultant, &rels), Ok("lisi"));
        assert_eq!(pick_sender(&SenderPolicy::MostRecent, &rels), Ok("wangwu"));
        let fixed = |u: &str| SenderPolicy::Fixed { userid: u.into() };
        assert_eq!(
            pick_sender(&fixed("zhangsan"), &rels),
            Err(skip::RELATIONSHIP_ENDED)
        );
        assert_eq!(pick_sender(&fixed("nobody"), &rels), Err(skip::NO_SENDER));
        assert_eq!(
            pick_sender(&SenderPolicy::OwnConsultant, &[]),
            Err(skip::RELATIONSHIP_ENDED)
        );
    }

    #[test]
    fn chunks_fill_up_to_their_size_per_sender() {
        let mut open = BTreeMap::new();
        let keys: Vec<String> = (0..5).map(|_| assign_chunk(&mut open, "a", 2)).collect();
        assert_eq!(
            keys,
            [
                "CHUNK#a#00000",
                "CHUNK#a#00000",
                "CHUNK#a#00001",
                "CHUNK#a#00001",
                "CHUNK#a#00002"
            ]
        );
        assert_eq!(assign_chunk(&mut open, "b", 2), "CHUNK#b#00000");
        assert_eq!(open.get("a"), Some(&(2, 1)));
    }

    fn entry(campaign: &str, at_ms: i64) -> LedgerEntry {
        LedgerEntry {
            external_userid: "wm".into(),
            campaign_id: campaign.into(),
            at_ms,
        }
    }

    #[test]
    fn quotas_count_other_campaigns_in_their_window() {
        let now = calendar::instant(
            chrono::NaiveDate::from_ymd_opt(2026, 11, 28)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .unwrap_or_default(),
        );
        let rules = Rules {
            quiet: None,
            daily_cap: 3,
            quota: QuotaRule::Day,
            consent: ConsentMode::OptIn,
        };
        assert_eq!(
            quota_check(&rules, &[entry("this", now)], "this", now),
            None
        );
        assert_eq!(
            quota_check(&rules, &[entry("other", now - 3_600_000)], "this", now),
            Some(skip::WECOM_QUOTA)
        );
        let month = Rules {
            quota: QuotaRule::Month,
            ..rules.clone()
        };
        let three_today: Vec<_> = (0..3)
            .map(|i| entry(&format!("c{i}"), now - i * 60_000))
            .collect();
        assert_eq!(
            quota_check(&month, &three_today, "this", now),
            Some(skip::CLINIC_CAP)
        );
        // November has 30 days: 30 earlier sends this month use WeCom's monthly quota up.
        let nov_1 = calendar::month_start(now);
        let thirty: Vec<_> = (0..30)
            .map(|i| entry(&format!("c{i}"), nov_1 + (i % 27) * 86_400_000))
            .collect();
        assert_eq!(
            quota_check(&month, &thirty, "this", now),
            Some(skip::WECOM_QUOTA)
        );
        assert_eq!(quota_check(&month, &thirty[..29], "this", now), None);
    }
}
