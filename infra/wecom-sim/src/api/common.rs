//! Parsing and checks several API families share: the JSON body, query parameters, the
//! addressed member and relationship, message attachments and media ids.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::state::{Relation, State as SimState};
use crate::wx::WxError;

pub(crate) fn param<'a>(params: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// Checks that `userid` is a member with customer contact.
pub(crate) fn check_member(st: &SimState, userid: Option<&str>) -> Result<(), WxError> {
    let userid = userid
        .filter(|u| !u.is_empty())
        .ok_or_else(|| WxError::new(41009))?;
    match st.staff.get(userid) {
        // UNCONFIRMED: 60111 (UserID不存在) for an unknown member.
        None => Err(WxError::new(60111)),
        // UNCONFIRMED: 84074 (没有外部联系人权限) for a member without customer contact.
        Some(s) if !s.customer_contact => Err(WxError::new(84074)),
        Some(_) => Ok(()),
    }
}

/// The member × customer relationship an API call addresses, with WeCom's checks.
pub(crate) fn addressed_relation<'a>(
    st: &'a mut SimState,
    userid: Option<&str>,
    external_userid: Option<&str>,
) -> Result<&'a mut Relation, WxError> {
    check_member(st, userid)?;
    let userid = userid.unwrap_or_default();
    let ext = external_userid
        .filter(|e| !e.is_empty())
        .ok_or_else(|| WxError::detail(40058, "external_userid is empty"))?;
    if !st.contacts.contains_key(ext) {
        return Err(WxError::new(40096));
    }
    match st.relation_mut(userid, ext) {
        Some(r) if r.status.visible() => Ok(r),
        _ => Err(WxError::new(84061)),
    }
}

const ATTACHMENT_TYPES: [&str; 5] = ["image", "link", "miniprogram", "video", "file"];

/// Checks `attachments[]` (≤ 9, known msgtypes with their object).
pub(crate) fn check_attachments(attachments: &[Value]) -> Result<(), WxError> {
    if attachments.len() > 9 {
        return Err(WxError::new(41064));
    }
    for a in attachments {
        let ok = a.get("msgtype").and_then(Value::as_str).is_some_and(|t| {
            ATTACHMENT_TYPES.contains(&t) && a.get(t).is_some_and(Value::is_object)
        });
        if !ok {
            return Err(WxError::new(41065));
        }
    }
    Ok(())
}

/// A `media_id` used in a message: it must come from `media/upload`, be unexpired and of
/// `expected` type; otherwise 40007.
pub(crate) fn check_media_id(
    st: &SimState,
    media_id: &str,
    expected: &str,
    now_ms: i64,
) -> Result<(), WxError> {
    match st.media.get(media_id) {
        None => Err(WxError::detail(40007, "unknown media_id")),
        Some(m) if m.expired || now_ms >= m.expires_at_ms => {
            Err(WxError::detail(40007, "media_id expired"))
        }
        Some(m) if m.media_type != expected => Err(WxError::detail(
            40007,
            format!("media_id is a {}, not a {expected}", m.media_type),
        )),
        Some(_) => Ok(()),
    }
}

/// A JSON request body; 40058 when empty or not valid JSON.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WxError::detail(40058, "empty request body"));
    }
    serde_json::from_slice(body).map_err(|e| WxError::detail(40058, format!("invalid json: {e}")))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn attachments_are_checked() {
        assert!(check_attachments(&[json!({"msgtype":"image","image":{"media_id":"m"}})]).is_ok());
        assert_eq!(
            check_attachments(&[json!({"msgtype":"gif","gif":{}})]).map_err(|e| e.code),
            Err(41065)
        );
        let ten = vec![json!({"msgtype":"image","image":{"media_id":"m"}}); 10];
        assert_eq!(check_attachments(&ten).map_err(|e| e.code), Err(41064));
    }
}
