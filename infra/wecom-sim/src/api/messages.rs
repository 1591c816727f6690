//! Sending: `send_welcome_msg` (to a customer, with the welcome code of an add event) and
//! `message/send` (an application message to members).

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{check_attachments, parse_body};
use crate::config::SimConfig;
use crate::model::{AppMessage, WelcomeMessage};
use crate::state::State as SimState;
use crate::wx::{WxError, WxResult};

#[derive(Deserialize)]
struct TextPart {
    content: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct WelcomeReq {
    welcome_code: Option<String>,
    text: Option<TextPart>,
    #[serde(default)]
    attachments: Vec<Value>,
}

pub(crate) fn send_welcome_msg(st: &mut SimState, req: WelcomeReq, now_ms: i64) -> WxResult {
    let text = req.text.and_then(|t| t.content).filter(|c| !c.is_empty());
    if text.as_ref().is_some_and(|t| t.len() > 4000) {
        // UNCONFIRMED: the exact errcode for text.content over 4000 bytes.
        return Err(WxError::detail(
            40058,
            "text.content longer than 4000 bytes",
        ));
    }
    check_attachments(&req.attachments)?;
    if text.is_none() && req.attachments.is_empty() {
        // UNCONFIRMED: the errcode for a welcome message without text and attachments.
        return Err(WxError::detail(
            40058,
            "text and attachments are both empty",
        ));
    }
    let code = req
        .welcome_code
        .filter(|c| !c.is_empty())
        .ok_or_else(|| WxError::new(41050))?;
    let Some(info) = st.welcome_codes.get_mut(&code) else {
        return Err(WxError::new(41050));
    };
    if info.used {
        return Err(WxError::new(41051));
    }
    if now_ms > info.expires_at_ms {
        return Err(WxError::new(41050));
    }
    info.used = true;
    let msg = WelcomeMessage {
        welcome_code: code,
        userid: info.userid.clone(),
        external_userid: info.external_userid.clone(),
        text,
        attachments: req.attachments,
        at: now_ms.div_euclid(1000),
    };
    st.welcome_messages.push(msg);
    Ok(json!({}))
}

const APP_MSG_TYPES: [&str; 11] = [
    "text",
    "image",
    "voice",
    "video",
    "file",
    "textcard",
    "news",
    "mpnews",
    "markdown",
    "miniprogram_notice",
    "template_card",
];

fn split_ids(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_str)
        .unwrap_or("")
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn value_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(crate) fn message_send(
    st: &mut SimState,
    config: &SimConfig,
    body: &[u8],
    now: i64,
) -> WxResult {
    let req: Value = parse_body(body)?;
    if !req.is_object() {
        return Err(WxError::detail(40058, "body must be a JSON object"));
    }
    let agentid = req
        .get("agentid")
        .and_then(value_to_string)
        .ok_or_else(|| WxError::new(41011))?;
    if agentid != config.agent_id {
        return Err(WxError::new(40056));
    }
    let msgtype = req
        .get("msgtype")
        .and_then(Value::as_str)
        .filter(|t| APP_MSG_TYPES.contains(t))
        .ok_or_else(|| WxError::new(40008))?
        .to_owned();
    let content = req
        .get(msgtype.as_str())
        .and_then(|m| m.get("content"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if msgtype == "text" || msgtype == "markdown" {
        match &content {
            None => return Err(WxError::new(44004)),
            Some(c) if c.is_empty() => return Err(WxError::new(44004)),
            Some(c) if c.len() > 2048 => return Err(WxError::new(45002)),
            Some(_) => {}
        }
    }
    let users = split_ids(req.get("touser"));
    if users.len() > 1000 {
        return Err(WxError::new(40032));
    }
    // The simulator has no departments or member tags: every toparty / totag is invalid.
    let parties = split_ids(req.get("toparty"));
    let tags = split_ids(req.get("totag"));
    let mut valid = Vec::new();
    let mut invalid = Vec::new();
    for u in users {
        if u == "@all" {
            valid.extend(st.staff.keys().cloned());
        } else if st.staff.contains_key(&u) {
            valid.push(u);
        } else {
            invalid.push(u);
        }
    }
    let mut seen = BTreeSet::new();
    valid.retain(|u| seen.insert(u.clone()));
    let mut fields = json!({ "invaliduser": invalid.join("|") });
    if let Some(obj) = fields.as_object_mut() {
        if !parties.is_empty() {
            obj.insert("invalidparty".to_owned(), Value::from(parties.join("|")));
        }
        if !tags.is_empty() {
            obj.insert("invalidtag".to_owned(), Value::from(tags.join("|")));
        }
    }
    if valid.is_empty() {
        let mut e = WxError::new(81013);
        if let Value::Object(m) = fields {
            e.extra = m;
        }
        return Err(e);
    }
    let msgid = crate::ids::app_msgid();
    st.app_messages.push(AppMessage {
        msgid: msgid.clone(),
        agentid,
        touser: valid,
        invaliduser: invalid,
        msgtype,
        content,
        body: req,
        at: now,
    });
    if let Some(obj) = fields.as_object_mut() {
        obj.insert("msgid".to_owned(), Value::from(msgid));
    }
    Ok(fields)
}
