//! 企业群发 (wecom-api.md §5): `add_msg_template` creates a task for the sender, who confirms it
//! in the WeCom client (here: `POST /sim/control/groupmsg/confirm`, in `control/groupmsg.rs`);
//! results are read back with `get_groupmsg_task` / `get_groupmsg_send_result` /
//! `get_groupmsg_list_v2`; reminders and cancellation. The per-customer quota is checked when the
//! member sends, not at creation.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{check_attachments, check_media_id, check_member};
use crate::clock::DAY_MS;
use crate::config::SimConfig;
use crate::model::{
    GroupMsgRecipient, GroupMsgRecord, GroupMsgReminder, RelationStatus, groupmsg_status,
};
use crate::state::State as SimState;
use crate::wx::{WxError, WxResult};

/// `external_userid[]` of one `add_msg_template`: at most 10 000.
pub(crate) const MAX_RECIPIENTS: usize = 10_000;
/// `text.content`: at most 4000 bytes.
const MAX_TEXT_BYTES: usize = 4000;
/// `tag_filter.group_list[].tag_list[]`: at most 100 tags per group.
const MAX_FILTER_TAGS: usize = 100;
/// `get_groupmsg_task` / `get_groupmsg_send_result` `limit`: at most 1000, default 500.
const MAX_TASK_LIMIT: u32 = 1000;
const DEFAULT_TASK_LIMIT: u32 = 500;
/// `get_groupmsg_list_v2` `limit`: at most 100, default 50.
const MAX_LIST_LIMIT: u32 = 100;
const DEFAULT_LIST_LIMIT: u32 = 50;
/// `get_groupmsg_list_v2`: the span between start and end may not exceed one month (31 days).
pub(crate) const MAX_LIST_SPAN_SECS: i64 = 31 * 86_400;
/// `remind_groupmsg_send`: at most 3 reminders per 群发 within 24 hours.
const MAX_REMINDERS_PER_DAY: usize = 3;

/// UNCONFIRMED: 41046 (缺少企业群发消息id) for a missing msgid, 41047 (无效的企业群发消息id) for an
/// unknown one — both from WeCom's global errcode list (S13); which API answers which is not
/// documented.
const MSGID_MISSING: i64 = 41046;
const MSGID_INVALID: i64 = 41047;
const DISPATCHING: i64 = 41063;
const NO_SENDABLE_CUSTOMERS: i64 = 41048;

// ---------------------------------------------------------------------------------------------
// Cursors
// ---------------------------------------------------------------------------------------------

/// An opaque offset cursor bound to one msgid and one list (`T` task list, `S` send list).
fn encode_task_cursor(kind: char, msgid: &str, offset: usize) -> String {
    format!("SIMG{kind}{offset:08X}{}", hex::encode(msgid.as_bytes()))
}

fn decode_task_cursor(kind: char, msgid: &str, cursor: Option<&str>) -> Result<usize, WxError> {
    let Some(c) = cursor.map(str::trim).filter(|c| !c.is_empty()) else {
        return Ok(0);
    };
    let bad = || WxError::detail(40058, "invalid cursor");
    let rest = c
        .strip_prefix("SIMG")
        .and_then(|r| r.strip_prefix(kind))
        .ok_or_else(bad)?;
    let offset = rest
        .get(..8)
        .and_then(|h| usize::from_str_radix(h, 16).ok())
        .ok_or_else(bad)?;
    if rest.get(8..) != Some(hex::encode(msgid.as_bytes()).as_str()) {
        return Err(WxError::detail(40058, "cursor belongs to another msgid"));
    }
    Ok(offset)
}

/// `get_groupmsg_list_v2` keyset cursor: the index of the next task to consider. Tasks are
/// never removed, so tasks created between pages never cause skips or repeats.
fn encode_list_cursor(index: usize) -> String {
    format!("SIMGL{index:08X}")
}

fn decode_list_cursor(cursor: Option<&str>) -> Result<usize, WxError> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => c
            .strip_prefix("SIMGL")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
            .ok_or_else(|| WxError::detail(40058, "invalid cursor")),
    }
}

fn task_limit(limit: Option<u32>) -> Result<usize, WxError> {
    match limit {
        None | Some(0) => Ok(DEFAULT_TASK_LIMIT as usize),
        Some(l) if l > MAX_TASK_LIMIT => Err(WxError::detail(
            40058,
            format!("limit must be at most {MAX_TASK_LIMIT}"),
        )),
        Some(l) => Ok(l as usize),
    }
}

// ---------------------------------------------------------------------------------------------
// add_msg_template
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct TextPart {
    content: Option<String>,
}

#[derive(Deserialize, Default)]
struct TagFilter {
    #[serde(default)]
    group_list: Vec<TagFilterGroup>,
}

#[derive(Deserialize)]
struct TagFilterGroup {
    #[serde(default)]
    tag_list: Vec<String>,
}

#[derive(Deserialize)]
pub(crate) struct AddMsgTemplateReq {
    chat_type: Option<String>,
    #[serde(default)]
    external_userid: Vec<String>,
    #[serde(default)]
    chat_id_list: Vec<String>,
    tag_filter: Option<TagFilter>,
    sender: Option<String>,
    #[serde(default)]
    allow_select: bool,
    text: Option<TextPart>,
    #[serde(default)]
    attachments: Vec<Value>,
}

fn field<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// The byte limits and required fields of each attachment (40058; UNCONFIRMED codes: WeCom
/// documents the limits, not the errcodes), and every `media_id` / `pic_media_id`: it must come
/// from `media/upload`, be unexpired and of the right type, else 40007.
fn check_template_attachments(
    st: &SimState,
    attachments: &[Value],
    now_ms: i64,
) -> Result<(), WxError> {
    check_attachments(attachments)?;
    let over = |v: Option<&str>, max: usize| v.is_some_and(|s| s.len() > max);
    for a in attachments {
        let kind = a.get("msgtype").and_then(Value::as_str).unwrap_or_default();
        let body = a.get(kind).unwrap_or(&Value::Null);
        match kind {
            "image" => match (field(body, "media_id"), field(body, "pic_url")) {
                (Some(id), _) => check_media_id(st, id, "image", now_ms)?,
                (None, Some(url)) if url.len() > 2048 => {
                    return Err(WxError::detail(40058, "image.pic_url over 2048 bytes"));
                }
                (None, Some(_)) => {}
                (None, None) => {
                    return Err(WxError::detail(40058, "image needs media_id or pic_url"));
                }
            },
            "link" => {
                let title = field(body, "title")
                    .ok_or_else(|| WxError::detail(40058, "link.title is required"))?;
                let url = field(body, "url")
                    .ok_or_else(|| WxError::detail(40058, "link.url is required"))?;
                if title.len() > 128 {
                    return Err(WxError::detail(40058, "link.title over 128 bytes"));
                }
                if url.len() > 2048 {
                    return Err(WxError::detail(40058, "link.url over 2048 bytes"));
                }
                if over(field(body, "desc"), 512) {
                    return Err(WxError::detail(40058, "link.desc over 512 bytes"));
                }
                if over(field(body, "picurl"), 2048) {
                    return Err(WxError::detail(40058, "link.picurl over 2048 bytes"));
                }
            }
            "miniprogram" => {
                let title = field(body, "title")
                    .ok_or_else(|| WxError::detail(40058, "miniprogram.title is required"))?;
                if title.len() > 64 {
                    return Err(WxError::detail(40058, "miniprogram.title over 64 bytes"));
                }
                let pic = field(body, "pic_media_id").ok_or_else(|| {
                    WxError::detail(40058, "miniprogram.pic_media_id is required")
                })?;
                if field(body, "appid").is_none() || field(body, "page").is_none() {
                    return Err(WxError::detail(
                        40058,
                        "miniprogram.appid and miniprogram.page are required",
                    ));
                }
                check_media_id(st, pic, "image", now_ms)?;
            }
            "video" | "file" => {
                let id = field(body, "media_id").ok_or_else(|| {
                    WxError::detail(40058, format!("{kind}.media_id is required"))
                })?;
                check_media_id(st, id, kind, now_ms)?;
            }
            _ => return Err(WxError::new(41065)),
        }
    }
    Ok(())
}

/// Whether a relationship carries the tags `tag_filter` asks for: OR within a group, AND across
/// groups (empty groups are ignored).
fn matches_filter(tags: &[String], filter: &TagFilter) -> bool {
    filter
        .group_list
        .iter()
        .filter(|g| !g.tag_list.is_empty())
        .all(|g| g.tag_list.iter().any(|t| tags.contains(t)))
}

pub(crate) fn add_msg_template(st: &mut SimState, req: AddMsgTemplateReq, now_ms: i64) -> WxResult {
    match req.chat_type.as_deref().unwrap_or("single") {
        "single" | "" => {}
        // Customer-group sends are not simulated.
        "group" => {
            return Err(WxError::detail(
                40058,
                "chat_type group is not simulated (wecom-sim)",
            ));
        }
        other => return Err(WxError::detail(40058, format!("invalid chat_type {other}"))),
    }
    if !req.chat_id_list.is_empty() {
        return Err(WxError::detail(
            40058,
            "chat_id_list is only valid for chat_type group",
        ));
    }
    // The simulator requires a sender (WeCom would pick the member who last chatted).
    check_member(st, req.sender.as_deref())?;
    let sender = req.sender.unwrap_or_default();
    let text = req.text.and_then(|t| t.content).filter(|c| !c.is_empty());
    if text.as_ref().is_some_and(|t| t.len() > MAX_TEXT_BYTES) {
        // UNCONFIRMED: the exact errcode for text.content over 4000 bytes.
        return Err(WxError::detail(
            40058,
            "text.content longer than 4000 bytes",
        ));
    }
    check_template_attachments(st, &req.attachments, now_ms)?;
    if text.is_none() && req.attachments.is_empty() {
        // UNCONFIRMED: the errcode for a message without text and attachments.
        return Err(WxError::detail(
            40058,
            "text and attachments are both empty",
        ));
    }
    if req.external_userid.len() > MAX_RECIPIENTS {
        return Err(WxError::detail(
            40058,
            format!("external_userid holds more than {MAX_RECIPIENTS} ids"),
        ));
    }
    let filter = req.tag_filter.unwrap_or_default();
    if filter
        .group_list
        .iter()
        .any(|g| g.tag_list.len() > MAX_FILTER_TAGS)
    {
        return Err(WxError::detail(
            40058,
            "tag_filter group holds more than 100 tags",
        ));
    }
    let active = |st: &SimState, ext: &str| {
        st.relation(&sender, ext)
            .filter(|r| r.status == RelationStatus::Active)
            .map(|r| r.tag_ids.clone())
    };
    let mut recipients = Vec::new();
    let mut fail_list = Vec::new();
    if req.external_userid.is_empty() {
        // No list: every customer of the sender.
        for r in st.member_relations_after(&sender, None) {
            if r.status == RelationStatus::Active && matches_filter(&r.tag_ids, &filter) {
                recipients.push(r.external_userid.clone());
            }
        }
    } else {
        let mut seen = BTreeSet::new();
        for ext in req.external_userid {
            if ext.is_empty() || !seen.insert(ext.clone()) {
                continue;
            }
            match active(st, &ext) {
                // UNCONFIRMED: recipients left out by tag_filter are dropped silently.
                Some(tags) if matches_filter(&tags, &filter) => recipients.push(ext),
                Some(_) => {}
                None => fail_list.push(ext),
            }
        }
    }
    if recipients.is_empty() {
        return Err(WxError::new(NO_SENDABLE_CUSTOMERS));
    }
    let msgid = loop {
        let id = crate::ids::group_msgid();
        if !st.group_msgs.iter().any(|m| m.msgid == id) {
            break id;
        }
    };
    st.group_msgs.push(GroupMsgRecord {
        msgid: msgid.clone(),
        creator: sender,
        create_time: now_ms.div_euclid(1000),
        created_at_ms: now_ms,
        create_type: 0,
        chat_type: "single".to_owned(),
        text,
        attachments: req.attachments,
        allow_select: req.allow_select,
        cancelled: false,
        task_status: groupmsg_status::NOT_SENT,
        task_send_time: None,
        reminders: Vec::new(),
        recipients: recipients
            .into_iter()
            .map(|external_userid| GroupMsgRecipient {
                external_userid,
                status: groupmsg_status::NOT_SENT,
                send_time: None,
            })
            .collect(),
        fail_list: fail_list.clone(),
    });
    Ok(json!({ "msgid": msgid, "fail_list": fail_list }))
}

// ---------------------------------------------------------------------------------------------
// Results, reminders and cancellation
// ---------------------------------------------------------------------------------------------

fn find_msg<'a>(
    st: &'a SimState,
    msgid: Option<&str>,
) -> Result<(usize, &'a GroupMsgRecord), WxError> {
    let msgid = msgid
        .filter(|m| !m.is_empty())
        .ok_or_else(|| WxError::new(MSGID_MISSING))?;
    st.group_msgs
        .iter()
        .enumerate()
        .find(|(_, m)| m.msgid == msgid)
        .ok_or_else(|| WxError::new(MSGID_INVALID))
}

fn check_dispatched(config: &SimConfig, msg: &GroupMsgRecord, now_ms: i64) -> Result<(), WxError> {
    let delay = i64::try_from(config.groupmsg_dispatch_delay.as_millis()).unwrap_or(i64::MAX);
    if now_ms.saturating_sub(msg.created_at_ms) < delay {
        return Err(WxError::new(DISPATCHING));
    }
    Ok(())
}

#[derive(Deserialize)]
pub(crate) struct GroupMsgTaskReq {
    msgid: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

pub(crate) fn get_groupmsg_task(
    st: &SimState,
    config: &SimConfig,
    req: GroupMsgTaskReq,
    now_ms: i64,
) -> WxResult {
    let (_, msg) = find_msg(st, req.msgid.as_deref())?;
    let limit = task_limit(req.limit)?;
    check_dispatched(config, msg, now_ms)?;
    let offset = decode_task_cursor('T', &msg.msgid, req.cursor.as_deref())?;
    // One task per sender: the simulator's tasks always have exactly one member.
    let mut entry = json!({ "userid": msg.creator, "status": msg.task_status });
    if let (Some(t), Some(obj)) = (msg.task_send_time, entry.as_object_mut()) {
        obj.insert("send_time".to_owned(), Value::from(t));
    }
    let all = [entry];
    let page: Vec<&Value> = all.iter().skip(offset).take(limit).collect();
    let next = offset.saturating_add(limit);
    let next_cursor = if next < all.len() {
        encode_task_cursor('T', &msg.msgid, next)
    } else {
        String::new()
    };
    Ok(json!({ "task_list": page, "next_cursor": next_cursor }))
}

#[derive(Deserialize)]
pub(crate) struct GroupMsgSendResultReq {
    msgid: Option<String>,
    userid: Option<String>,
    limit: Option<u32>,
    cursor: Option<String>,
}

pub(crate) fn get_groupmsg_send_result(
    st: &SimState,
    config: &SimConfig,
    req: GroupMsgSendResultReq,
    now_ms: i64,
) -> WxResult {
    let (_, msg) = find_msg(st, req.msgid.as_deref())?;
    let limit = task_limit(req.limit)?;
    check_dispatched(config, msg, now_ms)?;
    // UNCONFIRMED: 41009 for a missing userid (as the other member-addressed APIs).
    let userid = req
        .userid
        .as_deref()
        .filter(|u| !u.is_empty())
        .ok_or_else(|| WxError::new(41009))?;
    let offset = decode_task_cursor('S', &msg.msgid, req.cursor.as_deref())?;
    // A member without a task in this 群发 has no results (UNCONFIRMED: WeCom may refuse).
    let all: &[GroupMsgRecipient] = if userid == msg.creator {
        &msg.recipients
    } else {
        &[]
    };
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(limit)
        .map(|r| {
            let mut v = json!({
                "external_userid": r.external_userid,
                "userid": msg.creator,
                "status": r.status,
            });
            if let (Some(t), Some(obj)) = (r.send_time, v.as_object_mut()) {
                obj.insert("send_time".to_owned(), Value::from(t));
            }
            v
        })
        .collect();
    let next = offset.saturating_add(limit);
    let next_cursor = if next < all.len() {
        encode_task_cursor('S', &msg.msgid, next)
    } else {
        String::new()
    };
    Ok(json!({ "send_list": page, "next_cursor": next_cursor }))
}

#[derive(Deserialize)]
pub(crate) struct GroupMsgListReq {
    chat_type: Option<String>,
    start_time: Option<i64>,
    end_time: Option<i64>,
    creator: Option<String>,
    filter_type: Option<u8>,
    limit: Option<u32>,
    cursor: Option<String>,
}

pub(crate) fn get_groupmsg_list_v2(st: &SimState, req: GroupMsgListReq) -> WxResult {
    let (Some(start), Some(end)) = (req.start_time, req.end_time) else {
        return Err(WxError::detail(
            40058,
            "start_time and end_time are required",
        ));
    };
    if end < start {
        return Err(WxError::detail(40058, "end_time is before start_time"));
    }
    if end - start > MAX_LIST_SPAN_SECS {
        return Err(WxError::detail(
            40058,
            "start_time to end_time spans more than one month",
        ));
    }
    let chat_type = match req.chat_type.as_deref().unwrap_or("single") {
        "" | "single" => "single",
        "group" => "group",
        other => return Err(WxError::detail(40058, format!("invalid chat_type {other}"))),
    };
    // 0 corp-created, 1 member-created (not simulated: none exist), 2 both (default).
    let corp = match req.filter_type.unwrap_or(2) {
        0 | 2 => true,
        1 => false,
        _ => return Err(WxError::detail(40058, "filter_type must be 0, 1 or 2")),
    };
    let limit = match req.limit {
        None | Some(0) => DEFAULT_LIST_LIMIT as usize,
        Some(l) if l > MAX_LIST_LIMIT => {
            return Err(WxError::detail(
                40058,
                format!("limit must be at most {MAX_LIST_LIMIT}"),
            ));
        }
        Some(l) => l as usize,
    };
    let from = decode_list_cursor(req.cursor.as_deref())?;
    let creator = req.creator.as_deref().filter(|c| !c.is_empty());
    let mut page: Vec<(usize, &GroupMsgRecord)> = st
        .group_msgs
        .iter()
        .enumerate()
        .skip(from)
        .filter(|(_, m)| {
            corp && m.chat_type == chat_type
                && (start..=end).contains(&m.create_time)
                && creator.is_none_or(|c| c == m.creator)
        })
        .take(limit + 1)
        .collect();
    let more = page.len() > limit;
    page.truncate(limit);
    let next_cursor = match page.last() {
        Some((i, _)) if more => encode_list_cursor(i + 1),
        _ => String::new(),
    };
    let list: Vec<Value> = page
        .iter()
        .map(|(_, m)| {
            let mut v = json!({
                "msgid": m.msgid,
                "creator": m.creator,
                "create_time": m.create_time,
                "create_type": m.create_type,
                "attachments": m.attachments,
            });
            if let (Some(t), Some(obj)) = (&m.text, v.as_object_mut()) {
                obj.insert("text".to_owned(), json!({ "content": t }));
            }
            v
        })
        .collect();
    Ok(json!({ "group_msg_list": list, "next_cursor": next_cursor }))
}

#[derive(Deserialize)]
pub(crate) struct MsgIdReq {
    msgid: Option<String>,
}

/// `remind_groupmsg_send`: at most 3 per 群发 within any 24 hours; the 4th answers 45009
/// (UNCONFIRMED errcode; the limit itself is documented, wecom-api.md §5).
pub(crate) fn remind_groupmsg_send(st: &mut SimState, req: MsgIdReq, now_ms: i64) -> WxResult {
    let (i, _) = find_msg(st, req.msgid.as_deref())?;
    let Some(msg) = st.group_msgs.get_mut(i) else {
        return Err(WxError::new(MSGID_INVALID));
    };
    let recent = msg
        .reminders
        .iter()
        .filter(|r| now_ms - r.at_ms < DAY_MS)
        .count();
    if recent >= MAX_REMINDERS_PER_DAY {
        return Err(WxError::detail(
            45009,
            "at most 3 reminders per group msg within 24 hours",
        ));
    }
    msg.reminders.push(GroupMsgReminder { at_ms: now_ms });
    Ok(json!({}))
}

/// `cancel_groupmsg_send`: members who have not sent yet can no longer send (idempotent).
pub(crate) fn cancel_groupmsg_send(st: &mut SimState, req: MsgIdReq) -> WxResult {
    let (i, _) = find_msg(st, req.msgid.as_deref())?;
    if let Some(msg) = st.group_msgs.get_mut(i) {
        msg.cancelled = true;
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_cursors_are_bound_to_their_list_and_msgid() {
        let c = encode_task_cursor('S', "msgA", 1000);
        assert_eq!(decode_task_cursor('S', "msgA", Some(&c)).ok(), Some(1000));
        assert!(decode_task_cursor('T', "msgA", Some(&c)).is_err());
        assert!(decode_task_cursor('S', "msgB", Some(&c)).is_err());
        assert_eq!(decode_task_cursor('S', "msgA", Some("")).ok(), Some(0));
        assert_eq!(
            decode_list_cursor(Some(&encode_list_cursor(7))).ok(),
            Some(7)
        );
        assert!(decode_list_cursor(Some("SIMCUR00000001")).is_err());
    }
}
