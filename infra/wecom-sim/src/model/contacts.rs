//! Members (成员), customers (客户) and the relationships between them.

use serde::{Deserialize, Serialize};

use super::defaults::yes;

/// An internal member (成员) of the simulated corp.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub userid: String,
    pub name: String,
    /// Whether the member has the customer-contact (客户联系) feature; only such members appear in
    /// `get_follow_user_list` and can be scanned.
    #[serde(default = "yes")]
    pub customer_contact: bool,
}

/// An external contact (客户) as `externalcontact/get` returns it in `external_contact`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalContact {
    pub external_userid: String,
    pub name: String,
    pub avatar: String,
    /// 1 = WeChat user, 2 = WeCom user.
    #[serde(rename = "type")]
    pub contact_type: u8,
    /// 0 unknown, 1 male, 2 female.
    pub gender: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
}

/// State of one customer × member relationship.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationStatus {
    /// A real friend: every API works.
    Active,
    /// The customer added the member without verification (`add_half_external_contact`); APIs
    /// give 84061 until the member adds back.
    Half,
    /// The member deleted the customer (`del_external_contact`); APIs give 84061.
    DeletedByStaff,
    /// The customer deleted or blocked the member (`del_follow_user`); the APIs still work.
    DeletedByCustomer,
}

impl RelationStatus {
    /// Whether the WeCom APIs still show this relationship (see wecom-api.md §7, 84061).
    pub fn visible(self) -> bool {
        matches!(
            self,
            RelationStatus::Active | RelationStatus::DeletedByCustomer
        )
    }
}

/// A corp tag as `externalcontact/get` shows it inside `follow_user[].tags`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowTag {
    pub group_name: String,
    pub tag_name: String,
    pub tag_id: String,
    /// 1 = corp tag (the only kind the simulator models).
    #[serde(rename = "type")]
    pub tag_type: u8,
}

/// One customer × member relationship, as the control API's `state` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relationship {
    pub userid: String,
    pub external_userid: String,
    pub remark: String,
    pub description: String,
    pub createtime: i64,
    pub tag_ids: Vec<String>,
    /// `tag_ids` resolved against the catalogue.
    pub tags: Vec<FollowTag>,
    pub remark_corp_name: String,
    pub remark_mobiles: Vec<String>,
    pub add_way: u32,
    pub oper_userid: String,
    pub state: String,
    pub status: RelationStatus,
}
