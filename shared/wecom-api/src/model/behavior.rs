//! 联系客户统计: `externalcontact/get_user_behavior_data` (wecom-api.md §9 "Consultant
//! behaviour").

use serde::{Deserialize, Serialize};

use super::rules::{RuleError, rule};

/// The longest range one call may ask for (days, both ends included).
pub const MAX_BEHAVIOR_RANGE_DAYS: i64 = 30;
/// How far back WeCom keeps the data (days).
pub const MAX_BEHAVIOR_AGE_DAYS: i64 = 180;

/// `get_user_behavior_data` request: `userid[]` or `partyid[]` (at least one), a range of at
/// most 30 days within the last 180.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserBehaviorQuery {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub userid: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub partyid: Vec<u64>,
    /// Unix seconds.
    pub start_time: i64,
    /// Unix seconds.
    pub end_time: i64,
}

impl UserBehaviorQuery {
    /// The documented rules that need no clock: members named, range order and length.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.userid.is_empty() && self.partyid.is_empty() {
            return Err(rule("userid", "userid or partyid is required"));
        }
        if self.end_time < self.start_time {
            return Err(rule("end_time", "is earlier than start_time"));
        }
        if self.end_time - self.start_time >= MAX_BEHAVIOR_RANGE_DAYS * 86_400 {
            return Err(rule(
                "end_time",
                format!("the range is over {MAX_BEHAVIOR_RANGE_DAYS} days"),
            ));
        }
        Ok(())
    }
}

/// One day of `behavior_data[]`, summed over the members asked about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BehaviorData {
    /// The day's 00:00 (Beijing), unix seconds.
    pub stat_time: i64,
    /// 聊天总数: chats the members had.
    #[serde(default)]
    pub chat_cnt: i64,
    /// 发送消息数.
    #[serde(default)]
    pub message_cnt: i64,
    /// 已回复聊天占比 (percent, 0–100); absent when there was nothing to reply to.
    #[serde(default)]
    pub reply_percentage: f64,
    /// 平均首次回复时长 (minutes).
    #[serde(default)]
    pub avg_reply_time: i64,
    /// 删除/拉黑成员的客户数.
    #[serde(default)]
    pub negative_feedback_cnt: i64,
    /// 发起申请数.
    #[serde(default)]
    pub new_apply_cnt: i64,
    /// 新增客户数.
    #[serde(default)]
    pub new_contact_cnt: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_names_members_and_stays_within_30_days() {
        let ok = UserBehaviorQuery {
            userid: vec!["zhangsan".into()],
            start_time: 0,
            end_time: 29 * 86_400 + 86_399,
            ..UserBehaviorQuery::default()
        };
        assert!(ok.validate().is_ok());
        let long = UserBehaviorQuery {
            end_time: 30 * 86_400,
            ..ok.clone()
        };
        assert_eq!(
            long.validate().err().map(|e| e.field),
            Some("end_time".into())
        );
        let nobody = UserBehaviorQuery {
            userid: vec![],
            ..ok.clone()
        };
        assert_eq!(
            nobody.validate().err().map(|e| e.field),
            Some("userid".into())
        );
        let data: BehaviorData = serde_json::from_str(
            r#"{"stat_time":1,"chat_cnt":2,"message_cnt":3,"reply_percentage":50.5,"avg_reply_time":4,"negative_feedback_cnt":0,"new_apply_cnt":1,"new_contact_cnt":2}"#,
        )
        .unwrap_or_default();
        assert_eq!(data.reply_percentage, 50.5);
        assert_eq!(data.new_contact_cnt, 2);
    }
}
