//! Control requests that emit a callback event (scan, edit, delete, transfer-fail, tag-event,
//! app-message, raw-callback, verify-url) and their answers.

use serde::{Deserialize, Serialize};

use super::DeliveryReport;
use super::defaults::{one, yes};

/// `POST /sim/control/scan`: a customer scans a member's 「联系我」 QR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanRequest {
    /// The member whose QR code is scanned. With `config_id` the contact way decides the member
    /// and this may be empty (if given, it must be the member the way routes to).
    #[serde(default)]
    pub userid: String,
    /// Scan this 「联系我」 contact way (`add_contact_way`): it decides the member (type 1: its
    /// user; type 2: round-robin over its users), the `state` and, with `skip_verify: false`, a
    /// half add. A temporary way dies after its first add (a second scan → 409 "qr expired").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_id: Option<String>,
    /// The contact way's `state` (channel), echoed in the event and in `follow_user.state`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Customer nickname (default: a random Chinese name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 0/1/2 (default: random 1 or 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<u8>,
    /// Default: a generated unionid; `""` = no unionid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unionid: Option<String>,
    /// Reuse (or create with) this id; default: a new `wm…` id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_userid: Option<String>,
    /// `add_half_external_contact` instead of `add_external_contact`.
    #[serde(default)]
    pub half: bool,
    /// Hand out a welcome code with the event (default true).
    #[serde(default = "yes")]
    pub welcome_code: bool,
    /// How many times WeCom delivers the same event, concurrently (default 1).
    #[serde(default = "one")]
    pub deliveries: u32,
    /// `follow_user.add_way` (default 1, QR scan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub add_way: Option<u32>,
}

impl ScanRequest {
    /// A scan of `userid`'s QR code with every option at its default.
    pub fn new(userid: &str) -> Self {
        ScanRequest {
            userid: userid.to_owned(),
            config_id: None,
            state: None,
            name: None,
            gender: None,
            unionid: None,
            external_userid: None,
            half: false,
            welcome_code: true,
            deliveries: 1,
            add_way: None,
        }
    }

    /// A scan of contact way `config_id`: the way decides the member and the state.
    pub fn contact_way(config_id: &str) -> Self {
        ScanRequest {
            config_id: Some(config_id.to_owned()),
            ..ScanRequest::new("")
        }
    }

    pub fn state(mut self, state: &str) -> Self {
        self.state = Some(state.to_owned());
        self
    }

    pub fn name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    pub fn external_userid(mut self, external_userid: &str) -> Self {
        self.external_userid = Some(external_userid.to_owned());
        self
    }

    pub fn half(mut self) -> Self {
        self.half = true;
        self
    }

    pub fn without_welcome_code(mut self) -> Self {
        self.welcome_code = false;
        self
    }

    pub fn deliveries(mut self, deliveries: u32) -> Self {
        self.deliveries = deliveries;
        self
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanOutcome {
    pub external_userid: String,
    pub userid: String,
    pub welcome_code: Option<String>,
    /// `add_external_contact` or `add_half_external_contact`.
    pub change_type: String,
    /// The event's `CreateTime`.
    pub create_time: i64,
    /// The `state` recorded on the relationship (the contact way's when scanned through one).
    #[serde(default)]
    pub state: String,
    /// The contact way scanned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_id: Option<String>,
    /// One report per delivery, after its first attempt. Empty when no callback URL is set.
    pub deliveries: Vec<DeliveryReport>,
}

/// `POST /sim/control/edit`: the member edits the customer in the WeCom client.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditRequest {
    pub userid: String,
    pub external_userid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Overwrites the remark mobiles. A mobiles-only edit fires no event (as in WeCom).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remark_mobiles: Option<Vec<String>>,
    /// Corp tag ids to add.
    #[serde(default)]
    pub add_tags: Vec<String>,
    /// Corp tag ids to remove.
    #[serde(default)]
    pub remove_tags: Vec<String>,
    #[serde(default = "one")]
    pub deliveries: u32,
}

/// Who deleted whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeletedBy {
    /// The member deleted the customer → `del_external_contact`.
    Staff,
    /// The customer deleted or blocked the member → `del_follow_user`.
    Customer,
}

/// `POST /sim/control/delete`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRequest {
    pub userid: String,
    pub external_userid: String,
    pub by: DeletedBy,
    /// `<Source>` of `del_external_contact`, e.g. `DELETE_BY_TRANSFER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default = "one")]
    pub deliveries: u32,
}

/// `POST /sim/control/transfer-fail`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferFailRequest {
    /// The takeover member.
    pub userid: String,
    pub external_userid: String,
    /// `customer_refused` (default) or `customer_limit_exceed`.
    #[serde(default = "default_fail_reason")]
    pub fail_reason: String,
    #[serde(default = "one")]
    pub deliveries: u32,
}

fn default_fail_reason() -> String {
    "customer_refused".to_owned()
}

/// `POST /sim/control/tag-event`: a console change to the tag catalogue, with its
/// `change_external_tag` event.
///
/// * `create` + `tag_type: "tag_group"`: `name` (group name), `tags` (tag names, ≥1), `order`.
/// * `create` + `tag_type: "tag"`: `group_id`, `name`, `order`.
/// * `update`: `id`, `name` and/or `order`.
/// * `delete`: `id`.
/// * `shuffle`: `id` (group, optional), `strategy_id` (optional); no catalogue change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagEventRequest {
    pub change_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `tag` or `tag_group`; inferred from `id` when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<u32>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub strategy_id: Option<String>,
    #[serde(default = "one")]
    pub deliveries: u32,
}

/// The answer of every control call that emits one event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventOutcome {
    /// Whether an event was sent (an edit of remark mobiles only fires none).
    pub fired: bool,
    /// The id the event carries (tag events: the created/changed tag or group id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub deliveries: Vec<DeliveryReport>,
}

/// `POST /sim/control/app-message`: a member sends a text to the app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppMessageRequest {
    pub from_userid: String,
    pub content: String,
    #[serde(default = "one")]
    pub deliveries: u32,
}

/// `POST /sim/control/raw-callback`: deliver any inner XML, encrypted and signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawCallbackRequest {
    pub xml: String,
    #[serde(default = "one")]
    pub deliveries: u32,
}

/// The answer of `POST /sim/control/verify-url`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyUrlReport {
    pub url: String,
    /// HTTP 200, a body byte-for-byte equal to `expected`, within one second.
    pub ok: bool,
    pub status: Option<u16>,
    /// The echostr plaintext the callback must answer.
    pub expected: String,
    /// The answer body (lossy UTF-8, first 1024 bytes).
    pub body: Option<String>,
    pub elapsed_ms: u64,
    /// WeCom wants the answer within one second.
    pub within_1s: bool,
    pub error: Option<String>,
}
