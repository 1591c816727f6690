use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiQuery, ApiResult, ErrorBody};
use crate::state::{AdminState, page_limit};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: String,
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    /// Names of the changed fields (never their values).
    pub fields: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    pub next_cursor: Option<String>,
}

/// Who changed what, newest first.
#[utoipa::path(get, path = "/api/audit-logs", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<AuditPage>> {
    let limit = page_limit(q.limit)?;
    let (entries, next_cursor) = state.audit().recent(limit, q.cursor).await?;
    Ok(Json(AuditPage {
        items: entries
            .into_iter()
            .map(|e| AuditEntryView {
                id: e.id,
                at_ms: e.at_ms,
                actor: e.actor,
                action: e.action,
                target: e.target,
                fields: e.fields,
            })
            .collect(),
        next_cursor,
    }))
}
