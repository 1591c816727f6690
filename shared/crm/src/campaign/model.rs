//! The stored documents of campaigns: the campaign, its group-send tasks (chunks), its
//! recipients, the send ledger and tracked links.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::audience::CustomerFilter;

/// Where a campaign came from.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignKind {
    /// `POST /api/campaigns`.
    #[default]
    Campaign,
    /// `POST /api/messages`: a few chosen customers, now.
    Direct,
    /// Created by an automation rule's run.
    Automation,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    /// Waiting for its send time.
    #[default]
    Scheduled,
    /// Its time fell in quiet hours: it runs when they end.
    Deferred,
    /// The audience is being resolved into recipients.
    Resolving,
    /// Group-send tasks are being created.
    Sending,
    /// Every task exists; staff confirmations are being tracked.
    Tracking,
    Done,
    Cancelled,
    Failed,
}

impl CampaignStatus {
    /// Every status, in the order of the lifecycle.
    pub const ALL: [Self; 8] = [
        Self::Scheduled,
        Self::Deferred,
        Self::Resolving,
        Self::Sending,
        Self::Tracking,
        Self::Done,
        Self::Cancelled,
        Self::Failed,
    ];
}

impl CampaignStatus {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CampaignStatus::Done | CampaignStatus::Cancelled | CampaignStatus::Failed
        )
    }
}

/// Who sends to a customer with several consultants (each customer gets one task, from one
/// sender).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SenderPolicy {
    /// The consultant of the customer's earliest active relationship (who acquired them).
    #[default]
    OwnConsultant,
    /// The consultant of the most recently added active relationship.
    MostRecent,
    /// One staff member; customers who are not theirs are skipped (`no_sender`).
    Fixed { userid: String },
}

/// Whom a campaign is for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Audience {
    /// The filters of `GET /api/customers`, applied when the campaign runs.
    Filter { filter: Box<CustomerFilter> },
    /// Chosen customers (at most [`MAX_EXPLICIT_AUDIENCE`]).
    Customers { external_userids: Vec<String> },
    /// Corp tags: any tag within a group, every group (WeCom's `tag_filter` rule).
    Tags { groups: Vec<Vec<String>> },
}

pub const MAX_EXPLICIT_AUDIENCE: usize = 1000;

/// An attachment as the clinic composes it; media are referenced by the hash returned from
/// `POST /api/media` and uploaded to WeCom when the task is created.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "msgtype", rename_all = "snake_case")]
pub enum ContentAttachment {
    /// An image: an uploaded file sent as a `media_id` (`media`), or as a permanent WeCom image
    /// URL (`pic_media`, uploaded once through `media/uploadimg`), or a `pic_url` as given.
    Image {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        media: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pic_media: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pic_url: Option<String>,
    },
    /// A link card; its cover is `picurl` as given or an uploaded image (`pic_media`).
    Link {
        title: String,
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        desc: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        picurl: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pic_media: Option<String>,
    },
    Miniprogram {
        title: String,
        appid: String,
        page: String,
        pic_media: String,
    },
    Video {
        media: String,
    },
    File {
        media: String,
    },
}

impl ContentAttachment {
    pub fn media_hash(&self) -> Option<&str> {
        match self {
            ContentAttachment::Image { media, .. } => media.as_deref(),
            ContentAttachment::Miniprogram { pic_media, .. } => Some(pic_media),
            ContentAttachment::Video { media } | ContentAttachment::File { media } => Some(media),
            ContentAttachment::Link { .. } => None,
        }
    }

    /// The uploaded image sent as a permanent URL (`media/uploadimg`), if any.
    pub fn image_hash(&self) -> Option<&str> {
        match self {
            ContentAttachment::Image { pic_media, .. }
            | ContentAttachment::Link { pic_media, .. } => pic_media.as_deref(),
            _ => None,
        }
    }
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub attachments: Vec<ContentAttachment>,
}

/// How far the audience resolution got (a checkpoint: a run continues from it).
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// Position in the audience (an index sort key, or an offset into an explicit list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    pub resolved: bool,
    /// The chunk being filled per sender: `[index, recipients in it]`.
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(required = true, value_type = BTreeMap<String, Vec<u32>>)
    )]
    pub open_chunks: BTreeMap<String, (u32, u32)>,
    /// Audience members examined (targeted).
    pub targeted: u64,
    pub queued: u64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub skipped: BTreeMap<String, u64>,
    /// Pages resolved (each one checkpointed).
    pub pages: u64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub kind: CampaignKind,
    pub status: CampaignStatus,
    pub audience: Option<Audience>,
    pub content: Content,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub sender_policy: SenderPolicy,
    /// When it should go out (Unix ms); quiet hours may defer it.
    pub send_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred_until_ms: Option<i64>,
    /// An appointment or purchase this many days after a recipient's send counts as booked.
    pub booked_within_days: u32,
    /// Each recipient gets their own text (`{name}`…): one task per customer.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub personalised: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automation_rule_id: Option<String>,
    pub created_by: String,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub progress: Progress,
    /// How many times its run was triggered (a schedule firing twice shows here).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub runs: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at_ms: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at_ms: Option<i64>,
    /// A short, non-personal description of why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A recipient's state. `awaiting_staff` means the task exists and the consultant has not
/// sent it yet.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum RecipientStatus {
    /// Not messaged; `reason` says why.
    Skipped,
    /// Will be in a group-send task.
    #[default]
    Queued,
    AwaitingStaff,
    Sent,
    /// WeCom status 2: no longer a friend of the sender.
    NotFriend,
    /// WeCom status 3: over WeCom's per-customer quota.
    OverQuota,
    /// Not sent, for good: the task could not be created for them (`reason`: WeCom's errcode
    /// or `wecom_fail_list`), or their consultant never sent it before tracking ended
    /// (`not_sent_by_staff`).
    Failed,
    Cancelled,
}

impl RecipientStatus {
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            RecipientStatus::Queued | RecipientStatus::AwaitingStaff
        )
    }

    /// Every status, in the order of the lifecycle.
    pub const ALL: [Self; 8] = [
        Self::Skipped,
        Self::Queued,
        Self::AwaitingStaff,
        Self::Sent,
        Self::NotFriend,
        Self::OverQuota,
        Self::Failed,
        Self::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RecipientStatus::Skipped => "skipped",
            RecipientStatus::Queued => "queued",
            RecipientStatus::AwaitingStaff => "awaiting_staff",
            RecipientStatus::Sent => "sent",
            RecipientStatus::NotFriend => "not_friend",
            RecipientStatus::OverQuota => "over_quota",
            RecipientStatus::Failed => "failed",
            RecipientStatus::Cancelled => "cancelled",
        }
    }
}

/// Why a member of the audience is not messaged.
pub mod skip {
    pub const RELATIONSHIP_ENDED: &str = "relationship_ended";
    pub const NO_CONSENT: &str = "no_consent";
    pub const WECOM_QUOTA: &str = "wecom_quota";
    pub const CLINIC_CAP: &str = "clinic_cap";
    pub const DUPLICATE: &str = "duplicate";
    pub const NO_SENDER: &str = "no_sender";
    pub const UNKNOWN_CUSTOMER: &str = "unknown_customer";
}

/// One status change, with its time.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub status: RecipientStatus,
    pub at_ms: i64,
}

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recipient {
    pub campaign_id: String,
    pub external_userid: String,
    /// The sender (consultant), when one was chosen.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub userid: String,
    pub status: RecipientStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The chunk's sort key (`CHUNK#<sender>#<n>`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgid: Option<String>,
    /// Snapshot for the funnel's breakdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub channel: String,
    /// A personalised text (automations); otherwise the campaign's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at_ms: Option<i64>,
    /// When the customer first booked or bought within the campaign's window after the send
    /// (set by `Campaigns::credit_booking` and by tracking; the funnel's `booked`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booked_at_ms: Option<i64>,
    /// The ledger entry reserved for this send (released if it never goes out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ledger_at_ms: Option<i64>,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub history: Vec<StatusChange>,
}

impl Recipient {
    pub fn set_status(&mut self, status: RecipientStatus, at_ms: i64) {
        if self.status != status {
            self.status = status;
            self.history.push(StatusChange { status, at_ms });
        }
        self.updated_at_ms = at_ms;
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChunkStatus {
    #[default]
    Pending,
    /// add_msg_template was called and its outcome is not known yet (a crash or a timeout):
    /// the next attempt first looks for the task in WeCom before creating one.
    Creating,
    /// The task exists (`msgid`): waiting for the consultant.
    Created,
    /// Every recipient is in a final state.
    Done,
    Failed,
    Cancelled,
}

/// One group-send task: one sender, ≤ 10 000 recipients.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chunk {
    pub campaign_id: String,
    /// Its sort key, `CHUNK#<sender>#<n>`.
    pub key: String,
    pub sender: String,
    pub index: u32,
    pub status: ChunkStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgid: Option<String>,
    #[serde(default)]
    pub fail_list: Vec<String>,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt_started_ms: Option<i64>,
    /// The text as sent (links rewritten): how a lost outcome is recognised in WeCom's list.
    #[serde(default)]
    pub sent_text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at_ms: Option<i64>,
    /// When reminders were sent (WeCom allows 3 per 24 h).
    #[serde(default)]
    pub reminders: Vec<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub recipients: u32,
    pub updated_at_ms: i64,
}

/// One entry of the per-customer ledger: a group-send this product asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    pub external_userid: String,
    pub campaign_id: String,
    pub at_ms: i64,
}

/// A tracked link: `GET /t/<token>` answers 302 to `url` and records the click.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedLink {
    pub token: String,
    pub campaign_id: String,
    pub chunk: String,
    pub url: String,
    /// Set when the task went to one customer only: the click is theirs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_userid: Option<String>,
    pub created_at_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Click {
    pub token: String,
    /// The link's campaign and chunk, copied so that the click's contribution to the
    /// campaign's counters is known from the click alone.
    #[serde(default)]
    pub campaign_id: String,
    pub at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_userid: Option<String>,
}
