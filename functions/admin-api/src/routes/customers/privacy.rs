//! Data-subject rights (PIPL): `GET /api/customers/{external_userid}/export` answers
//! everything held about one customer as a JSON download; `POST …/erase` scrubs it and leaves
//! a tombstone (`crm::privacy`, docs/data-model.md "Data-subject rights"). Both are audited.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use crm::privacy::{CustomerExport, EraseReport, Tombstones};
use serde::Deserialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

/// Longest reason, in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// Why the customer's personal information is erased (kept on the tombstone and in the audit
/// log; do not write the customer's name or phone number into it).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)]
pub struct EraseRequest {
    /// 1..=500 characters, e.g. 客户本人申请删除.
    pub reason: String,
}

fn reason_of(body: &Map<String, Value>) -> Result<String, ApiError> {
    let reason = match body.get("reason") {
        None | Some(Value::Null) => {
            return Err(ApiError::invalid_field("reason", "请填写删除原因"));
        }
        Some(Value::String(s)) => s.trim().to_owned(),
        Some(_) => {
            return Err(ApiError::invalid_field("reason", "删除原因必须是文字"));
        }
    };
    if reason.is_empty() {
        return Err(ApiError::invalid_field("reason", "请填写删除原因"));
    }
    if reason.chars().count() > REASON_MAX_CHARS {
        return Err(ApiError::invalid_field(
            "reason",
            format!("删除原因最多 {REASON_MAX_CHARS} 个字"),
        ));
    }
    if let Some(other) = body.keys().find(|k| k.as_str() != "reason") {
        return Err(ApiError::invalid_field(
            other,
            format!("不支持的字段 {other}"),
        ));
    }
    Ok(reason)
}

/// A file name made of the id's safe characters.
fn file_name(external_userid: &str) -> String {
    let safe: String = external_userid
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(64)
        .collect();
    format!("customer-{safe}.json")
}

/// Everything held about one customer, as a JSON file: profile and clinic fields,
/// relationships with remarks, descriptions and tags, history, appointments, purchases,
/// consent records, WeCom events, messages, the send ledger, clicks, orders and automation
/// claims.
#[utoipa::path(get, path = "/api/customers/{external_userid}/export", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    responses((status = 200, body = CustomerExport, description = "a download (Content-Disposition: attachment)"),
        (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn export(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let Some(export) = crm::privacy::export(&state.store, &external_userid, now).await? else {
        return Err(ApiError::not_found("该客户"));
    };
    state
        .audited(&caller, "customer.export", &external_userid, Vec::new())
        .await?;
    let disposition = format!("attachment; filename=\"{}\"", file_name(&external_userid));
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(export)).into_response())
}

/// Erases the customer's personal information: a tombstone first (so that neither a sync nor
/// a WeCom event brings them back, and no campaign reaches them), then every record about
/// them deleted or rewritten without them; anonymous statistics are kept. Cannot be undone.
/// Repeating it is safe (it finishes what an interrupted one began).
#[utoipa::path(post, path = "/api/customers/{external_userid}/erase", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    request_body = EraseRequest,
    responses((status = 200, body = EraseReport), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn erase(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<EraseReport>> {
    let reason = reason_of(&body)?;
    let tombstones = Tombstones::new(state.store.clone());
    let now = state.clock.now_ms();
    let Some(report) = crm::privacy::erase(
        &state.store,
        &tombstones,
        &external_userid,
        &caller.id,
        &reason,
        now,
    )
    .await?
    else {
        return Err(ApiError::not_found("该客户"));
    };
    // The audit names the tombstone's keyed hash, not the erased id.
    let subject = tombstones.subject(&external_userid).await?;
    state
        .audited(
            &caller,
            "customer.erase",
            &format!("erased:{subject}"),
            vec!["reason".to_owned()],
        )
        .await?;
    Ok(Json(report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reason_is_required_trimmed_bounded_and_alone() {
        let body = |v: Value| v.as_object().cloned().unwrap_or_default();
        assert_eq!(
            reason_of(&body(serde_json::json!({"reason": " 客户申请 "})))
                .ok()
                .as_deref(),
            Some("客户申请")
        );
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"reason": "  "}),
            serde_json::json!({"reason": 3}),
            serde_json::json!({"reason": "x".repeat(REASON_MAX_CHARS + 1)}),
            serde_json::json!({"reason": "ok", "other": 1}),
        ] {
            assert!(reason_of(&body(bad.clone())).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_file_name_keeps_only_safe_characters() {
        assert_eq!(file_name("wm_A-1\"/x"), "customer-wm_A-1x.json");
    }
}
