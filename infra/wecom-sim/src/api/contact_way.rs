//! 「联系我」 contact ways (wecom-api.md §2): `add/get/update/del/list_contact_way`,
//! `close_temp_chat` and the QR image route.
//!
//! Errcodes where the documentation is silent are marked UNCONFIRMED.

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::common::check_member;
use crate::cursor::{decode_cursor, encode_cursor};
use crate::sim::Simulator;
use crate::state::{ContactWayRec, State as SimState};
use crate::wx::WxError;

/// `remark` and `state`: at most 30 characters.
pub(crate) const MAX_REMARK_CHARS: usize = 30;
pub(crate) const MAX_STATE_CHARS: usize = 30;
/// At most 100 members per way (after expanding departments) → 41041.
pub(crate) const MAX_MEMBERS: usize = 100;
/// `expires_in` / `chat_expires_in`: at most 14 days.
pub(crate) const MAX_EXPIRES_SECS: i64 = 14 * 86_400;
/// Defaults of a temporary way: QR valid 7 days, session 24 h.
pub(crate) const DEFAULT_EXPIRES_SECS: i64 = 7 * 86_400;
pub(crate) const DEFAULT_CHAT_EXPIRES_SECS: i64 = 86_400;
pub(crate) const MAX_CONCLUSION_TEXT_BYTES: usize = 4000;
pub(crate) const MAX_LINK_TITLE_BYTES: usize = 128;
pub(crate) const MAX_LINK_DESC_BYTES: usize = 512;
pub(crate) const MAX_MINIPROGRAM_TITLE_BYTES: usize = 64;
/// API-created (non-temporary) ways per corp → 41045.
pub(crate) const MAX_WAYS: usize = 500_000;
/// `list_contact_way` `limit`: default 100, at most 1000; default window 90 days.
const LIST_DEFAULT_LIMIT: usize = 100;
const LIST_MAX_LIMIT: usize = 1000;
const LIST_DEFAULT_WINDOW_SECS: i64 = 90 * 86_400;

/// Errcode for an unknown or deleted `config_id` (also a missing one).
/// UNCONFIRMED: WeCom's exact code; 40058 (invalid parameter) is used.
const UNKNOWN_CONFIG_ID: i64 = 40058;
/// Errcode for editing an expired (or already used) temporary way.
/// UNCONFIRMED: WeCom's exact code; 40058 is used.
const EXPIRED_TEMP_WAY: i64 = 40058;
/// Errcode for a member without customer contact in `user[]`. wecom-api.md §2 says every member
/// used must be activated and have customer contact (41054 / 40098); the simulator maps "no
/// customer contact" to 41054 (UNCONFIRMED).
const MEMBER_NOT_USABLE: i64 = 41054;
/// Unknown member in `user[]`: 60111 (UserID不存在), as the other simulated APIs (UNCONFIRMED).
const UNKNOWN_MEMBER: i64 = 60111;

/// A way as `get_contact_way` returns it.
fn contact_way_json(way: &ContactWayRec) -> Value {
    let mut m = Map::new();
    m.insert("config_id".into(), Value::from(way.config_id.clone()));
    m.insert("type".into(), Value::from(way.way_type));
    m.insert("scene".into(), Value::from(way.scene));
    if let Some(s) = way.style {
        m.insert("style".into(), Value::from(s));
    }
    m.insert("remark".into(), Value::from(way.remark.clone()));
    m.insert("skip_verify".into(), Value::from(way.skip_verify));
    m.insert("state".into(), Value::from(way.state.clone()));
    if let Some(q) = &way.qr_code {
        m.insert("qr_code".into(), Value::from(q.clone()));
    }
    m.insert("user".into(), json!(way.user));
    m.insert("party".into(), json!(way.party));
    m.insert("is_temp".into(), Value::from(way.is_temp));
    m.insert("is_exclusive".into(), Value::from(way.is_exclusive));
    if way.is_temp {
        m.insert("expires_in".into(), Value::from(way.expires_in));
        m.insert("chat_expires_in".into(), Value::from(way.chat_expires_in));
        if !way.unionid.is_empty() {
            m.insert("unionid".into(), Value::from(way.unionid.clone()));
        }
        if let Some(c) = &way.conclusions {
            m.insert("conclusions".into(), c.clone());
        }
    }
    Value::Object(m)
}

// ---------------------------------------------------------------------------------------------
// Requests
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
pub(crate) struct TextReq {
    content: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ImageReq {
    media_id: Option<String>,
    pic_url: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct LinkReq {
    title: Option<String>,
    picurl: Option<String>,
    desc: Option<String>,
    url: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct MiniprogramReq {
    title: Option<String>,
    pic_media_id: Option<String>,
    appid: Option<String>,
    page: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ConclusionsReq {
    text: Option<TextReq>,
    image: Option<ImageReq>,
    link: Option<LinkReq>,
    miniprogram: Option<MiniprogramReq>,
}

#[derive(Deserialize)]
pub(crate) struct AddReq {
    #[serde(rename = "type")]
    way_type: Option<i64>,
    scene: Option<i64>,
    style: Option<i64>,
    remark: Option<String>,
    skip_verify: Option<bool>,
    state: Option<String>,
    user: Option<Vec<String>>,
    party: Option<Vec<u64>>,
    is_temp: Option<bool>,
    expires_in: Option<i64>,
    chat_expires_in: Option<i64>,
    unionid: Option<String>,
    is_exclusive: Option<bool>,
    /// 营销获客 apps only; accepted and ignored.
    #[allow(dead_code)]
    mark_source: Option<bool>,
    conclusions: Option<ConclusionsReq>,
}

#[derive(Deserialize)]
pub(crate) struct UpdateReq {
    config_id: Option<String>,
    remark: Option<String>,
    skip_verify: Option<bool>,
    style: Option<i64>,
    state: Option<String>,
    user: Option<Vec<String>>,
    party: Option<Vec<u64>>,
    expires_in: Option<i64>,
    chat_expires_in: Option<i64>,
    unionid: Option<String>,
    conclusions: Option<ConclusionsReq>,
}

#[derive(Deserialize)]
pub(crate) struct ConfigIdReq {
    config_id: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct ListReq {
    start_time: Option<i64>,
    end_time: Option<i64>,
    cursor: Option<String>,
    limit: Option<i64>,
}

#[derive(Deserialize)]
pub(crate) struct CloseTempChatReq {
    userid: Option<String>,
    external_userid: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

fn bad(detail: impl Into<String>) -> WxError {
    WxError::detail(40058, detail)
}

fn check_style(way_type: i64, style: Option<i64>) -> Result<(), WxError> {
    let allowed: &[i64] = if way_type == 1 { &[1, 2, 3] } else { &[1, 2] };
    match style {
        None => Ok(()),
        Some(s) if allowed.contains(&s) => Ok(()),
        Some(s) => Err(bad(format!("style {s} is not allowed for type {way_type}"))),
    }
}

fn check_remark_state(remark: Option<&str>, state: Option<&str>) -> Result<(), WxError> {
    if remark.is_some_and(|r| r.chars().count() > MAX_REMARK_CHARS) {
        return Err(bad(format!(
            "remark longer than {MAX_REMARK_CHARS} characters"
        )));
    }
    if state.is_some_and(|s| s.chars().count() > MAX_STATE_CHARS) {
        return Err(bad(format!(
            "state longer than {MAX_STATE_CHARS} characters"
        )));
    }
    Ok(())
}

fn check_expires(field: &str, v: Option<i64>) -> Result<(), WxError> {
    match v {
        Some(s) if !(0..=MAX_EXPIRES_SECS).contains(&s) => Err(bad(format!(
            "{field} must be 0 to {MAX_EXPIRES_SECS} seconds (14 days)"
        ))),
        _ => Ok(()),
    }
}

/// Checks the members of a way (`user[]`, `party[]`) for its type.
fn check_members(
    st: &SimState,
    way_type: i64,
    user: &[String],
    party: &[u64],
) -> Result<(), WxError> {
    if way_type == 1 {
        if user.len() != 1 {
            // UNCONFIRMED: the errcode for a single-member way without exactly one user.
            return Err(bad("type 1 needs exactly one user"));
        }
        if !party.is_empty() {
            // UNCONFIRMED: the errcode for party[] on a single-member way.
            return Err(bad("party is only allowed for type 2"));
        }
    } else if user.is_empty() && party.is_empty() {
        return Err(bad("type 2 needs user or party"));
    }
    let mut distinct: Vec<&String> = user.iter().collect();
    distinct.sort();
    distinct.dedup();
    // Departments are not modelled: party ids are stored but expand to no member.
    if distinct.len() > MAX_MEMBERS {
        return Err(WxError::detail(
            41041,
            format!("more than {MAX_MEMBERS} members"),
        ));
    }
    for u in distinct {
        match st.staff.get(u) {
            None => {
                return Err(WxError::detail(
                    UNKNOWN_MEMBER,
                    format!("user {u} not found"),
                ));
            }
            Some(s) if !s.customer_contact => {
                return Err(WxError::detail(
                    MEMBER_NOT_USABLE,
                    format!("user {u} cannot use customer contact"),
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn nonempty(s: Option<&String>) -> Option<&str> {
    s.map(String::as_str).filter(|s| !s.is_empty())
}

/// Validates `conclusions` and returns it as WeCom's `get_contact_way` gives it back.
fn check_conclusions(c: &ConclusionsReq) -> Result<Value, WxError> {
    let mut out = Map::new();
    if let Some(t) = &c.text {
        let content = t.content.clone().unwrap_or_default();
        if content.len() > MAX_CONCLUSION_TEXT_BYTES {
            return Err(bad(format!(
                "conclusions.text.content longer than {MAX_CONCLUSION_TEXT_BYTES} bytes"
            )));
        }
        out.insert("text".into(), json!({ "content": content }));
    }
    if let Some(i) = &c.image {
        // get_contact_way returns pic_url; a media_id is turned into a simulated pic_url.
        let pic_url = match (nonempty(i.pic_url.as_ref()), nonempty(i.media_id.as_ref())) {
            (Some(u), _) => u.to_owned(),
            (None, Some(m)) => format!("https://wework.qpic.cn/wwpic/sim/{m}"),
            (None, None) => {
                return Err(bad("conclusions.image needs media_id or pic_url"));
            }
        };
        out.insert("image".into(), json!({ "pic_url": pic_url }));
    }
    if let Some(l) = &c.link {
        let title =
            nonempty(l.title.as_ref()).ok_or_else(|| bad("conclusions.link.title is required"))?;
        if title.len() > MAX_LINK_TITLE_BYTES {
            return Err(bad(format!(
                "conclusions.link.title longer than {MAX_LINK_TITLE_BYTES} bytes"
            )));
        }
        let url =
            nonempty(l.url.as_ref()).ok_or_else(|| bad("conclusions.link.url is required"))?;
        let desc = l.desc.clone().unwrap_or_default();
        if desc.len() > MAX_LINK_DESC_BYTES {
            return Err(bad(format!(
                "conclusions.link.desc longer than {MAX_LINK_DESC_BYTES} bytes"
            )));
        }
        let mut link = json!({ "title": title, "url": url });
        if let Some(obj) = link.as_object_mut() {
            if let Some(p) = nonempty(l.picurl.as_ref()) {
                obj.insert("picurl".into(), Value::from(p));
            }
            if !desc.is_empty() {
                obj.insert("desc".into(), Value::from(desc));
            }
        }
        out.insert("link".into(), link);
    }
    if let Some(m) = &c.miniprogram {
        let title = nonempty(m.title.as_ref())
            .ok_or_else(|| bad("conclusions.miniprogram.title is required"))?;
        if title.len() > MAX_MINIPROGRAM_TITLE_BYTES {
            return Err(bad(format!(
                "conclusions.miniprogram.title longer than {MAX_MINIPROGRAM_TITLE_BYTES} bytes"
            )));
        }
        let pic = nonempty(m.pic_media_id.as_ref())
            .ok_or_else(|| bad("conclusions.miniprogram.pic_media_id is required"))?;
        let appid = nonempty(m.appid.as_ref())
            .ok_or_else(|| bad("conclusions.miniprogram.appid is required"))?;
        let page = nonempty(m.page.as_ref())
            .ok_or_else(|| bad("conclusions.miniprogram.page is required"))?;
        out.insert(
            "miniprogram".into(),
            json!({ "title": title, "pic_media_id": pic, "appid": appid, "page": page }),
        );
    }
    Ok(Value::Object(out))
}

// ---------------------------------------------------------------------------------------------
// APIs
// ---------------------------------------------------------------------------------------------

pub(crate) fn add_contact_way(
    st: &mut SimState,
    req: AddReq,
    now: i64,
    public_base: &str,
) -> Result<Value, WxError> {
    let way_type = req.way_type.ok_or_else(|| bad("type is required"))?;
    if way_type != 1 && way_type != 2 {
        return Err(bad("type must be 1 or 2"));
    }
    let scene = req.scene.ok_or_else(|| bad("scene is required"))?;
    if scene != 1 && scene != 2 {
        return Err(bad("scene must be 1 or 2"));
    }
    check_style(way_type, req.style)?;
    check_remark_state(req.remark.as_deref(), req.state.as_deref())?;
    let is_temp = req.is_temp.unwrap_or(false);
    if is_temp && way_type != 1 {
        // UNCONFIRMED: the errcode for a temporary multi-member way.
        return Err(bad("is_temp is only allowed for type 1"));
    }
    check_expires("expires_in", req.expires_in)?;
    check_expires("chat_expires_in", req.chat_expires_in)?;
    let conclusions = match &req.conclusions {
        None => None,
        Some(_) if !is_temp => {
            // UNCONFIRMED: the errcode for conclusions on a non-temporary way.
            return Err(bad("conclusions are only allowed when is_temp is true"));
        }
        Some(c) => Some(check_conclusions(c)?),
    };
    let user = req.user.unwrap_or_default();
    let party = req.party.unwrap_or_default();
    check_members(st, way_type, &user, &party)?;
    if !is_temp && st.contact_ways.values().filter(|w| !w.is_temp).count() >= MAX_WAYS {
        return Err(WxError::new(41045));
    }
    let config_id = loop {
        let id = crate::ids::config_id();
        if !st.contact_ways.contains_key(&id) {
            break id;
        }
    };
    let qr_code = (scene == 2).then(|| format!("{public_base}/sim/qr/{config_id}.png"));
    let expires_in = match req.expires_in {
        Some(v) if v > 0 => v,
        _ => DEFAULT_EXPIRES_SECS,
    };
    let chat_expires_in = match req.chat_expires_in {
        Some(v) if v > 0 => v,
        _ => DEFAULT_CHAT_EXPIRES_SECS,
    };
    st.next_way_seq += 1;
    let rec = ContactWayRec {
        config_id: config_id.clone(),
        way_type,
        scene,
        style: req.style,
        remark: req.remark.unwrap_or_default(),
        skip_verify: req.skip_verify.unwrap_or(true),
        state: req.state.unwrap_or_default(),
        qr_code: qr_code.clone(),
        user,
        party,
        is_temp,
        expires_in,
        chat_expires_in,
        expires_at: now.saturating_add(expires_in),
        unionid: req.unionid.unwrap_or_default(),
        is_exclusive: req.is_exclusive.unwrap_or(false),
        conclusions,
        create_time: now,
        seq: st.next_way_seq,
        used: false,
        next_user: 0,
    };
    st.contact_ways.insert(config_id.clone(), rec);
    let mut v = json!({ "config_id": config_id });
    if let (Some(q), Some(obj)) = (qr_code, v.as_object_mut()) {
        obj.insert("qr_code".into(), Value::from(q));
    }
    Ok(v)
}

fn config_id_of(id: Option<&String>) -> Result<&str, WxError> {
    nonempty(id).ok_or_else(|| WxError::detail(UNKNOWN_CONFIG_ID, "config_id is empty"))
}

fn unknown(id: &str) -> WxError {
    WxError::detail(UNKNOWN_CONFIG_ID, format!("config_id {id} not found"))
}

pub(crate) fn get_contact_way(st: &SimState, req: ConfigIdReq) -> Result<Value, WxError> {
    let id = config_id_of(req.config_id.as_ref())?;
    let way = st.contact_ways.get(id).ok_or_else(|| unknown(id))?;
    Ok(json!({ "contact_way": contact_way_json(way) }))
}

pub(crate) fn update_contact_way(
    st: &mut SimState,
    req: UpdateReq,
    now: i64,
) -> Result<Value, WxError> {
    let id = config_id_of(req.config_id.as_ref())?.to_owned();
    let (way_type, is_temp, old_user, old_party) = {
        let way = st.contact_ways.get(&id).ok_or_else(|| unknown(&id))?;
        if way.expired(now) {
            return Err(WxError::detail(
                EXPIRED_TEMP_WAY,
                "the temporary contact way has expired",
            ));
        }
        (
            way.way_type,
            way.is_temp,
            way.user.clone(),
            way.party.clone(),
        )
    };
    check_style(way_type, req.style)?;
    check_remark_state(req.remark.as_deref(), req.state.as_deref())?;
    check_expires("expires_in", req.expires_in)?;
    check_expires("chat_expires_in", req.chat_expires_in)?;
    let conclusions = match &req.conclusions {
        None => None,
        Some(_) if !is_temp => {
            return Err(bad("conclusions are only allowed when is_temp is true"));
        }
        Some(c) => Some(check_conclusions(c)?),
    };
    // user / party overwrite the old lists.
    let user = req.user.clone().unwrap_or(old_user);
    let party = req.party.clone().unwrap_or(old_party);
    if req.user.is_some() || req.party.is_some() {
        check_members(st, way_type, &user, &party)?;
    }
    let way = st.contact_ways.get_mut(&id).ok_or_else(|| unknown(&id))?;
    if let Some(v) = req.remark {
        way.remark = v;
    }
    if let Some(v) = req.skip_verify {
        way.skip_verify = v;
    }
    if let Some(v) = req.style {
        way.style = Some(v);
    }
    if let Some(v) = req.state {
        way.state = v;
    }
    if req.user.is_some() || req.party.is_some() {
        way.user = user;
        way.party = party;
        way.next_user = 0;
    }
    if let Some(v) = req.expires_in.filter(|v| *v > 0) {
        // UNCONFIRMED: a new expires_in counts from the update.
        way.expires_in = v;
        way.expires_at = now.saturating_add(v);
    }
    if let Some(v) = req.chat_expires_in.filter(|v| *v > 0) {
        way.chat_expires_in = v;
    }
    if let Some(v) = req.unionid {
        way.unionid = v;
    }
    if conclusions.is_some() {
        way.conclusions = conclusions;
    }
    Ok(json!({}))
}

pub(crate) fn del_contact_way(st: &mut SimState, req: ConfigIdReq) -> Result<Value, WxError> {
    let id = config_id_of(req.config_id.as_ref())?;
    match st.contact_ways.remove(id) {
        Some(_) => Ok(json!({})),
        None => Err(unknown(id)),
    }
}

pub(crate) fn list_contact_way(st: &SimState, req: ListReq, now: i64) -> Result<Value, WxError> {
    let limit = match req.limit {
        None | Some(0) => LIST_DEFAULT_LIMIT,
        Some(l) if l < 0 || l > LIST_MAX_LIMIT as i64 => {
            return Err(bad(format!("limit must be at most {LIST_MAX_LIMIT}")));
        }
        Some(l) => usize::try_from(l).unwrap_or(LIST_DEFAULT_LIMIT),
    };
    let end = req.end_time.filter(|t| *t > 0).unwrap_or(now);
    let start = req
        .start_time
        .filter(|t| *t > 0)
        .unwrap_or(end.saturating_sub(LIST_DEFAULT_WINDOW_SECS));
    if start > end {
        // UNCONFIRMED: the errcode for start_time after end_time.
        return Err(bad("start_time is after end_time"));
    }
    let offset = decode_cursor(req.cursor.as_deref())?;
    // Temporary ways are never listed.
    let mut ways: Vec<&ContactWayRec> = st
        .contact_ways
        .values()
        .filter(|w| !w.is_temp && (start..=end).contains(&w.create_time))
        .collect();
    ways.sort_by_key(|w| (w.create_time, w.seq));
    let page: Vec<Value> = ways
        .iter()
        .skip(offset)
        .take(limit)
        .map(|w| json!({ "config_id": w.config_id }))
        .collect();
    let next = offset.saturating_add(limit);
    let next_cursor = if next < ways.len() {
        encode_cursor(next)
    } else {
        String::new()
    };
    Ok(json!({ "contact_way": page, "next_cursor": next_cursor }))
}

pub(crate) fn close_temp_chat(st: &mut SimState, req: CloseTempChatReq) -> Result<Value, WxError> {
    check_member(st, req.userid.as_deref())?;
    let userid = req.userid.unwrap_or_default();
    let ext = nonempty(req.external_userid.as_ref())
        .ok_or_else(|| bad("external_userid is empty"))?
        .to_owned();
    if !st.contacts.contains_key(&ext) {
        return Err(WxError::new(40096));
    }
    if !st.temp_chats.remove(&(userid, ext)) {
        // UNCONFIRMED: the errcode when no temporary session is open between the two.
        return Err(bad(
            "no open temporary session between userid and external_userid",
        ));
    }
    Ok(json!({}))
}

// ---------------------------------------------------------------------------------------------
// The QR image
// ---------------------------------------------------------------------------------------------

/// `GET /sim/qr/{config_id}.png`: a PNG for an existing way, else 404.
pub(crate) async fn qr_image(State(sim): State<Simulator>, Path(file): Path<String>) -> Response {
    let Some(id) = file.strip_suffix(".png") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let known = sim.lock().contact_ways.contains_key(id);
    if !known {
        return StatusCode::NOT_FOUND.into_response();
    }
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "image/png")],
        crate::png::qr_png(id),
    )
        .into_response()
}
