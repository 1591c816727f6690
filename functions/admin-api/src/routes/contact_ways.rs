//! 「联系我」 contact ways: create (every add_contact_way option, including the medical
//! temporary-session mode with closing messages), list, read, edit, delete, and the QR image.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use crm::aggregates::contribution::contact_way;
use crm::aggregates::{Aggregates, Counts};
use crm::repo::{ContactWayRecord, ContactWayRepo, ContactWayStatus};
use serde::{Deserialize, Serialize};
use tracing::error;
use utoipa::{IntoParams, ToSchema};
use wecom_api::model::{Conclusions, ContactWay, ContactWayDetail, RuleError, UpdateContactWay};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::{AdminState, page_limit};

/// A new 「联系我」, in WeCom's field names (`add_contact_way`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContactWay {
    /// 1 单人, 2 多人.
    #[serde(rename = "type")]
    pub type_: u8,
    /// 1 小程序中联系, 2 二维码.
    pub scene: u8,
    pub style: Option<u8>,
    /// ≤ 30 characters.
    pub remark: Option<String>,
    /// Default true.
    pub skip_verify: Option<bool>,
    /// The channel, ≤ 30 characters (e.g. `xiaohongshu`).
    pub state: Option<String>,
    #[serde(default)]
    pub user: Vec<String>,
    #[serde(default)]
    pub party: Vec<u64>,
    pub is_exclusive: Option<bool>,
    /// Temporary session (medical-industry corps; single member only).
    pub is_temp: Option<bool>,
    /// Seconds, ≤ 14 days.
    pub expires_in: Option<u32>,
    /// Seconds, ≤ 14 days.
    pub chat_expires_in: Option<u32>,
    pub unionid: Option<String>,
    /// Closing messages of a temporary session: `{text:{content}, image:{media_id|pic_url},
    /// link:{title,picurl,desc,url}, miniprogram:{title,pic_media_id,appid,page}}`.
    pub conclusions: Option<Conclusions>,
}

/// A change (`update_contact_way`): `user` and `party`, when given, replace the old lists.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactWayPatch {
    pub remark: Option<String>,
    pub skip_verify: Option<bool>,
    pub style: Option<u8>,
    pub state: Option<String>,
    pub user: Option<Vec<String>>,
    pub party: Option<Vec<u64>>,
    pub expires_in: Option<u32>,
    pub chat_expires_in: Option<u32>,
    pub unionid: Option<String>,
    pub conclusions: Option<Conclusions>,
}

/// A stored 「联系我」.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactWayView {
    pub config_id: String,
    pub status: ContactWayStatus,
    /// The settings, in WeCom's `get_contact_way` shape (`type`, `scene`, `state`, `qr_code`, …).
    pub contact_way: ContactWayDetail,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    pub deleted_at_ms: Option<i64>,
    pub created_by: String,
    /// Relationships credited to this code (added through it), exactly: a maintained counter.
    pub customers_added: u64,
    /// Of those, not ended.
    pub still_connected: u64,
}

impl ContactWayView {
    fn from_record(record: ContactWayRecord, counts: Counts) -> Self {
        Self {
            config_id: record.config_id,
            status: record.status,
            contact_way: record.way,
            created_at_ms: record.created_at_ms,
            updated_at_ms: record.updated_at_ms,
            deleted_at_ms: record.deleted_at_ms,
            created_by: record.created_by,
            customers_added: counts.count(contact_way::ADDED),
            still_connected: counts.count(contact_way::CONNECTED),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactWayPage {
    pub items: Vec<ContactWayView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactWayQuery {
    /// Only this channel's ways.
    pub state: Option<String>,
    /// Deleted ways too (default false).
    pub include_deleted: Option<bool>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// WeCom's 「联系我」 rules, in Chinese, for the field at fault.
fn rule_error(e: &RuleError) -> ApiError {
    let message = match e.field.as_str() {
        "type" => "type 必须是 1（单人）或 2（多人）",
        "scene" => "scene 必须是 1（小程序中联系）或 2（二维码）",
        "style" => "style 不符合要求：单人可选 1–3，多人可选 1–2",
        "remark" => "备注不能超过 30 个字符",
        "state" => "渠道标识 state 不能超过 30 个字符",
        "user" => {
            "单人「联系我」必须且只能指定一名成员；多人「联系我」需要成员或部门，且不超过 100 人"
        }
        "party" => "部门只能用于多人「联系我」",
        "is_temp" => "临时会话只能用于单人「联系我」",
        "expires_in" => "二维码有效期不能超过 14 天（1209600 秒）",
        "chat_expires_in" => "临时会话有效期不能超过 14 天（1209600 秒）",
        "conclusions" => "结束语只能用于临时会话",
        f if f.starts_with("conclusions.") => "结束语内容不符合企业微信的要求（必填项缺失或超长）",
        _ => "不符合企业微信「联系我」的规则",
    };
    ApiError::invalid_field(&e.field, message)
}

/// Creates the 「联系我」 in WeCom and stores it at once: its config_id is the only handle on it.
#[utoipa::path(post, path = "/api/contact-ways", tag = "contact-ways", request_body = NewContactWay,
    responses((status = 201, body = ContactWayView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(new): ApiJson<NewContactWay>,
) -> ApiResult<(StatusCode, Json<ContactWayView>)> {
    let way = ContactWay {
        type_: new.type_,
        scene: new.scene,
        style: new.style,
        remark: new.remark,
        skip_verify: new.skip_verify,
        state: new.state,
        user: new.user,
        party: new.party,
        is_temp: new.is_temp,
        expires_in: new.expires_in,
        chat_expires_in: new.chat_expires_in,
        unionid: new.unionid,
        is_exclusive: new.is_exclusive,
        conclusions: new.conclusions,
    };
    way.validate().map_err(|e| rule_error(&e))?;
    let created = state
        .wecom
        .add_contact_way(&way)
        .await
        .map_err(|e| ApiError::wecom(&e))?;
    let now = state.clock.now_ms();
    let record = ContactWayRecord {
        config_id: created.config_id.clone(),
        way: ContactWayDetail {
            config_id: created.config_id.clone(),
            type_: way.type_,
            scene: way.scene,
            style: way.style,
            remark: way.remark.clone().unwrap_or_default(),
            skip_verify: way.skip_verify.unwrap_or(true),
            state: way.state.clone().unwrap_or_default(),
            qr_code: created.qr_code.clone(),
            user: way.user.clone(),
            party: way.party.clone(),
            is_temp: way.is_temp.unwrap_or(false),
            expires_in: way.expires_in,
            chat_expires_in: way.chat_expires_in,
            unionid: way.unionid.clone(),
            is_exclusive: way.is_exclusive.unwrap_or(false),
            conclusions: way.conclusions.clone(),
        },
        status: ContactWayStatus::Active,
        created_at_ms: now,
        updated_at_ms: now,
        deleted_at_ms: None,
        created_by: caller.id.clone(),
    };
    let repo = ContactWayRepo::new(state.store.clone());
    // The way exists in WeCom now: keep trying to record it before anything else.
    let mut stored = repo.insert(&record).await;
    for _ in 0..3 {
        if stored.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        stored = repo.insert(&record).await;
    }
    if let Err(e) = stored {
        error!(config_id = %record.config_id, error = %e, "created a contact way but could not store it");
        return Err(ApiError::unavailable_with(format!(
            "「联系我」已在企业微信创建，但保存失败，请记录 config_id：{}",
            record.config_id
        )));
    }
    state
        .audited(&caller, "contact_way.create", &record.config_id, Vec::new())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ContactWayView::from_record(record, Counts::default())),
    ))
}

/// The stored 「联系我」, newest first.
#[utoipa::path(get, path = "/api/contact-ways", tag = "contact-ways", params(ContactWayQuery),
    responses((status = 200, body = ContactWayPage), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<ContactWayQuery>,
) -> ApiResult<Json<ContactWayPage>> {
    let limit = page_limit(q.limit)?;
    let filter = q.state.as_deref().filter(|s| !s.is_empty());
    let (records, next_cursor) = ContactWayRepo::new(state.store.clone())
        .list(filter, limit, q.cursor)
        .await?;
    let include_deleted = q.include_deleted.unwrap_or(false);
    let mut items = Vec::with_capacity(records.len());
    for r in records
        .into_iter()
        .filter(|r| include_deleted || r.status == ContactWayStatus::Active)
    {
        let counts = counts_of(&state, &r.config_id).await?;
        items.push(ContactWayView::from_record(r, counts));
    }
    Ok(Json(ContactWayPage { items, next_cursor }))
}

async fn load(state: &AdminState, config_id: &str) -> ApiResult<ContactWayRecord> {
    ContactWayRepo::new(state.store.clone())
        .get(config_id)
        .await?
        .ok_or_else(|| ApiError::not_found("该「联系我」"))
}

/// The code's maintained counters (one read).
async fn counts_of(state: &AdminState, config_id: &str) -> ApiResult<Counts> {
    Ok(Aggregates::new(state.store.clone())
        .contact_way(config_id)
        .await?)
}

/// One 「联系我」 with how many customers came through its channel.
#[utoipa::path(get, path = "/api/contact-ways/{config_id}", tag = "contact-ways",
    params(("config_id" = String, Path)),
    responses((status = 200, body = ContactWayView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AdminState>,
    ApiPath(config_id): ApiPath<String>,
) -> ApiResult<Json<ContactWayView>> {
    let record = load(&state, &config_id).await?;
    let counts = counts_of(&state, &record.config_id).await?;
    Ok(Json(ContactWayView::from_record(record, counts)))
}

/// Edits the 「联系我」 in WeCom, then the stored record.
#[utoipa::path(patch, path = "/api/contact-ways/{config_id}", tag = "contact-ways",
    params(("config_id" = String, Path)), request_body = ContactWayPatch,
    responses((status = 200, body = ContactWayView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(config_id): ApiPath<String>,
    ApiJson(patch): ApiJson<ContactWayPatch>,
) -> ApiResult<Json<ContactWayView>> {
    let record = load(&state, &config_id).await?;
    if record.status == ContactWayStatus::Deleted {
        return Err(ApiError::conflict("该「联系我」已删除，不能再编辑"));
    }
    let way = &record.way;
    if patch
        .user
        .as_ref()
        .is_some_and(|u| way.type_ == 1 && u.len() != 1)
    {
        return Err(ApiError::invalid_field(
            "user",
            "单人「联系我」必须且只能指定一名成员",
        ));
    }
    if patch.conclusions.is_some() && !way.is_temp {
        return Err(ApiError::invalid_field(
            "conclusions",
            "结束语只能用于临时会话",
        ));
    }
    let update = UpdateContactWay {
        config_id: config_id.clone(),
        remark: patch.remark.clone(),
        skip_verify: patch.skip_verify,
        style: patch.style,
        state: patch.state.clone(),
        user: patch.user.clone(),
        party: patch.party.clone(),
        expires_in: patch.expires_in,
        chat_expires_in: patch.chat_expires_in,
        unionid: patch.unionid.clone(),
        conclusions: patch.conclusions.clone(),
    };
    update.validate().map_err(|e| rule_error(&e))?;
    state
        .wecom
        .update_contact_way(&update)
        .await
        .map_err(|e| ApiError::wecom(&e))?;
    let now = state.clock.now_ms();
    let mut fields = Vec::new();
    let updated = ContactWayRepo::new(state.store.clone())
        .update(&config_id, |mut r| {
            fields.clear();
            let w = &mut r.way;
            let mut set = |name: &str, changed: bool| {
                if changed {
                    fields.push(name.to_owned());
                }
            };
            if let Some(v) = &patch.remark {
                set("remark", w.remark != *v);
                w.remark.clone_from(v);
            }
            if let Some(v) = patch.skip_verify {
                set("skip_verify", w.skip_verify != v);
                w.skip_verify = v;
            }
            if let Some(v) = patch.style {
                set("style", w.style != Some(v));
                w.style = Some(v);
            }
            if let Some(v) = &patch.state {
                set("state", w.state != *v);
                w.state.clone_from(v);
            }
            if let Some(v) = &patch.user {
                set("user", w.user != *v);
                w.user.clone_from(v);
            }
            if let Some(v) = &patch.party {
                set("party", w.party != *v);
                w.party.clone_from(v);
            }
            if let Some(v) = patch.expires_in {
                set("expires_in", w.expires_in != Some(v));
                w.expires_in = Some(v);
            }
            if let Some(v) = patch.chat_expires_in {
                set("chat_expires_in", w.chat_expires_in != Some(v));
                w.chat_expires_in = Some(v);
            }
            if let Some(v) = &patch.unionid {
                set("unionid", w.unionid.as_ref() != Some(v));
                w.unionid = Some(v.clone());
            }
            if let Some(v) = &patch.conclusions {
                set("conclusions", w.conclusions.as_ref() != Some(v));
                w.conclusions = Some(v.clone());
            }
            r.updated_at_ms = now;
            Some(r)
        })
        .await?
        .ok_or_else(|| ApiError::not_found("该「联系我」"))?;
    state
        .audited(&caller, "contact_way.update", &config_id, fields)
        .await?;
    let counts = counts_of(&state, &updated.config_id).await?;
    Ok(Json(ContactWayView::from_record(updated, counts)))
}

/// Deletes the 「联系我」 in WeCom; the record stays, marked deleted, with its statistics.
#[utoipa::path(delete, path = "/api/contact-ways/{config_id}", tag = "contact-ways",
    params(("config_id" = String, Path)),
    responses((status = 200, body = ContactWayView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(config_id): ApiPath<String>,
) -> ApiResult<Json<ContactWayView>> {
    let record = load(&state, &config_id).await?;
    if record.status == ContactWayStatus::Active {
        match state.wecom.del_contact_way(&config_id).await {
            Ok(()) => {}
            // WeCom no longer knows the id (deleted elsewhere): record it as deleted.
            Err(e) if e.errcode() == Some(wecom_api::errcode::INVALID_PARAMETER) => {}
            Err(e) => return Err(ApiError::wecom(&e)),
        }
    }
    let now = state.clock.now_ms();
    let deleted = ContactWayRepo::new(state.store.clone())
        .update(&config_id, |mut r| {
            if r.status == ContactWayStatus::Deleted {
                return None;
            }
            r.status = ContactWayStatus::Deleted;
            r.deleted_at_ms = Some(now);
            r.updated_at_ms = now;
            Some(r)
        })
        .await?;
    let record = match deleted {
        Some(r) => {
            state
                .audited(&caller, "contact_way.delete", &config_id, Vec::new())
                .await?;
            r
        }
        None => load(&state, &config_id).await?,
    };
    let counts = counts_of(&state, &record.config_id).await?;
    Ok(Json(ContactWayView::from_record(record, counts)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QrQuery {
    /// `true`: served as a download (Content-Disposition: attachment).
    pub download: Option<bool>,
}

/// The QR code image, for preview and download.
#[utoipa::path(get, path = "/api/contact-ways/{config_id}/qrcode", tag = "contact-ways",
    params(("config_id" = String, Path), QrQuery),
    responses((status = 200, description = "The image", content_type = "image/png"), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn qrcode(
    State(state): State<AdminState>,
    ApiPath(config_id): ApiPath<String>,
    ApiQuery(q): ApiQuery<QrQuery>,
) -> ApiResult<Response> {
    let record = load(&state, &config_id).await?;
    if record.status == ContactWayStatus::Deleted {
        return Err(ApiError::not_found(
            "二维码（该「联系我」已删除，二维码已失效）",
        ));
    }
    let Some(url) = record.way.qr_code.clone().filter(|u| !u.is_empty()) else {
        return Err(ApiError::not_found(
            "二维码（小程序场景的「联系我」没有二维码）",
        ));
    };
    let fetched = state
        .http
        .get(&url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status);
    let response = match fetched {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(error = %e.without_url(), "QR image fetch failed");
            return Err(ApiError::bad_gateway(
                "无法从企业微信获取二维码图片，请稍后重试",
            ));
        }
    };
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.starts_with("image/"))
        .unwrap_or("image/png")
        .to_owned();
    let bytes = response
        .bytes()
        .await
        .map_err(|_| ApiError::bad_gateway("无法从企业微信获取二维码图片，请稍后重试"))?;
    let name = if record.way.state.is_empty() {
        config_id.clone()
    } else {
        record.way.state.clone()
    };
    let disposition = format!(
        "{}; filename=\"contact-way-{}.png\"",
        if q.download.unwrap_or(false) {
            "attachment"
        } else {
            "inline"
        },
        name.replace(
            |c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_',
            "_"
        )
    );
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}
