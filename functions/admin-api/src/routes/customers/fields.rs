//! `PATCH /api/customers/{external_userid}`: the clinic's own fields. What a valid tier,
//! birthday or phone number is, and how a patch applies, belong to the domain
//! (`crm::clinic_fields`); this reads the request and answers.

use axum::Json;
use axum::extract::{Extension, State};
use crm::clinic_fields::ClinicPatch;
use crm::repo::CustomerAdmin;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::detail::detail;
use super::views::{CustomerDetail, Tier};
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

/// Fields the console may set; each is optional, `null` clears it. The marketing consent is not
/// one of them: it is refused here (400, field `marketing_consent`) and recorded through
/// `POST /api/customers/{external_userid}/consents`, which says when, how and by whom.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct CustomerPatch {
    /// A, B or C.
    #[schema(value_type = Option<Tier>)]
    pub tier: Option<String>,
    /// Psychological type, at most 30 characters.
    pub psych_type: Option<String>,
    /// `YYYY-MM-DD`, or `MM-DD` when the year is unknown.
    pub birthday: Option<String>,
    /// Mainland mobile number (11 digits, 1[3-9]…).
    pub phone: Option<String>,
    /// At most 2 000 characters.
    pub notes: Option<String>,
}

/// Sets or clears the clinic's fields. The audit log records which fields changed, never
/// their values.
#[utoipa::path(patch, path = "/api/customers/{external_userid}", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    request_body = CustomerPatch,
    responses((status = 200, body = CustomerDetail), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<CustomerDetail>> {
    if body.is_empty() {
        return Err(ApiError::bad_request("没有要修改的字段"));
    }
    let patch = ClinicPatch::parse(&body)?;
    if state.customers().get(&external_userid).await?.is_none() {
        return Err(ApiError::not_found("该客户"));
    }
    let now = state.clock.now_ms();
    let mut changed: Vec<String> = Vec::new();
    CustomerAdmin::new(state.store.clone())
        .update_profile(&external_userid, |customer| {
            changed = patch
                .apply(&mut customer.crm)
                .into_iter()
                .map(str::to_owned)
                .collect();
            if changed.is_empty() {
                return false;
            }
            customer.updated_at_ms = now;
            true
        })
        .await?;
    if !changed.is_empty() {
        state
            .audited(&caller, "customer.update", &external_userid, changed)
            .await?;
    }
    Ok(Json(detail(&state, &external_userid).await?))
}
