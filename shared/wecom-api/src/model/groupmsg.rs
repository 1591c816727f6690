//! 企业群发 (wecom-api.md §5): `add_msg_template` and the result APIs `get_groupmsg_list_v2`,
//! `get_groupmsg_task`, `get_groupmsg_send_result`.

use serde::{Deserialize, Serialize};

use super::attachments::{Attachment, MAX_ATTACHMENTS, MAX_TEXT_BYTES, Text, validate_attachment};
use super::rules::{RuleError, rule};

/// `add_msg_template` `external_userid[]`: at most 10 000 customers.
pub const MAX_GROUPMSG_RECIPIENTS: usize = 10_000;
/// `get_groupmsg_task` / `get_groupmsg_send_result` `limit`: at most 1000.
pub const MAX_GROUPMSG_TASK_LIMIT: u32 = 1000;
/// `get_groupmsg_list_v2` `limit`: at most 100.
pub const MAX_GROUPMSG_LIST_LIMIT: u32 = 100;
/// `get_groupmsg_list_v2`: `end_time - start_time` may not exceed one month (31 days).
pub const MAX_GROUPMSG_LIST_SPAN_SECS: i64 = 31 * 86_400;

/// `""` (WeCom's "no more pages") and a missing field both become `None`.
fn empty_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.filter(|s| !s.is_empty()))
}

/// `0` (not sent yet) and a missing field both become `None`.
fn zero_as_none<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<i64>::deserialize(d)?.filter(|t| *t != 0))
}

/// `add_msg_template` request (chat_type `single`): a task for `sender`, who must confirm it in
/// the WeCom client before anything reaches the customers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgTemplate {
    /// The member who sends (required here, although WeCom can pick one itself).
    #[serde(default)]
    pub sender: String,
    /// 1 to 10 000 customers of `sender`; the others come back in `fail_list`.
    #[serde(default)]
    pub external_userid: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// At most 9. Media ids must come from `media/upload` (valid 3 days).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
    /// Lets the member re-pick the recipients.
    #[serde(default)]
    pub allow_select: bool,
}

impl MsgTemplate {
    /// Checks WeCom's documented limits (wecom-api.md §5) before the call is spent.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.sender.is_empty() {
            return Err(rule("sender", "is required"));
        }
        if self.external_userid.is_empty() {
            return Err(rule("external_userid", "needs at least one customer"));
        }
        if self.external_userid.len() > MAX_GROUPMSG_RECIPIENTS {
            return Err(rule(
                "external_userid",
                format!(
                    "holds {} customers, at most {MAX_GROUPMSG_RECIPIENTS}",
                    self.external_userid.len()
                ),
            ));
        }
        if self.external_userid.iter().any(String::is_empty) {
            return Err(rule("external_userid", "holds an empty id"));
        }
        let text = self.text.as_ref().filter(|t| !t.content.is_empty());
        if text.is_none() && self.attachments.is_empty() {
            return Err(rule("text", "a group message needs text or an attachment"));
        }
        if let Some(t) = text
            && t.content.len() > MAX_TEXT_BYTES
        {
            return Err(rule(
                "text.content",
                format!("is over {MAX_TEXT_BYTES} bytes"),
            ));
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Err(rule(
                "attachments",
                format!("more than {MAX_ATTACHMENTS} attachments"),
            ));
        }
        for (i, a) in self.attachments.iter().enumerate() {
            validate_attachment(a, i)?;
        }
        Ok(())
    }
}

/// `add_msg_template` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsgTemplateCreated {
    pub msgid: String,
    /// Requested customers that cannot be sent to (not a customer of the sender, invalid id).
    #[serde(default)]
    pub fail_list: Vec<String>,
}

/// `get_groupmsg_task` → `task_list[]`: one member's task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgTask {
    pub userid: String,
    /// 0 not sent yet, 2 sent.
    #[serde(default)]
    pub status: i64,
    /// Unix seconds; `None` until sent.
    #[serde(
        default,
        deserialize_with = "zero_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_time: Option<i64>,
}

/// One `get_groupmsg_task` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgTaskPage {
    #[serde(default)]
    pub task_list: Vec<GroupMsgTask>,
    /// `None` on the last page.
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_cursor: Option<String>,
}

/// `get_groupmsg_send_result` → `send_list[]`: one recipient.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgSendResult {
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub external_userid: Option<String>,
    /// Customer-group sends only.
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub chat_id: Option<String>,
    #[serde(default)]
    pub userid: String,
    /// 0 未发送 (not sent yet), 1 已发送 (sent), 2 not a friend, 3 the customer's 群发 quota was
    /// already reached.
    #[serde(default)]
    pub status: i64,
    /// Unix seconds; `None` until sent.
    #[serde(
        default,
        deserialize_with = "zero_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub send_time: Option<i64>,
}

/// One `get_groupmsg_send_result` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgSendResultPage {
    #[serde(default)]
    pub send_list: Vec<GroupMsgSendResult>,
    /// `None` on the last page.
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_cursor: Option<String>,
}

/// `get_groupmsg_list_v2` → `group_msg_list[]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgSummary {
    pub msgid: String,
    #[serde(default)]
    pub creator: String,
    /// Unix seconds.
    #[serde(default)]
    pub create_time: i64,
    /// 0 created by the corp, 1 by a member.
    #[serde(default)]
    pub create_type: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    /// As WeCom returns them (`{"msgtype": "image", "image": {…}}`, …).
    #[serde(default)]
    pub attachments: Vec<serde_json::Value>,
}

/// One `get_groupmsg_list_v2` page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMsgListPage {
    #[serde(default)]
    pub group_msg_list: Vec<GroupMsgSummary>,
    /// `None` on the last page.
    #[serde(
        default,
        deserialize_with = "empty_as_none",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_send_answers_decode_from_wecom_shapes() {
        let page: GroupMsgSendResultPage = serde_json::from_value(serde_json::json!({
            "errcode": 0, "errmsg": "ok", "next_cursor": "",
            "send_list": [
                {"external_userid": "wmA", "userid": "zhangsan", "status": 1, "send_time": 1_700_000_000},
                {"external_userid": "wmB", "userid": "zhangsan", "status": 0, "send_time": 0},
                {"chat_id": "wrC", "userid": "zhangsan", "status": 0}
            ]
        }))
        .unwrap_or_default();
        assert_eq!(page.next_cursor, None);
        assert_eq!(page.send_list.len(), 3);
        assert_eq!(page.send_list[0].send_time, Some(1_700_000_000));
        assert_eq!(page.send_list[1].send_time, None, "0 means not sent");
        assert_eq!(page.send_list[2].external_userid, None);
        assert_eq!(page.send_list[2].chat_id.as_deref(), Some("wrC"));
        let tasks: GroupMsgTaskPage = serde_json::from_value(serde_json::json!({
            "task_list": [{"userid": "lisi", "status": 2, "send_time": 1_700_000_001}],
            "next_cursor": "CURSOR"
        }))
        .unwrap_or_default();
        assert_eq!(tasks.next_cursor.as_deref(), Some("CURSOR"));
        assert_eq!(tasks.task_list[0].status, 2);
        let empty: GroupMsgListPage =
            serde_json::from_value(serde_json::json!({})).unwrap_or_else(|_| GroupMsgListPage {
                next_cursor: Some("decode failed".into()),
                ..GroupMsgListPage::default()
            });
        assert_eq!(empty, GroupMsgListPage::default());
    }
}
