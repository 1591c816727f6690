//! 数据保留: the retention periods in force (`GET /api/privacy/retention`) and changing them
//! from the console (`PUT`, admin only, audited with old and new values). The console's
//! periods are stored (`crm::retention::settings`) and take precedence over the deployment's
//! environment variables; every process picks them up within a minute (docs/privacy.md).

use axum::Json;
use axum::extract::{Extension, State};
use crm::retention::Retention;
use crm::retention::settings::{self, MAX_DAYS, RetentionField, StoredRetention};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::state::AdminState;

/// The audit action of a change of the retention periods.
pub const RETENTION_CHANGED: &str = "privacy.retention";

/// Where a period in force comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RetentionSource {
    /// The product's default.
    Default,
    /// The deployment's environment variable (template parameter).
    Deployment,
    /// Changed in the console (数据保留).
    Console,
}

/// One retention period.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionPeriod {
    pub field: RetentionField,
    /// Its Chinese name.
    pub label: String,
    /// The period in force, in days (`0`: kept until erased).
    pub days: u32,
    pub source: RetentionSource,
    /// What the deployment (or the default) sets: the period without the console's change.
    pub deployment_days: u32,
    /// The deployment's environment variable.
    pub env_var: String,
    /// The shortest period that can be set (besides `0` when `zero_keeps`).
    pub min_days: u32,
    pub max_days: u32,
    /// Whether `0` (kept until erased) can be set.
    pub zero_keeps: bool,
}

/// The retention periods in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct RetentionView {
    pub periods: Vec<RetentionPeriod>,
    /// Last change in the console, if any.
    pub updated_at_ms: Option<i64>,
    pub updated_by: Option<String>,
    /// How long a running process may still use the previous periods.
    pub cache_seconds: i64,
}

/// The periods to set. A period left out (or `null`) goes back to the deployment's value.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct RetentionUpdate {
    /// After the last relationship ended, the customer is erased (1–3650, 0: never).
    pub ended_customer_days: Option<u32>,
    /// Raw WeCom events (1–3650).
    pub raw_event_days: Option<u32>,
    /// Campaign recipients, from their last change (30–3650, 0: kept).
    pub recipient_days: Option<u32>,
    /// Clicks on tracked links (30–3650, 0: kept).
    pub click_days: Option<u32>,
    /// Audit entries (180–3650).
    pub audit_days: Option<u32>,
}

/// The deployment's periods: the environment of this process (every function is deployed
/// with the same `RETENTION_*` variables).
fn deployment() -> (Retention, Vec<RetentionField>) {
    let get = |name: &str| std::env::var(name).ok();
    (
        Retention::from_env_map(get),
        settings::deployment_fields(get),
    )
}

fn view(stored: Option<&StoredRetention>) -> RetentionView {
    let (base, from_env) = deployment();
    let in_force = stored.map_or(base, |s| s.over(base));
    let periods = RetentionField::ALL
        .into_iter()
        .map(|field| {
            let source = if stored.is_some_and(|s| s.days.contains_key(&field)) {
                RetentionSource::Console
            } else if from_env.contains(&field) {
                RetentionSource::Deployment
            } else {
                RetentionSource::Default
            };
            RetentionPeriod {
                field,
                label: field.label().to_owned(),
                days: field.of(&in_force),
                source,
                deployment_days: field.of(&base),
                env_var: field.env_var().to_owned(),
                min_days: field.min_days(),
                max_days: MAX_DAYS,
                zero_keeps: field.zero_keeps(),
            }
        })
        .collect();
    RetentionView {
        periods,
        updated_at_ms: stored.map(|s| s.updated_at_ms),
        updated_by: stored.map(|s| s.updated_by.clone()),
        cache_seconds: settings::CACHE_MS / 1000,
    }
}

/// The retention periods in force, their minimums and where each comes from.
#[utoipa::path(get, path = "/api/privacy/retention", tag = "privacy",
    responses((status = 200, body = RetentionView), (status = 401, body = ErrorBody)))]
pub async fn get_retention(State(state): State<AdminState>) -> ApiResult<Json<RetentionView>> {
    let stored = settings::load(state.store.as_ref()).await?;
    Ok(Json(view(stored.as_ref())))
}

/// The periods of a request body, each checked (400 naming the first wrong field).
fn periods_of(body: &Map<String, Value>) -> Result<Vec<(RetentionField, u32)>, ApiError> {
    if let Some(other) = body
        .keys()
        .find(|k| !RetentionField::ALL.iter().any(|f| f.name() == k.as_str()))
    {
        return Err(ApiError::invalid_field(
            other,
            format!("不支持的字段 {other}"),
        ));
    }
    let mut out = Vec::new();
    for field in RetentionField::ALL {
        let name = field.name();
        let days = match body.get(name) {
            None | Some(Value::Null) => continue,
            Some(Value::Number(n)) => n.as_u64().ok_or_else(|| {
                ApiError::invalid_field(name, format!("{}的保留天数必须是整数", field.label()))
            })?,
            Some(_) => {
                return Err(ApiError::invalid_field(
                    name,
                    format!("{}的保留天数必须是整数", field.label()),
                ));
            }
        };
        let days = u32::try_from(days).unwrap_or(u32::MAX);
        field
            .check(days)
            .map_err(|message| ApiError::invalid_field(name, message))?;
        out.push((field, days));
    }
    Ok(out)
}

/// Changes the retention periods (admin only). Each applies to records written from then on;
/// a period left out goes back to the deployment's value. Audited with the old and new values.
#[utoipa::path(put, path = "/api/privacy/retention", tag = "privacy",
    request_body = RetentionUpdate,
    responses((status = 200, body = RetentionView),
        (status = 400, body = ErrorBody, description = "a period below its minimum or above 3650 days (`field` names it)"),
        (status = 401, body = ErrorBody)))]
pub async fn put_retention(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<RetentionView>> {
    let periods = periods_of(&body)?;
    let before = settings::load(state.store.as_ref()).await?;
    let (base, _) = deployment();
    let old = before.as_ref().map_or(base, |s| s.over(base));
    let stored = StoredRetention {
        days: periods.into_iter().collect(),
        updated_at_ms: state.clock.now_ms(),
        updated_by: caller.id.clone(),
    };
    let new = stored.over(base);
    settings::save(state.store.as_ref(), &stored).await?;
    let changes: Vec<String> = RetentionField::ALL
        .into_iter()
        .filter(|f| {
            f.of(&old) != f.of(&new)
                || before.as_ref().and_then(|s| s.days.get(f).copied())
                    != stored.days.get(f).copied()
        })
        .map(|f| format!("{}: {} -> {}", f.name(), f.of(&old), f.of(&new)))
        .collect();
    state
        .audited(&caller, RETENTION_CHANGED, "retention", changes)
        .await?;
    Ok(Json(view(Some(&stored))))
}
