use std::sync::{Arc, Mutex};
use std::time::Duration;

use ports::Clock;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tracing::{debug, warn};

use crate::error::errcode;
use crate::model::{
    AddContactWayResponse, AddCorpTag, BatchPage, ContactWay, ContactWayDetail, ContactWayPage,
    CorpTagGroup, ExternalContactDetail, GroupMsgListPage, GroupMsgSendResultPage,
    GroupMsgTaskPage, MAX_APP_MESSAGE_USERS, MAX_APP_TEXT_BYTES, MAX_BATCH_LIMIT,
    MAX_BATCH_USERIDS, MAX_CONTACT_WAY_LIST_LIMIT, MAX_GROUPMSG_LIST_LIMIT,
    MAX_GROUPMSG_LIST_SPAN_SECS, MAX_GROUPMSG_TASK_LIMIT, MAX_UPLOADIMG_BYTES, MIN_MEDIA_BYTES,
    MarkTag, MediaKind, MsgTemplate, MsgTemplateCreated, Remark, UpdateContactWay, UploadedMedia,
    WelcomeMessage,
};
use crate::token::{CachedToken, TokenStore};
use crate::{RetryPolicy, WeComError};

/// Refresh this long before WeCom's expiry (the seed: "提前1分钟刷新").
const REFRESH_MARGIN_MS: i64 = 60_000;
/// How long one refresher may hold the lease.
const LEASE_MS: i64 = 15_000;
/// Polls of the shared store while another process refreshes.
const LEASE_POLLS: u32 = 30;
const LEASE_POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Where WeCom is reached from here.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `https://qyapi.weixin.qq.com` in production; the simulator's URL locally; or a reverse
    /// proxy with a fixed IP that forwards to WeCom.
    pub base_url: String,
    /// An HTTPS (CONNECT) proxy every call goes through, e.g. `http://10.0.0.5:3128`: the
    /// clinic's own proxy whose fixed IP is on the app's 企业可信IP list. `None`: direct.
    pub https_proxy: Option<String>,
}

impl Endpoint {
    /// WeCom itself, reached directly.
    pub fn production() -> Self {
        Self::at(crate::WECOM_BASE_URL)
    }

    /// A base URL, reached directly.
    pub fn at(base_url: &str) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            https_proxy: None,
        }
    }

    /// `WEWORK_API_BASE` (default WeCom's) and `WEWORK_HTTPS_PROXY` (default none).
    pub fn from_env_map(get: impl Fn(&str) -> Option<String>) -> Self {
        let set = |name: &str| {
            get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut endpoint = set("WEWORK_API_BASE").map_or_else(Self::production, |b| Self::at(&b));
        endpoint.https_proxy = set("WEWORK_HTTPS_PROXY");
        endpoint
    }
}

/// A proxy URL may carry a user and password: never printed.
impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("https_proxy", &self.https_proxy.as_ref().map(|_| "***"))
            .finish()
    }
}

/// Where and as whom the client calls WeCom.
#[derive(Clone)]
pub struct WeComSettings {
    pub endpoint: Endpoint,
    pub corp_id: String,
    pub corp_secret: String,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl WeComSettings {
    /// Direct calls to `base_url`.
    pub fn new(base_url: &str, corp_id: &str, corp_secret: &str) -> Self {
        Self::via(&Endpoint::at(base_url), corp_id, corp_secret)
    }

    /// Calls through `endpoint` (its base URL and proxy).
    pub fn via(endpoint: &Endpoint, corp_id: &str, corp_secret: &str) -> Self {
        Self {
            endpoint: endpoint.clone(),
            corp_id: corp_id.to_owned(),
            corp_secret: corp_secret.to_owned(),
            request_timeout: Duration::from_secs(5),
            retry: RetryPolicy::default(),
        }
    }
}

/// The secret is never printed.
impl std::fmt::Debug for WeComSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WeComSettings")
            .field("endpoint", &self.endpoint)
            .field("corp_id", &self.corp_id)
            .field("corp_secret", &"***")
            .field("request_timeout", &self.request_timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

/// The WeCom API client. Cheap to share behind an `Arc`.
pub struct WeComClient {
    http: reqwest::Client,
    settings: WeComSettings,
    /// corp id and secret; replaceable while running (a secret rotated in the admin API).
    credentials: Mutex<Credentials>,
    tokens: Arc<dyn TokenStore>,
    clock: Arc<dyn Clock>,
    local: Mutex<Option<CachedToken>>,
    refresh: tokio::sync::Mutex<()>,
    holder: String,
}

#[derive(Clone, PartialEq, Eq)]
struct Credentials {
    corp_id: String,
    corp_secret: String,
}

/// The outcome of one HTTP attempt.
enum Attempt {
    TokenRejected(WeComError),
    Retry(WeComError),
    Fail(WeComError),
}

#[derive(Clone, Copy)]
enum Verb {
    Get,
    Post,
}

/// What a request carries.
enum Payload {
    None,
    Json(Value),
    /// A `multipart/form-data` body, already framed.
    Multipart {
        content_type: String,
        body: Vec<u8>,
    },
}

/// Whether a request that may have reached WeCom can be sent again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Replay {
    /// Reads, and writes that are idempotent or harmless to repeat: transport failures,
    /// timeouts and HTTP 5xx are retried in-process.
    Safe,
    /// `add_msg_template`: a second request creates a second task. Failures after the request
    /// may have been sent come back as [`WeComError::Ambiguous`] and are not retried; WeCom's
    /// own refusals (-1 / 45033 / 6000, token errors) still are.
    Unsafe,
}

impl WeComClient {
    pub fn new(
        settings: WeComSettings,
        tokens: Arc<dyn TokenStore>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, WeComError> {
        let mut http = reqwest::Client::builder()
            .timeout(settings.request_timeout)
            .connect_timeout(Duration::from_secs(3));
        if let Some(proxy) = &settings.endpoint.https_proxy {
            // Not the URL in the message: it may carry the proxy's password.
            let proxy = reqwest::Proxy::all(proxy).map_err(|_| {
                WeComError::InvalidRequest("WEWORK_HTTPS_PROXY is not a valid proxy URL".into())
            })?;
            http = http.proxy(proxy);
        }
        let http = http
            .build()
            .map_err(|e| WeComError::InvalidRequest(format!("http client: {}", e.without_url())))?;
        let holder = format!("{:016x}", rand::random::<u64>());
        Ok(Self {
            http,
            credentials: Mutex::new(Credentials {
                corp_id: settings.corp_id.clone(),
                corp_secret: settings.corp_secret.clone(),
            }),
            settings,
            tokens,
            clock,
            local: Mutex::new(None),
            refresh: tokio::sync::Mutex::new(()),
            holder,
        })
    }

    pub fn corp_id(&self) -> String {
        self.credentials().corp_id
    }

    fn credentials(&self) -> Credentials {
        match self.credentials.lock() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Switches to other credentials (the secret was rotated). The cached token belonged to
    /// the old ones and is dropped; returns whether anything changed.
    pub fn set_credentials(&self, corp_id: &str, corp_secret: &str) -> bool {
        let next = Credentials {
            corp_id: corp_id.to_owned(),
            corp_secret: corp_secret.to_owned(),
        };
        let mut current = match self.credentials.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        if *current == next {
            return false;
        }
        *current = next;
        drop(current);
        if let Ok(mut local) = self.local.lock() {
            *local = None;
        }
        true
    }

    // ---- typed calls -------------------------------------------------------------------

    /// `externalcontact/get`, following `next_cursor` until every follow_user page is merged.
    pub async fn get_external_contact(
        &self,
        external_userid: &str,
    ) -> Result<ExternalContactDetail, WeComError> {
        let mut cursor = String::new();
        let mut merged: Option<ExternalContactDetail> = None;
        // A customer has at most a few thousand follow-users; 100 pages is a safe bound.
        for _ in 0..100 {
            let page: ExternalContactDetail = self
                .call(
                    "externalcontact/get",
                    Verb::Get,
                    &[("external_userid", external_userid), ("cursor", &cursor)],
                    None::<&()>,
                )
                .await?;
            let next = page.next_cursor.clone();
            match merged.as_mut() {
                None => merged = Some(page),
                Some(all) => all.follow_user.extend(page.follow_user),
            }
            if next.is_empty() {
                break;
            }
            cursor = next;
        }
        let mut detail = merged.unwrap_or_default();
        detail.next_cursor.clear();
        Ok(detail)
    }

    /// `externalcontact/get_follow_user_list`: staff with customer contact enabled.
    pub async fn get_follow_user_list(&self) -> Result<Vec<String>, WeComError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            follow_user: Vec<String>,
        }
        let resp: Resp = self
            .call(
                "externalcontact/get_follow_user_list",
                Verb::Get,
                &[],
                None::<&()>,
            )
            .await?;
        Ok(resp.follow_user)
    }

    /// `user/get`: a member's name (apps created since 2022-06-20 get the name only for members
    /// in their visible range, and none of the other personal fields).
    pub async fn get_user_name(&self, userid: &str) -> Result<Option<String>, WeComError> {
        if userid.is_empty() {
            return Err(WeComError::InvalidRequest(
                "get_user_name: userid is required".into(),
            ));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            name: String,
        }
        let resp: Resp = self
            .call("user/get", Verb::Get, &[("userid", userid)], None::<&()>)
            .await?;
        Ok(Some(resp.name).filter(|n| !n.trim().is_empty()))
    }

    /// `externalcontact/list`: the external_userids of one member's customers.
    pub async fn list_external_contacts(&self, userid: &str) -> Result<Vec<String>, WeComError> {
        if userid.is_empty() {
            return Err(WeComError::InvalidRequest(
                "list_external_contacts: userid is required".into(),
            ));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            external_userid: Vec<String>,
        }
        let resp: Resp = self
            .call(
                "externalcontact/list",
                Verb::Get,
                &[("userid", userid)],
                None::<&()>,
            )
            .await?;
        Ok(resp.external_userid)
    }

    /// `externalcontact/batch/get_by_user`: one page of the listed members' customers with
    /// their relationships. Pass `""` as the first cursor and the returned `next_cursor` after
    /// it, with the same `userid_list`, until it comes back `""`. At most 100 userids;
    /// `limit` 1 to 100.
    pub async fn batch_get_by_user(
        &self,
        userid_list: &[String],
        cursor: &str,
        limit: u32,
    ) -> Result<BatchPage, WeComError> {
        if userid_list.is_empty() || userid_list.len() > MAX_BATCH_USERIDS {
            return Err(WeComError::InvalidRequest(format!(
                "batch_get_by_user: userid_list must hold 1 to {MAX_BATCH_USERIDS} userids, not {}",
                userid_list.len()
            )));
        }
        if !(1..=MAX_BATCH_LIMIT).contains(&limit) {
            return Err(WeComError::InvalidRequest(format!(
                "batch_get_by_user: limit must be 1 to {MAX_BATCH_LIMIT}, not {limit}"
            )));
        }
        let mut body = serde_json::json!({ "userid_list": userid_list, "limit": limit });
        if !cursor.is_empty()
            && let Some(obj) = body.as_object_mut()
        {
            obj.insert("cursor".into(), Value::from(cursor));
        }
        self.call(
            "externalcontact/batch/get_by_user",
            Verb::Post,
            &[],
            Some(&body),
        )
        .await
    }

    /// `externalcontact/get_corp_tag_list` for the given tag ids only. Unlike the full listing,
    /// tags (and groups) deleted since come back too, with `deleted: true` — how a sync learns
    /// that a tag it holds is gone. Each tag is returned inside its group.
    pub async fn get_corp_tags_by_id(
        &self,
        tag_ids: &[String],
    ) -> Result<Vec<CorpTagGroup>, WeComError> {
        if tag_ids.is_empty() {
            return Err(WeComError::InvalidRequest(
                "get_corp_tags_by_id: at least one tag id is required (none lists every live tag)"
                    .into(),
            ));
        }
        self.get_corp_tag_list(tag_ids, &[]).await
    }

    /// `externalcontact/get_corp_tag_list`; both lists empty means every live tag; `group_ids`
    /// given means `tag_ids` is ignored (WeCom's rule). Entries asked for by id come back even
    /// when deleted, with `deleted: true` (see [`WeComClient::get_corp_tags_by_id`]).
    pub async fn get_corp_tag_list(
        &self,
        tag_ids: &[String],
        group_ids: &[String],
    ) -> Result<Vec<CorpTagGroup>, WeComError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            tag_group: Vec<CorpTagGroup>,
        }
        let body = serde_json::json!({ "tag_id": tag_ids, "group_id": group_ids });
        let resp: Resp = self
            .call(
                "externalcontact/get_corp_tag_list",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(resp.tag_group)
    }

    /// `externalcontact/add_corp_tag`; returns the group with the created (or existing) tags.
    pub async fn add_corp_tag(&self, request: &AddCorpTag) -> Result<CorpTagGroup, WeComError> {
        if request.tag.is_empty() {
            return Err(WeComError::InvalidRequest(
                "add_corp_tag needs at least one tag".into(),
            ));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            tag_group: CorpTagGroup,
        }
        let resp: Resp = self
            .call(
                "externalcontact/add_corp_tag",
                Verb::Post,
                &[],
                Some(request),
            )
            .await?;
        Ok(resp.tag_group)
    }

    /// `externalcontact/mark_tag`. Fires no callback: the caller updates its own record.
    pub async fn mark_tag(&self, request: &MarkTag) -> Result<(), WeComError> {
        if request.add_tag.is_empty() && request.remove_tag.is_empty() {
            return Err(WeComError::InvalidRequest(
                "mark_tag needs a tag to add or remove".into(),
            ));
        }
        let _: Value = self
            .call("externalcontact/mark_tag", Verb::Post, &[], Some(request))
            .await?;
        Ok(())
    }

    /// `externalcontact/send_welcome_msg` (within 20 s of the add event, once).
    pub async fn send_welcome_msg(&self, message: &WelcomeMessage) -> Result<(), WeComError> {
        message.validate().map_err(WeComError::InvalidRequest)?;
        let _: Value = self
            .call(
                "externalcontact/send_welcome_msg",
                Verb::Post,
                &[],
                Some(message),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/edit_corp_tag`: renames and/or reorders a tag or a group (`id` is
    /// either). Only tags this app created can be edited.
    pub async fn edit_corp_tag(
        &self,
        id: &str,
        name: Option<&str>,
        order: Option<u32>,
    ) -> Result<(), WeComError> {
        if id.is_empty() {
            return Err(WeComError::InvalidRequest(
                "edit_corp_tag: id is required".into(),
            ));
        }
        if let Some(n) = name
            && (n.trim().is_empty() || n.chars().count() > 30)
        {
            return Err(WeComError::InvalidRequest(
                "edit_corp_tag: name must be 1 to 30 characters".into(),
            ));
        }
        let mut body = serde_json::json!({ "id": id });
        if let Some(obj) = body.as_object_mut() {
            if let Some(n) = name {
                obj.insert("name".into(), Value::from(n));
            }
            if let Some(o) = order {
                obj.insert("order".into(), Value::from(o));
            }
        }
        let _: Value = self
            .call(
                "externalcontact/edit_corp_tag",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/del_corp_tag`: deletes tags and/or whole groups.
    pub async fn del_corp_tag(
        &self,
        tag_ids: &[String],
        group_ids: &[String],
    ) -> Result<(), WeComError> {
        if tag_ids.is_empty() && group_ids.is_empty() {
            return Err(WeComError::InvalidRequest(
                "del_corp_tag: tag_id or group_id is required".into(),
            ));
        }
        let body = serde_json::json!({ "tag_id": tag_ids, "group_id": group_ids });
        let _: Value = self
            .call("externalcontact/del_corp_tag", Verb::Post, &[], Some(&body))
            .await?;
        Ok(())
    }

    /// `externalcontact/remark`. Fires no callback: the caller updates its own record.
    pub async fn remark(&self, request: &Remark) -> Result<(), WeComError> {
        request
            .validate()
            .map_err(|e| WeComError::InvalidRequest(format!("remark: {e}")))?;
        let _: Value = self
            .call("externalcontact/remark", Verb::Post, &[], Some(request))
            .await?;
        Ok(())
    }

    /// `externalcontact/add_contact_way`. Store the returned `config_id`: API-created ways are
    /// invisible in the console.
    pub async fn add_contact_way(
        &self,
        way: &ContactWay,
    ) -> Result<AddContactWayResponse, WeComError> {
        way.validate()
            .map_err(|e| WeComError::InvalidRequest(format!("add_contact_way: {e}")))?;
        self.call(
            "externalcontact/add_contact_way",
            Verb::Post,
            &[],
            Some(way),
        )
        .await
    }

    /// `externalcontact/get_contact_way`.
    pub async fn get_contact_way(&self, config_id: &str) -> Result<ContactWayDetail, WeComError> {
        require_config_id("get_contact_way", config_id)?;
        #[derive(serde::Deserialize)]
        struct Resp {
            contact_way: ContactWayDetail,
        }
        let body = serde_json::json!({ "config_id": config_id });
        let resp: Resp = self
            .call(
                "externalcontact/get_contact_way",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(resp.contact_way)
    }

    /// `externalcontact/update_contact_way` (`user` / `party` overwrite the old lists).
    pub async fn update_contact_way(&self, update: &UpdateContactWay) -> Result<(), WeComError> {
        update
            .validate()
            .map_err(|e| WeComError::InvalidRequest(format!("update_contact_way: {e}")))?;
        let _: Value = self
            .call(
                "externalcontact/update_contact_way",
                Verb::Post,
                &[],
                Some(update),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/del_contact_way`.
    pub async fn del_contact_way(&self, config_id: &str) -> Result<(), WeComError> {
        require_config_id("del_contact_way", config_id)?;
        let body = serde_json::json!({ "config_id": config_id });
        let _: Value = self
            .call(
                "externalcontact/del_contact_way",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/list_contact_way`: one page of config ids (temporary ways are never
    /// listed). `start_time` defaults to 90 days ago, `limit` to 100 (at most 1000).
    pub async fn list_contact_way(
        &self,
        start_time: Option<i64>,
        end_time: Option<i64>,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ContactWayPage, WeComError> {
        if limit.is_some_and(|l| l > MAX_CONTACT_WAY_LIST_LIMIT) {
            return Err(WeComError::InvalidRequest(format!(
                "list_contact_way: limit is over {MAX_CONTACT_WAY_LIST_LIMIT}"
            )));
        }
        if let (Some(s), Some(e)) = (start_time, end_time)
            && s > e
        {
            return Err(WeComError::InvalidRequest(
                "list_contact_way: start_time is after end_time".into(),
            ));
        }
        #[derive(serde::Deserialize)]
        struct Item {
            config_id: String,
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            contact_way: Vec<Item>,
            #[serde(default)]
            next_cursor: String,
        }
        let mut body = serde_json::Map::new();
        if let Some(s) = start_time {
            body.insert("start_time".into(), Value::from(s));
        }
        if let Some(e) = end_time {
            body.insert("end_time".into(), Value::from(e));
        }
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            body.insert("cursor".into(), Value::from(c));
        }
        if let Some(l) = limit {
            body.insert("limit".into(), Value::from(l));
        }
        let resp: Resp = self
            .call(
                "externalcontact/list_contact_way",
                Verb::Post,
                &[],
                Some(&Value::Object(body)),
            )
            .await?;
        Ok(ContactWayPage {
            contact_way: resp.contact_way.into_iter().map(|w| w.config_id).collect(),
            next_cursor: resp.next_cursor,
        })
    }

    /// `externalcontact/close_temp_chat`: ends a temporary session (WeCom sends the conclusions).
    pub async fn close_temp_chat(
        &self,
        userid: &str,
        external_userid: &str,
    ) -> Result<(), WeComError> {
        if userid.is_empty() || external_userid.is_empty() {
            return Err(WeComError::InvalidRequest(
                "close_temp_chat: userid and external_userid are required".into(),
            ));
        }
        let body = serde_json::json!({ "userid": userid, "external_userid": external_userid });
        let _: Value = self
            .call(
                "externalcontact/close_temp_chat",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }

    /// `message/send` with a text to internal members (not to customers: wecom-api.md, note 1).
    /// Returns `invaliduser` (the userids WeCom could not reach); all invalid → errcode 81013.
    pub async fn send_app_text(
        &self,
        agent_id: &str,
        touser: &[String],
        content: &str,
    ) -> Result<Vec<String>, WeComError> {
        if agent_id.is_empty() {
            return Err(WeComError::InvalidRequest(
                "message/send: agentid is required".into(),
            ));
        }
        if touser.is_empty() || touser.len() > MAX_APP_MESSAGE_USERS {
            return Err(WeComError::InvalidRequest(format!(
                "message/send: touser must hold 1 to {MAX_APP_MESSAGE_USERS} userids"
            )));
        }
        if content.is_empty() {
            return Err(WeComError::InvalidRequest(
                "message/send: text.content is empty".into(),
            ));
        }
        if content.len() > MAX_APP_TEXT_BYTES {
            return Err(WeComError::InvalidRequest(format!(
                "message/send: text.content is over {MAX_APP_TEXT_BYTES} bytes"
            )));
        }
        // WeCom's agentid is an integer; keep a non-numeric one as given.
        let agentid = agent_id
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(agent_id));
        let body = serde_json::json!({
            "touser": touser.join("|"),
            "msgtype": "text",
            "agentid": agentid,
            "text": { "content": content },
        });
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            invaliduser: String,
        }
        let resp: Resp = self
            .call("message/send", Verb::Post, &[], Some(&body))
            .await?;
        Ok(resp
            .invaliduser
            .split('|')
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect())
    }

    // ---- 企业群发 and media (wecom-api.md §5) ----------------------------------------------

    /// `externalcontact/add_msg_template` (chat_type `single`): creates a task for
    /// `t.sender`, who must confirm it in the WeCom client; nothing is sent before that.
    /// Validated first ([`MsgTemplate::validate`] → [`WeComError::InvalidRequest`], no request).
    ///
    /// NOT idempotent at WeCom: a transport failure, timeout or HTTP 5xx after the request may
    /// have been sent is ambiguous (the task may exist). Those are not retried in-process and
    /// come back as [`WeComError::Ambiguous`]: reconcile (for example with
    /// [`WeComClient::get_groupmsg_list_v2`]) before sending again. WeCom's refusals that
    /// create nothing (-1 / 45033 / 6000) are still retried in-process, and the token is
    /// refreshed once on 40014 / 42001.
    pub async fn add_msg_template(
        &self,
        t: &MsgTemplate,
    ) -> Result<MsgTemplateCreated, WeComError> {
        t.validate()
            .map_err(|e| WeComError::InvalidRequest(format!("add_msg_template: {e}")))?;
        let mut body = serde_json::to_value(t)
            .map_err(|e| WeComError::InvalidRequest(format!("add_msg_template: {e}")))?;
        if let Some(obj) = body.as_object_mut() {
            obj.insert("chat_type".into(), Value::from("single"));
        }
        self.send(
            "externalcontact/add_msg_template",
            Verb::Post,
            &[],
            &Payload::Json(body),
            Replay::Unsafe,
        )
        .await
    }

    /// `externalcontact/get_groupmsg_list_v2`: one page (up to 100) of the corp-created
    /// (`filter_type` 0) single-chat 群发 created between `start_time` and `end_time` (unix
    /// seconds, at most 31 days apart), optionally only `creator`'s.
    pub async fn get_groupmsg_list_v2(
        &self,
        creator: Option<&str>,
        start_time: i64,
        end_time: i64,
        cursor: Option<&str>,
    ) -> Result<GroupMsgListPage, WeComError> {
        if end_time < start_time {
            return Err(WeComError::InvalidRequest(
                "get_groupmsg_list_v2: end_time is before start_time".into(),
            ));
        }
        if end_time - start_time > MAX_GROUPMSG_LIST_SPAN_SECS {
            return Err(WeComError::InvalidRequest(
                "get_groupmsg_list_v2: start_time to end_time spans more than 31 days".into(),
            ));
        }
        let mut body = serde_json::json!({
            "chat_type": "single",
            "start_time": start_time,
            "end_time": end_time,
            "filter_type": 0,
            "limit": MAX_GROUPMSG_LIST_LIMIT,
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(c) = creator.filter(|c| !c.is_empty()) {
                obj.insert("creator".into(), Value::from(c));
            }
            if let Some(c) = cursor.filter(|c| !c.is_empty()) {
                obj.insert("cursor".into(), Value::from(c));
            }
        }
        self.call(
            "externalcontact/get_groupmsg_list_v2",
            Verb::Post,
            &[],
            Some(&body),
        )
        .await
    }

    /// `externalcontact/get_groupmsg_task`: one page (up to 1000) of the members' tasks of a
    /// 群发 (status 0 not sent, 2 sent). Right after creation WeCom answers 41063
    /// ([`errcode::GROUPMSG_DISPATCHING`], a plain [`WeComError::Api`]): ask again later.
    pub async fn get_groupmsg_task(
        &self,
        msgid: &str,
        cursor: Option<&str>,
    ) -> Result<GroupMsgTaskPage, WeComError> {
        require("get_groupmsg_task", "msgid", msgid)?;
        let mut body = serde_json::json!({ "msgid": msgid, "limit": MAX_GROUPMSG_TASK_LIMIT });
        if let (Some(c), Some(obj)) = (cursor.filter(|c| !c.is_empty()), body.as_object_mut()) {
            obj.insert("cursor".into(), Value::from(c));
        }
        self.call(
            "externalcontact/get_groupmsg_task",
            Verb::Post,
            &[],
            Some(&body),
        )
        .await
    }

    /// `externalcontact/get_groupmsg_send_result`: one page (up to 1000) of one member's
    /// recipients with their status (0 not sent, 1 sent, 2 not a friend, 3 over quota).
    /// 41063 right after creation, as [`WeComClient::get_groupmsg_task`].
    pub async fn get_groupmsg_send_result(
        &self,
        msgid: &str,
        userid: &str,
        cursor: Option<&str>,
    ) -> Result<GroupMsgSendResultPage, WeComError> {
        require("get_groupmsg_send_result", "msgid", msgid)?;
        require("get_groupmsg_send_result", "userid", userid)?;
        let mut body = serde_json::json!({
            "msgid": msgid,
            "userid": userid,
            "limit": MAX_GROUPMSG_TASK_LIMIT,
        });
        if let (Some(c), Some(obj)) = (cursor.filter(|c| !c.is_empty()), body.as_object_mut()) {
            obj.insert("cursor".into(), Value::from(c));
        }
        self.call(
            "externalcontact/get_groupmsg_send_result",
            Verb::Post,
            &[],
            Some(&body),
        )
        .await
    }

    /// `externalcontact/remind_groupmsg_send`: reminds the members who have not sent yet.
    /// At most 3 reminders per 群发 within 24 hours (beyond: 45009 →
    /// [`WeComError::RateLimited`]).
    pub async fn remind_groupmsg_send(&self, msgid: &str) -> Result<(), WeComError> {
        require("remind_groupmsg_send", "msgid", msgid)?;
        let body = serde_json::json!({ "msgid": msgid });
        let _: Value = self
            .call(
                "externalcontact/remind_groupmsg_send",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/cancel_groupmsg_send`: members who have not sent yet can no longer
    /// send this 群发.
    pub async fn cancel_groupmsg_send(&self, msgid: &str) -> Result<(), WeComError> {
        require("cancel_groupmsg_send", "msgid", msgid)?;
        let body = serde_json::json!({ "msgid": msgid });
        let _: Value = self
            .call(
                "externalcontact/cancel_groupmsg_send",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }

    /// `media/upload?type=…`: a temporary media file (its `media_id` is valid for 3 days),
    /// sent as `multipart/form-data` with the part `media` carrying `filename` and
    /// `filelength`. Sizes are checked first: more than 5 bytes and at most
    /// [`MediaKind::max_bytes`]. A retry after a transport failure at worst uploads a second,
    /// unused copy, so transport failures are retried.
    pub async fn upload_media(
        &self,
        kind: MediaKind,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<UploadedMedia, WeComError> {
        require("media/upload", "filename", filename)?;
        if bytes.len() <= MIN_MEDIA_BYTES {
            return Err(WeComError::InvalidRequest(format!(
                "media/upload: a file must be larger than {MIN_MEDIA_BYTES} bytes"
            )));
        }
        if bytes.len() > kind.max_bytes() {
            return Err(WeComError::InvalidRequest(format!(
                "media/upload: a {} file may be at most {} bytes, not {}",
                kind.as_str(),
                kind.max_bytes(),
                bytes.len()
            )));
        }
        self.send(
            "media/upload",
            Verb::Post,
            &[("type", kind.as_str())],
            &multipart_media(filename, &bytes),
            Replay::Safe,
        )
        .await
    }

    /// `media/uploadimg`: an image (5 bytes to 2 MB) → a **permanent** URL for `pic_url`
    /// fields. WeCom allows 3000 per month and 1000 per day per corp.
    pub async fn upload_image(&self, filename: &str, bytes: Vec<u8>) -> Result<String, WeComError> {
        require("media/uploadimg", "filename", filename)?;
        if bytes.len() < MIN_MEDIA_BYTES || bytes.len() > MAX_UPLOADIMG_BYTES {
            return Err(WeComError::InvalidRequest(format!(
                "media/uploadimg: an image must be {MIN_MEDIA_BYTES} to {MAX_UPLOADIMG_BYTES} bytes, not {}",
                bytes.len()
            )));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            url: String,
        }
        let resp: Resp = self
            .send(
                "media/uploadimg",
                Verb::Post,
                &[],
                &multipart_media(filename, &bytes),
                Replay::Safe,
            )
            .await?;
        Ok(resp.url)
    }

    // ---- token -------------------------------------------------------------------------

    /// A valid access token: from this process, else the shared store, else `gettoken`
    /// under the shared refresh lease (one refresher at a time across processes).
    pub async fn access_token(&self) -> Result<String, WeComError> {
        if let Some(token) = self.local_fresh() {
            return Ok(token);
        }
        let _single_flight = self.refresh.lock().await;
        if let Some(token) = self.local_fresh() {
            return Ok(token);
        }
        if let Some(token) = self.shared_fresh().await? {
            return Ok(token);
        }
        for _ in 0..LEASE_POLLS {
            let now = self.clock.now_ms();
            if self
                .tokens
                .try_lease(&self.holder, now, now + LEASE_MS)
                .await?
            {
                let fetched = self.fetch_token().await;
                let saved = match &fetched {
                    Ok(token) => self.tokens.save(token).await,
                    Err(_) => Ok(()),
                };
                if let Err(e) = self.tokens.release_lease(&self.holder).await {
                    warn!(error = %e, "could not release the token lease; it will expire");
                }
                let token = fetched?;
                saved?;
                return Ok(self.remember(token));
            }
            tokio::time::sleep(LEASE_POLL_INTERVAL).await;
            if let Some(token) = self.shared_fresh().await? {
                return Ok(token);
            }
        }
        // The lease holder is slow or gone; fetching ourselves is safe (WeCom returns the same
        // token inside its lifetime).
        let token = self.fetch_token().await?;
        self.tokens.save(&token).await?;
        Ok(self.remember(token))
    }

    fn local_fresh(&self) -> Option<String> {
        let now = self.clock.now_ms();
        let local = self.local.lock().ok()?;
        local
            .as_ref()
            .filter(|t| t.is_fresh(now, REFRESH_MARGIN_MS))
            .map(|t| t.access_token.clone())
    }

    async fn shared_fresh(&self) -> Result<Option<String>, WeComError> {
        let now = self.clock.now_ms();
        match self.tokens.load().await? {
            Some(token) if token.is_fresh(now, REFRESH_MARGIN_MS) => Ok(Some(self.remember(token))),
            _ => Ok(None),
        }
    }

    fn remember(&self, token: CachedToken) -> String {
        let value = token.access_token.clone();
        if let Ok(mut local) = self.local.lock() {
            *local = Some(token);
        }
        value
    }

    async fn forget(&self, rejected: &str) -> Result<(), WeComError> {
        if let Ok(mut local) = self.local.lock()
            && local.as_ref().is_some_and(|t| t.access_token == rejected)
        {
            *local = None;
        }
        self.tokens.invalidate(rejected).await
    }

    async fn fetch_token(&self) -> Result<CachedToken, WeComError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            access_token: String,
            expires_in: i64,
        }
        let url = format!("{}/cgi-bin/gettoken", self.settings.endpoint.base_url);
        let credentials = self.credentials();
        let query = [
            ("corpid", credentials.corp_id.as_str()),
            ("corpsecret", credentials.corp_secret.as_str()),
        ];
        let mut retries = 0;
        loop {
            let sent = self.http.get(&url).query(&query).send().await;
            let attempt = match classify_http("gettoken", sent, Replay::Safe).await {
                Ok(value) => match errcode_of(&value) {
                    0 => {
                        let resp: Resp = decode("gettoken", value)?;
                        debug!(expires_in = resp.expires_in, "fetched a new access token");
                        return Ok(CachedToken {
                            access_token: resp.access_token,
                            expires_at_ms: self.clock.now_ms() + resp.expires_in * 1000,
                        });
                    }
                    errcode::INVALID_SECRET => Attempt::Fail(WeComError::InvalidSecret {
                        errmsg: errmsg_of(&value),
                    }),
                    code => classify_errcode("gettoken", code, errmsg_of(&value)),
                },
                Err(attempt) => attempt,
            };
            match attempt {
                Attempt::Retry(err) if retries < self.settings.retry.max_retries => {
                    retries += 1;
                    warn!(api = "gettoken", retry = retries, error = %err, "retrying");
                    tokio::time::sleep(self.settings.retry.delay(retries)).await;
                }
                Attempt::Retry(err) | Attempt::Fail(err) | Attempt::TokenRejected(err) => {
                    return Err(err);
                }
            }
        }
    }

    // ---- transport ---------------------------------------------------------------------

    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        api: &'static str,
        verb: Verb,
        params: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<T, WeComError> {
        let payload = match body {
            Some(b) => Payload::Json(
                serde_json::to_value(b)
                    .map_err(|e| WeComError::InvalidRequest(format!("{api}: {e}")))?,
            ),
            None => Payload::None,
        };
        self.send(api, verb, params, &payload, Replay::Safe).await
    }

    /// One API call with the token in the URL: refreshes the token once on 40014 / 42001 and
    /// retries -1 / 45033 / 6000 (and, for [`Replay::Safe`], transport failures) with backoff.
    async fn send<T: DeserializeOwned>(
        &self,
        api: &'static str,
        verb: Verb,
        params: &[(&str, &str)],
        payload: &Payload,
        replay: Replay,
    ) -> Result<T, WeComError> {
        let url = format!("{}/cgi-bin/{api}", self.settings.endpoint.base_url);
        let mut retries = 0;
        let mut refreshed = false;
        loop {
            let token = self.access_token().await?;
            let mut query: Vec<(&str, &str)> = Vec::with_capacity(params.len() + 1);
            query.push(("access_token", token.as_str()));
            query.extend_from_slice(params);
            let request = match verb {
                Verb::Get => self.http.get(&url),
                Verb::Post => self.http.post(&url),
            }
            .query(&query);
            let request = match payload {
                Payload::None => request,
                Payload::Json(body) => request.json(body),
                Payload::Multipart { content_type, body } => request
                    .header(reqwest::header::CONTENT_TYPE, content_type.as_str())
                    .body(body.clone()),
            };
            let attempt = match classify_http(api, request.send().await, replay).await {
                Ok(value) => match errcode_of(&value) {
                    0 => {
                        return decode(api, value).map_err(|e| match (replay, e) {
                            // WeCom applied it, but its answer (the msgid) is unreadable.
                            (Replay::Unsafe, WeComError::Decode { api, detail }) => {
                                WeComError::Ambiguous { api, detail }
                            }
                            (_, e) => e,
                        });
                    }
                    code => classify_errcode(api, code, errmsg_of(&value)),
                },
                Err(attempt) => attempt,
            };
            match attempt {
                Attempt::TokenRejected(err) if !refreshed => {
                    refreshed = true;
                    debug!(api, error = %err, "token refused; refreshing once");
                    self.forget(&token).await?;
                }
                Attempt::Retry(err) if retries < self.settings.retry.max_retries => {
                    retries += 1;
                    warn!(api, retry = retries, error = %err, "retrying");
                    tokio::time::sleep(self.settings.retry.delay(retries)).await;
                }
                Attempt::TokenRejected(err) | Attempt::Retry(err) | Attempt::Fail(err) => {
                    return Err(err);
                }
            }
        }
    }
}

async fn classify_http(
    api: &'static str,
    sent: Result<reqwest::Response, reqwest::Error>,
    replay: Replay,
) -> Result<Value, Attempt> {
    // After the request may have reached WeCom, a non-replayable call cannot tell whether it
    // was applied.
    let unsure = |detail: String| match replay {
        Replay::Safe => Attempt::Retry(WeComError::Transport { api, detail }),
        Replay::Unsafe => Attempt::Fail(WeComError::Ambiguous { api, detail }),
    };
    let response = sent.map_err(|e| {
        // A failed connection sent nothing: safe to retry whatever the call.
        let connect = e.is_connect();
        // Never let the URL (it carries the access token or the secret) reach a log.
        let detail = e.without_url().to_string();
        if connect {
            Attempt::Retry(WeComError::Transport { api, detail })
        } else {
            unsure(detail)
        }
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(Attempt::Retry(WeComError::Transport {
            api,
            detail: format!("HTTP {status}"),
        }));
    }
    if status.is_server_error() {
        return Err(unsure(format!("HTTP {status}")));
    }
    if !status.is_success() {
        return Err(Attempt::Fail(WeComError::Decode {
            api,
            detail: format!("HTTP {status}"),
        }));
    }
    response
        .json::<Value>()
        .await
        .map_err(|e| unsure(e.without_url().to_string()))
}

/// A `multipart/form-data` body with the file in the part `media`, as WeCom documents it:
/// `Content-Disposition: form-data; name="media";filename="…"; filelength=N`.
fn multipart_media(filename: &str, bytes: &[u8]) -> Payload {
    // Quotes and line breaks would break the header; WeCom only shows the name.
    let filename: String = filename
        .chars()
        .map(|c| match c {
            '"' | '\\' | '\r' | '\n' => '_',
            c => c,
        })
        .collect();
    let boundary = loop {
        let b = format!(
            "----wecom-api-{:016x}{:016x}",
            rand::random::<u64>(),
            rand::random::<u64>()
        );
        let delim = format!("--{b}");
        if !bytes.windows(delim.len()).any(|w| w == delim.as_bytes()) {
            break b;
        }
    };
    let mut body = Vec::with_capacity(bytes.len() + 512);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"media\";filename=\"{filename}\"; filelength={}\r\nContent-Type: application/octet-stream\r\n\r\n",
            bytes.len()
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Payload::Multipart {
        content_type: format!("multipart/form-data; boundary={boundary}"),
        body,
    }
}

fn classify_errcode(api: &'static str, code: i64, errmsg: String) -> Attempt {
    match code {
        errcode::INVALID_TOKEN | errcode::TOKEN_EXPIRED => {
            Attempt::TokenRejected(WeComError::Api {
                api,
                errcode: code,
                errmsg,
            })
        }
        errcode::SYSTEM_BUSY | errcode::CONCURRENCY_LIMIT | errcode::DATA_VERSION_CONFLICT => {
            Attempt::Retry(WeComError::Busy {
                api,
                errcode: code,
                errmsg,
            })
        }
        errcode::FREQUENCY_LIMIT => Attempt::Fail(WeComError::RateLimited { api, errmsg }),
        errcode::INVALID_SECRET => Attempt::Fail(WeComError::InvalidSecret { errmsg }),
        _ => Attempt::Fail(WeComError::Api {
            api,
            errcode: code,
            errmsg,
        }),
    }
}

fn require(api: &str, field: &str, value: &str) -> Result<(), WeComError> {
    if value.is_empty() {
        return Err(WeComError::InvalidRequest(format!(
            "{api}: {field} is required"
        )));
    }
    Ok(())
}

fn require_config_id(api: &str, config_id: &str) -> Result<(), WeComError> {
    if config_id.is_empty() {
        return Err(WeComError::InvalidRequest(format!(
            "{api}: config_id is required"
        )));
    }
    Ok(())
}

fn errcode_of(value: &Value) -> i64 {
    value.get("errcode").and_then(Value::as_i64).unwrap_or(0)
}

fn errmsg_of(value: &Value) -> String {
    value
        .get("errmsg")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn decode<T: DeserializeOwned>(api: &'static str, value: Value) -> Result<T, WeComError> {
    serde_json::from_value(value).map_err(|e| WeComError::Decode {
        api,
        detail: e.to_string(),
    })
}
