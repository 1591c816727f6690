//! Customers (客户): `externalcontact/get`, `get_follow_user_list`, `user/get`,
//! `externalcontact/list`, `batch/get_by_user` and `remark`.

use std::collections::{BTreeSet, HashMap};

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{addressed_relation, check_member, param};
use crate::cursor::{decode_cursor, encode_cursor};
use crate::state::{Relation, State as SimState};
use crate::wx::{WxError, WxResult};

/// `externalcontact/get` pages `follow_user` at this size.
pub(crate) const FOLLOW_USER_PAGE: usize = 500;

fn contact_json(st: &SimState, external_userid: &str) -> Option<Value> {
    let c = st.contacts.get(external_userid)?;
    let mut v = json!({
        "external_userid": c.external_userid,
        "name": c.name,
        "avatar": c.avatar,
        "type": c.contact_type,
        "gender": c.gender,
    });
    if let (Some(u), Some(obj)) = (&c.unionid, v.as_object_mut()) {
        obj.insert("unionid".to_owned(), Value::from(u.clone()));
    }
    Some(v)
}

fn follow_user_json(st: &SimState, r: &Relation) -> Value {
    let mut v = json!({
        "userid": r.userid,
        "remark": r.remark,
        "description": r.description,
        "createtime": r.createtime,
        "tags": st.follow_tags(r),
        "remark_mobiles": r.remark_mobiles,
        "add_way": r.add_way,
        "oper_userid": r.oper_userid,
    });
    if let Some(obj) = v.as_object_mut() {
        if !r.remark_corp_name.is_empty() {
            obj.insert(
                "remark_corp_name".to_owned(),
                Value::from(r.remark_corp_name.clone()),
            );
        }
        if !r.state.is_empty() {
            obj.insert("state".to_owned(), Value::from(r.state.clone()));
        }
    }
    v
}

pub(crate) fn contact_get(st: &SimState, params: &HashMap<String, String>) -> WxResult {
    let ext = param(params, "external_userid")
        .ok_or_else(|| WxError::detail(40058, "external_userid is empty"))?;
    let contact = contact_json(st, ext).ok_or_else(|| WxError::new(40096))?;
    let visible: Vec<&Relation> = st
        .relations_of(ext)
        .into_iter()
        .filter(|r| r.status.visible())
        .collect();
    if visible.is_empty() {
        return Err(WxError::new(84061));
    }
    let offset = decode_cursor(param(params, "cursor"))?;
    let page: Vec<Value> = visible
        .iter()
        .skip(offset)
        .take(FOLLOW_USER_PAGE)
        .map(|r| follow_user_json(st, r))
        .collect();
    let mut v = json!({ "external_contact": contact, "follow_user": page });
    let next = offset.saturating_add(FOLLOW_USER_PAGE);
    if next < visible.len()
        && let Some(obj) = v.as_object_mut()
    {
        obj.insert("next_cursor".to_owned(), Value::from(encode_cursor(next)));
    }
    Ok(v)
}

pub(crate) fn follow_user_list(st: &SimState) -> WxResult {
    let users: Vec<&str> = st
        .staff
        .values()
        .filter(|s| s.customer_contact)
        .map(|s| s.userid.as_str())
        .collect();
    Ok(json!({ "follow_user": users }))
}

/// `user/get`: the member's userid and name (all members are in the simulated app's visible
/// range; like an app created since 2022-06-20 it returns no other personal field).
pub(crate) fn user_get(st: &SimState, params: &HashMap<String, String>) -> WxResult {
    let userid = param(params, "userid")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| WxError::new(41009))?;
    let staff = st.staff.get(userid).ok_or_else(|| WxError::new(60111))?;
    Ok(json!({ "userid": staff.userid, "name": staff.name }))
}

pub(crate) fn contact_list(st: &SimState, params: &HashMap<String, String>) -> WxResult {
    let userid = param(params, "userid");
    check_member(st, userid)?;
    let userid = userid.unwrap_or_default();
    let mut rels: Vec<&Relation> = st
        .member_relations_after(userid, None)
        .filter(|r| r.status.visible())
        .collect();
    rels.sort_by_key(|r| (r.createtime, r.seq));
    let ids: Vec<&str> = rels.iter().map(|r| r.external_userid.as_str()).collect();
    Ok(json!({ "external_userid": ids }))
}

/// Most userids in one `batch/get_by_user` call (wecom-api.md §3).
pub(crate) const BATCH_MAX_USERIDS: usize = 100;
/// Largest `batch/get_by_user` page (default 50).
pub(crate) const BATCH_MAX_LIMIT: u32 = 100;
const BATCH_DEFAULT_LIMIT: usize = 50;
const BATCH_CURSOR_PREFIX: &str = "SIMBU";

/// A keyset cursor: the member and the seq of the last relationship returned. Changes made
/// between two pages (relationships removed or added) never shift what is still to come.
fn encode_batch_cursor(userid: &str, seq: u64) -> String {
    format!(
        "{BATCH_CURSOR_PREFIX}{seq:016X}{}",
        hex::encode(userid.as_bytes())
    )
}

fn decode_batch_cursor(cursor: &str) -> Result<(String, u64), WxError> {
    let bad = || WxError::detail(40058, "invalid cursor");
    let rest = cursor.strip_prefix(BATCH_CURSOR_PREFIX).ok_or_else(bad)?;
    let (seq, user) = (
        rest.get(..16).ok_or_else(bad)?,
        rest.get(16..).ok_or_else(bad)?,
    );
    let seq = u64::from_str_radix(seq, 16).map_err(|_| bad())?;
    let user = hex::decode(user)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(bad)?;
    Ok((user, seq))
}

#[derive(Deserialize)]
pub(crate) struct BatchGetByUserReq {
    #[serde(default)]
    userid_list: Vec<String>,
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    limit: Option<u32>,
}

fn follow_info_json(st: &SimState, r: &Relation) -> Value {
    json!({
        "userid": r.userid,
        "remark": r.remark,
        "description": r.description,
        "createtime": r.createtime,
        "tag_id": st.follow_tags(r).into_iter().map(|t| t.tag_id).collect::<Vec<_>>(),
        "remark_corp_name": r.remark_corp_name,
        "remark_mobiles": r.remark_mobiles,
        "oper_userid": r.oper_userid,
        "add_way": r.add_way,
        "state": r.state,
    })
}

/// `batch/get_by_user`: the relationships of the listed members (duplicates ignored; unknown
/// userids contribute nothing — UNCONFIRMED), member by member in list order, each member's in
/// the order they were made. 40058 for an empty list, more than 100 userids or `limit` > 100
/// (wecom-api.md §7: 40058 covers array and length limits).
pub(crate) fn batch_get_by_user(st: &SimState, req: BatchGetByUserReq) -> WxResult {
    if req.userid_list.is_empty() || req.userid_list.len() > BATCH_MAX_USERIDS {
        return Err(WxError::detail(
            40058,
            "userid_list must hold 1 to 100 userids",
        ));
    }
    let limit = match req.limit {
        None | Some(0) => BATCH_DEFAULT_LIMIT,
        Some(l) if l > BATCH_MAX_LIMIT => {
            return Err(WxError::detail(40058, "limit must be at most 100"));
        }
        Some(l) => l as usize,
    };
    let mut seen = BTreeSet::new();
    let users: Vec<&str> = req
        .userid_list
        .iter()
        .map(String::as_str)
        .filter(|u| seen.insert(*u))
        .collect();
    let (start, after) = match req
        .cursor
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        None => (0, None),
        Some(c) => {
            let (user, seq) = decode_batch_cursor(c)?;
            let pos = users
                .iter()
                .position(|u| *u == user)
                .ok_or_else(|| WxError::detail(40058, "cursor does not match userid_list"))?;
            (pos, Some(seq))
        }
    };
    // One more than the page, to know whether a next page exists.
    let mut rels: Vec<&Relation> = Vec::with_capacity(limit + 1);
    for (i, u) in users.iter().enumerate().skip(start) {
        let after = if i == start { after } else { None };
        rels.extend(
            st.member_relations_after(u, after)
                .filter(|r| r.status.visible())
                .take(limit + 1 - rels.len()),
        );
        if rels.len() > limit {
            break;
        }
    }
    let more = rels.len() > limit;
    rels.truncate(limit);
    let next_cursor = match rels.last() {
        Some(r) if more => encode_batch_cursor(&r.userid, r.seq),
        _ => String::new(),
    };
    let list: Vec<Value> = rels
        .iter()
        .filter_map(|r| {
            let contact = contact_json(st, &r.external_userid)?;
            Some(json!({ "external_contact": contact, "follow_info": follow_info_json(st, r) }))
        })
        .collect();
    Ok(json!({ "external_contact_list": list, "next_cursor": next_cursor }))
}

#[derive(Deserialize)]
pub(crate) struct RemarkReq {
    userid: Option<String>,
    external_userid: Option<String>,
    remark: Option<String>,
    description: Option<String>,
    remark_company: Option<String>,
    remark_mobiles: Option<Vec<String>>,
}

pub(crate) fn remark(st: &mut SimState, req: RemarkReq) -> WxResult {
    if req.remark.as_ref().is_some_and(|r| r.chars().count() > 20) {
        return Err(WxError::detail(40058, "remark longer than 20 characters"));
    }
    if req
        .description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 150)
    {
        return Err(WxError::detail(
            40058,
            "description longer than 150 characters",
        ));
    }
    if req
        .remark_company
        .as_ref()
        .is_some_and(|d| d.chars().count() > 20)
    {
        return Err(WxError::detail(
            40058,
            "remark_company longer than 20 characters",
        ));
    }
    let r = addressed_relation(st, req.userid.as_deref(), req.external_userid.as_deref())?;
    if let Some(v) = req.remark {
        r.remark = v;
    }
    if let Some(v) = req.description {
        r.description = v;
    }
    if let Some(v) = req.remark_company {
        r.remark_corp_name = v;
    }
    if let Some(v) = req.remark_mobiles {
        // Overwrites; [""] clears.
        r.remark_mobiles = v.into_iter().filter(|m| !m.is_empty()).collect();
    }
    // Changes made through the API fire no callback.
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_cursors_round_trip_and_reject_garbage() {
        let c = encode_batch_cursor("seed0001", 42);
        assert_eq!(
            decode_batch_cursor(&c).ok(),
            Some(("seed0001".to_owned(), 42))
        );
        assert!(decode_batch_cursor("SIMBU12").is_err());
        assert!(decode_batch_cursor("SIMCUR00000001").is_err());
        assert!(decode_batch_cursor("SIMBU0000000000000001zz").is_err());
    }
}
