//! Customer handover (客户继承): 在职继承 and 离职继承 of a consultant's customers to another
//! consultant (`crm::handover`), their progress and each customer's result, and the customers
//! departed consultants left (离职待分配). Admins and managers.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::handover::model::{CustomerResult, HandoverJob, HandoverKind, PendingCampaignWork};
use crm::handover::{Handovers, NewHandover};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::{AdminState, page_limit};

/// Detail pages name customers up to this many (one read each).
const NAMED_CUSTOMERS: usize = 500;

/// A new handover.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewHandoverBody {
    /// `on_job` 在职继承 or `resigned` 离职继承.
    pub kind: Option<HandoverKind>,
    /// The consultant handing over (离职继承: the departed one).
    #[serde(default)]
    pub handover_userid: String,
    /// The consultant taking over.
    #[serde(default)]
    pub takeover_userid: String,
    /// 在职继承 only: what the customer is told (≤ 200 characters; WeCom's default text when
    /// empty).
    pub message: Option<String>,
    /// The customers (at most 10 000).
    pub external_userids: Option<Vec<String>>,
    /// 离职继承 only: every customer the departed consultant left (instead of a list).
    #[serde(default)]
    pub all_unassigned: bool,
}

/// One customer's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverCustomerView {
    pub external_userid: String,
    /// The customer's WeChat name, when the CRM knows them.
    pub name: Option<String>,
    pub result: CustomerResult,
    /// WeCom's errcode when it refused the customer (40128: reassigned twice in 90 days,
    /// 40129: already being transferred).
    pub errcode: Option<i64>,
    /// Unix seconds of the takeover.
    pub takeover_time: Option<i64>,
}

/// A handover with every customer's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverDetail {
    pub handover: HandoverJob,
    pub customers: Vec<HandoverCustomerView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HandoverPage {
    pub items: Vec<HandoverJob>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HandoverQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A customer a departed consultant left.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnassignedCustomerView {
    pub external_userid: String,
    pub name: Option<String>,
}

/// One departed consultant's customers awaiting assignment.
#[derive(Debug, Serialize, ToSchema)]
pub struct DepartedConsultant {
    pub handover_userid: String,
    /// Unix seconds the consultant left.
    pub dimission_time: i64,
    pub customers: Vec<UnassignedCustomerView>,
    /// Their campaign tasks not finished (WeCom does not move them).
    pub pending_campaigns: Vec<PendingCampaignWork>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UnassignedList {
    pub consultants: Vec<DepartedConsultant>,
}

fn handovers(state: &AdminState) -> Handovers {
    Handovers::new(&state.campaigns)
}

async fn name_of(state: &AdminState, external_userid: &str) -> ApiResult<Option<String>> {
    Ok(state
        .customers()
        .get(external_userid)
        .await?
        .map(|c| c.name)
        .filter(|n| !n.is_empty()))
}

async fn detail_of(state: &AdminState, id: &str) -> ApiResult<HandoverDetail> {
    let (job, customers) = handovers(state)
        .detail(id)
        .await?
        .ok_or_else(|| ApiError::not_found("该交接记录"))?;
    let named = customers.len() <= NAMED_CUSTOMERS;
    let mut views = Vec::with_capacity(customers.len());
    for c in customers {
        let name = if named {
            name_of(state, &c.external_userid).await?
        } else {
            None
        };
        views.push(HandoverCustomerView {
            external_userid: c.external_userid,
            name,
            result: c.result,
            errcode: c.errcode,
            takeover_time: c.takeover_time,
        });
    }
    Ok(HandoverDetail {
        handover: job,
        customers: views,
    })
}

/// Starts a handover: the customers are handed over in WeCom in calls of 100; each result
/// arrives over the next 24 hours (the customer may refuse).
#[utoipa::path(post, path = "/api/handovers", tag = "handovers", request_body = NewHandoverBody,
    responses((status = 201, body = HandoverDetail), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn create(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(body): ApiJson<NewHandoverBody>,
) -> ApiResult<(StatusCode, Json<HandoverDetail>)> {
    let request = NewHandover {
        kind: body.kind,
        handover_userid: body.handover_userid,
        takeover_userid: body.takeover_userid,
        message: body.message,
        external_userids: body.external_userids,
        all_unassigned: body.all_unassigned,
    };
    let job = handovers(&state).create(request, &caller.id).await?;
    state
        .audited(
            &caller,
            "handover.create",
            &job.id,
            vec![
                format!("kind={}", kind_name(job.kind)),
                format!("handover={}", job.handover_userid),
                format!("takeover={}", job.takeover_userid),
                format!("customers={}", job.total),
            ],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(detail_of(&state, &job.id).await?)))
}

fn kind_name(kind: HandoverKind) -> &'static str {
    match kind {
        HandoverKind::OnJob => "on_job",
        HandoverKind::Resigned => "resigned",
    }
}

/// Handovers, newest first, with their progress.
#[utoipa::path(get, path = "/api/handovers", tag = "handovers", params(HandoverQuery),
    responses((status = 200, body = HandoverPage), (status = 400, body = ErrorBody)))]
pub async fn list(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<HandoverQuery>,
) -> ApiResult<Json<HandoverPage>> {
    let limit = page_limit(q.limit)?;
    let (items, next_cursor) = handovers(&state).repo().list(limit, q.cursor).await?;
    Ok(Json(HandoverPage { items, next_cursor }))
}

/// One handover: its progress and each customer's result.
#[utoipa::path(get, path = "/api/handovers/{id}", tag = "handovers",
    params(("id" = String, Path)),
    responses((status = 200, body = HandoverDetail), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<HandoverDetail>> {
    Ok(Json(detail_of(&state, &id).await?))
}

/// Reads WeCom's results now (the result-tracking round does it every 15 minutes) and
/// starts any transfer call that has not gone out.
#[utoipa::path(post, path = "/api/handovers/{id}/refresh", tag = "handovers",
    params(("id" = String, Path)),
    responses((status = 200, body = HandoverDetail), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn refresh(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<HandoverDetail>> {
    handovers(&state)
        .run(&id)
        .await?
        .ok_or_else(|| ApiError::not_found("该交接记录"))?;
    Ok(Json(detail_of(&state, &id).await?))
}

/// 离职待分配: the customers departed consultants left, by consultant, with their unfinished
/// campaign tasks.
#[utoipa::path(get, path = "/api/handovers/unassigned", tag = "handovers",
    responses((status = 200, body = UnassignedList), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn unassigned(State(state): State<AdminState>) -> ApiResult<Json<UnassignedList>> {
    let h = handovers(&state);
    let mut by_consultant: BTreeMap<String, (i64, Vec<String>)> = BTreeMap::new();
    for u in h.unassigned().await? {
        let entry = by_consultant
            .entry(u.handover_userid)
            .or_insert((u.dimission_time, Vec::new()));
        entry.1.push(u.external_userid);
    }
    let mut consultants = Vec::with_capacity(by_consultant.len());
    let mut named = 0usize;
    for (userid, (dimission_time, ids)) in by_consultant {
        let mut customers = Vec::with_capacity(ids.len());
        for id in ids {
            let name = if named < NAMED_CUSTOMERS {
                named += 1;
                name_of(&state, &id).await?
            } else {
                None
            };
            customers.push(UnassignedCustomerView {
                external_userid: id,
                name,
            });
        }
        let pending_campaigns = h.pending_campaign_work(&userid).await?;
        consultants.push(DepartedConsultant {
            handover_userid: userid,
            dimission_time,
            customers,
            pending_campaigns,
        });
    }
    Ok(Json(UnassignedList { consultants }))
}
