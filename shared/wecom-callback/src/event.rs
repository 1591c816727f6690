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
    /// `CreateTime` in Unix seconds (0 when absent).
    pub create_time: i64,
    /// `MsgType`: `event`, `text`, `image`, … ("" when absent).
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
#[derive(Default)]
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
}

/// An owned copy of a value (the map keeps the other one).
fn owned(value: Option<Cow<'_, str>>) -> Option<String> {
    value.map(Cow::into_owned)
}

/// Parses the decrypted inner XML of a callback.
///
/// The XML rules are the envelope's (no DOCTYPE or entities, root `<xml>`, bounded depth).
/// Unknown events and message types parse as [`MessageKind::Other`]. A known event that lacks
/// the identifiers it cannot be processed without (`ChangeType`; `UserID` and `ExternalUserID`
/// for `change_external_contact`; `FromUserName` for app messages) gives
/// [`CallbackError::MissingField`]; a `CreateTime` that is present but not an integer gives
/// [`CallbackError::MalformedMessage`].
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

    let create_time = match known.create_time.as_deref() {
        Some(v) => v.trim().parse::<i64>().map_err(|_| {
            CallbackError::MalformedMessage("CreateTime is not an integer".to_owned())
        })?,
        None => 0,
    };
    let msg_type = owned(known.msg_type).unwrap_or_default();
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
