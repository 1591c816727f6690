//! Direct messages: one or a few chosen customers, now. Each customer gets a task of their own
//! (so `{name}` works and a tracked click belongs to them). The per-customer message log.
//!
//! A direct message is a group-send task like a campaign's: marketing. A customer without
//! marketing consent under the corp's consent mode is refused up front (422 `no_consent`);
//! one whose consent is withdrawn after the request is skipped (`no_consent`) when the message
//! is resolved.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::campaign::{Audience, Campaign, CampaignKind, Content, Recipient, SenderPolicy};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::routes::campaigns::{CampaignView, parse_content, parse_sender_policy};
use crate::state::{AdminState, page_limit};

/// Most customers one direct message may go to.
pub const MAX_DIRECT_RECIPIENTS: usize = 50;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    /// 1–50 customers.
    pub external_userids: Vec<String>,
    /// As for campaigns; `{name}` becomes each customer's name.
    #[schema(value_type = Content)]
    pub content: Value,
    #[schema(value_type = Option<SenderPolicy>)]
    pub sender_policy: Option<Value>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MessageLogQuery {
    /// The customer.
    pub external_userid: String,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageLog {
    /// The customer's messages, newest first: campaign, sender, status, reason, history.
    pub items: Vec<Recipient>,
    pub next_cursor: Option<String>,
}

/// Sends to chosen customers now (202: the tasks are created in the background; each
/// consultant confirms theirs in WeCom).
#[utoipa::path(post, path = "/api/messages", tag = "messages", request_body = NewMessage,
    responses((status = 202, body = CampaignView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<NewMessage>,
) -> ApiResult<(StatusCode, Json<CampaignView>)> {
    let mut ids = req.external_userids;
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    if ids.is_empty() || ids.len() > MAX_DIRECT_RECIPIENTS {
        return Err(ApiError::invalid_field(
            "external_userids",
            format!("请选择 1 到 {MAX_DIRECT_RECIPIENTS} 位客户"),
        ));
    }
    for id in &ids {
        crate::authz::ensure_in_scope(&state, &caller, id).await?;
        if id.trim().is_empty() || id.len() > 128 || state.customers().get(id).await?.is_none() {
            return Err(ApiError::invalid_field(
                "external_userids",
                "找不到所选的客户",
            ));
        }
    }
    refuse_without_consent(&state, &ids).await?;
    let content = parse_content(&state, req.content, true).await?;
    let now = state.clock.now_ms();
    let campaign = Campaign {
        name: format!(
            "单独发送 {}",
            crm::calendar::local(now).format("%m-%d %H:%M")
        ),
        kind: CampaignKind::Direct,
        audience: Some(Audience::Customers {
            external_userids: ids,
        }),
        content,
        sender_policy: parse_sender_policy(req.sender_policy)?,
        send_at_ms: now,
        booked_within_days: 7,
        personalised: true,
        created_by: caller.id.clone(),
        ..Campaign::default()
    };
    let campaign = state.campaigns.create(campaign).await?;
    state
        .audited(&caller, "message.send", &campaign.id, Vec::new())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(CampaignView {
            campaign,
            funnel: None,
        }),
    ))
}

/// 422 `no_consent` naming the chosen customers who may not receive marketing under the
/// corp's consent mode (the same rule as a campaign's `no_consent` skip).
async fn refuse_without_consent(state: &AdminState, ids: &[String]) -> ApiResult<()> {
    let mode = state.config().await?.send_rules.consent;
    let mut without = Vec::new();
    for id in ids {
        if let Some(customer) = state.customers().get(id).await?
            && !crm::campaign::plan::has_consent(mode, &customer)
        {
            without.push(if customer.name.is_empty() {
                customer.external_userid
            } else {
                customer.name
            });
        }
    }
    if without.is_empty() {
        return Ok(());
    }
    Err(ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        code: "no_consent",
        message: format!(
            "以下客户没有营销授权，不能发送：{}。请先在客户详情的「授权记录」中登记其营销授权",
            without.join("、")
        ),
        field: Some("external_userids".to_owned()),
        errcode: None,
    })
}

/// One customer's messages (campaigns, automations, direct sends), newest first. A page that
/// shows any is audited as `customer.read`.
#[utoipa::path(get, path = "/api/messages", tag = "messages", params(MessageLogQuery),
    responses((status = 200, body = MessageLog), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn log(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<MessageLogQuery>,
) -> ApiResult<Json<MessageLog>> {
    let limit = page_limit(q.limit)?;
    let id = q.external_userid.trim();
    if id.is_empty() || id.len() > 128 {
        return Err(ApiError::invalid_field("external_userid", "请指定客户"));
    }
    crate::authz::ensure_in_scope(&state, &caller, id).await?;
    let (items, next_cursor) = state
        .campaigns
        .repo()
        .messages_of(id, limit, q.cursor)
        .await?;
    if !items.is_empty() {
        state.audited_read(&caller, id, &["messages"]).await?;
    }
    Ok(Json(MessageLog { items, next_cursor }))
}
