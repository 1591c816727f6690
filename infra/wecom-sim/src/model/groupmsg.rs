//! Group sends (企业群发): tasks, recipients, confirmations and the per-customer quota.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The corp's per-customer 群发 quota rule (群发助手 → 群发规则, wecom-api.md §5). Periods are
/// natural periods in Asia/Shanghai time (UTC+8).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaRule {
    /// As many per natural month as the month has days (WeCom's default).
    #[default]
    Month,
    /// 7 per ISO week (Monday to Sunday).
    Week,
    /// 1 per day.
    Day,
}

/// `send_result` status of one recipient: 0 not sent yet, 1 sent, 2 failed (not a friend),
/// 3 failed (the customer already reached the 群发 quota).
pub mod groupmsg_status {
    pub const NOT_SENT: u8 = 0;
    pub const SENT: u8 = 1;
    pub const NOT_A_FRIEND: u8 = 2;
    pub const OVER_QUOTA: u8 = 3;
    /// `task_list` status of a member who has sent.
    pub const TASK_SENT: u8 = 2;
}

/// One recipient of a 群发 task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgRecipient {
    pub external_userid: String,
    /// See [`groupmsg_status`]: 0 not sent, 1 sent, 2 not a friend, 3 over quota.
    pub status: u8,
    /// Unix seconds of the send (status 1 only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send_time: Option<i64>,
}

/// A `remind_groupmsg_send` call that was accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgReminder {
    /// Unix milliseconds (simulated clock).
    pub at_ms: i64,
}

/// A 群发 task created through `add_msg_template` (`GET /sim/control/groupmsgs`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupMsgRecord {
    pub msgid: String,
    /// The sender (the member who has to confirm).
    pub creator: String,
    /// Unix seconds.
    pub create_time: i64,
    /// Unix milliseconds (simulated clock); the 41063 window counts from here.
    pub created_at_ms: i64,
    /// 0 = created by the corp (every API-created task).
    pub create_type: u8,
    pub chat_type: String,
    pub text: Option<String>,
    pub attachments: Vec<Value>,
    pub allow_select: bool,
    /// `cancel_groupmsg_send` was called: the member can no longer send it.
    pub cancelled: bool,
    /// `task_list` status of the member: 0 not sent, 2 sent.
    pub task_status: u8,
    /// Unix seconds of the member's confirmation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_send_time: Option<i64>,
    pub reminders: Vec<GroupMsgReminder>,
    /// Sendable recipients, in request order.
    pub recipients: Vec<GroupMsgRecipient>,
    /// Requested external_userids that are not active customers of the sender.
    pub fail_list: Vec<String>,
}

/// `POST /sim/control/groupmsg/confirm`: the member confirms (sends) their pending tasks in the
/// WeCom client — every pending, non-cancelled task of theirs, or only `msgid`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgConfirmRequest {
    pub userid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgid: Option<String>,
}

/// The answer of `POST /sim/control/groupmsg/confirm`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgConfirmOutcome {
    /// The tasks sent by this confirmation (empty when nothing was pending).
    pub msgids: Vec<String>,
    /// Recipients with status 1.
    pub sent: u64,
    /// Recipients with status 2 (the relationship ended before the send).
    pub not_friend: u64,
    /// Recipients with status 3 (over the quota).
    pub over_quota: u64,
}

/// `POST /sim/control/groupmsg/quota`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgQuotaRequest {
    pub rule: QuotaRule,
}

/// `POST /sim/control/groupmsg/received`: the customer already received `count` 群发 in the
/// current period from elsewhere (for example member-created sends); they count for the quota.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgReceivedRequest {
    pub external_userid: String,
    pub count: u32,
}

/// A customer's quota position (the answer of `POST /sim/control/groupmsg/received`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgQuotaStatus {
    pub external_userid: String,
    pub rule: QuotaRule,
    /// 群发 received in the current period.
    pub received: u32,
    /// The cap of the current period under `rule`.
    pub cap: u32,
}
