//! Campaigns (客户群发): create and schedule, preview (dry run), list, progress and funnel,
//! recipients, cancel. WeCom sends a group message only after each consultant confirms it in
//! the WeCom client; the numbers here say so honestly (no open rate: WeCom has none).

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDateTime};
use crm::calendar;
use crm::campaign::funnel::Funnel;
use crm::campaign::links::LinkClicks;
use crm::campaign::plan::Preview;
use crm::campaign::track::{CancelOutcome, RemindOutcome};
use crm::campaign::validate::validate_audience;
use crm::campaign::{
    Audience, Campaign, CampaignKind, CampaignStatus, Content, Recipient, RecipientStatus,
    SenderPolicy,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::{AdminState, page_limit};

/// Audience members a preview examines before it answers (then `complete` is false).
pub const PREVIEW_BUDGET: u64 = 20_000;
const PREVIEW_SAMPLE: usize = 10;
const MAX_SCHEDULE_AHEAD_MS: i64 = 366 * 86_400_000;

/// A new campaign.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCampaign {
    /// 1–60 characters.
    pub name: String,
    /// `{"type":"filter","filter":{…the filters of GET /api/customers…, "tiers":["A","B"], "no_purchase_days":30}}`,
    /// `{"type":"customers","external_userids":[…≤1000]}` or
    /// `{"type":"tags","groups":[["tag1","tag2"],["tag3"]]}` (any tag of a group, every group).
    #[schema(value_type = Audience)]
    pub audience: Value,
    /// `{"text": "…≤4000 bytes", "attachments": [≤9 of image/link/miniprogram/video/file]}`;
    /// links become tracked links.
    #[schema(value_type = Content)]
    pub content: Value,
    /// Asia/Shanghai time `YYYY-MM-DDTHH:MM[:SS]`, or RFC 3339 with an offset; absent: now.
    pub send_at: Option<String>,
    /// `{"type":"own_consultant"}` (default: the consultant of the customer's earliest
    /// active relationship), `{"type":"most_recent"}` or `{"type":"fixed","userid":"…"}`.
    #[schema(value_type = Option<SenderPolicy>)]
    pub sender_policy: Option<Value>,
    /// An appointment or purchase within this many days after the send counts as booked
    /// (1–90, default 7).
    pub booked_within_days: Option<u32>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    #[serde(flatten)]
    pub campaign: Campaign,
    /// Present on `GET /api/campaigns/{id}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funnel: Option<Funnel>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignPage {
    pub items: Vec<CampaignView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewView {
    #[serde(flatten)]
    pub preview: Preview,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecipientPage {
    pub items: Vec<Recipient>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LinkPage {
    pub items: Vec<LinkClicks>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LinkListQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CampaignListQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only campaigns in this status. A filtered page may hold fewer than `limit` items while
    /// `next_cursor` continues.
    #[param(value_type = Option<CampaignStatus>)]
    pub status: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecipientListQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Only recipients in this status. A filtered page may hold fewer than `limit` items while
    /// `next_cursor` continues.
    #[param(value_type = Option<RecipientStatus>)]
    pub status: Option<String>,
}

/// The `status` filter: one of `all`, by its JSON name.
fn status_filter<T>(status: Option<String>, all: &[T]) -> ApiResult<Option<T>>
where
    T: Copy + Serialize + serde::de::DeserializeOwned,
{
    let Some(name) = status
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
    else {
        return Ok(None);
    };
    serde_json::from_value(Value::String(name))
        .map(Some)
        .map_err(|_| {
            let names: Vec<String> = all.iter().map(status_name).collect();
            ApiError::invalid_field("status", format!("status 只能是 {}", names.join("、")))
        })
}

/// The serde name of a status (how it appears in the JSON).
pub(crate) fn status_name<T: Serialize>(status: &T) -> String {
    serde_json::to_value(status)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn field<T: serde::de::DeserializeOwned>(name: &str, value: Value, message: &str) -> ApiResult<T> {
    serde_json::from_value(value).map_err(|_| ApiError::invalid_field(name, message))
}

/// The audience of a request: its JSON shape here, its rules in
/// [`crm::campaign::validate::validate_audience`].
pub fn parse_audience(value: Value) -> ApiResult<Audience> {
    let audience: Audience = field(
        "audience",
        value,
        "audience 格式不正确：type 只能是 filter、customers 或 tags，筛选条件只能用客户列表支持的字段",
    )?;
    Ok(validate_audience(audience)?)
}

/// The content of a request: its JSON shape here, WeCom's limits and the media in
/// [`crm::campaign::Campaigns::validate_content`].
pub async fn parse_content(
    state: &AdminState,
    value: Value,
    personalised: bool,
) -> ApiResult<Content> {
    let content: Content = field(
        "content",
        value,
        "content 格式不正确：需要 text 和/或 attachments（image、link、miniprogram、video、file）",
    )?;
    state
        .campaigns
        .validate_content(&content, personalised)
        .await?;
    Ok(content)
}

/// Asia/Shanghai wall-clock time, or RFC 3339 with an offset.
pub fn parse_send_at(s: &str) -> Option<i64> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .map(calendar::instant)
}

pub fn parse_sender_policy(value: Option<Value>) -> ApiResult<SenderPolicy> {
    let policy = match value {
        None | Some(Value::Null) => SenderPolicy::default(),
        Some(v) => field(
            "sender_policy",
            v,
            "sender_policy 的 type 只能是 own_consultant、most_recent 或 fixed（需要 userid）",
        )?,
    };
    if let SenderPolicy::Fixed { userid } = &policy
        && userid.trim().is_empty()
    {
        return Err(ApiError::invalid_field(
            "sender_policy.userid",
            "请指定发送成员",
        ));
    }
    Ok(policy)
}

async fn build(state: &AdminState, caller: &Caller, req: NewCampaign) -> ApiResult<Campaign> {
    let name = req.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::invalid_field(
            "name",
            "活动名称不能为空，且不能超过 60 个字",
        ));
    }
    let now = state.clock.now_ms();
    let send_at_ms = match req
        .send_at
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => now,
        Some(s) => {
            let t = parse_send_at(s).ok_or_else(|| {
                ApiError::invalid_field(
                    "send_at",
                    "发送时间格式应为 YYYY-MM-DDTHH:MM（北京时间）或带时区的 RFC 3339",
                )
            })?;
            if t < now - 60_000 {
                return Err(ApiError::invalid_field("send_at", "发送时间不能早于现在"));
            }
            if t > now + MAX_SCHEDULE_AHEAD_MS {
                return Err(ApiError::invalid_field(
                    "send_at",
                    "发送时间不能晚于一年以后",
                ));
            }
            t.max(now)
        }
    };
    let booked_within_days = req.booked_within_days.unwrap_or(7);
    if !(1..=90).contains(&booked_within_days) {
        return Err(ApiError::invalid_field(
            "booked_within_days",
            "转化统计天数必须在 1 到 90 之间",
        ));
    }
    Ok(Campaign {
        name: name.to_owned(),
        kind: CampaignKind::Campaign,
        audience: Some(parse_audience(req.audience)?),
        content: parse_content(state, req.content, false).await?,
        sender_policy: parse_sender_policy(req.sender_policy)?,
        send_at_ms,
        booked_within_days,
        created_by: caller.id.clone(),
        ..Campaign::default()
    })
}

/// Creates a campaign: due now it starts at once, otherwise a one-time schedule (EventBridge
/// Scheduler in AWS, the in-process scheduler locally) starts it at `send_at`.
#[utoipa::path(post, path = "/api/campaigns", tag = "campaigns", request_body = NewCampaign,
    responses((status = 201, body = CampaignView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<NewCampaign>,
) -> ApiResult<(StatusCode, Json<CampaignView>)> {
    let campaign = build(&state, &caller, req).await?;
    let campaign = state.campaigns.create(campaign).await?;
    state
        .audited(&caller, "campaign.create", &campaign.id, Vec::new())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CampaignView {
            campaign,
            funnel: None,
        }),
    ))
}

/// A dry run: who would be messaged and who skipped (and why), how many group-send tasks,
/// WeCom calls and consultant confirmations it takes. Nothing is written or sent.
#[utoipa::path(post, path = "/api/campaigns/preview", tag = "campaigns", request_body = NewCampaign,
    responses((status = 200, body = PreviewView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<NewCampaign>,
) -> ApiResult<Json<PreviewView>> {
    let mut campaign = build(&state, &caller, req).await?;
    campaign.id = "preview".to_owned();
    let preview = state
        .campaigns
        .preview(&campaign, PREVIEW_BUDGET, PREVIEW_SAMPLE)
        .await?;
    Ok(Json(PreviewView { preview }))
}

/// Campaigns, newest first (automation and direct sends included, see `kind`).
#[utoipa::path(get, path = "/api/campaigns", tag = "campaigns", params(CampaignListQuery),
    responses((status = 200, body = CampaignPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<CampaignListQuery>,
) -> ApiResult<Json<CampaignPage>> {
    let limit = page_limit(q.limit)?;
    let wanted = status_filter(q.status, &CampaignStatus::ALL)?;
    let (items, next_cursor) = state.campaigns.repo().list(limit, q.cursor).await?;
    Ok(Json(CampaignPage {
        items: items
            .into_iter()
            .filter(|c| wanted.is_none_or(|w| w == c.status))
            .map(|campaign| CampaignView {
                campaign,
                funnel: None,
            })
            .collect(),
        next_cursor,
    }))
}

fn valid_id(id: &str) -> ApiResult<()> {
    if id.is_empty() || id.len() > 100 {
        return Err(ApiError::not_found("该活动"));
    }
    Ok(())
}

/// Status, progress and the funnel: targeted → skipped (by reason) → task created → sent →
/// clicks → booked, by tier and by channel.
#[utoipa::path(get, path = "/api/campaigns/{id}", tag = "campaigns",
    params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CampaignView>> {
    valid_id(&id)?;
    let Some(campaign) = state.campaigns.repo().get(&id).await? else {
        return Err(ApiError::not_found("该活动"));
    };
    let funnel = state.campaigns.funnel(&id).await?;
    Ok(Json(CampaignView { campaign, funnel }))
}

/// The recipients with their status, reason and status history.
#[utoipa::path(get, path = "/api/campaigns/{id}/recipients", tag = "campaigns",
    params(("id" = String, Path), RecipientListQuery),
    responses((status = 200, body = RecipientPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn recipients(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<RecipientListQuery>,
) -> ApiResult<Json<RecipientPage>> {
    valid_id(&id)?;
    let limit = page_limit(q.limit)?;
    if state.campaigns.repo().get(&id).await?.is_none() {
        return Err(ApiError::not_found("该活动"));
    }
    let wanted = status_filter(q.status, &RecipientStatus::ALL)?;
    let (mut items, next_cursor) = state
        .campaigns
        .repo()
        .recipients(&id, limit, q.cursor)
        .await?;
    items.retain(|r| wanted.is_none_or(|w| w == r.status));
    Ok(Json(RecipientPage { items, next_cursor }))
}

/// The campaign's tracked links with their clicks, from each link's maintained counters.
#[utoipa::path(get, path = "/api/campaigns/{id}/links", tag = "campaigns",
    params(("id" = String, Path), LinkListQuery),
    responses((status = 200, body = LinkPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn links(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<LinkListQuery>,
) -> ApiResult<Json<LinkPage>> {
    valid_id(&id)?;
    let limit = page_limit(q.limit)?;
    if state.campaigns.repo().get(&id).await?.is_none() {
        return Err(ApiError::not_found("该活动"));
    }
    let (items, next_cursor) = state.campaigns.links_page(&id, limit, q.cursor).await?;
    Ok(Json(LinkPage { items, next_cursor }))
}

/// Cancels: the schedule is deleted, tasks not yet created are dropped, and WeCom stops the
/// created ones for consultants who have not sent them (cancel_groupmsg_send).
#[utoipa::path(post, path = "/api/campaigns/{id}/cancel", tag = "campaigns",
    params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CampaignView>> {
    valid_id(&id)?;
    match state.campaigns.cancel(&id).await? {
        CancelOutcome::NotFound => Err(ApiError::not_found("该活动")),
        CancelOutcome::AlreadyFinished(c) => Err(ApiError::conflict(match c.status {
            CampaignStatus::Cancelled => "该活动已取消",
            _ => "该活动已结束，无法取消",
        })),
        CancelOutcome::Cancelled(campaign) => {
            state
                .audited(&caller, "campaign.cancel", &id, Vec::new())
                .await?;
            Ok(Json(CampaignView {
                campaign: *campaign,
                funnel: None,
            }))
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RemindResult {
    /// Group-send tasks whose consultants WeCom reminded now.
    pub reminded: u64,
    /// Tasks left alone: already reminded three times in 24 hours (WeCom's limit).
    pub at_limit: u64,
}

/// 提醒成员发送: WeCom reminds the consultants of the campaign's unsent group-send tasks now
/// (at most three times per task per 24 hours).
#[utoipa::path(post, path = "/api/campaigns/{id}/remind", tag = "campaigns",
    params(("id" = String, Path)),
    responses((status = 200, body = RemindResult), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn remind(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<RemindResult>> {
    valid_id(&id)?;
    match state.campaigns.remind_now(&id).await? {
        RemindOutcome::NotFound => Err(ApiError::not_found("该活动")),
        RemindOutcome::NothingToRemind(_) => {
            Err(ApiError::conflict("该活动没有等待成员发送的任务"))
        }
        RemindOutcome::Reminded { reminded, at_limit } => {
            state
                .audited(&caller, "campaign.remind", &id, Vec::new())
                .await?;
            Ok(Json(RemindResult { reminded, at_limit }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_times_are_shanghai_unless_an_offset_is_given() {
        let local = parse_send_at("2026-12-01T10:00").unwrap_or_default();
        let utc = parse_send_at("2026-12-01T02:00:00Z").unwrap_or_default();
        assert_eq!(local, utc);
        assert_eq!(parse_send_at("2026-12-01 10:00:00"), Some(local));
        assert_eq!(parse_send_at("next tuesday"), None);
    }
}
