//! Automation rules: birthday greetings, after-visit care, re-engagement. Each daily run
//! hands its customers to a campaign (consent, quotas, caps and quiet hours apply).

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::automation::{AutomationRule, AutomationRun, RuleKind};
use crm::campaign::{ContentAttachment, SenderPolicy};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::routes::campaigns::{parse_content, parse_sender_policy};
use crate::state::{AdminState, page_limit};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAutomation {
    /// 1–60 characters.
    pub name: String,
    /// `{"type":"birthday","days_ahead":7,"coupon":"…"}`, `{"type":"after_visit","days_after":7}`
    /// or `{"type":"re_engagement","days_without_purchase":30}`.
    #[schema(value_type = RuleKind)]
    pub kind: Value,
    /// `{name}`, `{coupon}` and `{valid_until}` (end of the birthday's month) are filled in.
    pub text: String,
    /// ≤ 9 attachments, as in a campaign's content.
    #[schema(value_type = Option<Vec<ContentAttachment>>)]
    pub attachments: Option<Value>,
    pub enabled: Option<bool>,
    #[schema(value_type = Option<SenderPolicy>)]
    pub sender_policy: Option<Value>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationPatch {
    pub name: Option<String>,
    #[schema(value_type = Option<RuleKind>)]
    pub kind: Option<Value>,
    pub text: Option<String>,
    /// ≤ 9 attachments, as in a campaign's content.
    #[schema(value_type = Option<Vec<ContentAttachment>>)]
    pub attachments: Option<Value>,
    pub enabled: Option<bool>,
    #[schema(value_type = Option<SenderPolicy>)]
    pub sender_policy: Option<Value>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationView {
    #[serde(flatten)]
    pub rule: AutomationRule,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationList {
    pub items: Vec<AutomationView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationRunPage {
    pub items: Vec<AutomationRun>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AutomationRunView {
    #[serde(flatten)]
    pub run: AutomationRun,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunsQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

fn parse_name(name: &str) -> ApiResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        return Err(ApiError::invalid_field(
            "name",
            "规则名称不能为空，且不能超过 60 个字",
        ));
    }
    Ok(name.to_owned())
}

fn parse_kind(value: Value) -> ApiResult<RuleKind> {
    let kind: RuleKind = serde_json::from_value(value).map_err(|_| {
        ApiError::invalid_field(
            "kind",
            "kind 的 type 只能是 birthday（days_ahead）、after_visit（days_after）或 re_engagement（days_without_purchase）",
        )
    })?;
    let ok = match &kind {
        RuleKind::Birthday { days_ahead, coupon } => {
            *days_ahead <= 60 && coupon.chars().count() <= 200
        }
        RuleKind::AfterVisit { days_after } => (1..=365).contains(days_after),
        RuleKind::ReEngagement {
            days_without_purchase,
        } => (1..=3650).contains(days_without_purchase),
    };
    if !ok {
        return Err(ApiError::invalid_field(
            "kind",
            "天数超出范围：生日提前 0–60 天，回访 1–365 天，唤醒 1–3650 天；优惠券文字不超过 200 字",
        ));
    }
    Ok(kind)
}

async fn parse_message(
    state: &AdminState,
    text: &str,
    attachments: Option<Value>,
) -> ApiResult<Vec<ContentAttachment>> {
    let content = parse_content(
        state,
        serde_json::json!({ "text": text, "attachments": attachments.unwrap_or(Value::Array(Vec::new())) }),
        true,
    )
    .await?;
    Ok(content.attachments)
}

fn valid_id(id: &str) -> ApiResult<()> {
    if id.is_empty() || id.len() > 100 {
        return Err(ApiError::not_found("该规则"));
    }
    Ok(())
}

#[utoipa::path(get, path = "/api/automations", tag = "automations",
    responses((status = 200, body = AutomationList), (status = 401, body = ErrorBody)))]
pub async fn list(State(state): State<AdminState>) -> ApiResult<Json<AutomationList>> {
    let rules = state.automations().list().await?;
    Ok(Json(AutomationList {
        items: rules
            .into_iter()
            .map(|rule| AutomationView { rule })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/api/automations", tag = "automations", request_body = NewAutomation,
    responses((status = 201, body = AutomationView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<NewAutomation>,
) -> ApiResult<(StatusCode, Json<AutomationView>)> {
    let name = parse_name(&req.name)?;
    let kind = parse_kind(req.kind)?;
    let attachments = parse_message(&state, &req.text, req.attachments).await?;
    let now = state.clock.now_ms();
    let rule = AutomationRule {
        id: state.ids.new_id(now),
        name,
        kind,
        text: req.text,
        attachments,
        enabled: req.enabled.unwrap_or(true),
        sender_policy: parse_sender_policy(req.sender_policy)?,
        created_by: caller.id.clone(),
        created_at_ms: now,
        updated_at_ms: now,
        last_run_at_ms: None,
    };
    state.automations().create(&rule).await?;
    state
        .audited(&caller, "automation.create", &rule.id, Vec::new())
        .await?;
    Ok((StatusCode::CREATED, Json(AutomationView { rule })))
}

#[utoipa::path(get, path = "/api/automations/{id}", tag = "automations", params(("id" = String, Path)),
    responses((status = 200, body = AutomationView), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AutomationView>> {
    valid_id(&id)?;
    match state.automations().get(&id).await? {
        Some(rule) => Ok(Json(AutomationView { rule })),
        None => Err(ApiError::not_found("该规则")),
    }
}

#[utoipa::path(patch, path = "/api/automations/{id}", tag = "automations", params(("id" = String, Path)),
    request_body = AutomationPatch,
    responses((status = 200, body = AutomationView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
    ApiJson(req): ApiJson<AutomationPatch>,
) -> ApiResult<Json<AutomationView>> {
    valid_id(&id)?;
    let Some(current) = state.automations().get(&id).await? else {
        return Err(ApiError::not_found("该规则"));
    };
    let name = req.name.as_deref().map(parse_name).transpose()?;
    let kind = req.kind.map(parse_kind).transpose()?;
    let text_changed = req.text.is_some();
    let text = req.text.unwrap_or_else(|| current.text.clone());
    let attachments = match (&req.attachments, text_changed) {
        (None, false) => None,
        _ => Some(
            parse_message(
                &state,
                &text,
                req.attachments
                    .or_else(|| serde_json::to_value(&current.attachments).ok()),
            )
            .await?,
        ),
    };
    let sender_policy = req
        .sender_policy
        .map(|v| parse_sender_policy(Some(v)))
        .transpose()?;
    let now = state.clock.now_ms();
    let mut fields = Vec::new();
    let updated = state
        .automations()
        .update(&id, |r| {
            fields.clear();
            if let Some(n) = &name {
                r.name.clone_from(n);
                fields.push("name".to_owned());
            }
            if let Some(k) = &kind {
                r.kind = k.clone();
                fields.push("kind".to_owned());
            }
            if let Some(a) = &attachments {
                r.text.clone_from(&text);
                r.attachments.clone_from(a);
                fields.push("text".to_owned());
            }
            if let Some(e) = req.enabled {
                r.enabled = e;
                fields.push("enabled".to_owned());
            }
            if let Some(p) = &sender_policy {
                r.sender_policy = p.clone();
                fields.push("sender_policy".to_owned());
            }
            r.updated_at_ms = now;
            true
        })
        .await?
        .ok_or_else(|| ApiError::not_found("该规则"))?;
    state
        .audited(&caller, "automation.update", &id, fields)
        .await?;
    Ok(Json(AutomationView { rule: updated }))
}

#[utoipa::path(delete, path = "/api/automations/{id}", tag = "automations", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<StatusCode> {
    valid_id(&id)?;
    if !state.automations().delete(&id).await? {
        return Err(ApiError::not_found("该规则"));
    }
    state
        .audited(&caller, "automation.delete", &id, Vec::new())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The rule's runs, newest first, with their counts.
#[utoipa::path(get, path = "/api/automations/{id}/runs", tag = "automations",
    params(("id" = String, Path), RunsQuery),
    responses((status = 200, body = AutomationRunPage), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn runs(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<RunsQuery>,
) -> ApiResult<Json<AutomationRunPage>> {
    valid_id(&id)?;
    let limit = page_limit(q.limit)?;
    if state.automations().get(&id).await?.is_none() {
        return Err(ApiError::not_found("该规则"));
    }
    let (items, next_cursor) = state.automations().runs(&id, limit, q.cursor).await?;
    Ok(Json(AutomationRunPage { items, next_cursor }))
}

/// Runs the rule now for today (what the 01:00 schedule does); a second run the same day
/// hands nobody over twice.
#[utoipa::path(post, path = "/api/automations/{id}/run", tag = "automations", params(("id" = String, Path)),
    responses((status = 200, body = AutomationRunView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn run_now(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<AutomationRunView>> {
    valid_id(&id)?;
    let Some(rule) = state.automations().get(&id).await? else {
        return Err(ApiError::not_found("该规则"));
    };
    if !rule.enabled {
        return Err(ApiError::conflict("该规则已停用，请先启用"));
    }
    let run = state.automations().run_rule(&rule).await?;
    state
        .audited(&caller, "automation.run", &id, Vec::new())
        .await?;
    Ok(Json(AutomationRunView { run }))
}
