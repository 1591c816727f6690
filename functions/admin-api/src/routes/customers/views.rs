//! What the customer endpoints answer: a customer in a list with their relationships, and one
//! customer's whole record.

pub use crm::clinic_fields::Tier;
use crm::model::{
    CallbackLogEntry, CallbackStatus, Customer, CustomerStatus, EndCause, Relationship,
    RelationshipStatus, TimelineEvent,
};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::routes::records::{AppointmentView, PurchaseView};

/// One corp/personal tag on a relationship (WeCom's `follow_user.tags[]`).
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationshipTagView {
    pub group_name: String,
    pub tag_name: String,
    /// Absent for personal tags (type 2).
    pub tag_id: Option<String>,
    /// 1 corp, 2 personal, 3 rule-group.
    #[serde(rename = "type")]
    pub tag_type: i64,
}

/// One customer × staff relationship.
#[derive(Debug, Serialize, ToSchema)]
pub struct RelationshipView {
    pub userid: String,
    /// `pending` (added without verification, not yet a friend), `active` or `ended`.
    pub status: RelationshipStatus,
    pub remark: String,
    pub description: String,
    /// The member's remark phone numbers for the customer.
    pub remark_mobiles: Vec<String>,
    pub tags: Vec<RelationshipTagView>,
    pub add_way: i64,
    pub oper_userid: String,
    /// The channel of the 「联系我」 that was scanned.
    pub state: String,
    /// WeCom's `createtime` (Unix seconds).
    pub createtime: i64,
    /// Unix seconds.
    pub ended_at: Option<i64>,
    /// Why it ended: the staff member deleted the customer, the customer deleted the staff
    /// member, or the hourly sync no longer found it in WeCom.
    pub end_cause: Option<EndCause>,
    pub end_source: Option<String>,
}

impl From<&Relationship> for RelationshipView {
    fn from(r: &Relationship) -> Self {
        Self {
            userid: r.userid.clone(),
            status: r.status,
            remark: r.remark.clone(),
            description: r.description.clone(),
            remark_mobiles: r.remark_mobiles.clone(),
            tags: r
                .tags
                .iter()
                .map(|t| RelationshipTagView {
                    group_name: t.group_name.clone(),
                    tag_name: t.tag_name.clone(),
                    tag_id: t.tag_id.clone(),
                    tag_type: t.tag_type,
                })
                .collect(),
            add_way: r.add_way,
            oper_userid: r.oper_userid.clone(),
            state: r.state.clone(),
            createtime: r.createtime,
            ended_at: r.ended_at,
            end_cause: r.end_cause,
            end_source: r.end_source.clone(),
        }
    }
}

/// A customer in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerSummary {
    pub external_userid: String,
    pub name: String,
    pub avatar: String,
    /// 1 WeChat user, 2 WeCom user.
    #[serde(rename = "type")]
    pub contact_type: i64,
    /// 0 unknown, 1 male, 2 female.
    pub gender: i64,
    /// `active` (a relationship is active or pending) or `ended`.
    pub status: CustomerStatus,
    /// The channel (`state`) of the first relationship.
    pub first_channel: String,
    pub first_added_at_ms: i64,
    pub tier: Option<String>,
    pub psych_type: Option<String>,
    pub last_purchase_at_ms: Option<i64>,
    pub total_spent_fen: i64,
    /// The lead stage (新线索 `new` … 复购 `repurchased`).
    pub stage: crm::model::LeadStage,
    pub follow_users: Vec<RelationshipView>,
}

pub(super) fn summary(c: &Customer, rels: &[Relationship]) -> CustomerSummary {
    CustomerSummary {
        external_userid: c.external_userid.clone(),
        name: c.name.clone(),
        avatar: c.avatar.clone(),
        contact_type: c.contact_type,
        gender: c.gender,
        status: c.status,
        first_channel: c.first_channel.clone(),
        first_added_at_ms: c.first_added_at_ms,
        tier: c.crm.tier.map(|t| t.as_str().to_owned()),
        psych_type: c.crm.psych_type.as_ref().map(|p| p.as_str().to_owned()),
        last_purchase_at_ms: c.last_purchase_at_ms,
        total_spent_fen: c.total_spent_fen,
        stage: c.stage,
        follow_users: rels.iter().map(Into::into).collect(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerPage {
    pub items: Vec<CustomerSummary>,
    /// Pass back as `cursor` for the next page; absent when every customer has been visited.
    pub next_cursor: Option<String>,
    /// Index items examined for this page.
    pub scanned: usize,
    /// True when the page stopped early because the read budget was spent: the page may hold
    /// fewer than `limit` items although more may match; continue with `next_cursor`.
    pub budget_exhausted: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineView {
    pub at_ms: i64,
    /// `added`, `edited`, `deleted_by_staff`, `tagged`, `appointment`, `purchase`, …
    pub kind: String,
    pub userid: Option<String>,
    pub detail: Option<String>,
}

impl From<TimelineEvent> for TimelineView {
    fn from(e: TimelineEvent) -> Self {
        Self {
            at_ms: e.at_ms,
            kind: e.kind,
            userid: e.userid,
            detail: e.detail,
        }
    }
}

/// A WeCom event about this customer (from the callback log, without the raw XML).
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerEventView {
    /// The event's id in `/api/callback-logs/{id}`.
    pub id: String,
    pub event_type: String,
    pub userid: Option<String>,
    pub state: Option<String>,
    pub create_time: i64,
    pub status: CallbackStatus,
    pub received_at_ms: i64,
}

impl From<CallbackLogEntry> for CustomerEventView {
    fn from(e: CallbackLogEntry) -> Self {
        Self {
            status: e.status,
            id: e.dedupe_key,
            event_type: e.event_type,
            userid: e.userid,
            state: e.state,
            create_time: e.create_time,
            received_at_ms: e.received_at_ms,
        }
    }
}

/// One customer's whole record.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerDetail {
    #[serde(flatten)]
    pub summary: CustomerSummary,
    pub unionid: Option<String>,
    pub corp_name: Option<String>,
    pub updated_at_ms: i64,
    pub merged_from: Vec<String>,
    pub merged_into: Option<String>,
    /// The clinic's fields (each absent until set).
    #[schema(value_type = CrmFields)]
    pub crm: Map<String, Value>,
    /// History, oldest first.
    pub timeline: Vec<TimelineView>,
    /// WeCom events about the customer among the most recent ones logged, newest first.
    pub recent_events: Vec<CustomerEventView>,
    pub appointments: Vec<AppointmentView>,
    pub purchases: Vec<PurchaseView>,
}

/// The clinic's own fields of a customer, as `PATCH /api/customers/{id}` sets them.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct CrmFields {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<Tier>,
    /// Psychological type (心理类型), at most 30 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub psych_type: Option<String>,
    /// `YYYY-MM-DD`, or `MM-DD` when the year is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birthday: Option<String>,
    /// Mainland mobile number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// 营销授权: the current marketing consent (read-only here; it follows the consent
    /// records, `/api/customers/{external_userid}/consents`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marketing_consent: Option<bool>,
}
