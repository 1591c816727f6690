//! Typed callback messages, parsed from the decrypted inner XML.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::error::CallbackError;
use crate::xml::{self, XmlError};

/// One decrypted callback message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackMessage {
    /// `ToUserName`: the corp id ("" when absent).
    pub to_user_name: String,
    /// `FromUserName`: `sys` for events, the member's UserID for app messages ("" when absent).
    pub from_user_name: String,
    /// `CreateTime` in Unix seconds.
    pub create_time: i64,
    /// `MsgType`: `event`, `text`, `image`, … (never empty).
    pub msg_type: String,
    /// `Event`, e.g. `change_external_contact`.
    pub event: Option<String>,
    /// `ChangeType`, e.g. `add_external_contact`.
    pub change_type: Option<String>,
    /// `AgentID`.
    pub agent_id: Option<String>,
    /// `MsgId` (app messages).
    pub msg_id: Option<String>,
    /// The typed view.
    pub kind: MessageKind,
    /// Every top-level element's text (first occurrence of a name wins), for logging and
    /// forward compatibility. An element with child elements maps to its leaf texts joined by `,`.
    pub fields: BTreeMap<String, String>,
    /// The inner XML exactly as decrypted (for the raw callback log and the `raw:` dedupe key).
    pub raw: String,
}

/// What kind of callback a message is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MessageKind {
    /// `Event=change_external_contact`.
    ExternalContact(ExternalContactEvent),
    /// `Event=change_external_tag`.
    ExternalTag(ExternalTagEvent),
    /// `Event=change_external_chat`.
    ExternalChat(ExternalChatEvent),
    /// `MsgType` text/image/voice/video/location/link: what members send to the app.
    AppMessage(AppMessage),
    /// Anything else: kept, never rejected.
    Other,
}

/// A `change_external_contact` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalContactEvent {
    /// The `ChangeType`.
    pub change: ExternalContactChange,
    /// `UserID`: the member (for `transfer_fail`, the takeover member).
    pub user_id: String,
    /// `ExternalUserID`: the customer.
    pub external_user_id: String,
    /// `State`: the 「联系我」 channel parameter.
    pub state: Option<String>,
    /// `WelcomeCode`: valid for 20 s, absent when no welcome message may be sent.
    pub welcome_code: Option<String>,
    /// `Source` on `del_external_contact` (`DELETE_BY_TRANSFER`).
    pub source: Option<String>,
    /// `FailReason` on `transfer_fail` (`customer_refused` | `customer_limit_exceed`).
    pub fail_reason: Option<String>,
}

/// The `ChangeType` of a `change_external_contact` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExternalContactChange {
    /// `add_external_contact`
    Add,
    /// `edit_external_contact`
    Edit,
    /// `add_half_external_contact`: the customer added the member without verification.
    AddHalf,
    /// `del_external_contact`: the member deleted the customer.
    Delete,
    /// `del_follow_user`: the customer deleted or blocked the member.
    DeleteFollowUser,
    /// `transfer_fail`
    TransferFail,
    /// `msg_audit_approved`
    MsgAuditApproved,
    /// Any other value, kept verbatim.
    Other(String),
}

impl ExternalContactChange {
    /// Maps a `ChangeType` value.
    pub fn parse(change_type: &str) -> Self {
        match change_type {
            "add_external_contact" => Self::Add,
            "edit_external_contact" => Self::Edit,
            "add_half_external_contact" => Self::AddHalf,
            "del_external_contact" => Self::Delete,
            "del_follow_user" => Self::DeleteFollowUser,
            "transfer_fail" => Self::TransferFail,
            "msg_audit_approved" => Self::MsgAuditApproved,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The `ChangeType` value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Add => "add_external_contact",
            Self::Edit => "edit_external_contact",
            Self::AddHalf => "add_half_external_contact",
            Self::Delete => "del_external_contact",
            Self::DeleteFollowUser => "del_follow_user",
            Self::TransferFail => "transfer_fail",
            Self::MsgAuditApproved => "msg_audit_approved",
            Self::Other(s) => s,
        }
    }
}

/// A `change_external_tag` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalTagEvent {
    /// `ChangeType`: `create` | `update` | `delete` | `shuffle`.
    pub change: String,
    /// `Id`: the tag or tag-group id.
    pub id: Option<String>,
    /// `TagType`: `tag` | `tag_group` (create/update/delete).
    pub tag_type: Option<String>,
    /// `StrategyId` (shuffle).
    pub strategy_id: Option<String>,
}

/// A `change_external_chat` event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExternalChatEvent {
    /// `ChangeType`: `create` | `update` | `dismiss`.
    pub change: String,
    /// `ChatId`.
    pub chat_id: Option<String>,
    /// `UpdateDetail` on update: `add_member` | `del_member` | `change_owner` | ….
    pub update_detail: Option<String>,
}

/// A message a member sent to the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppMessage {
    /// `FromUserName`: the member's UserID.
    pub from_user: String,
    /// `MsgType`.
    pub msg_type: String,
    /// `Content` (text messages).
    pub content: Option<String>,
    /// `MsgId`.
    pub msg_id: Option<String>,
}

const APP_MSG_TYPES: [&str; 6] = ["text", "image", "voice", "video", "location", "link"];

fn map_xml_error(e: XmlError) -> CallbackError {
    match e {
        XmlError::Forbidden => CallbackError::ForbiddenXml,
        XmlError::Malformed(m) => CallbackError::MalformedMessage(m),
    }
}

/// The values of the elements [`parse_message`] reads, as found (first occurrence of a name).
#[derive(Debug, Clone, Default)]
struct Known<'a> {
    to_user_name: Option<Cow<'a, str>>,
    from_user_name: Option<Cow<'a, str>>,
    create_time: Option<Cow<'a, str>>,
    msg_type: Option<Cow<'a, str>>,
    event: Option<Cow<'a, str>>,
    change_type: Option<Cow<'a, str>>,
    agent_id: Option<Cow<'a, str>>,
    msg_id: Option<Cow<'a, str>>,
    user_id: Option<Cow<'a, str>>,
    external_user_id: Option<Cow<'a, str>>,
    state: Option<Cow<'a, str>>,
    welcome_code: Option<Cow<'a, str>>,
    source: Option<Cow<'a, str>>,
    fail_reason: Option<Cow<'a, str>>,
    id: Option<Cow<'a, str>>,
    tag_type: Option<Cow<'a, str>>,
    strategy_id: Option<Cow<'a, str>>,
    chat_id: Option<Cow<'a, str>>,
    update_detail: Option<Cow<'a, str>>,
    content: Option<Cow<'a, str>>,
}

impl<'a> Known<'a> {
    /// The slot of an element this module reads, if `name` is one.
    fn slot(&mut self, name: &str) -> Option<&mut Option<Cow<'a, str>>> {
        Some(match name {
            "ToUserName" => &mut self.to_user_name,
            "FromUserName" => &mut self.from_user_name,
            "CreateTime" => &mut self.create_time,
            "MsgType" => &mut self.msg_type,
            "Event" => &mut self.event,
            "ChangeType" => &mut self.change_type,
            "AgentID" => &mut self.agent_id,
            "MsgId" => &mut self.msg_id,
            "UserID" => &mut self.user_id,
            "ExternalUserID" => &mut self.external_user_id,
            "State" => &mut self.state,
            "WelcomeCode" => &mut self.welcome_code,
            "Source" => &mut self.source,
            "FailReason" => &mut self.fail_reason,
            "Id" => &mut self.id,
            "TagType" => &mut self.tag_type,
            "StrategyId" => &mut self.strategy_id,
            "ChatId" => &mut self.chat_id,
            "UpdateDetail" => &mut self.update_detail,
            "Content" => &mut self.content,
            _ => return None,
        })
    }

    /// Every slot with its element name (the names of [`Known::slot`]).
    fn entries(&self) -> [(&'static str, &Option<Cow<'a, str>>); 20] {
        [
            ("ToUserName", &self.to_user_name),
            ("FromUserName", &self.from_user_name),
            ("CreateTime", &self.create_time),
            ("MsgType", &self.msg_type),
            ("Event", &self.event),
            ("ChangeType", &self.change_type),
            ("AgentID", &self.agent_id),
            ("MsgId", &self.msg_id),
            ("UserID", &self.user_id),
            ("ExternalUserID", &self.external_user_id),
            ("State", &self.state),
            ("WelcomeCode", &self.welcome_code),
            ("Source", &self.source),
            ("FailReason", &self.fail_reason),
            ("Id", &self.id),
            ("TagType", &self.tag_type),
            ("StrategyId", &self.strategy_id),
            ("ChatId", &self.chat_id),
            ("UpdateDetail", &self.update_detail),
            ("Content", &self.content),
        ]
    }
}

/// `CreateTime`, which every WeCom message carries: the idempotency keys of events are built
/// on it, so a message without it (or with a non-integer one) is not interpreted.
fn create_time(value: Option<&str>) -> Result<i64, CallbackError> {
    match value {
        Some(v) => v.trim().parse::<i64>().map_err(|_| {
            CallbackError::MalformedMessage("CreateTime is not an integer".to_owned())
        }),
        None => Err(CallbackError::MissingField("CreateTime")),
    }
}

/// An owned copy of a value (the map keeps the other one).
fn owned(value: Option<Cow<'_, str>>) -> Option<String> {
    value.map(Cow::into_owned)
}

/// Parses the decrypted inner XML of a callback.
///
/// The XML rules are the envelope's (no DOCTYPE or entities, root `<xml>`, bounded depth).
/// Unknown events and message types parse as [`MessageKind::Other`]. A message without
/// `CreateTime` or `MsgType` (every WeCom message has both), or a known event that lacks the
/// identifiers it cannot be processed without (`ChangeType`; `UserID` and `ExternalUserID` for
/// `change_external_contact`; `FromUserName` for app messages) gives
/// [`CallbackError::MissingField`]; a `CreateTime` that is not an integer gives
/// [`CallbackError::MalformedMessage`]. A caller that got an authentic plaintext keeps it even
/// then (the product stores it as unrecognized).
pub fn parse_message(xml: &str) -> Result<CallbackMessage, CallbackError> {
    // One pass over the document: every element's text goes into `fields` (first occurrence of
    // a name wins), and the ones the typed view needs are kept aside, still borrowed from `xml`
    // where possible, so that they are copied exactly once more.
    let mut fields = BTreeMap::new();
    let mut known = Known::default();
    xml::parse(xml, |name, value| match known.slot(name) {
        Some(slot) => {
            if slot.is_none() {
                *slot = Some(value.clone());
                fields.insert(name.to_owned(), value.into_owned());
            }
        }
        None => {
            if !fields.contains_key(name) {
                fields.insert(name.to_owned(), value.into_owned());
            }
        }
    })
    .map_err(map_xml_error)?;

    let create_time = create_time(known.create_time.as_deref())?;
    let msg_type = owned(known.msg_type).unwrap_or_default();
    if msg_type.is_empty() {
        return Err(CallbackError::MissingField("MsgType"));
    }
    let event = owned(known.event);
    let change_type = owned(known.change_type);
    let from_user_name = owned(known.from_user_name).unwrap_or_default();
    let msg_id = owned(known.msg_id);

    let kind = match (msg_type.as_str(), event.as_deref()) {
        ("event", Some("change_external_contact")) => {
            let change = change_type
                .as_deref()
                .ok_or(CallbackError::MissingField("ChangeType"))?;
            MessageKind::ExternalContact(ExternalContactEvent {
                change: ExternalContactChange::parse(change),
                user_id: owned(known.user_id).ok_or(CallbackError::MissingField("UserID"))?,
                external_user_id: owned(known.external_user_id)
                    .ok_or(CallbackError::MissingField("ExternalUserID"))?,
                state: owned(known.state),
                welcome_code: owned(known.welcome_code),
                source: owned(known.source),
                fail_reason: owned(known.fail_reason),
            })
        }
        ("event", Some("change_external_tag")) => MessageKind::ExternalTag(ExternalTagEvent {
            change: change_type
                .clone()
                .ok_or(CallbackError::MissingField("ChangeType"))?,
            id: owned(known.id),
            tag_type: owned(known.tag_type),
            strategy_id: owned(known.strategy_id),
        }),
        ("event", Some("change_external_chat")) => MessageKind::ExternalChat(ExternalChatEvent {
            change: change_type
                .clone()
                .ok_or(CallbackError::MissingField("ChangeType"))?,
            chat_id: owned(known.chat_id),
            update_detail: owned(known.update_detail),
        }),
        (t, _) if APP_MSG_TYPES.contains(&t) => {
            if from_user_name.is_empty() {
                return Err(CallbackError::MissingField("FromUserName"));
            }
            MessageKind::AppMessage(AppMessage {
                from_user: from_user_name.clone(),
                msg_type: msg_type.clone(),
                content: owned(known.content),
                msg_id: msg_id.clone(),
            })
        }
        _ => MessageKind::Other,
    };

    Ok(CallbackMessage {
        to_user_name: owned(known.to_user_name).unwrap_or_default(),
        from_user_name,
        create_time,
        msg_type,
        event,
        change_type,
        agent_id: owned(known.agent_id),
        msg_id,
        kind,
        fields,
        raw: xml.to_owned(),
    })
}

/// Escapes `%` and `:` so that key components can never run into each other.
fn key_part(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            ':' => out.push_str("%3A"),
            _ => out.push(c),
        }
    }
}

fn join_key(prefix: &str, parts: &[&str]) -> String {
    let mut out = String::with_capacity(64);
    out.push_str(prefix);
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        key_part(&mut out, p);
    }
    out
}

impl CallbackMessage {
    /// Idempotency key for WeCom's retries (and SQS redeliveries):
    /// - `msg:{MsgId}` when there is a MsgId;
    /// - `ec:{ChangeType}:{UserID}:{ExternalUserID}:{CreateTime}` for `change_external_contact`
    ///   (two customers added in the same second get different keys);
    /// - `tag:{ChangeType}:{TagType}:{Id}:{CreateTime}` for `change_external_tag`;
    /// - otherwise `raw:` + hex sha1 of the inner XML.
    ///
    /// Components are used verbatim except that `%` and `:` are percent-escaped, so that no two
    /// different events can share a key.
    pub fn dedupe_key(&self) -> String {
        if let Some(id) = self.msg_id.as_deref().filter(|s| !s.is_empty()) {
            return join_key("msg:", &[id]);
        }
        let created = self.create_time.to_string();
        match &self.kind {
            MessageKind::ExternalContact(ev) => join_key(
                "ec:",
                &[
                    self.change_type.as_deref().unwrap_or(ev.change.as_str()),
                    &ev.user_id,
                    &ev.external_user_id,
                    &created,
                ],
            ),
            MessageKind::ExternalTag(ev) => join_key(
                "tag:",
                &[
                    &ev.change,
                    ev.tag_type.as_deref().unwrap_or_default(),
                    ev.id.as_deref().unwrap_or_default(),
                    &created,
                ],
            ),
            _ => {
                let digest = Sha1::digest(self.raw.as_bytes());
                format!("raw:{}", hex::encode(digest))
            }
        }
    }

    /// The external-contact event, if this is one.
    pub fn external_contact(&self) -> Option<&ExternalContactEvent> {
        match &self.kind {
            MessageKind::ExternalContact(ev) => Some(ev),
            _ => None,
        }
    }
}

/// What kind of callback a message is, without the data: the variant [`MessageKind`] would
/// have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageClass {
    /// [`MessageKind::ExternalContact`]
    ExternalContact,
    /// [`MessageKind::ExternalTag`]
    ExternalTag,
    /// [`MessageKind::ExternalChat`]
    ExternalChat,
    /// [`MessageKind::AppMessage`]
    AppMessage,
    /// [`MessageKind::Other`]
    Other,
}

/// A decrypted callback message parsed without copying: names and texts borrowed from the
/// decrypted XML (owned only where an entity, a character reference, a split CDATA section or
/// child elements made the text differ from the bytes), no map.
///
/// [`parse_message_ref`] applies exactly the rules of [`parse_message`] (same XML rules, same
/// rejections, first occurrence of a name wins), and [`CallbackMessageRef::to_message`] gives
/// exactly what [`parse_message`] gives. The callback request path uses this view: it needs the
/// idempotency key, the event type, a few identifiers and the raw XML, not the owned message.
#[derive(Debug, Clone)]
pub struct CallbackMessageRef<'a> {
    known: Known<'a>,
    /// Every other child of the root, in document order, duplicates included (usually none).
    others: Vec<(&'a str, Cow<'a, str>)>,
    create_time: i64,
    class: MessageClass,
    raw: &'a str,
}

/// Parses the decrypted inner XML of a callback into a borrowed view: [`parse_message`]
/// without the copies. Same rules, same errors.
pub fn parse_message_ref(xml: &str) -> Result<CallbackMessageRef<'_>, CallbackError> {
    let mut known = Known::default();
    let mut others = Vec::new();
    xml::parse(xml, |name, value| match known.slot(name) {
        Some(slot) => {
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        None => others.push((name, value)),
    })
    .map_err(map_xml_error)?;

    let create_time = create_time(known.create_time.as_deref())?;
    let msg_type = known.msg_type.as_deref().unwrap_or_default();
    if msg_type.is_empty() {
        return Err(CallbackError::MissingField("MsgType"));
    }
    let class = match (msg_type, known.event.as_deref()) {
        ("event", Some("change_external_contact")) => {
            if known.change_type.is_none() {
                return Err(CallbackError::MissingField("ChangeType"));
            }
            if known.user_id.is_none() {
                return Err(CallbackError::MissingField("UserID"));
            }
            if known.external_user_id.is_none() {
                return Err(CallbackError::MissingField("ExternalUserID"));
            }
            MessageClass::ExternalContact
        }
        ("event", Some(event @ ("change_external_tag" | "change_external_chat"))) => {
            if known.change_type.is_none() {
                return Err(CallbackError::MissingField("ChangeType"));
            }
            if event == "change_external_tag" {
                MessageClass::ExternalTag
            } else {
                MessageClass::ExternalChat
            }
        }
        (t, _) if APP_MSG_TYPES.contains(&t) => {
            if known
                .from_user_name
                .as_deref()
                .unwrap_or_default()
                .is_empty()
            {
                return Err(CallbackError::MissingField("FromUserName"));
            }
            MessageClass::AppMessage
        }
        _ => MessageClass::Other,
    };
    Ok(CallbackMessageRef {
        known,
        others,
        create_time,
        class,
        raw: xml,
    })
}

impl<'a> CallbackMessageRef<'a> {
    /// The inner XML exactly as decrypted.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// What kind of callback this is.
    pub fn class(&self) -> MessageClass {
        self.class
    }

    /// `CreateTime` in Unix seconds.
    pub fn create_time(&self) -> i64 {
        self.create_time
    }

    /// `ToUserName` ("" when absent).
    pub fn to_user_name(&self) -> &str {
        self.known.to_user_name.as_deref().unwrap_or_default()
    }

    /// `FromUserName` ("" when absent).
    pub fn from_user_name(&self) -> &str {
        self.known.from_user_name.as_deref().unwrap_or_default()
    }

    /// `MsgType` ("" when absent).
    pub fn msg_type(&self) -> &str {
        self.known.msg_type.as_deref().unwrap_or_default()
    }

    /// `Event`.
    pub fn event(&self) -> Option<&str> {
        self.known.event.as_deref()
    }

    /// `ChangeType` (always present for the external contact, tag and chat events).
    pub fn change_type(&self) -> Option<&str> {
        self.known.change_type.as_deref()
    }

    /// `AgentID`.
    pub fn agent_id(&self) -> Option<&str> {
        self.known.agent_id.as_deref()
    }

    /// `MsgId`.
    pub fn msg_id(&self) -> Option<&str> {
        self.known.msg_id.as_deref()
    }

    /// `UserID` (always present for [`MessageClass::ExternalContact`]).
    pub fn user_id(&self) -> Option<&str> {
        self.known.user_id.as_deref()
    }

    /// `ExternalUserID` (always present for [`MessageClass::ExternalContact`]).
    pub fn external_user_id(&self) -> Option<&str> {
        self.known.external_user_id.as_deref()
    }

    /// `State`: the 「联系我」 channel parameter.
    pub fn state(&self) -> Option<&str> {
        self.known.state.as_deref()
    }

    /// `WelcomeCode`.
    pub fn welcome_code(&self) -> Option<&str> {
        self.known.welcome_code.as_deref()
    }

    /// The text of the first top-level element called `name`, as [`CallbackMessage::fields`]
    /// would have it.
    pub fn field(&self, name: &str) -> Option<&str> {
        match self.known.entries().into_iter().find(|(n, _)| *n == name) {
            Some((_, value)) => value.as_deref(),
            None => self
                .others
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_ref()),
        }
    }

    /// The idempotency key, exactly [`CallbackMessage::dedupe_key`] of the owned message.
    pub fn dedupe_key(&self) -> String {
        if let Some(id) = self.msg_id().filter(|s| !s.is_empty()) {
            return join_key("msg:", &[id]);
        }
        let created = self.create_time.to_string();
        match self.class {
            MessageClass::ExternalContact => join_key(
                "ec:",
                &[
                    self.change_type().unwrap_or_default(),
                    self.user_id().unwrap_or_default(),
                    self.external_user_id().unwrap_or_default(),
                    &created,
                ],
            ),
            MessageClass::ExternalTag => join_key(
                "tag:",
                &[
                    self.change_type().unwrap_or_default(),
                    self.known.tag_type.as_deref().unwrap_or_default(),
                    self.known.id.as_deref().unwrap_or_default(),
                    &created,
                ],
            ),
            _ => {
                let digest = Sha1::digest(self.raw.as_bytes());
                format!("raw:{}", hex::encode(digest))
            }
        }
    }

    /// The owned message: exactly what [`parse_message`] gives for [`Self::raw`].
    pub fn to_message(&self) -> CallbackMessage {
        let k = &self.known;
        let text = |v: &Option<Cow<'a, str>>| v.as_deref().map(str::to_owned);
        let msg_type = self.msg_type().to_owned();
        let from_user_name = self.from_user_name().to_owned();
        let msg_id = text(&k.msg_id);
        let change_type = text(&k.change_type);
        let kind = match self.class {
            MessageClass::ExternalContact => MessageKind::ExternalContact(ExternalContactEvent {
                change: ExternalContactChange::parse(self.change_type().unwrap_or_default()),
                user_id: self.user_id().unwrap_or_default().to_owned(),
                external_user_id: self.external_user_id().unwrap_or_default().to_owned(),
                state: text(&k.state),
                welcome_code: text(&k.welcome_code),
                source: text(&k.source),
                fail_reason: text(&k.fail_reason),
            }),
            MessageClass::ExternalTag => MessageKind::ExternalTag(ExternalTagEvent {
                change: change_type.clone().unwrap_or_default(),
                id: text(&k.id),
                tag_type: text(&k.tag_type),
                strategy_id: text(&k.strategy_id),
            }),
            MessageClass::ExternalChat => MessageKind::ExternalChat(ExternalChatEvent {
                change: change_type.clone().unwrap_or_default(),
                chat_id: text(&k.chat_id),
                update_detail: text(&k.update_detail),
            }),
            MessageClass::AppMessage => MessageKind::AppMessage(AppMessage {
                from_user: from_user_name.clone(),
                msg_type: msg_type.clone(),
                content: text(&k.content),
                msg_id: msg_id.clone(),
            }),
            MessageClass::Other => MessageKind::Other,
        };
        let mut fields = BTreeMap::new();
        for (name, value) in k.entries() {
            if let Some(value) = value {
                fields.insert(name.to_owned(), value.as_ref().to_owned());
            }
        }
        for (name, value) in &self.others {
            if !fields.contains_key(*name) {
                fields.insert((*name).to_owned(), value.as_ref().to_owned());
            }
        }
        CallbackMessage {
            to_user_name: self.to_user_name().to_owned(),
            from_user_name,
            create_time: self.create_time,
            msg_type,
            event: text(&k.event),
            change_type,
            agent_id: text(&k.agent_id),
            msg_id,
            kind,
            fields,
            raw: self.raw.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests;
