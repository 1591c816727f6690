//! Builders for the inner XML of callbacks, formatted exactly like WeCom's: string values in
//! CDATA (with `]]>` split correctly), numbers plain. Used by the WeCom simulator and by tests.

use std::fmt::Display;

use crate::xml::{push_cdata_element, push_plain_element};

fn is_plain_number(s: &str) -> bool {
    let digits = s.strip_prefix('-').unwrap_or(s);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// A general `<xml>…</xml>` document from `(element, value)` pairs, in order.
///
/// Values that are decimal integers (e.g. `CreateTime`) are written plain, every other value
/// in CDATA. Element names are written as given and must be valid XML names.
pub fn event_xml(fields: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(fields.iter().fold(16usize, |n, (k, v)| {
        n.saturating_add(2 * k.len() + v.len() + 17)
    }));
    out.push_str("<xml>");
    for (name, value) in fields {
        if is_plain_number(value) {
            push_plain_element(&mut out, name, value);
        } else {
            push_cdata_element(&mut out, name, value);
        }
    }
    out.push_str("</xml>");
    out
}

/// The common head of an event: ToUserName, FromUserName=sys, CreateTime, MsgType=event, Event.
fn event_head(out: &mut String, corp_id: &str, create_time: i64, event: &str) {
    out.push_str("<xml>");
    push_cdata_element(out, "ToUserName", corp_id);
    push_cdata_element(out, "FromUserName", "sys");
    push_plain_element(out, "CreateTime", &create_time.to_string());
    push_cdata_element(out, "MsgType", "event");
    push_cdata_element(out, "Event", event);
}

/// A `change_external_contact` event (`add_external_contact`, `edit_external_contact`,
/// `add_half_external_contact`, `del_follow_user`, …). `State` / `WelcomeCode` are written only
/// when given.
pub fn external_contact_xml(
    corp_id: &str,
    change_type: &str,
    user_id: &str,
    external_user_id: &str,
    state: Option<&str>,
    welcome_code: Option<&str>,
    create_time: i64,
) -> String {
    external_contact_xml_full(
        corp_id,
        change_type,
        user_id,
        external_user_id,
        &ExternalContactExtras {
            state,
            welcome_code,
            ..ExternalContactExtras::default()
        },
        create_time,
    )
}

/// Optional elements of a `change_external_contact` event.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExternalContactExtras<'a> {
    /// `State`
    pub state: Option<&'a str>,
    /// `WelcomeCode`
    pub welcome_code: Option<&'a str>,
    /// `Source` (`del_external_contact`)
    pub source: Option<&'a str>,
    /// `FailReason` (`transfer_fail`)
    pub fail_reason: Option<&'a str>,
}

/// A `change_external_contact` event with every optional element.
pub fn external_contact_xml_full(
    corp_id: &str,
    change_type: &str,
    user_id: &str,
    external_user_id: &str,
    extras: &ExternalContactExtras<'_>,
    create_time: i64,
) -> String {
    let mut out = String::with_capacity(512);
    event_head(&mut out, corp_id, create_time, "change_external_contact");
    push_cdata_element(&mut out, "ChangeType", change_type);
    push_cdata_element(&mut out, "UserID", user_id);
    push_cdata_element(&mut out, "ExternalUserID", external_user_id);
    if let Some(v) = extras.state {
        push_cdata_element(&mut out, "State", v);
    }
    if let Some(v) = extras.welcome_code {
        push_cdata_element(&mut out, "WelcomeCode", v);
    }
    if let Some(v) = extras.source {
        push_cdata_element(&mut out, "Source", v);
    }
    if let Some(v) = extras.fail_reason {
        push_cdata_element(&mut out, "FailReason", v);
    }
    out.push_str("</xml>");
    out
}

/// A `change_external_tag` event. `tag_type` is written only when non-empty (it is absent on
/// `shuffle`; use [`event_xml`] to add a `StrategyId`).
pub fn external_tag_xml(
    corp_id: &str,
    change_type: &str,
    id: &str,
    tag_type: &str,
    create_time: i64,
) -> String {
    let mut out = String::with_capacity(384);
    event_head(&mut out, corp_id, create_time, "change_external_tag");
    push_cdata_element(&mut out, "Id", id);
    if !tag_type.is_empty() {
        push_cdata_element(&mut out, "TagType", tag_type);
    }
    push_cdata_element(&mut out, "ChangeType", change_type);
    out.push_str("</xml>");
    out
}

/// A `change_external_chat` event; `UpdateDetail` is written only when given.
pub fn external_chat_xml(
    corp_id: &str,
    change_type: &str,
    chat_id: &str,
    update_detail: Option<&str>,
    create_time: i64,
) -> String {
    let mut out = String::with_capacity(384);
    event_head(&mut out, corp_id, create_time, "change_external_chat");
    push_cdata_element(&mut out, "ChatId", chat_id);
    push_cdata_element(&mut out, "ChangeType", change_type);
    if let Some(v) = update_detail {
        push_cdata_element(&mut out, "UpdateDetail", v);
    }
    out.push_str("</xml>");
    out
}

/// A text message a member sends to the app. `msg_id` and `agent_id` are written plain
/// (they are numbers in WeCom's payloads; any `Display` value is accepted and escaped).
pub fn app_text_xml(
    corp_id: &str,
    from_user: &str,
    content: &str,
    msg_id: impl Display,
    agent_id: impl Display,
    create_time: i64,
) -> String {
    let mut out = String::with_capacity(384usize.saturating_add(content.len()));
    out.push_str("<xml>");
    push_cdata_element(&mut out, "ToUserName", corp_id);
    push_cdata_element(&mut out, "FromUserName", from_user);
    push_plain_element(&mut out, "CreateTime", &create_time.to_string());
    push_cdata_element(&mut out, "MsgType", "text");
    push_cdata_element(&mut out, "Content", content);
    push_plain_element(&mut out, "MsgId", &msg_id.to_string());
    push_plain_element(&mut out, "AgentID", &agent_id.to_string());
    out.push_str("</xml>");
    out
}
