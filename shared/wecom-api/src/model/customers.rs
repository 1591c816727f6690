//! Customers: `externalcontact/get`, `externalcontact/remark`, `batch/get_by_user`.

use serde::{Deserialize, Serialize};

use super::rules::{RuleError, rule};

/// `externalcontact/get` → `external_contact`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalContact {
    pub external_userid: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub avatar: String,
    /// 1 WeChat user, 2 WeCom user.
    #[serde(default, rename = "type")]
    pub contact_type: i64,
    /// 0 unknown, 1 male, 2 female.
    #[serde(default)]
    pub gender: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

/// A tag on a follow-user relationship.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUserTag {
    #[serde(default)]
    pub group_name: String,
    #[serde(default)]
    pub tag_name: String,
    /// Absent for personal tags (type 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<String>,
    /// 1 corp tag, 2 personal tag, 3 rule-group tag.
    #[serde(default, rename = "type")]
    pub tag_type: i64,
}

/// `externalcontact/get` → `follow_user[]`: the customer's relationship with one staff member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUser {
    pub userid: String,
    #[serde(default)]
    pub remark: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub createtime: i64,
    #[serde(default)]
    pub tags: Vec<FollowUserTag>,
    #[serde(default)]
    pub remark_corp_name: String,
    #[serde(default)]
    pub remark_mobiles: Vec<String>,
    #[serde(default)]
    pub add_way: i64,
    #[serde(default)]
    pub oper_userid: String,
    #[serde(default)]
    pub state: String,
}

/// The whole `externalcontact/get` answer, every `follow_user` page merged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalContactDetail {
    pub external_contact: ExternalContact,
    #[serde(default)]
    pub follow_user: Vec<FollowUser>,
    #[serde(default)]
    pub next_cursor: String,
}

// ---- customer remark (wecom-api.md §3) ------------------------------------------------------

/// `externalcontact/remark` limits.
pub const MAX_REMARK_CHARS: usize = 20;
pub const MAX_DESCRIPTION_CHARS: usize = 150;
pub const MAX_REMARK_COMPANY_CHARS: usize = 20;

/// `externalcontact/remark` request. Fires no callback: update the local record yourself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Remark {
    pub userid: String,
    pub external_userid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// WeChat users only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_company: Option<String>,
    /// Overwrites the old list; `[""]` clears it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_mobiles: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark_pic_mediaid: Option<String>,
}

impl Remark {
    /// Required ids and the documented length limits (characters).
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.userid.is_empty() {
            return Err(rule("userid", "is required"));
        }
        if self.external_userid.is_empty() {
            return Err(rule("external_userid", "is required"));
        }
        let over =
            |v: &Option<String>, max: usize| v.as_ref().is_some_and(|s| s.chars().count() > max);
        for (field, value, max) in [
            ("remark", &self.remark, MAX_REMARK_CHARS),
            ("description", &self.description, MAX_DESCRIPTION_CHARS),
            (
                "remark_company",
                &self.remark_company,
                MAX_REMARK_COMPANY_CHARS,
            ),
        ] {
            if over(value, max) {
                return Err(rule(field, format!("is over {max} characters")));
            }
        }
        Ok(())
    }
}

// ---- batch/get_by_user (wecom-api.md §3) ---------------------------------------------------

/// `batch/get_by_user` `userid_list`: at most 100 userids.
pub const MAX_BATCH_USERIDS: usize = 100;
/// `batch/get_by_user` `limit`: 1 to 100 (WeCom's default is 50).
pub const MAX_BATCH_LIMIT: u32 = 100;

/// `batch/get_by_user` → `external_contact_list[].follow_info`: one member's relationship,
/// with corp tag ids only (`tag_id[]`, not the `tags[]` objects of `externalcontact/get`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowInfo {
    pub userid: String,
    #[serde(default)]
    pub remark: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub createtime: i64,
    #[serde(default)]
    pub tag_id: Vec<String>,
    #[serde(default)]
    pub remark_corp_name: String,
    #[serde(default)]
    pub remark_mobiles: Vec<String>,
    #[serde(default)]
    pub oper_userid: String,
    #[serde(default)]
    pub add_way: i64,
    #[serde(default)]
    pub state: String,
}

/// One `batch/get_by_user` entry: a customer and one member's relationship with them (a
/// customer followed by several listed members appears once per member).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchContact {
    pub external_contact: ExternalContact,
    pub follow_info: FollowInfo,
}

/// One `batch/get_by_user` page; `next_cursor` is `""` on the last page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchPage {
    #[serde(default)]
    pub external_contact_list: Vec<BatchContact>,
    #[serde(default)]
    pub next_cursor: String,
}
