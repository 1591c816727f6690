//! The stored handover records: a job (who to whom, which kind, the message, the counts) and
//! its batches of at most 100 customers (one WeCom transfer call each).

use serde::{Deserialize, Serialize};

/// 在职继承 (`transfer_customer`) or 离职继承 (`resigned/transfer_customer`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverKind {
    OnJob,
    Resigned,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandoverStatus {
    /// Transfers are being started or wait for the customers' 24 hours.
    Running,
    /// Every customer has a final result.
    Done,
}

/// One customer's result.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerResult {
    /// The transfer call has not been made (or its outcome is not known yet).
    Pending,
    /// Started in WeCom: the customer has 24 hours to refuse (等待接替).
    Waiting,
    /// Taken over (接替完毕).
    Accepted,
    /// The customer refused (客户拒绝).
    Refused,
    /// The takeover consultant has reached the customer limit (接替成员客户达到上限).
    OverLimit,
    /// WeCom refused the customer for another reason (`errcode`).
    Failed,
    /// A WeCom rule refused it: reassigned twice in 90 days (40128) or already being
    /// transferred (40129).
    RejectedByRule,
}

impl CustomerResult {
    pub fn is_final(self) -> bool {
        !matches!(self, CustomerResult::Pending | CustomerResult::Waiting)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverCustomer {
    pub external_userid: String,
    pub result: CustomerResult,
    /// WeCom's errcode when it refused the customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<i64>,
    /// Unix seconds of the takeover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub takeover_time: Option<i64>,
}

/// Where a batch's WeCom call stands: recorded before and after the call, so a retry never
/// starts the same transfer twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BatchState {
    Planned,
    /// The call was (maybe) made and its answer not recorded: reconcile through
    /// `transfer_result` before calling again.
    Calling,
    Called,
}

/// Up to 100 customers: one transfer call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverBatch {
    pub job_id: String,
    pub index: u32,
    pub state: BatchState,
    pub customers: Vec<HandoverCustomer>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_started_ms: Option<i64>,
    pub updated_at_ms: i64,
}

/// How many customers have each result.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultCounts {
    pub pending: u32,
    pub waiting: u32,
    pub accepted: u32,
    pub refused: u32,
    pub over_limit: u32,
    pub failed: u32,
    pub rejected_by_rule: u32,
}

impl ResultCounts {
    pub fn add(&mut self, r: CustomerResult) {
        let slot = match r {
            CustomerResult::Pending => &mut self.pending,
            CustomerResult::Waiting => &mut self.waiting,
            CustomerResult::Accepted => &mut self.accepted,
            CustomerResult::Refused => &mut self.refused,
            CustomerResult::OverLimit => &mut self.over_limit,
            CustomerResult::Failed => &mut self.failed,
            CustomerResult::RejectedByRule => &mut self.rejected_by_rule,
        };
        *slot += 1;
    }

    pub fn open(&self) -> u32 {
        self.pending + self.waiting
    }
}

/// A campaign with group-send tasks still waiting on the handover consultant (reported, not
/// silently lost: WeCom does not move them to the takeover consultant).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCampaignWork {
    pub campaign_id: String,
    pub name: String,
    /// Tasks (chunks) not finished.
    pub tasks: u32,
    /// Their recipients.
    pub recipients: u32,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoverJob {
    pub id: String,
    pub kind: HandoverKind,
    pub handover_userid: String,
    pub takeover_userid: String,
    /// 在职继承's `transfer_success_msg` (≤ 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    pub status: HandoverStatus,
    pub total: u32,
    pub batches: u32,
    pub counts: ResultCounts,
    /// The handover consultant's unfinished campaign tasks when the handover was created.
    #[serde(default)]
    pub pending_campaigns: Vec<PendingCampaignWork>,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at_ms: Option<i64>,
}
