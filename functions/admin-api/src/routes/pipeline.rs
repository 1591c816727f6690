//! The lead pipeline (`crm::pipeline`): a customer's stage set by staff, and the conversion
//! by channel and by consultant.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Extension, State};
use crm::model::LeadStage;
use crm::pipeline::Funnel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::routes::stats::shanghai_day;
use crate::state::AdminState;

const DAY_MS: i64 = 86_400_000;
const MAX_RANGE_MS: i64 = 366 * DAY_MS;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageUpdate {
    /// `new`, `consulted`, `booked`, `arrived`, `purchased` or `repurchased`.
    #[schema(value_type = LeadStage)]
    pub stage: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StageView {
    pub external_userid: String,
    pub stage: LeadStage,
    /// The stage before the change.
    pub previous: LeadStage,
}

/// Staff set a customer's lead stage (any stage, backwards too); audited.
#[utoipa::path(put, path = "/api/customers/{external_userid}/stage", tag = "customers",
    params(("external_userid" = String, Path)), request_body = StageUpdate,
    responses((status = 200, body = StageView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_stage(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
    ApiJson(req): ApiJson<StageUpdate>,
) -> ApiResult<Json<StageView>> {
    let stage = LeadStage::parse(req.stage.trim()).ok_or_else(|| {
        ApiError::invalid_field(
            "stage",
            "客户阶段只能是 new（新线索）、consulted（已咨询）、booked（已预约）、arrived（已到店）、purchased（已成交）或 repurchased（复购）",
        )
    })?;
    crate::authz::ensure_in_scope(&state, &caller, &external_userid).await?;
    let now = state.clock.now_ms();
    let Some(previous) =
        crm::pipeline::set_stage(&state.store, &external_userid, stage, now).await?
    else {
        return Err(ApiError::not_found("该客户"));
    };
    if previous != stage {
        state
            .audited(
                &caller,
                "customer.stage",
                &external_userid,
                vec![format!("stage:{}->{}", previous.as_str(), stage.as_str())],
            )
            .await?;
    }
    Ok(Json(StageView {
        external_userid,
        stage,
        previous,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PipelineQuery {
    /// Customers first added from (ms, inclusive). Default: 30 days before `to`.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub from: Option<String>,
    /// … to (ms, inclusive). Default: now. Widened to whole Beijing days.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub to: Option<String>,
}

/// Customers per stage, how many reached each stage, and the conversion rates.
#[derive(Debug, Serialize, ToSchema)]
pub struct FunnelView {
    pub customers: u64,
    /// Customers at each stage now.
    pub at_stage: BTreeMap<String, u64>,
    /// Customers at this stage or a later one.
    pub reached: BTreeMap<String, u64>,
    /// `reached / customers`, 0–1.
    pub conversion: BTreeMap<String, f64>,
}

impl From<Funnel> for FunnelView {
    fn from(f: Funnel) -> Self {
        Self {
            customers: f.customers,
            at_stage: f.at_stage,
            reached: f.reached,
            conversion: f.conversion,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelFunnel {
    /// The first channel's `state` (empty: none).
    pub state: String,
    /// The configured label, when the channel is configured.
    pub label: Option<String>,
    #[serde(flatten)]
    pub funnel: FunnelView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultantFunnel {
    /// The first consultant's userid (empty: not known).
    pub userid: String,
    #[serde(flatten)]
    pub funnel: FunnelView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PipelineReport {
    pub from_ms: i64,
    pub to_ms: i64,
    /// The stages in order (`new` … `repurchased`).
    pub stages: Vec<LeadStage>,
    pub total: FunnelView,
    pub by_channel: Vec<ChannelFunnel>,
    pub by_consultant: Vec<ConsultantFunnel>,
}

fn ms(field: &str, v: Option<&str>) -> ApiResult<Option<i64>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| ApiError::invalid_field(field, format!("{field} 必须是毫秒时间戳"))),
    }
}

/// The lead pipeline of the customers first added in the period (whole Beijing days), by first
/// channel and by first consultant: read from the maintained counters (days × channels and
/// days × consultants items).
#[utoipa::path(get, path = "/api/stats/pipeline", tag = "stats", params(PipelineQuery),
    responses((status = 200, body = PipelineReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<PipelineQuery>,
) -> ApiResult<Json<PipelineReport>> {
    let to_ms = ms("to", q.to.as_deref())?.unwrap_or_else(|| state.clock.now_ms());
    let from_ms = ms("from", q.from.as_deref())?.unwrap_or(to_ms.saturating_sub(30 * DAY_MS));
    if from_ms > to_ms {
        return Err(ApiError::invalid_field("from", "开始时间不能晚于结束时间"));
    }
    if to_ms - from_ms > MAX_RANGE_MS {
        return Err(ApiError::invalid_field("from", "时间范围不能超过 366 天"));
    }
    let stats =
        crm::pipeline::stats(&state.store, &shanghai_day(from_ms), &shanghai_day(to_ms)).await?;
    let config = state.config().await?;
    Ok(Json(PipelineReport {
        from_ms,
        to_ms,
        stages: LeadStage::ALL.to_vec(),
        total: stats.total.into(),
        by_channel: stats
            .by_channel
            .into_iter()
            .map(|(state, funnel)| ChannelFunnel {
                label: config.channels.get(&state).map(|c| c.label.clone()),
                state,
                funnel: funnel.into(),
            })
            .collect(),
        by_consultant: stats
            .by_consultant
            .into_iter()
            .map(|(userid, funnel)| ConsultantFunnel {
                userid,
                funnel: funnel.into(),
            })
            .collect(),
    }))
}
