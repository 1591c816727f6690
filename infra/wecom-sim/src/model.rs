//! Public data types: what the simulator stores, what the control API accepts and what it answers.
//!
//! Every type is `Serialize + Deserialize`, so a test in another crate can drive the control API
//! over HTTP and decode the answers into the same types the Rust helpers return.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

fn yes() -> bool {
    true
}

fn one() -> u32 {
    1
}

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

/// Who created a tag or tag group. Only `api` items may be edited or deleted through the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TagOrigin {
    /// Created in the admin console (or seeded): the app cannot edit or delete it.
    Console,
    /// Created through `add_corp_tag` by this app.
    Api,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpTag {
    pub id: String,
    pub name: String,
    pub create_time: i64,
    pub order: u32,
    pub deleted: bool,
    pub origin: TagOrigin,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorpTagGroup {
    pub group_id: String,
    pub group_name: String,
    pub create_time: i64,
    pub order: u32,
    pub deleted: bool,
    pub origin: TagOrigin,
    pub tags: Vec<CorpTag>,
}

/// A welcome code handed out with an add event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WelcomeCodeInfo {
    pub welcome_code: String,
    pub userid: String,
    pub external_userid: String,
    /// Unix milliseconds (simulated clock).
    pub issued_at_ms: i64,
    /// Unix milliseconds after which `send_welcome_msg` answers 41050.
    pub expires_at_ms: i64,
    pub used: bool,
}

/// A welcome message delivered through `send_welcome_msg`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WelcomeMessage {
    pub welcome_code: String,
    pub userid: String,
    pub external_userid: String,
    pub text: Option<String>,
    pub attachments: Vec<Value>,
    /// Unix seconds.
    pub at: i64,
}

/// An application message sent to members through `message/send`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppMessage {
    pub msgid: String,
    pub agentid: String,
    /// Valid recipients.
    pub touser: Vec<String>,
    pub invaliduser: Vec<String>,
    pub msgtype: String,
    /// `text.content` / `markdown.content` when present.
    pub content: Option<String>,
    /// The request body as received.
    pub body: Value,
    /// Unix seconds.
    pub at: i64,
}

/// A text a member sent to the app (simulated through `/sim/control/app-message`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundAppMessage {
    pub msg_id: String,
    pub from_userid: String,
    pub content: String,
    /// Unix seconds.
    pub at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Attempts are still running (or waiting for the retry delay).
    Pending,
    /// An attempt got HTTP 200.
    Delivered,
    /// Four attempts (one plus three retries) failed.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub attempt: u32,
    /// Unix milliseconds (simulated clock) when the attempt started.
    pub at_ms: i64,
    /// HTTP status of the answer; `None` when there was no answer (timeout, connection error).
    pub status: Option<u16>,
    pub error: Option<String>,
    pub elapsed_ms: u64,
    /// The first 1024 bytes of the answer body.
    pub response_body: Option<String>,
}

/// One callback delivery (one POST, retried WeCom-style) and its attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub id: u64,
    /// `change_external_contact/add_external_contact`, `text`, `raw`, …
    pub kind: String,
    pub url: String,
    /// The decrypted inner XML.
    pub inner_xml: String,
    pub timestamp: String,
    pub nonce: String,
    pub msg_signature: String,
    pub status: DeliveryStatus,
    pub attempts: Vec<DeliveryAttempt>,
}

/// The outcome of a delivery's first attempt (what control calls answer with).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// Delivery id; look it up in `GET /sim/control/deliveries` for the later retries.
    pub id: u64,
    /// HTTP status of the first attempt; `None` = no answer within `callback_timeout`.
    pub status: Option<u16>,
    /// Attempts completed when the report was made (1 in control answers).
    pub attempts: u32,
    pub ok: bool,
    pub error: Option<String>,
}

/// A fault-injection rule. The next `times` calls whose path matches get the fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// API path below `/cgi-bin/` (`externalcontact/get`, `gettoken`, …) or `*` for every API.
    pub path: String,
    /// Answer `{"errcode": errcode, …}` instead of the real answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<i64>,
    /// Override the errmsg (otherwise WeCom's text for the errcode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errmsg: Option<String>,
    /// Answer with this HTTP status (body: the errcode JSON if `errcode` is set, else a short
    /// text page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Sleep this long before answering (the fault, or the real answer if the rule has neither
    /// `errcode` nor `http_status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default = "one")]
    pub times: u32,
}

impl FaultRule {
    /// A rule answering `errcode` once on `path`.
    pub fn errcode(path: &str, errcode: i64) -> Self {
        FaultRule {
            path: path.to_owned(),
            errcode: Some(errcode),
            errmsg: None,
            http_status: None,
            delay_ms: None,
            times: 1,
        }
    }

    /// A rule answering HTTP `status` once on `path`.
    pub fn http_status(path: &str, status: u16) -> Self {
        FaultRule {
            path: path.to_owned(),
            errcode: None,
            errmsg: None,
            http_status: Some(status),
            delay_ms: None,
            times: 1,
        }
    }

    /// A rule delaying the real answer once on `path`.
    pub fn delay(path: &str, delay_ms: u64) -> Self {
        FaultRule {
            path: path.to_owned(),
            errcode: None,
            errmsg: None,
            http_status: None,
            delay_ms: Some(delay_ms),
            times: 1,
        }
    }

    /// The same rule for the next `times` matching calls.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

/// Calls received under `/cgi-bin/`, per API path and in total.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCounts {
    pub total: u64,
    pub by_path: BTreeMap<String, u64>,
}

impl CallCounts {
    /// Calls to `path` (for example `externalcontact/get`).
    pub fn get(&self, path: &str) -> u64 {
        self.by_path.get(path).copied().unwrap_or(0)
    }
}

/// Everything the simulator holds (`GET /sim/control/state`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StateSnapshot {
    pub corp_id: String,
    pub agent_id: String,
    pub callback_url: Option<String>,
    /// Simulated unix milliseconds.
    pub now_ms: i64,
    pub staff: Vec<Staff>,
    pub contacts: Vec<ExternalContact>,
    pub relationships: Vec<Relationship>,
    pub tag_groups: Vec<CorpTagGroup>,
    pub welcome_codes: Vec<WelcomeCodeInfo>,
    pub welcome_messages: Vec<WelcomeMessage>,
    pub app_messages: Vec<AppMessage>,
    pub inbound_app_messages: Vec<InboundAppMessage>,
    pub deliveries: Vec<DeliveryRecord>,
    pub faults: Vec<FaultRule>,
    pub calls: CallCounts,
    /// 群发 tasks created through `add_msg_template`, oldest first.
    #[serde(default)]
    pub group_msgs: Vec<GroupMsgRecord>,
    /// The per-customer 群发 quota rule in force.
    #[serde(default)]
    pub groupmsg_quota: QuotaRule,
    /// Temporary media (`media/upload`), by media_id.
    #[serde(default)]
    pub media: Vec<MediaRecord>,
    /// Permanent images (`media/uploadimg`).
    #[serde(default)]
    pub uploaded_images: Vec<UploadedImage>,
}

impl StateSnapshot {
    /// The relationship of `userid` with `external_userid`, if any.
    pub fn relationship(&self, userid: &str, external_userid: &str) -> Option<&Relationship> {
        self.relationships
            .iter()
            .find(|r| r.userid == userid && r.external_userid == external_userid)
    }

    /// The 群发 task `msgid`, if any.
    pub fn group_msg(&self, msgid: &str) -> Option<&GroupMsgRecord> {
        self.group_msgs.iter().find(|m| m.msgid == msgid)
    }

    /// The contact `external_userid`, if any.
    pub fn contact(&self, external_userid: &str) -> Option<&ExternalContact> {
        self.contacts
            .iter()
            .find(|c| c.external_userid == external_userid)
    }
}

// ---------------------------------------------------------------------------------------------
// Control requests and answers
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Bulk seeding and silent changes
// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// Group sends (企业群发) and media
// ---------------------------------------------------------------------------------------------

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

/// A temporary media file uploaded through `media/upload` (its bytes are not kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaRecord {
    pub media_id: String,
    /// `image`, `voice`, `video` or `file`.
    pub media_type: String,
    pub filename: String,
    pub size: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix milliseconds (simulated clock) after which the id is invalid (3 days).
    pub expires_at_ms: i64,
    /// Expired early through `POST /sim/control/media/expire`.
    pub expired: bool,
}

/// An image uploaded through `media/uploadimg` (permanent URL; the bytes are not kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedImage {
    pub url: String,
    pub filename: String,
    pub size: u64,
    /// Unix seconds.
    pub created_at: i64,
}

/// `GET /sim/control/media`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MediaSnapshot {
    pub media: Vec<MediaRecord>,
    pub images: Vec<UploadedImage>,
}
