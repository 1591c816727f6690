//! Bulk seeding (`POST /sim/control/seed`) and silent changes (`POST /sim/control/silent`).

use serde::{Deserialize, Serialize};

use super::DeletedBy;

fn default_relationships_per_customer() -> f64 {
    1.2
}

fn default_tags_per_relationship() -> u32 {
    2
}

fn default_with_unionid() -> f64 {
    0.7
}

fn default_state_mix() -> Vec<String> {
    ["xiaohongshu", "douyin", "pengyouquan"]
        .map(str::to_owned)
        .to_vec()
}

/// `POST /sim/control/seed`: bulk data for sync and load tests. No callbacks are sent.
///
/// Staff `seed0001`… (customer contact enabled; replaced if present), `customers` new WeChat
/// customers, and relationships between them: every customer follows at least one member, the
/// extra relationships go to random customers (up to 3 members each, or more when the average
/// asks for it), so the average is `relationships_per_customer`. Each relationship gets 0 to
/// `tags_per_relationship` distinct live corp tags (the demo catalogue unless changed), a
/// `state` drawn from `state_mix` and a `createtime` within the last 365 days. The same `seed`
/// gives the same ids, names, tags and assignments.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SeedRequest {
    /// Members to create (1–10 000).
    pub staff: u32,
    /// Customers to create (0–1 000 000).
    pub customers: u32,
    /// Average members per customer, from 1 to the number of staff (at most 10). Default 1.2.
    #[serde(default = "default_relationships_per_customer")]
    pub relationships_per_customer: f64,
    /// Each relationship carries 0 to this many corp tags. Default 2.
    #[serde(default = "default_tags_per_relationship")]
    pub tags_per_relationship: u32,
    /// Share of customers with a unionid (0–1). Default 0.7.
    #[serde(default = "default_with_unionid")]
    pub with_unionid: f64,
    /// `state` values to draw from; empty = no state. Default xiaohongshu / douyin / pengyouquan.
    #[serde(default = "default_state_mix")]
    pub state_mix: Vec<String>,
    /// RNG seed; without it every run differs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl SeedRequest {
    /// `staff` members and `customers` customers, every option at its default.
    pub fn new(staff: u32, customers: u32) -> Self {
        SeedRequest {
            staff,
            customers,
            relationships_per_customer: default_relationships_per_customer(),
            tags_per_relationship: default_tags_per_relationship(),
            with_unionid: default_with_unionid(),
            state_mix: default_state_mix(),
            seed: None,
        }
    }

    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }
}

/// The answer of `POST /sim/control/seed`: what was created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedOutcome {
    pub staff: u64,
    pub customers: u64,
    pub relationships: u64,
}

/// `POST /sim/control/silent`: a change made behind the product's back, **without any
/// callback** (the callback URL was down, or WeCom does not call back for it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SilentChange {
    /// `{op, userid, external_userid, by?: "staff"|"customer"}`: the member deleted the customer
    /// (default; the APIs then give 84061 and it leaves `list` / `batch/get_by_user`) or the
    /// customer deleted the member (still visible, as in WeCom).
    RemoveRelationship {
        userid: String,
        external_userid: String,
        #[serde(default = "default_deleted_by")]
        by: DeletedBy,
    },
    /// `{op, userid, external_userid?, name?, unionid?, state?, remark?, tag_ids?[], add_way?}`:
    /// a new (or re-made) friendship; a new customer unless `external_userid` names a known one.
    AddRelationship {
        userid: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        external_userid: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// `""` = no unionid; default a generated one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unionid: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remark: Option<String>,
        #[serde(default)]
        tag_ids: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        add_way: Option<u32>,
    },
    /// `{op, userid, external_userid, tag_ids[]}`: the relationship's corp tags become exactly
    /// these (live tags only).
    SetTags {
        userid: String,
        external_userid: String,
        tag_ids: Vec<String>,
    },
    /// `{op, userid, external_userid, remark?, description?, remark_mobiles?[]}`.
    SetRemark {
        userid: String,
        external_userid: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remark: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remark_mobiles: Option<Vec<String>>,
    },
    /// `{op, userid}`: the member leaves the corp: gone from `get_follow_user_list`, and every
    /// relationship of theirs is removed (customers stay known; with no other member they give
    /// 84061).
    RemoveStaff { userid: String },
    /// `{op, id}`: a tag or a whole group is deleted in the console; it is stripped from every
    /// relationship and comes back from `get_corp_tag_list` by id with `deleted: true`.
    DeleteTag { id: String },
}

fn default_deleted_by() -> DeletedBy {
    DeletedBy::Staff
}

/// The answer of `POST /sim/control/silent`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SilentOutcome {
    /// The `op` applied.
    pub op: String,
    /// The customer concerned (the new id for `add_relationship`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_userid: Option<String>,
    /// Relationships removed (`remove_staff`) or stripped of the tag (`delete_tag`).
    #[serde(default)]
    pub affected: u64,
}
