//! `PATCH /api/customers/{external_userid}`: the clinic's own fields. What a valid birthday or
//! phone number is belongs to the domain (`crm::clinic_fields`); this checks the request.

use axum::Json;
use axum::extract::{Extension, State};
use crm::clinic_fields::{valid_birthday, valid_phone};
use crm::repo::CustomerAdmin;
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::detail::detail;
use super::views::{CustomerDetail, Tier};
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

/// Fields the console may set; each is optional, `null` clears it.
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
    pub marketing_consent: Option<bool>,
}

const PATCHABLE: [&str; 6] = [
    "tier",
    "psych_type",
    "birthday",
    "phone",
    "notes",
    "marketing_consent",
];

/// Validates the patch; returns the values to set (`None` = clear), in field order.
fn validate_patch(body: &Map<String, Value>) -> ApiResult<Vec<(String, Option<Value>)>> {
    if let Some(unknown) = body.keys().find(|k| !PATCHABLE.contains(&k.as_str())) {
        return Err(ApiError::invalid_field(unknown, "不支持修改该字段"));
    }
    if body.is_empty() {
        return Err(ApiError::bad_request("没有要修改的字段"));
    }
    let mut changes = Vec::new();
    for field in PATCHABLE {
        let Some(value) = body.get(field) else {
            continue;
        };
        if value.is_null() {
            changes.push((field.to_owned(), None));
            continue;
        }
        let set = match field {
            "marketing_consent" => match value {
                Value::Bool(_) => value.clone(),
                _ => {
                    return Err(ApiError::invalid_field(
                        field,
                        "营销授权必须是 true 或 false",
                    ));
                }
            },
            _ => {
                let Some(s) = value.as_str().map(str::trim) else {
                    return Err(ApiError::invalid_field(field, "该字段必须是字符串"));
                };
                let ok = match field {
                    "tier" => matches!(s, "A" | "B" | "C"),
                    "psych_type" => !s.is_empty() && s.chars().count() <= 30,
                    "birthday" => valid_birthday(s),
                    "phone" => valid_phone(s),
                    _ => s.chars().count() <= 2000,
                };
                if !ok {
                    let message = match field {
                        "tier" => "客户等级只能是 A、B 或 C",
                        "psych_type" => "心理类型不能为空，且不能超过 30 个字",
                        "birthday" => {
                            "生日必须是有效日期，格式为 YYYY-MM-DD 或 MM-DD（不知道年份时）"
                        }
                        "phone" => "手机号必须是 11 位中国大陆手机号",
                        _ => "备注不能超过 2000 个字",
                    };
                    return Err(ApiError::invalid_field(field, message));
                }
                Value::from(s)
            }
        };
        changes.push((field.to_owned(), Some(set)));
    }
    Ok(changes)
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
    let changes = validate_patch(&body)?;
    if state.customers().get(&external_userid).await?.is_none() {
        return Err(ApiError::not_found("该客户"));
    }
    let now = state.clock.now_ms();
    let mut changed: Vec<String> = Vec::new();
    CustomerAdmin::new(state.store.clone())
        .update_profile(&external_userid, |customer| {
            changed.clear();
            for (field, value) in &changes {
                let before = customer.crm.get(field).cloned();
                match value {
                    Some(v) => {
                        customer.crm.insert(field.clone(), v.clone());
                    }
                    None => {
                        customer.crm.remove(field);
                    }
                }
                if customer.crm.get(field) != before.as_ref() {
                    changed.push(field.clone());
                }
            }
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
