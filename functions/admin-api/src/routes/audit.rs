//! The audit log: who changed what and who read which customer's personal data, as a hash
//! chain (`crm::repo::AuditLog`), and its verification.

use axum::Json;
use axum::extract::State;
use crm::repo::ChainReport;
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
    /// Names of the changed fields, or of the parts of a customer's record read (never
    /// values).
    pub fields: Vec<String>,
    /// Position in the hash chain; absent for entries written before the chain.
    pub seq: Option<u64>,
    /// SHA-256 of the entry chained to the previous one (hex).
    pub hash: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryView>,
    pub next_cursor: Option<String>,
}

/// Who changed what (and who read which customer), newest first.
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
                seq: e.seq,
                hash: e.hash,
            })
            .collect(),
        next_cursor,
    }))
}

/// Whether the audit chain is intact: walks every retained entry from the oldest (older ones
/// expired, or were written before the chain) to the head, checking each entry's hash and its
/// link to the one before, and reports the first break. Reads the whole chain (about 1 000
/// entries per store read).
#[utoipa::path(get, path = "/api/audit-logs/verify", tag = "audit",
    responses((status = 200, body = ChainReport), (status = 401, body = ErrorBody)))]
pub async fn verify(State(state): State<AdminState>) -> ApiResult<Json<ChainReport>> {
    let report = state.audit().verify().await?;
    if let Some(broken) = &report.broken {
        tracing::warn!(seq = broken.seq, reason = ?broken.reason, "the audit chain is broken");
    }
    Ok(Json(report))
}
