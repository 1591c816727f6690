//! Customer handover (客户继承, wecom-api.md §9): 在职继承 (`transfer_customer`) and 离职继承
//! (`resigned/transfer_customer`) of chosen customers, or of every customer a departed
//! consultant left (`get_unassigned_list`), to a takeover consultant.
//!
//! - A job is stored with its customers in batches of at most 100 (one WeCom call each) before
//!   any call. Each batch records `calling` before its call and the per-customer answer after
//!   it; a batch found `calling` (a crash, a timeout, an ambiguous answer) is reconciled through
//!   `transfer_result` and only the customers WeCom does not list are sent again: no transfer
//!   is started twice.
//! - WeCom finishes a transfer 24 hours later unless the customer refuses or the takeover
//!   consultant is at their limit. The scheduled check ([`Handovers::check_running`], in each
//!   result-tracking round) reads `transfer_result` for every running job and records each
//!   customer's result; an accepted customer's CRM record follows at once (WeCom's view of the
//!   customer applied, the old consultant's relationship ended), as the callbacks and the hourly
//!   sync would.
//! - The handover consultant's unfinished campaign tasks are reported on the job (WeCom does
//!   not move a group-send task to another member).

pub mod model;
pub mod repo;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use ports::{Clock, IdGen, ItemStore};
use serde::Serialize;
use tracing::{info, warn};
use wecom_api::WeComClient;
use wecom_api::model::{
    ERR_TRANSFER_IN_PROGRESS, ERR_TRANSFER_TOO_FREQUENT, MAX_TRANSFER_CUSTOMERS,
    MAX_TRANSFER_MSG_CHARS, TRANSFER_DONE, TRANSFER_OVER_LIMIT, TRANSFER_REFUSED, TRANSFER_WAITING,
    TransferCustomers, TransferStarted, TransferStatus, UnassignedCustomer,
};

use self::model::{
    BatchState, CustomerResult, HandoverBatch, HandoverCustomer, HandoverJob, HandoverKind,
    HandoverStatus, PendingCampaignWork, ResultCounts,
};
use self::repo::HandoverRepo;
use crate::campaign::Campaigns;
use crate::campaign::model::ChunkStatus;
use crate::campaign::repo::CampaignRepo;
use crate::model::{EndCause, RelationshipStatus};
use crate::refresh::Occasion;
use crate::repo::CustomerRepo;
use crate::{CrmError, FieldError};

/// Most customers one handover takes.
pub const MAX_HANDOVER_CUSTOMERS: usize = 10_000;
/// How long creating a handover spends starting its batches before answering (the rest start
/// in the next scheduled check).
const INLINE_START_BUDGET: std::time::Duration = std::time::Duration::from_secs(15);
/// A batch left `calling` this long is reconciled (its call is over, one way or the other).
const CALLING_STALE_MS: i64 = 2 * 60 * 1000;
/// `Source` recorded on a relationship ended by a 离职继承 (WeCom's own for 在职继承 is
/// `DELETE_BY_TRANSFER`).
pub const RESIGNED_TRANSFER_SOURCE: &str = "RESIGNED_TRANSFER";
const ON_JOB_TRANSFER_SOURCE: &str = "DELETE_BY_TRANSFER";

/// What staff ask for.
#[derive(Debug, Clone, Default)]
pub struct NewHandover {
    pub kind: Option<HandoverKind>,
    pub handover_userid: String,
    pub takeover_userid: String,
    pub message: Option<String>,
    /// The chosen customers; `None` with `all_unassigned` = every customer the departed
    /// consultant left (离职继承 only).
    pub external_userids: Option<Vec<String>>,
    pub all_unassigned: bool,
}

/// One scheduled check.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HandoverCheck {
    pub jobs: u64,
    pub updated: u64,
    pub finished: u64,
    pub errors: u64,
}

#[derive(Clone)]
pub struct Handovers {
    pub store: Arc<dyn ItemStore>,
    pub wecom: Arc<WeComClient>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
}

fn field(name: &str, message: &str) -> CrmError {
    FieldError::new(name, message).into()
}

impl Handovers {
    pub fn new(campaigns: &Campaigns) -> Self {
        Self {
            store: campaigns.store.clone(),
            wecom: campaigns.wecom.clone(),
            clock: campaigns.clock.clone(),
            ids: campaigns.ids.clone(),
        }
    }

    pub fn repo(&self) -> HandoverRepo {
        HandoverRepo::new(self.store.clone())
    }

    /// Every customer of departed consultants awaiting assignment (all pages).
    pub async fn unassigned(&self) -> Result<Vec<UnassignedCustomer>, CrmError> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        // 1000 per page; 1000 pages is far beyond any clinic.
        for _ in 0..1000 {
            let page = self.wecom.get_unassigned_list(&cursor, 1000).await?;
            out.extend(page.info);
            if page.is_last || page.next_cursor.is_empty() {
                break;
            }
            cursor = page.next_cursor;
        }
        Ok(out)
    }

    /// The consultant's campaign tasks not finished yet, by campaign.
    pub async fn pending_campaign_work(
        &self,
        userid: &str,
    ) -> Result<Vec<PendingCampaignWork>, CrmError> {
        let campaigns = CampaignRepo::new(self.store.clone());
        let mut out = Vec::new();
        for id in campaigns.open_ids().await? {
            let chunks = campaigns.chunks(&id).await?;
            let mine: Vec<_> = chunks
                .iter()
                .filter(|c| {
                    c.sender == userid
                        && matches!(
                            c.status,
                            ChunkStatus::Pending | ChunkStatus::Creating | ChunkStatus::Created
                        )
                })
                .collect();
            if mine.is_empty() {
                continue;
            }
            let name = campaigns
                .get(&id)
                .await?
                .map(|c| c.name)
                .unwrap_or_default();
            out.push(PendingCampaignWork {
                campaign_id: id.clone(),
                name,
                tasks: u32::try_from(mine.len()).unwrap_or(u32::MAX),
                recipients: mine.iter().map(|c| c.recipients).sum(),
            });
        }
        Ok(out)
    }

    /// Checks the request, stores the job and its batches, then starts the transfers
    /// ([`Handovers::run`]). Field errors name the field in Chinese.
    pub async fn create(
        &self,
        req: NewHandover,
        created_by: &str,
    ) -> Result<HandoverJob, CrmError> {
        let kind = req.kind.ok_or_else(|| {
            field(
                "kind",
                "请选择继承方式：在职继承（on_job）或离职继承（resigned）",
            )
        })?;
        let handover = req.handover_userid.trim().to_owned();
        let takeover = req.takeover_userid.trim().to_owned();
        if handover.is_empty() {
            return Err(field("handover_userid", "请选择原跟进顾问"));
        }
        if takeover.is_empty() {
            return Err(field("takeover_userid", "请选择接替顾问"));
        }
        if handover == takeover {
            return Err(field("takeover_userid", "接替顾问不能是原跟进顾问本人"));
        }
        let message = req
            .message
            .map(|m| m.trim().to_owned())
            .filter(|m| !m.is_empty());
        if message
            .as_ref()
            .is_some_and(|m| m.chars().count() > MAX_TRANSFER_MSG_CHARS)
        {
            return Err(field("message", "转接提示语不能超过 200 个字"));
        }
        if kind == HandoverKind::Resigned && message.is_some() {
            return Err(field("message", "离职继承不会给客户发送提示语，请留空"));
        }
        let customers: Vec<String> = match (req.external_userids, req.all_unassigned) {
            (Some(_), true) => {
                return Err(field(
                    "external_userids",
                    "选择了「全部待分配客户」时不能再指定客户",
                ));
            }
            (None, true) if kind == HandoverKind::OnJob => {
                return Err(field("all_unassigned", "「全部待分配客户」只用于离职继承"));
            }
            (None, true) => self
                .unassigned()
                .await?
                .into_iter()
                .filter(|u| u.handover_userid == handover)
                .map(|u| u.external_userid)
                .collect(),
            (Some(list), false) => list
                .into_iter()
                .map(|e| e.trim().to_owned())
                .filter(|e| !e.is_empty())
                .collect(),
            (None, false) => Vec::new(),
        };
        // Unique, in the order given.
        let mut seen = BTreeSet::new();
        let customers: Vec<String> = customers
            .into_iter()
            .filter(|e| seen.insert(e.clone()))
            .collect();
        if customers.is_empty() {
            return Err(if req.all_unassigned {
                field("all_unassigned", "该顾问没有待分配的客户")
            } else {
                field("external_userids", "请至少选择一位客户")
            });
        }
        if customers.len() > MAX_HANDOVER_CUSTOMERS {
            return Err(field("external_userids", "一次最多交接 10000 位客户"));
        }
        let pending_campaigns = self.pending_campaign_work(&handover).await?;
        let now = self.clock.now_ms();
        let id = self.ids.new_id(now);
        let batches: Vec<HandoverBatch> = customers
            .chunks(MAX_TRANSFER_CUSTOMERS)
            .enumerate()
            .map(|(i, chunk)| HandoverBatch {
                job_id: id.clone(),
                index: u32::try_from(i).unwrap_or(u32::MAX),
                state: BatchState::Planned,
                customers: chunk
                    .iter()
                    .map(|e| HandoverCustomer {
                        external_userid: e.clone(),
                        result: CustomerResult::Pending,
                        errcode: None,
                        takeover_time: None,
                    })
                    .collect(),
                attempts: 0,
                attempt_started_ms: None,
                updated_at_ms: now,
            })
            .collect();
        let counts = ResultCounts {
            pending: u32::try_from(customers.len()).unwrap_or(u32::MAX),
            ..ResultCounts::default()
        };
        let job = HandoverJob {
            id: id.clone(),
            kind,
            handover_userid: handover,
            takeover_userid: takeover,
            message,
            status: HandoverStatus::Running,
            total: counts.pending,
            batches: u32::try_from(batches.len()).unwrap_or(u32::MAX),
            counts,
            pending_campaigns,
            created_by: created_by.to_owned(),
            created_at_ms: now,
            updated_at_ms: now,
            done_at_ms: None,
        };
        self.repo().insert(&job, &batches).await?;
        info!(handover = %id, customers = job.total, batches = job.batches, "handover created");
        // The transfers start now; whatever does not (WeCom busy, a crash) the scheduled check
        // picks up. Started inline within a budget (the request must answer); the scheduled
        // check starts what is left.
        let budget = std::time::Instant::now() + INLINE_START_BUDGET;
        match self.run_until(&id, Some(budget)).await {
            Ok(Some(j)) => Ok(j),
            Ok(None) => Ok(job),
            Err(e) => {
                warn!(handover = %id, error = %e, "handover start interrupted; the scheduled check resumes it");
                Ok(self.repo().get(&id).await?.map(|(j, _)| j).unwrap_or(job))
            }
        }
    }

    /// The job and every customer's result.
    pub async fn detail(
        &self,
        id: &str,
    ) -> Result<Option<(HandoverJob, Vec<HandoverCustomer>)>, CrmError> {
        let Some((job, _)) = self.repo().get(id).await? else {
            return Ok(None);
        };
        let customers = self
            .repo()
            .batches(id)
            .await?
            .into_iter()
            .flat_map(|(b, _)| b.customers)
            .collect();
        Ok(Some((job, customers)))
    }

    /// Starts the batches not started, reads WeCom's results of the started ones, records
    /// them and the job's counts. `None` when there is no such job.
    pub async fn run(&self, id: &str) -> Result<Option<HandoverJob>, CrmError> {
        self.run_until(id, None).await
    }

    /// [`Handovers::run`], starting no new batch after `deadline`.
    async fn run_until(
        &self,
        id: &str,
        deadline: Option<std::time::Instant>,
    ) -> Result<Option<HandoverJob>, CrmError> {
        let Some((job, _)) = self.repo().get(id).await? else {
            return Ok(None);
        };
        if job.status == HandoverStatus::Done {
            return Ok(Some(job));
        }
        let mut results: Option<BTreeMap<String, TransferStatus>> = None;
        for (batch, version) in self.repo().batches(id).await? {
            if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                break;
            }
            self.start_batch(&job, batch, version, &mut results).await?;
        }
        // Everything started: read WeCom's results for the waiting customers.
        let batches = self.repo().batches(id).await?;
        if batches.iter().any(|(b, _)| {
            b.customers
                .iter()
                .any(|c| c.result == CustomerResult::Waiting)
        }) {
            let results = self.results(&job).await?;
            for (mut batch, version) in batches {
                let mut accepted = Vec::new();
                let mut changed = false;
                for c in &mut batch.customers {
                    if c.result != CustomerResult::Waiting {
                        continue;
                    }
                    let Some(s) = results.get(&c.external_userid) else {
                        continue;
                    };
                    let next = match s.status {
                        TRANSFER_DONE => CustomerResult::Accepted,
                        TRANSFER_WAITING => continue,
                        TRANSFER_REFUSED => CustomerResult::Refused,
                        TRANSFER_OVER_LIMIT => CustomerResult::OverLimit,
                        other => {
                            c.errcode = Some(other);
                            CustomerResult::Failed
                        }
                    };
                    c.result = next;
                    if next == CustomerResult::Accepted {
                        c.takeover_time = Some(s.takeover_time);
                        accepted.push((c.external_userid.clone(), s.takeover_time));
                    }
                    changed = true;
                }
                if changed {
                    batch.updated_at_ms = self.clock.now_ms();
                    if self.repo().save_batch(&batch, version).await? {
                        for (ext, at) in accepted {
                            self.follow_in_crm(&job, &ext, at).await;
                        }
                    }
                }
            }
        }
        self.refresh_job(id).await
    }

    /// Makes (or reconciles) one batch's transfer call.
    async fn start_batch(
        &self,
        job: &HandoverJob,
        mut batch: HandoverBatch,
        version: u64,
        results: &mut Option<BTreeMap<String, TransferStatus>>,
    ) -> Result<(), CrmError> {
        let now = self.clock.now_ms();
        let mut version = version;
        match batch.state {
            BatchState::Called => return Ok(()),
            BatchState::Calling => {
                if batch
                    .attempt_started_ms
                    .is_some_and(|t| now - t < CALLING_STALE_MS)
                {
                    // Another runner is making this call right now.
                    return Ok(());
                }
                // The last call's answer was lost: WeCom's results say which customers it started.
                if results.is_none() {
                    *results = Some(self.results(job).await?);
                }
                let started_at = batch.attempt_started_ms.unwrap_or(0);
                if let Some(known) = results.as_ref() {
                    for c in &mut batch.customers {
                        if c.result != CustomerResult::Pending {
                            continue;
                        }
                        if let Some(s) = known.get(&c.external_userid)
                            && (s.status == TRANSFER_WAITING
                                || s.takeover_time.saturating_mul(1000) >= started_at)
                        {
                            c.result = CustomerResult::Waiting;
                        }
                    }
                }
            }
            BatchState::Planned => {}
        }
        let to_send: Vec<String> = batch
            .customers
            .iter()
            .filter(|c| c.result == CustomerResult::Pending)
            .map(|c| c.external_userid.clone())
            .collect();
        if to_send.is_empty() {
            batch.state = BatchState::Called;
            batch.updated_at_ms = now;
            self.repo().save_batch(&batch, version).await?;
            return Ok(());
        }
        // Recorded before the call: a crash from here on leaves `calling`, never a second call.
        batch.state = BatchState::Calling;
        batch.attempts += 1;
        batch.attempt_started_ms = Some(now);
        batch.updated_at_ms = now;
        if !self.repo().save_batch(&batch, version).await? {
            return Ok(());
        }
        version += 1;
        let request = TransferCustomers {
            handover_userid: job.handover_userid.clone(),
            takeover_userid: job.takeover_userid.clone(),
            external_userid: to_send,
            transfer_success_msg: job.message.clone(),
        };
        let answer = match job.kind {
            HandoverKind::OnJob => self.wecom.transfer_customer(&request).await,
            HandoverKind::Resigned => self.wecom.resigned_transfer_customer(&request).await,
        };
        match answer {
            Ok(started) => record_started(&mut batch, &started),
            Err(e) if e.is_retryable() => {
                // Left `calling`: the next run reconciles and retries.
                warn!(handover = %job.id, batch = batch.index, error = %e, "handover transfer call failed; retried later");
                return Err(e.into());
            }
            Err(e) => {
                // WeCom refused the whole call (e.g. the takeover consultant left): every
                // customer of the batch failed with its errcode.
                let code = e.errcode();
                warn!(handover = %job.id, batch = batch.index, error = %e, "handover transfer call refused");
                for c in &mut batch.customers {
                    if c.result == CustomerResult::Pending {
                        c.result = CustomerResult::Failed;
                        c.errcode = code;
                    }
                }
            }
        }
        batch.state = BatchState::Called;
        batch.updated_at_ms = self.clock.now_ms();
        self.repo().save_batch(&batch, version).await?;
        Ok(())
    }

    /// WeCom's transfer results between the job's two consultants (every page).
    async fn results(
        &self,
        job: &HandoverJob,
    ) -> Result<BTreeMap<String, TransferStatus>, CrmError> {
        let mut out = BTreeMap::new();
        let mut cursor = String::new();
        for _ in 0..10_000 {
            let page = match job.kind {
                HandoverKind::OnJob => {
                    self.wecom
                        .transfer_result(&job.handover_userid, &job.takeover_userid, &cursor)
                        .await?
                }
                HandoverKind::Resigned => {
                    self.wecom
                        .resigned_transfer_result(
                            &job.handover_userid,
                            &job.takeover_userid,
                            &cursor,
                        )
                        .await?
                }
            };
            for s in page.customer {
                out.insert(s.external_userid.clone(), s);
            }
            if page.next_cursor.is_empty() {
                break;
            }
            cursor = page.next_cursor;
        }
        Ok(out)
    }

    /// An accepted customer's CRM record follows WeCom: the takeover consultant's relationship
    /// from WeCom's current view, the handover consultant's ended. A failure is left to the
    /// callbacks and the hourly sync, which apply the same change.
    async fn follow_in_crm(&self, job: &HandoverJob, external_userid: &str, takeover_time: i64) {
        let customers = CustomerRepo::new(self.store.clone());
        let now = self.clock.now_ms();
        match self.wecom.get_external_contact(external_userid).await {
            Ok(detail) => {
                let occasion = Occasion {
                    channel: "",
                    event_user: Some(&job.takeover_userid),
                    add_time: Some(takeover_time),
                };
                if let Err(e) = customers.apply_wecom_detail(&detail, occasion, now).await {
                    warn!(handover = %job.id, error = %e, "could not apply a handed-over customer");
                }
            }
            Err(e) => {
                warn!(handover = %job.id, error = %e, "could not read a handed-over customer");
            }
        }
        let source = match job.kind {
            HandoverKind::OnJob => ON_JOB_TRANSFER_SOURCE,
            HandoverKind::Resigned => RESIGNED_TRANSFER_SOURCE,
        };
        let ended = customers
            .update_relationship(external_userid, &job.handover_userid, |rel| {
                let mut rel = rel?;
                if rel.status == RelationshipStatus::Ended {
                    return None;
                }
                rel.status = RelationshipStatus::Ended;
                rel.ended_at = Some(takeover_time);
                rel.end_cause = Some(EndCause::StaffDeletedCustomer);
                rel.end_source = Some(source.to_owned());
                rel.last_event_time = rel.last_event_time.max(takeover_time);
                rel.updated_at_ms = now;
                Some(rel)
            })
            .await;
        match ended {
            Ok(_) => {
                if let Err(e) = customers.refresh_status(external_userid, now).await {
                    warn!(handover = %job.id, error = %e, "could not refresh a customer's status");
                }
            }
            Err(e) => warn!(handover = %job.id, error = %e, "could not end the old relationship"),
        }
    }

    /// Recomputes the job's counts and status from its batches.
    async fn refresh_job(&self, id: &str) -> Result<Option<HandoverJob>, CrmError> {
        for _ in 0..5 {
            let Some((mut job, version)) = self.repo().get(id).await? else {
                return Ok(None);
            };
            let batches = self.repo().batches(id).await?;
            let mut counts = ResultCounts::default();
            for (b, _) in &batches {
                for c in &b.customers {
                    counts.add(c.result);
                }
            }
            let all_called = batches.iter().all(|(b, _)| b.state == BatchState::Called);
            let status = if all_called && counts.open() == 0 {
                HandoverStatus::Done
            } else {
                HandoverStatus::Running
            };
            if counts == job.counts && status == job.status {
                return Ok(Some(job));
            }
            let now = self.clock.now_ms();
            job.counts = counts;
            job.status = status;
            job.updated_at_ms = now;
            if status == HandoverStatus::Done {
                job.done_at_ms = Some(now);
            }
            if self.repo().save(&job, version).await? {
                return Ok(Some(job));
            }
        }
        Err(CrmError::Contention(format!("handover {id}")))
    }

    /// The scheduled check: every running job is run once.
    pub async fn check_running(&self) -> Result<HandoverCheck, CrmError> {
        let mut check = HandoverCheck::default();
        for id in self.repo().running_ids().await? {
            check.jobs += 1;
            let before = self.repo().get(&id).await?.map(|(j, _)| j.counts);
            match self.run(&id).await {
                Ok(Some(job)) => {
                    if Some(job.counts) != before {
                        check.updated += 1;
                    }
                    if job.status == HandoverStatus::Done {
                        check.finished += 1;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    check.errors += 1;
                    warn!(handover = %id, error = %e, "handover check failed");
                }
            }
        }
        Ok(check)
    }
}

/// Records a transfer call's per-customer answer on the batch.
fn record_started(batch: &mut HandoverBatch, started: &[TransferStarted]) {
    let by_id: BTreeMap<&str, i64> = started
        .iter()
        .map(|s| (s.external_userid.as_str(), s.errcode))
        .collect();
    for c in &mut batch.customers {
        if c.result != CustomerResult::Pending {
            continue;
        }
        match by_id.get(c.external_userid.as_str()) {
            Some(0) => c.result = CustomerResult::Waiting,
            Some(&code)
                if code == ERR_TRANSFER_TOO_FREQUENT || code == ERR_TRANSFER_IN_PROGRESS =>
            {
                c.result = CustomerResult::RejectedByRule;
                c.errcode = Some(code);
            }
            Some(&code) => {
                c.result = CustomerResult::Failed;
                c.errcode = Some(code);
            }
            // WeCom did not answer for this customer: the call did not take it.
            None => {
                c.result = CustomerResult::Failed;
                c.errcode = None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(ids: &[&str]) -> HandoverBatch {
        HandoverBatch {
            job_id: "j".into(),
            index: 0,
            state: BatchState::Calling,
            customers: ids
                .iter()
                .map(|e| HandoverCustomer {
                    external_userid: (*e).to_owned(),
                    result: CustomerResult::Pending,
                    errcode: None,
                    takeover_time: None,
                })
                .collect(),
            attempts: 1,
            attempt_started_ms: Some(0),
            updated_at_ms: 0,
        }
    }

    #[test]
    fn per_customer_answers_map_to_results() {
        let mut b = batch(&["a", "b", "c", "d", "e"]);
        let started = [
            TransferStarted {
                external_userid: "a".into(),
                errcode: 0,
            },
            TransferStarted {
                external_userid: "b".into(),
                errcode: 40128,
            },
            TransferStarted {
                external_userid: "c".into(),
                errcode: 40129,
            },
            TransferStarted {
                external_userid: "d".into(),
                errcode: 40096,
            },
        ];
        record_started(&mut b, &started);
        let r: Vec<(CustomerResult, Option<i64>)> =
            b.customers.iter().map(|c| (c.result, c.errcode)).collect();
        assert_eq!(
            r,
            vec![
                (CustomerResult::Waiting, None),
                (CustomerResult::RejectedByRule, Some(40128)),
                (CustomerResult::RejectedByRule, Some(40129)),
                (CustomerResult::Failed, Some(40096)),
                (CustomerResult::Failed, None),
            ]
        );
    }
}
