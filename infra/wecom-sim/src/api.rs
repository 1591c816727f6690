//! The simulated WeCom server API under `/cgi-bin/`.
//!
//! Every answer is HTTP 200 with `{"errcode", "errmsg", …}` except an unknown path (HTTP 404,
//! empty body, as WeCom does) and injected HTTP faults. A call goes through, in order:
//! call counting → fault injection → access-token check → method check → body parsing → the API.

use std::collections::{BTreeSet, HashMap};

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::config::SimConfig;
use crate::contact_way as cw;
use crate::cursor::{decode_cursor, encode_cursor};
use crate::groupmsg as gm;
use crate::model::{AppMessage, CorpTag, CorpTagGroup, TagOrigin, WelcomeMessage};
use crate::sim::Simulator;
use crate::state::{Relation, State as SimState, TagRef, normalize_path};
use crate::wx::{self, WxError, WxResult};

/// Largest request body read (WeCom bodies are small; 2 MiB is plenty).
const MAX_BODY: usize = 2 * 1024 * 1024;
/// `externalcontact/get` pages `follow_user` at this size.
pub(crate) const FOLLOW_USER_PAGE: usize = 500;
/// WeCom's corp tag cap.
const MAX_CORP_TAGS: usize = 3000;

/// The APIs the simulator speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    GetToken,
    ContactGet,
    FollowUserList,
    ContactList,
    BatchGetByUser,
    Remark,
    CorpTagList,
    AddCorpTag,
    EditCorpTag,
    DelCorpTag,
    MarkTag,
    SendWelcomeMsg,
    MessageSend,
    AddContactWay,
    GetContactWay,
    UpdateContactWay,
    DelContactWay,
    ListContactWay,
    CloseTempChat,
    AddMsgTemplate,
    GroupMsgListV2,
    GroupMsgTask,
    GroupMsgSendResult,
    RemindGroupMsgSend,
    CancelGroupMsgSend,
    MediaUpload,
    MediaUploadImg,
    UserGet,
}

impl Api {
    pub fn from_path(path: &str) -> Option<Api> {
        Some(match path {
            "gettoken" => Api::GetToken,
            "externalcontact/get" => Api::ContactGet,
            "externalcontact/get_follow_user_list" => Api::FollowUserList,
            "user/get" => Api::UserGet,
            "externalcontact/list" => Api::ContactList,
            "externalcontact/batch/get_by_user" => Api::BatchGetByUser,
            "externalcontact/remark" => Api::Remark,
            "externalcontact/get_corp_tag_list" => Api::CorpTagList,
            "externalcontact/add_corp_tag" => Api::AddCorpTag,
            "externalcontact/edit_corp_tag" => Api::EditCorpTag,
            "externalcontact/del_corp_tag" => Api::DelCorpTag,
            "externalcontact/mark_tag" => Api::MarkTag,
            "externalcontact/send_welcome_msg" => Api::SendWelcomeMsg,
            "message/send" => Api::MessageSend,
            "externalcontact/add_contact_way" => Api::AddContactWay,
            "externalcontact/get_contact_way" => Api::GetContactWay,
            "externalcontact/update_contact_way" => Api::UpdateContactWay,
            "externalcontact/del_contact_way" => Api::DelContactWay,
            "externalcontact/list_contact_way" => Api::ListContactWay,
            "externalcontact/close_temp_chat" => Api::CloseTempChat,
            "externalcontact/add_msg_template" => Api::AddMsgTemplate,
            "externalcontact/get_groupmsg_list_v2" => Api::GroupMsgListV2,
            "externalcontact/get_groupmsg_task" => Api::GroupMsgTask,
            "externalcontact/get_groupmsg_send_result" => Api::GroupMsgSendResult,
            "externalcontact/remind_groupmsg_send" => Api::RemindGroupMsgSend,
            "externalcontact/cancel_groupmsg_send" => Api::CancelGroupMsgSend,
            "media/upload" => Api::MediaUpload,
            "media/uploadimg" => Api::MediaUploadImg,
            _ => return None,
        })
    }

    /// APIs that take a JSON body: a GET cannot carry it, so WeCom answers 40058.
    /// (`get_corp_tag_list` without a body lists everything, so GET is tolerated.)
    fn needs_post(self) -> bool {
        !matches!(
            self,
            Api::GetToken
                | Api::ContactGet
                | Api::FollowUserList
                | Api::UserGet
                | Api::ContactList
                | Api::CorpTagList
        )
    }

    /// The largest body read, and the errcode for a larger one.
    fn body_limit(self) -> (usize, i64) {
        match self {
            Api::MediaUpload => (crate::media::MAX_UPLOAD_BODY, 45001),
            Api::MediaUploadImg => (crate::media::MAX_UPLOADIMG_BODY, 40009),
            _ => (MAX_BODY, 40058),
        }
    }
}

/// The single entry point for `/cgi-bin/{*path}`.
pub(crate) async fn handle(
    State(sim): State<Simulator>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let path = match uri.path().split_once("/cgi-bin/") {
        Some((_, rest)) => normalize_path(rest),
        None => normalize_path(uri.path()),
    };
    let params = parse_query(uri.query());
    let api = Api::from_path(&path);
    let fault = {
        let mut st = sim.lock();
        st.count_call(&path);
        if api.is_some() {
            st.take_fault(&path)
        } else {
            None
        }
    };
    let Some(api) = api else {
        return wx::not_found();
    };
    // The whole request is received first; from then on the call runs to completion even if
    // the caller hangs up (a client timeout during a slow answer does not undo the call, as
    // with a real server). Errors keep their documented order: fault, then body, then the API.
    let (limit, too_large) = api.body_limit();
    let bytes = axum::body::to_bytes(body, limit).await.ok();
    let request = Request {
        api,
        path,
        method,
        params,
        headers,
        bytes,
        too_large,
    };
    match tokio::spawn(respond(sim, request, fault)).await {
        Ok(resp) => resp,
        Err(_) => WxError::detail(-1, "wecom-sim handler failed").into_response(),
    }
}

/// A received `/cgi-bin/` request.
struct Request {
    api: Api,
    path: String,
    method: Method,
    params: HashMap<String, String>,
    headers: HeaderMap,
    /// `None` when the body could not be read or was over the API's limit.
    bytes: Option<axum::body::Bytes>,
    /// The errcode for an unreadable or too large body.
    too_large: i64,
}

async fn respond(sim: Simulator, req: Request, fault: Option<crate::model::FaultRule>) -> Response {
    if let Some(rule) = fault {
        if let Some(ms) = rule.delay_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        if let Some(resp) = sim.fault_response(&rule) {
            return resp;
        }
    }
    let Some(bytes) = req.bytes else {
        return WxError::detail(req.too_large, "request body unreadable or too large")
            .into_response();
    };
    let now_ms = sim.now_ms();
    let config = sim.config();
    let base = public_base(
        config.public_base_url.as_deref(),
        req.headers.get(header::HOST).and_then(|h| h.to_str().ok()),
    );
    let content_type = req
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok());
    let call = Call {
        method: &req.method,
        params: &req.params,
        body: &bytes,
        content_type,
        now_ms,
        public_base: &base,
    };
    let result = {
        let mut st = sim.lock();
        dispatch(&mut st, config, req.api, &call)
    };
    match result {
        Ok(fields) => wx::ok_response(fields),
        Err(e) => {
            tracing::debug!(
                path = req.path,
                errcode = e.code,
                "wecom-sim answered an error"
            );
            e.into_response()
        }
    }
}

/// The first value of each query parameter, percent-decoded.
fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    let mut m = HashMap::new();
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        m.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    m
}

fn param<'a>(params: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// One call's request parts.
struct Call<'a> {
    method: &'a Method,
    params: &'a HashMap<String, String>,
    body: &'a [u8],
    /// The request's `Content-Type` (multipart uploads).
    content_type: Option<&'a str>,
    now_ms: i64,
    /// Base URL for absolute `qr_code` links.
    public_base: &'a str,
}

fn dispatch(st: &mut SimState, config: &SimConfig, api: Api, call: &Call<'_>) -> WxResult {
    let Call {
        method,
        params,
        body,
        content_type,
        now_ms,
        public_base,
    } = *call;
    if api == Api::GetToken {
        return get_token(st, config, params, now_ms);
    }
    check_token(st, params, now_ms)?;
    if api.needs_post() && *method != Method::POST {
        return Err(WxError::detail(
            40058,
            "this api requires POST with a JSON body",
        ));
    }
    let now = now_ms.div_euclid(1000);
    match api {
        Api::GetToken => get_token(st, config, params, now_ms),
        Api::ContactGet => contact_get(st, params),
        Api::FollowUserList => follow_user_list(st),
        Api::UserGet => user_get(st, params),
        Api::ContactList => contact_list(st, params),
        Api::BatchGetByUser => batch_get_by_user(st, parse_body(body)?),
        Api::Remark => remark(st, parse_body(body)?),
        Api::CorpTagList => corp_tag_list(st, parse_body_or_default(body)?),
        Api::AddCorpTag => add_corp_tag(st, parse_body(body)?, now),
        Api::EditCorpTag => edit_corp_tag(st, parse_body(body)?),
        Api::DelCorpTag => del_corp_tag(st, parse_body(body)?),
        Api::MarkTag => mark_tag(st, parse_body(body)?),
        Api::SendWelcomeMsg => send_welcome_msg(st, parse_body(body)?, now_ms),
        Api::MessageSend => message_send(st, config, body, now),
        Api::AddContactWay => cw::add_contact_way(st, parse_body(body)?, now, public_base),
        Api::GetContactWay => cw::get_contact_way(st, parse_body(body)?),
        Api::UpdateContactWay => cw::update_contact_way(st, parse_body(body)?, now),
        Api::DelContactWay => cw::del_contact_way(st, parse_body(body)?),
        Api::ListContactWay => cw::list_contact_way(st, parse_body_or_default(body)?, now),
        Api::CloseTempChat => cw::close_temp_chat(st, parse_body(body)?),
        Api::AddMsgTemplate => gm::add_msg_template(st, parse_body(body)?, now_ms),
        Api::GroupMsgListV2 => gm::get_groupmsg_list_v2(st, parse_body(body)?),
        Api::GroupMsgTask => gm::get_groupmsg_task(st, config, parse_body(body)?, now_ms),
        Api::GroupMsgSendResult => {
            gm::get_groupmsg_send_result(st, config, parse_body(body)?, now_ms)
        }
        Api::RemindGroupMsgSend => gm::remind_groupmsg_send(st, parse_body(body)?, now_ms),
        Api::CancelGroupMsgSend => gm::cancel_groupmsg_send(st, parse_body(body)?),
        Api::MediaUpload => {
            crate::media::upload(st, param(params, "type"), content_type, body, now_ms)
        }
        Api::MediaUploadImg => crate::media::upload_image(st, content_type, body, now_ms),
    }
}

fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(WxError::detail(40058, "empty request body"));
    }
    serde_json::from_slice(body).map_err(|e| WxError::detail(40058, format!("invalid json: {e}")))
}

fn parse_body_or_default<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, WxError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    parse_body(body)
}

/// The base URL for `qr_code` links: the configured one, else `http://{Host}`.
pub(crate) fn public_base(configured: Option<&str>, host: Option<&str>) -> String {
    if let Some(b) = configured.map(str::trim).filter(|b| !b.is_empty()) {
        return b.trim_end_matches('/').to_owned();
    }
    let host = host
        .map(str::trim)
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".-:[]_".contains(c))
        })
        .unwrap_or("127.0.0.1");
    format!("http://{host}")
}
// ---------------------------------------------------------------------------------------------
// Access token
// ---------------------------------------------------------------------------------------------

fn get_token(
    st: &mut SimState,
    config: &SimConfig,
    params: &HashMap<String, String>,
    now_ms: i64,
) -> WxResult {
    let corpid = param(params, "corpid").ok_or_else(|| WxError::new(41002))?;
    let secret = param(params, "corpsecret").ok_or_else(|| WxError::new(41004))?;
    if corpid != config.corp_id {
        return Err(WxError::new(40013));
    }
    if secret != config.corp_secret {
        return Err(WxError::new(40001));
    }
    // Inside the lifetime the same token comes back with its remaining lifetime.
    let live = st
        .tokens
        .iter()
        .filter(|(_, t)| !t.invalidated && t.expires_at_ms > now_ms)
        .max_by_key(|(_, t)| t.expires_at_ms)
        .map(|(k, t)| (k.clone(), t.expires_at_ms));
    let (token, expires_at_ms) = match live {
        Some(found) => found,
        None => {
            let token = crate::ids::access_token();
            let expires_at_ms = now_ms + config.token_ttl_secs.max(1) * 1000;
            st.tokens.insert(
                token.clone(),
                crate::state::Token {
                    expires_at_ms,
                    invalidated: false,
                },
            );
            (token, expires_at_ms)
        }
    };
    // Whole seconds left, rounded up (a token with 0.4 s left reports 1, never 0).
    let expires_in = (expires_at_ms - now_ms + 999).div_euclid(1000);
    Ok(json!({ "access_token": token, "expires_in": expires_in }))
}

fn check_token(
    st: &SimState,
    params: &HashMap<String, String>,
    now_ms: i64,
) -> Result<(), WxError> {
    let token = param(params, "access_token").ok_or_else(|| WxError::new(41001))?;
    match st.tokens.get(token) {
        None => Err(WxError::new(40014)),
        Some(t) if t.invalidated => Err(WxError::new(40014)),
        Some(t) if now_ms >= t.expires_at_ms => Err(WxError::new(42001)),
        Some(_) => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------------
// Customers
// ---------------------------------------------------------------------------------------------

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

fn contact_get(st: &SimState, params: &HashMap<String, String>) -> WxResult {
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

fn follow_user_list(st: &SimState) -> WxResult {
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
fn user_get(st: &SimState, params: &HashMap<String, String>) -> WxResult {
    let userid = param(params, "userid")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| WxError::new(41009))?;
    let staff = st.staff.get(userid).ok_or_else(|| WxError::new(60111))?;
    Ok(json!({ "userid": staff.userid, "name": staff.name }))
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

fn contact_list(st: &SimState, params: &HashMap<String, String>) -> WxResult {
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
struct BatchGetByUserReq {
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
fn batch_get_by_user(st: &SimState, req: BatchGetByUserReq) -> WxResult {
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
struct RemarkReq {
    userid: Option<String>,
    external_userid: Option<String>,
    remark: Option<String>,
    description: Option<String>,
    remark_company: Option<String>,
    remark_mobiles: Option<Vec<String>>,
}

/// The member × customer relationship an API call addresses, with WeCom's checks.
fn addressed_relation<'a>(
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

fn remark(st: &mut SimState, req: RemarkReq) -> WxResult {
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

// ---------------------------------------------------------------------------------------------
// Corp tags
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
struct TagListReq {
    #[serde(default)]
    tag_id: Vec<String>,
    #[serde(default)]
    group_id: Vec<String>,
}

fn tag_json(t: &CorpTag) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "create_time": t.create_time,
        "order": t.order,
        "deleted": t.deleted,
    })
}

fn group_json(g: &CorpTagGroup, tags: Vec<Value>) -> Value {
    json!({
        "group_id": g.group_id,
        "group_name": g.group_name,
        "create_time": g.create_time,
        "order": g.order,
        "deleted": g.deleted,
        "tag": tags,
    })
}

/// Higher `order` first, then older first.
fn sorted_tags<'a>(tags: impl Iterator<Item = &'a CorpTag>) -> Vec<&'a CorpTag> {
    let mut v: Vec<&CorpTag> = tags.collect();
    v.sort_by(|a, b| {
        b.order
            .cmp(&a.order)
            .then(a.create_time.cmp(&b.create_time))
            .then(a.id.cmp(&b.id))
    });
    v
}

/// Semantics (wecom-api.md §4): both filters empty → every live group and tag; `group_id` given →
/// those groups (`tag_id` ignored); only `tag_id` → those tags inside their groups. Deleted items
/// appear only when asked for by id, with `deleted: true`.
fn corp_tag_list(st: &SimState, req: TagListReq) -> WxResult {
    let mut groups: Vec<&CorpTagGroup> = st.tag_groups.iter().collect();
    groups.sort_by(|a, b| {
        b.order
            .cmp(&a.order)
            .then(a.create_time.cmp(&b.create_time))
            .then(a.group_id.cmp(&b.group_id))
    });
    let mut out = Vec::new();
    if !req.group_id.is_empty() {
        let wanted: BTreeSet<&str> = req.group_id.iter().map(String::as_str).collect();
        for g in groups
            .into_iter()
            .filter(|g| wanted.contains(g.group_id.as_str()))
        {
            let tags = sorted_tags(g.tags.iter().filter(|t| g.deleted || !t.deleted))
                .into_iter()
                .map(tag_json)
                .collect();
            out.push(group_json(g, tags));
        }
    } else if !req.tag_id.is_empty() {
        let wanted: BTreeSet<&str> = req.tag_id.iter().map(String::as_str).collect();
        for g in groups {
            let tags: Vec<Value> =
                sorted_tags(g.tags.iter().filter(|t| wanted.contains(t.id.as_str())))
                    .into_iter()
                    .map(tag_json)
                    .collect();
            if !tags.is_empty() {
                out.push(group_json(g, tags));
            }
        }
    } else {
        for g in groups.into_iter().filter(|g| !g.deleted) {
            let tags = sorted_tags(g.tags.iter().filter(|t| !t.deleted))
                .into_iter()
                .map(tag_json)
                .collect();
            out.push(group_json(g, tags));
        }
    }
    Ok(json!({ "tag_group": out }))
}

#[derive(Deserialize)]
struct TagIn {
    name: Option<String>,
    order: Option<u32>,
}

#[derive(Deserialize)]
struct AddCorpTagReq {
    group_id: Option<String>,
    group_name: Option<String>,
    order: Option<u32>,
    #[serde(default)]
    tag: Vec<TagIn>,
}

/// UNCONFIRMED: 40072 (不合法的标签名字长度) for an empty name or one over 30 characters.
fn check_tag_name(name: &str) -> Result<(), WxError> {
    let n = name.trim().chars().count();
    if n == 0 || n > 30 {
        return Err(WxError::detail(40072, "name must be 1 to 30 characters"));
    }
    Ok(())
}

fn add_corp_tag(st: &mut SimState, req: AddCorpTagReq, now: i64) -> WxResult {
    if req.tag.is_empty() {
        return Err(WxError::detail(40058, "tag list is empty"));
    }
    // Duplicate names in one request collapse into one tag.
    let mut wanted: Vec<(String, u32)> = Vec::new();
    for t in &req.tag {
        let name = t.name.as_deref().unwrap_or("").trim().to_owned();
        check_tag_name(&name)?;
        if !wanted.iter().any(|(n, _)| *n == name) {
            wanted.push((name, t.order.unwrap_or(0)));
        }
    }
    let mut created_group = false;
    let gi = match (
        req.group_id.as_deref().filter(|g| !g.is_empty()),
        req.group_name.as_deref(),
    ) {
        // group_id given: group_name and order are ignored.
        (Some(gid), _) => match st.find_tag(gid) {
            Some(TagRef::Group(gi)) if st.tag_groups.get(gi).is_some_and(|g| !g.deleted) => gi,
            _ => return Err(WxError::detail(40068, "group_id not found")),
        },
        (None, Some(name)) if !name.trim().is_empty() => {
            let name = name.trim();
            check_tag_name(name)?;
            match st
                .tag_groups
                .iter()
                .position(|g| !g.deleted && g.group_name == name)
            {
                // An existing group name: the tags are added to that group.
                Some(gi) => gi,
                None => {
                    st.tag_groups.push(CorpTagGroup {
                        group_id: crate::ids::tag_id(),
                        group_name: name.to_owned(),
                        create_time: now,
                        order: req.order.unwrap_or(0),
                        deleted: false,
                        origin: TagOrigin::Api,
                        tags: Vec::new(),
                    });
                    created_group = true;
                    st.tag_groups.len() - 1
                }
            }
        }
        _ => return Err(WxError::detail(40058, "group_id or group_name is required")),
    };
    let existing_names: Vec<String> = st
        .tag_groups
        .get(gi)
        .map(|g| {
            g.tags
                .iter()
                .filter(|t| !t.deleted)
                .map(|t| t.name.clone())
                .collect()
        })
        .unwrap_or_default();
    let new_count = wanted
        .iter()
        .filter(|(n, _)| !existing_names.contains(n))
        .count();
    if st.live_tag_count() + new_count > MAX_CORP_TAGS {
        // A group created above for this request would stay empty: drop it again.
        if created_group {
            st.tag_groups.remove(gi);
        }
        return Err(WxError::new(40126));
    }
    let Some(group) = st.tag_groups.get_mut(gi) else {
        return Err(WxError::new(-1));
    };
    let mut result_tags = Vec::new();
    for (name, order) in wanted {
        // A name that already exists in the group is collapsed into the existing tag
        // (UNCONFIRMED: WeCom might answer 40071 instead).
        if let Some(t) = group.tags.iter().find(|t| !t.deleted && t.name == name) {
            result_tags.push(t.clone());
            continue;
        }
        let t = CorpTag {
            id: crate::ids::tag_id(),
            name,
            create_time: now,
            order,
            deleted: false,
            origin: TagOrigin::Api,
        };
        group.tags.push(t.clone());
        result_tags.push(t);
    }
    let tags: Vec<Value> = result_tags
        .iter()
        .map(|t| json!({ "id": t.id, "name": t.name, "create_time": t.create_time, "order": t.order }))
        .collect();
    Ok(json!({
        "tag_group": {
            "group_id": group.group_id,
            "group_name": group.group_name,
            "create_time": group.create_time,
            "order": group.order,
            "tag": tags,
        }
    }))
}

#[derive(Deserialize)]
struct EditCorpTagReq {
    id: Option<String>,
    name: Option<String>,
    order: Option<u32>,
}

/// Only tags and groups this app created through the API may be edited or deleted.
/// UNCONFIRMED: the errcode for a console-created tag; 81011 (无权限操作标签) is WeCom's
/// "no privilege on this tag" code.
const NOT_OWN_TAG: i64 = 81011;

fn edit_corp_tag(st: &mut SimState, req: EditCorpTagReq) -> WxResult {
    let id = req
        .id
        .as_deref()
        .filter(|i| !i.is_empty())
        .ok_or_else(|| WxError::detail(40068, "id is empty"))?;
    let name = req.name.as_deref().map(str::trim);
    if let Some(n) = name {
        check_tag_name(n)?;
    }
    match st.find_tag(id) {
        Some(TagRef::Group(gi)) => {
            let dup = name.is_some_and(|n| {
                st.tag_groups
                    .iter()
                    .enumerate()
                    .any(|(i, g)| i != gi && !g.deleted && g.group_name == n)
            });
            let Some(g) = st.tag_groups.get_mut(gi).filter(|g| !g.deleted) else {
                return Err(WxError::new(40068));
            };
            if g.origin != TagOrigin::Api {
                return Err(WxError::detail(
                    NOT_OWN_TAG,
                    "tag group was not created by this app",
                ));
            }
            if dup {
                return Err(WxError::new(40071));
            }
            if let Some(n) = name {
                g.group_name = n.to_owned();
            }
            if let Some(o) = req.order {
                g.order = o;
            }
            Ok(json!({}))
        }
        Some(TagRef::Tag(gi, ti)) => {
            let Some(g) = st.tag_groups.get_mut(gi).filter(|g| !g.deleted) else {
                return Err(WxError::new(40068));
            };
            let dup = name.is_some_and(|n| {
                g.tags
                    .iter()
                    .enumerate()
                    .any(|(i, t)| i != ti && !t.deleted && t.name == n)
            });
            let Some(t) = g.tags.get_mut(ti).filter(|t| !t.deleted) else {
                return Err(WxError::new(40068));
            };
            if t.origin != TagOrigin::Api {
                return Err(WxError::detail(
                    NOT_OWN_TAG,
                    "tag was not created by this app",
                ));
            }
            if dup {
                return Err(WxError::new(40071));
            }
            if let Some(n) = name {
                t.name = n.to_owned();
            }
            if let Some(o) = req.order {
                t.order = o;
            }
            Ok(json!({}))
        }
        None => Err(WxError::new(40068)),
    }
}

#[derive(Deserialize)]
struct DelCorpTagReq {
    #[serde(default)]
    tag_id: Vec<String>,
    #[serde(default)]
    group_id: Vec<String>,
}

fn del_corp_tag(st: &mut SimState, req: DelCorpTagReq) -> WxResult {
    if req.tag_id.is_empty() && req.group_id.is_empty() {
        return Err(WxError::detail(40068, "tag_id and group_id are both empty"));
    }
    // Validate everything first: the call is all-or-nothing.
    let mut tags = Vec::new();
    for id in &req.tag_id {
        match st.find_tag(id) {
            Some(TagRef::Tag(gi, ti)) => {
                let live = st
                    .tag_groups
                    .get(gi)
                    .and_then(|g| g.tags.get(ti).map(|t| (g, t)))
                    .filter(|(g, t)| !g.deleted && !t.deleted);
                match live {
                    None => return Err(WxError::detail(40068, format!("tag {id} not found"))),
                    Some((_, t)) if t.origin != TagOrigin::Api => {
                        return Err(WxError::detail(
                            NOT_OWN_TAG,
                            format!("tag {id} was not created by this app"),
                        ));
                    }
                    Some(_) => tags.push((gi, ti)),
                }
            }
            _ => return Err(WxError::detail(40068, format!("tag {id} not found"))),
        }
    }
    let mut groups = Vec::new();
    for id in &req.group_id {
        match st.find_tag(id) {
            Some(TagRef::Group(gi)) => match st.tag_groups.get(gi).filter(|g| !g.deleted) {
                None => return Err(WxError::detail(40068, format!("group {id} not found"))),
                Some(g) if g.origin != TagOrigin::Api => {
                    return Err(WxError::detail(
                        NOT_OWN_TAG,
                        format!("group {id} was not created by this app"),
                    ));
                }
                Some(_) => groups.push(gi),
            },
            _ => return Err(WxError::detail(40068, format!("group {id} not found"))),
        }
    }
    for (gi, ti) in tags {
        // A group whose last tag goes is deleted with it.
        st.delete_tag_at(gi, ti);
    }
    for gi in groups {
        st.delete_group_at(gi);
    }
    // Changes made through the API fire no callback.
    Ok(json!({}))
}

#[derive(Deserialize)]
struct MarkTagReq {
    userid: Option<String>,
    external_userid: Option<String>,
    #[serde(default)]
    add_tag: Vec<String>,
    #[serde(default)]
    remove_tag: Vec<String>,
}

fn mark_tag(st: &mut SimState, req: MarkTagReq) -> WxResult {
    if req.add_tag.is_empty() && req.remove_tag.is_empty() {
        return Err(WxError::detail(
            40058,
            "add_tag and remove_tag are both empty",
        ));
    }
    // The relationship is checked first (84061), then the tags (40068).
    addressed_relation(st, req.userid.as_deref(), req.external_userid.as_deref())?;
    for id in req.add_tag.iter().chain(req.remove_tag.iter()) {
        if st.live_tag(id).is_none() {
            return Err(WxError::detail(40068, format!("tag {id} not found")));
        }
    }
    let r = addressed_relation(st, req.userid.as_deref(), req.external_userid.as_deref())?;
    for id in req.add_tag {
        if !r.tag_ids.contains(&id) {
            r.tag_ids.push(id);
        }
    }
    r.tag_ids.retain(|t| !req.remove_tag.contains(t));
    // Changes made through the API fire no callback (no edit_external_contact).
    Ok(json!({}))
}

// ---------------------------------------------------------------------------------------------
// Sending
// ---------------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct TextPart {
    content: Option<String>,
}

#[derive(Deserialize)]
struct WelcomeReq {
    welcome_code: Option<String>,
    text: Option<TextPart>,
    #[serde(default)]
    attachments: Vec<Value>,
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

fn send_welcome_msg(st: &mut SimState, req: WelcomeReq, now_ms: i64) -> WxResult {
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

fn message_send(st: &mut SimState, config: &SimConfig, body: &[u8], now: i64) -> WxResult {
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

    #[test]
    fn public_base_prefers_config_then_host() {
        assert_eq!(
            public_base(Some("https://sim.example/"), Some("x:1")),
            "https://sim.example"
        );
        assert_eq!(
            public_base(None, Some("127.0.0.1:8080")),
            "http://127.0.0.1:8080"
        );
        assert_eq!(public_base(None, Some("evil/host")), "http://127.0.0.1");
        assert_eq!(public_base(None, None), "http://127.0.0.1");
    }
}
