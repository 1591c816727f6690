//! The `/cgi-bin/{*path}` entry point. A call goes through, in order: call counting → fault
//! injection → access-token check → method check → body parsing → the API, which the family
//! modules implement.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::common::{self, parse_body};
use super::contact_way as cw;
use super::groupmsg as gm;
use super::{customers, media, messages, tags, token, transfer};
use crate::config::SimConfig;
use crate::sim::Simulator;
use crate::state::{State as SimState, normalize_path};
use crate::transfer::TransferKind;
use crate::wx::{self, WxError, WxResult};

/// Largest request body read (WeCom bodies are small; 2 MiB is plenty).
const MAX_BODY: usize = 2 * 1024 * 1024;

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
    TransferCustomer,
    TransferResult,
    UnassignedList,
    ResignedTransferCustomer,
    ResignedTransferResult,
    UserBehaviorData,
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
            "externalcontact/transfer_customer" => Api::TransferCustomer,
            "externalcontact/transfer_result" => Api::TransferResult,
            "externalcontact/get_unassigned_list" => Api::UnassignedList,
            "externalcontact/resigned/transfer_customer" => Api::ResignedTransferCustomer,
            "externalcontact/resigned/transfer_result" => Api::ResignedTransferResult,
            "externalcontact/get_user_behavior_data" => Api::UserBehaviorData,
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
            Api::MediaUpload => (media::MAX_UPLOAD_BODY, 45001),
            Api::MediaUploadImg => (media::MAX_UPLOADIMG_BODY, 40009),
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
    let (result, outbox) = {
        let mut st = sim.lock();
        let result = dispatch(&mut st, config, req.api, &call);
        (result, std::mem::take(&mut st.transfer.outbox))
    };
    if !outbox.is_empty() {
        let sim = sim.clone();
        tokio::spawn(async move {
            for (kind, xml) in outbox {
                if let Err(e) = crate::callbacks::emit(&sim, &kind, &xml, 1).await {
                    tracing::warn!(kind, error = %e, "wecom-sim could not deliver a transfer event");
                }
            }
        });
    }
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
        return token::get_token(st, config, params, now_ms);
    }
    token::check_token(st, params, now_ms)?;
    st.settle_transfers(&config.corp_id, now_ms);
    if api.needs_post() && *method != Method::POST {
        return Err(WxError::detail(
            40058,
            "this api requires POST with a JSON body",
        ));
    }
    let now = now_ms.div_euclid(1000);
    match api {
        Api::GetToken => token::get_token(st, config, params, now_ms),
        Api::ContactGet => customers::contact_get(st, params),
        Api::FollowUserList => customers::follow_user_list(st),
        Api::UserGet => customers::user_get(st, params),
        Api::ContactList => customers::contact_list(st, params),
        Api::BatchGetByUser => customers::batch_get_by_user(st, parse_body(body)?),
        Api::Remark => customers::remark(st, parse_body(body)?),
        Api::CorpTagList => tags::corp_tag_list(st, parse_body_or_default(body)?),
        Api::AddCorpTag => tags::add_corp_tag(st, parse_body(body)?, now),
        Api::EditCorpTag => tags::edit_corp_tag(st, parse_body(body)?),
        Api::DelCorpTag => tags::del_corp_tag(st, parse_body(body)?),
        Api::MarkTag => tags::mark_tag(st, parse_body(body)?),
        Api::SendWelcomeMsg => messages::send_welcome_msg(st, parse_body(body)?, now_ms),
        Api::MessageSend => messages::message_send(st, config, body, now),
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
        Api::MediaUpload => media::upload(
            st,
            common::param(params, "type"),
            content_type,
            body,
            now_ms,
        ),
        Api::MediaUploadImg => media::upload_image(st, content_type, body, now_ms),
        Api::UserBehaviorData => {
            crate::behavior::get_user_behavior_data(st, parse_body(body)?, now)
        }
        Api::TransferCustomer => {
            transfer::transfer_customer(st, parse_body(body)?, TransferKind::OnJob, now_ms)
        }
        Api::ResignedTransferCustomer => {
            transfer::transfer_customer(st, parse_body(body)?, TransferKind::Resigned, now_ms)
        }
        Api::TransferResult => {
            transfer::transfer_result(st, parse_body(body)?, TransferKind::OnJob)
        }
        Api::ResignedTransferResult => {
            transfer::transfer_result(st, parse_body(body)?, TransferKind::Resigned)
        }
        Api::UnassignedList => transfer::get_unassigned_list(st, parse_body_or_default(body)?),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
