//! `GET` and `POST /api/customers/{external_userid}/consents`: the customer's consent records
//! (授权记录) per purpose, and recording a grant or a withdrawal. What a valid request is and
//! how a record moves the current state belong to the domain (`crm::consent`).

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::consent::{ConsentRecord, ConsentRepo, ConsentRequest, CurrentConsent, current};
use crm::model::Customer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

/// A customer's consents: the current state of each purpose and every record.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentsView {
    /// One entry per purpose (marketing, health_data).
    pub current: Vec<CurrentConsent>,
    /// Every grant and withdrawal, newest first.
    pub history: Vec<ConsentRecord>,
}

/// A grant or withdrawal to record.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct NewConsent {
    /// `marketing` (营销) or `health_data` (敏感个人信息：治疗等健康信息).
    #[schema(value_type = crm::consent::Purpose)]
    pub purpose: String,
    /// True: granted (授权); false: withdrawn (撤回).
    pub granted: bool,
    /// `written` (书面), `verbal` (口头) or `form` (表单); `import` is recorded only by imports.
    #[schema(value_type = crm::consent::Method)]
    pub method: String,
    /// At most 200 characters.
    pub note: Option<String>,
}

async fn view(state: &AdminState, customer: &Customer) -> ApiResult<ConsentsView> {
    Ok(ConsentsView {
        current: current(customer),
        history: ConsentRepo::new(state.store.clone())
            .history(&customer.external_userid)
            .await?,
    })
}

/// The customer's consent per purpose and their history of grants and withdrawals.
#[utoipa::path(get, path = "/api/customers/{external_userid}/consents", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    responses((status = 200, body = ConsentsView), (status = 404, body = ErrorBody)))]
pub async fn consents(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
) -> ApiResult<Json<ConsentsView>> {
    let Some(customer) = state.customers().get(&external_userid).await? else {
        return Err(ApiError::not_found("该客户"));
    };
    let answer = view(&state, &customer).await?;
    // One customer's consent history is their personal data: a read of it is audited.
    state
        .audited_read(&caller, &external_userid, &["consents"])
        .await?;
    Ok(Json(answer))
}

/// Records a grant or a withdrawal (append-only) and makes it the purpose's current state, in
/// one write; a withdrawn marketing consent keeps the customer out of the next campaign,
/// automation or direct message. Audited as `customer.consent` (the purpose, not the values).
#[utoipa::path(post, path = "/api/customers/{external_userid}/consents", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    request_body = NewConsent,
    responses((status = 201, body = ConsentsView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn record_consent(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<(StatusCode, Json<ConsentsView>)> {
    let request = ConsentRequest::parse(&body)?;
    let now = state.clock.now_ms();
    let record = ConsentRecord {
        id: state.ids.new_id(now),
        external_userid: external_userid.clone(),
        purpose: request.purpose,
        granted: request.granted,
        at_ms: now,
        recorded_by: caller.id.clone(),
        method: request.method,
        note: request.note,
    };
    let Some(customer) = ConsentRepo::new(state.store.clone())
        .record(&record)
        .await?
    else {
        return Err(ApiError::not_found("该客户"));
    };
    state
        .audited(
            &caller,
            "customer.consent",
            &external_userid,
            vec![record.purpose.as_str().to_owned()],
        )
        .await?;
    Ok((StatusCode::CREATED, Json(view(&state, &customer).await?)))
}
