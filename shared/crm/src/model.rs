//! Stored documents.

use serde::{Deserialize, Serialize};
use wecom_api::model::{ExternalContact, FollowUser, FollowUserTag};

/// A customer (external contact). One per `external_userid`; relationships with staff members
/// are separate items under the same partition.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Customer {
    pub external_userid: String,
    pub name: String,
    pub avatar: String,
    /// 1 WeChat user, 2 WeCom user.
    #[serde(rename = "type")]
    pub contact_type: i64,
    /// 0 unknown, 1 male, 2 female.
    pub gender: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corp_name: Option<String>,
    /// `active` while any relationship is active or pending, else `ended`.
    pub status: CustomerStatus,
    /// The channel (`state`) of the first relationship, for attribution.
    #[serde(default)]
    pub first_channel: String,
    pub first_added_at_ms: i64,
    pub updated_at_ms: i64,
    /// Earlier records of the same person (same unionid) merged into this one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged_from: Vec<String>,
    /// Set on an older record whose person now lives under another external_userid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_into: Option<String>,
    /// Clinic-side fields (tier, birthday, consent…), edited by staff; kept across merges.
    #[serde(default)]
    pub crm: crate::clinic_fields::ClinicFields,
    /// The current consent per purpose: the latest consent record's projection, written in the
    /// same transaction as the record (`crate::consent`). `crm.marketing_consent` mirrors the
    /// marketing entry, so audiences read one item.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub consents: std::collections::BTreeMap<crate::consent::Purpose, crate::consent::ConsentState>,
    /// Time of the latest recorded purchase (maintained by `AppointmentsRepo::record_purchase`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_purchase_at_ms: Option<i64>,
    /// Sum of recorded purchases, in fen (0.01 CNY).
    #[serde(default)]
    pub total_spent_fen: i64,
    /// The lead stage (`crate::pipeline`); a profile stored before stages existed reads as new.
    #[serde(default, skip_serializing_if = "LeadStage::is_new")]
    pub stage: LeadStage,
    /// The consultant of the customer's first relationship: the one their conversion counts
    /// for (empty when not known, e.g. customers stored before it was recorded).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_userid: String,
}

/// The customer's lead stage: 新线索 → 已咨询 → 已预约 → 已到店 → 已成交 → 复购. Events only move it
/// forward; staff may set any stage.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum LeadStage {
    #[default]
    New,
    Consulted,
    Booked,
    Arrived,
    Purchased,
    Repurchased,
}

impl LeadStage {
    pub const ALL: [LeadStage; 6] = [
        LeadStage::New,
        LeadStage::Consulted,
        LeadStage::Booked,
        LeadStage::Arrived,
        LeadStage::Purchased,
        LeadStage::Repurchased,
    ];

    pub fn is_new(&self) -> bool {
        *self == LeadStage::New
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LeadStage::New => "new",
            LeadStage::Consulted => "consulted",
            LeadStage::Booked => "booked",
            LeadStage::Arrived => "arrived",
            LeadStage::Purchased => "purchased",
            LeadStage::Repurchased => "repurchased",
        }
    }

    /// The console's word for it.
    pub fn label(self) -> &'static str {
        match self {
            LeadStage::New => "新线索",
            LeadStage::Consulted => "已咨询",
            LeadStage::Booked => "已预约",
            LeadStage::Arrived => "已到店",
            LeadStage::Purchased => "已成交",
            LeadStage::Repurchased => "复购",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|stage| stage.as_str() == s)
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    #[default]
    Active,
    Ended,
}

impl Customer {
    pub fn from_wecom(contact: &ExternalContact, now_ms: i64) -> Self {
        let mut customer = Customer {
            external_userid: contact.external_userid.clone(),
            first_added_at_ms: now_ms,
            ..Customer::default()
        };
        customer.refresh_from(contact, now_ms);
        customer
    }

    pub fn refresh_from(&mut self, contact: &ExternalContact, now_ms: i64) {
        self.name = contact.name.clone();
        self.avatar = contact.avatar.clone();
        self.contact_type = contact.contact_type;
        self.gender = contact.gender;
        if contact.unionid.as_deref().is_some_and(|u| !u.is_empty()) {
            self.unionid = contact.unionid.clone();
        }
        self.corp_name = contact.corp_name.clone().filter(|c| !c.is_empty());
        self.updated_at_ms = now_ms;
    }
}

/// The state of one customer × staff relationship.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipStatus {
    #[default]
    Active,
    /// `add_half_external_contact`: added without verification, not yet a real friend.
    Pending,
    Ended,
}

/// Why a relationship ended.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EndCause {
    /// `del_external_contact`: the staff member deleted the customer.
    StaffDeletedCustomer,
    /// `del_follow_user`: the customer deleted or blocked the staff member.
    CustomerDeletedStaff,
    /// The hourly sync no longer found it in WeCom.
    MissingInSync,
}

/// One customer × staff relationship (WeCom's `follow_user`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Relationship {
    pub external_userid: String,
    pub userid: String,
    pub status: RelationshipStatus,
    #[serde(default)]
    pub remark: String,
    #[serde(default)]
    pub description: String,
    /// The member's remark phone numbers for the customer (WeCom's `remark_mobiles`): personal
    /// data, never logged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remark_mobiles: Vec<String>,
    #[serde(default)]
    pub tags: Vec<FollowUserTag>,
    #[serde(default)]
    pub add_way: i64,
    #[serde(default)]
    pub oper_userid: String,
    /// The channel (`state` of the 「联系我」 that was scanned).
    #[serde(default)]
    pub state: String,
    /// WeCom's `createtime` (Unix seconds).
    pub createtime: i64,
    /// The 「联系我」 (`config_id`) this relationship is credited to, decided once when it is
    /// first stored (see `ContactWayRepo::attribute`); `None` when no single code owns the state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_way: Option<String>,
    /// Event time (Unix seconds) of the latest change applied, to ignore stale events.
    #[serde(default)]
    pub last_event_time: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_cause: Option<EndCause>,
    /// `Source` of a deletion, e.g. `DELETE_BY_TRANSFER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_fail_reason: Option<String>,
    pub updated_at_ms: i64,
}

impl Relationship {
    pub fn from_follow_user(external_userid: &str, follow: &FollowUser, now_ms: i64) -> Self {
        let mut rel = Relationship {
            external_userid: external_userid.to_owned(),
            userid: follow.userid.clone(),
            createtime: follow.createtime,
            ..Relationship::default()
        };
        rel.refresh_from(follow, now_ms);
        rel
    }

    /// Takes WeCom's current view of the relationship (it exists, so it is active).
    pub fn refresh_from(&mut self, follow: &FollowUser, now_ms: i64) {
        self.remark = follow.remark.clone();
        self.description = follow.description.clone();
        self.remark_mobiles = follow.remark_mobiles.clone();
        self.tags = follow.tags.clone();
        self.add_way = follow.add_way;
        self.oper_userid = follow.oper_userid.clone();
        if !follow.state.is_empty() || self.state.is_empty() {
            self.state = follow.state.clone();
        }
        if follow.createtime > 0 {
            self.createtime = follow.createtime;
        }
        self.updated_at_ms = now_ms;
    }

    pub fn has_tag(&self, tag_id: &str) -> bool {
        self.tags
            .iter()
            .any(|t| t.tag_id.as_deref() == Some(tag_id))
    }
}

/// Processing state of a logged callback.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackStatus {
    /// Logged and handed to processing (queued).
    #[default]
    Received,
    /// A processing attempt failed transiently; the job will run again.
    Retrying,
    Processed,
    /// Kept for the record; nothing to do (unknown events, app messages).
    Ignored,
    /// Failed permanently; the error is recorded.
    Failed,
    /// Authentic (signature, decryption and receiveid checked) but not a message this version
    /// can interpret (JSON, not XML, required elements missing…): kept raw, nothing done;
    /// replaying it after an upgrade interprets it again.
    Unrecognized,
}

/// The raw, decrypted WeCom event with its processing status. Its key is the event's
/// idempotency key, so retries of the same event land on the same entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CallbackLogEntry {
    pub dedupe_key: String,
    /// A random id of the delivery that first stored the entry: a store client that retried
    /// that very write (its first answer lost, the retry refused as a duplicate) finds its own
    /// id and takes the delivery for the first, which queues the job.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingest_id: Option<String>,
    /// `change_external_contact/add_external_contact`, `text`, …
    pub event_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_userid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// WeCom's CreateTime (Unix seconds).
    pub create_time: i64,
    /// The decrypted inner XML exactly as received.
    pub raw_xml: String,
    pub status: CallbackStatus,
    /// How many times WeCom delivered it.
    pub delivery_count: u32,
    pub received_at_ms: i64,
    pub last_delivery_at_ms: i64,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_at_ms: Option<i64>,
    /// What processing did, e.g. `welcome:sent tag:marked`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the message could not be interpreted (`json`, `not_xml`,
    /// `missing_element:FromUserName`, …; see `crm::ingest::unrecognized_reason`), while it is
    /// [`CallbackStatus::Unrecognized`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unrecognized_reason: Option<String>,
    /// `raw_xml` holds the standard base64 of the decrypted bytes (they were not UTF-8).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub raw_base64: bool,
}

/// What happened to a welcome message, keyed by its single-use welcome code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WelcomeStatus {
    /// A sender holds the claim until `lease_until_ms`.
    Sending,
    Sent,
    /// 41051: WeCom says a welcome was already delivered; recorded, not retried.
    AlreadySent,
    /// 41050: the code is invalid or expired.
    CodeExpired,
    /// The 20-second window had passed before the job ran.
    WindowMissed,
    /// No welcome message is configured for the channel.
    NotConfigured,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WelcomeClaim {
    pub welcome_code: String,
    pub external_userid: String,
    pub userid: String,
    pub status: WelcomeStatus,
    pub lease_until_ms: i64,
    pub attempts: u32,
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// One line of a customer's history (added, ended, merged, tagged…).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub at_ms: i64,
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Who changed what, when. Names fields, never their values (no secrets, no phone numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: String,
    pub at_ms: i64,
    /// The authenticated caller (JWT subject / e-mail, or `local-admin`).
    pub actor: String,
    /// e.g. `config.update`, `customer.update`, `tag.create`.
    pub action: String,
    /// What was acted on, e.g. an external_userid or a tag id.
    pub target: String,
    #[serde(default)]
    pub fields: Vec<String>,
    /// Position in the hash chain (1, 2, …); `None` for entries written before the chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    /// The previous entry's `hash` (64 zeros for the first entry of the chain).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_hash: Option<String>,
    /// SHA-256 (hex) of this entry's fields and `prev_hash` (see `crm::repo::audit_hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
}

/// A booked visit (预约), kept under the customer's partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    pub id: String,
    pub external_userid: String,
    pub scheduled_at_ms: i64,
    /// The treatment or service (项目).
    pub item: String,
    /// Where the booking came from.
    pub source: AppointmentSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub created_at_ms: i64,
    /// Who recorded it (the admin API caller).
    pub created_by: String,
    /// The customer's first channel when it was recorded: the channel it counts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// Where a booking came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentSource {
    MiniProgram,
    Staff,
    Phone,
    WalkIn,
    /// Also what a stored source this version does not know reads as.
    #[serde(other)]
    Other,
}

impl AppointmentSource {
    pub const ALL: [AppointmentSource; 5] = [
        AppointmentSource::MiniProgram,
        AppointmentSource::Staff,
        AppointmentSource::Phone,
        AppointmentSource::WalkIn,
        AppointmentSource::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentSource::MiniProgram => "mini_program",
            AppointmentSource::Staff => "staff",
            AppointmentSource::Phone => "phone",
            AppointmentSource::WalkIn => "walk_in",
            AppointmentSource::Other => "other",
        }
    }

    /// One of the names above (`source` is refused otherwise).
    pub fn parse(s: &str) -> Result<Self, crate::FieldError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| {
                crate::FieldError::new(
                    "source",
                    "预约来源只能是 mini_program、staff、phone、walk_in 或 other",
                )
            })
    }
}

/// A purchase (消费), kept under the customer's partition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Purchase {
    pub id: String,
    pub external_userid: String,
    /// Amount in fen (0.01 CNY).
    pub amount_fen: i64,
    pub item: String,
    pub purchased_at_ms: i64,
    pub created_at_ms: i64,
    pub created_by: String,
    /// The clinic's or the mini-program's order number; a purchase is recorded once per order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// The customer's first channel when it was recorded: the channel it counts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
}

/// Where a sync run is.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncPhase {
    /// Refresh the tag catalogue and list the staff.
    #[default]
    Prepare,
    /// Page through `batch/get_by_user`, staff batch by staff batch.
    Customers,
    /// End every active relationship this run did not see.
    EndMissing,
    Finished,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncRunStatus {
    #[default]
    Running,
    Done,
    /// Another run took the lease over (this one was abandoned).
    Abandoned,
    /// Stopped without ending any relationship: WeCom's answer would have ended too many
    /// (no staff listed, or most relationships missing); `last_error` says why.
    Failed,
    /// Its first step could not be queued: nothing was read or written, and the next trigger
    /// starts a new run (rather than waiting out this one's lease).
    NotStarted,
}

/// One hourly sync run: its checkpoint and its counters (`SYNC#<run_id>` / `RUN`).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncRun {
    pub run_id: String,
    pub status: SyncRunStatus,
    pub phase: SyncPhase,
    pub started_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at_ms: Option<i64>,
    pub updated_at_ms: i64,
    /// The staff with customer contact, as listed at the start of the run.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub staff: Vec<String>,
    /// Checkpoint of the customers phase: which batch of staff, and the cursor within it.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub batch_index: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub cursor: String,
    /// Pages of `batch/get_by_user` processed (also numbers the `SEEN#` items).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub pages: u64,
    /// Checkpoint of the end phase: the cursor over every customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_cursor: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub customers_seen: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub customers_added: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub customers_changed: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub relationships_seen: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub relationships_added: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub relationships_changed: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub relationships_ended: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub wecom_calls: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub errors: u64,
    /// A short, non-personal description of the latest error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Customers this run could not read or write (the store still refusing after the sync's
    /// retries); the run went on without them and the next run tries them again.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub customers_unwritten: u64,
    /// The first of them (`external_userid`, at most 100).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub unwritten_customers: Vec<String>,
    /// Store operations retried after a retryable refusal (throttling, a conflict) in the
    /// customers phase.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub store_retries: u64,
}

/// The lease that keeps sync runs one at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncLease {
    pub run_id: String,
    pub until_ms: i64,
}
