//! `POST /api/customers/{external_userid}/sync`: the customer and their relationships refreshed
//! from WeCom on demand, by the rule the event processor follows (`crm::refresh`).

use axum::Json;
use axum::extract::{Extension, State};
use crm::model::TimelineEvent;
use crm::refresh::Occasion;
use wecom_api::{WeComError, errcode};

use super::detail::detail;
use super::views::CustomerDetail;
use crate::auth::Caller;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

/// WeCom's answers that it cannot give this customer (no longer anyone's friend, or unknown),
/// as a conflict that leaves the local record alone; `mark_tags` maps them the same way.
pub(super) fn gone(e: &WeComError) -> Option<ApiError> {
    match e.errcode() {
        Some(errcode::NOT_A_FRIEND) => Some(ApiError::conflict(
            "企业微信中该客户已不是任何成员的好友（已删除或尚未通过验证），无法同步；本地记录保持不变",
        )),
        Some(errcode::INVALID_EXTERNAL_USERID) => Some(ApiError::conflict(
            "企业微信不认识该客户 ID，或其跟进成员不在应用可见范围内，无法同步；本地记录保持不变",
        )),
        _ => None,
    }
}

/// Refreshes the customer and their relationships from WeCom now (creates them when the
/// product has not heard of them yet).
#[utoipa::path(post, path = "/api/customers/{external_userid}/sync", tag = "customers",
    params(("external_userid" = String, Path, description = "WeCom external_userid")),
    responses((status = 200, body = CustomerDetail), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn sync(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(external_userid): ApiPath<String>,
) -> ApiResult<Json<CustomerDetail>> {
    // An erased customer stays erased (crm::privacy).
    if crm::privacy::Tombstones::new(state.store.clone())
        .is_erased(&external_userid)
        .await?
    {
        return Err(ApiError::not_found("该客户"));
    }
    let detail_from_wecom = match state.wecom.get_external_contact(&external_userid).await {
        Ok(d) => d,
        Err(e) => return Err(gone(&e).unwrap_or_else(|| ApiError::wecom(&e))),
    };
    let now = state.clock.now_ms();
    let repo = state.customers();
    let ext = detail_from_wecom.external_contact.external_userid.clone();
    if ext.is_empty() {
        return Err(ApiError::not_found("该客户"));
    }
    // A customer new to the product is attributed to their earliest relationship's channel.
    let channel = detail_from_wecom
        .follow_user
        .iter()
        .min_by_key(|f| f.createtime)
        .map(|f| f.state.clone())
        .unwrap_or_default();
    repo.apply_wecom_detail(
        &detail_from_wecom,
        Occasion {
            channel: &channel,
            ..Occasion::default()
        },
        now,
    )
    .await?;
    repo.add_timeline(
        &ext,
        &format!("sync-{now}"),
        &TimelineEvent {
            at_ms: now,
            kind: "synced".into(),
            userid: None,
            detail: None,
        },
    )
    .await?;
    state
        .audited(&caller, "customer.sync", &ext, Vec::new())
        .await?;
    Ok(Json(detail(&state, &ext).await?))
}
