//! `GET /api/customers/{external_userid}`: one customer's whole record, which the endpoints that
//! change a customer answer too.

use axum::Json;
use axum::extract::{Extension, State};
use crm::repo::CustomerAdmin;

use super::views::{CustomerDetail, summary};
use crate::auth::Caller;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

/// Most of a customer's recent WeCom events shown on their page.
const RECENT_EVENTS_MAX: usize = 20;

pub(super) async fn detail(state: &AdminState, external_userid: &str) -> ApiResult<CustomerDetail> {
    let repo = state.customers();
    let Some(customer) = repo.get(external_userid).await? else {
        return Err(ApiError::not_found("该客户"));
    };
    let rels = repo.relationships(external_userid).await?;
    let timeline = repo.timeline(external_userid).await?;
    let admin = CustomerAdmin::new(state.store.clone());
    let appointments = admin.appointments(external_userid).await?;
    let purchases = admin.purchases(external_userid).await?;
    let recent_events = state
        .callback_log()
        .for_customer(external_userid, RECENT_EVENTS_MAX)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(CustomerDetail {
        summary: summary(&customer, &rels),
        unionid: customer.unionid.clone(),
        corp_name: customer.corp_name.clone(),
        updated_at_ms: customer.updated_at_ms,
        merged_from: customer.merged_from.clone(),
        merged_into: customer.merged_into.clone(),
        crm: customer.crm.to_map(),
        timeline: timeline.into_iter().map(Into::into).collect(),
        recent_events,
        appointments: appointments.into_iter().map(Into::into).collect(),
        purchases: purchases.into_iter().map(Into::into).collect(),
    })
}

/// One customer: profile, every relationship, the clinic's fields, history, recent WeCom
/// events, appointments and purchases. Audited as `customer.read` (the caller read this
/// customer's personal data); a customer that does not exist is not.
#[utoipa::path(get, path = "/api/customers/{external_userid}", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    responses((status = 200, body = CustomerDetail), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
) -> ApiResult<Json<CustomerDetail>> {
    let detail = detail(&state, &external_userid).await?;
    state
        .audited_read(&caller, &external_userid, &["detail"])
        .await?;
    Ok(Json(detail))
}
