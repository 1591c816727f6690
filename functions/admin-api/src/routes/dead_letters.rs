//! Dead letters: queue messages that failed every attempt (a poison message, a bug, a WeCom
//! outage longer than the retries), across the product's queues; each can be replayed.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiPath, ApiResult, ErrorBody};
use crate::state::AdminState;

/// Most dead letters listed per queue.
const LIST_PER_QUEUE: usize = 100;

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterView {
    /// `<queue>:<message id>`, for replay.
    pub id: String,
    /// `events`, `sync`, `campaigns` or `sends`.
    pub queue: String,
    /// The message: its JSON when it parses (a job naming ids, never personal data — its shape
    /// depends on the queue), else the raw text.
    pub body: Value,
    pub receive_count: u32,
    pub failed_at_ms: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeadLetterList {
    pub items: Vec<DeadLetterView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Replayed {
    pub id: String,
    pub replayed: bool,
}

#[utoipa::path(get, path = "/api/dead-letters", tag = "operations",
    responses((status = 200, body = DeadLetterList), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn list(State(state): State<AdminState>) -> ApiResult<Json<DeadLetterList>> {
    let mut items = Vec::new();
    for (queue, letters) in state.dead_letters.iter() {
        let found = letters
            .list(LIST_PER_QUEUE)
            .await
            .map_err(crm::CrmError::from)?;
        items.extend(found.into_iter().map(|d| DeadLetterView {
            id: format!("{queue}:{}", d.id),
            queue: queue.clone(),
            body: serde_json::from_str(&d.body).unwrap_or(Value::String(d.body)),
            receive_count: d.receive_count,
            failed_at_ms: d.failed_at_ms,
        }));
    }
    Ok(Json(DeadLetterList { items }))
}

/// Puts the message back on its queue (it is processed again, idempotently).
#[utoipa::path(post, path = "/api/dead-letters/{id}/replay", tag = "operations",
    params(("id" = String, Path, description = "`<queue>:<message id>`")),
    responses((status = 202, body = Replayed), (status = 404, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn replay(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<Replayed>)> {
    let not_found = || ApiError::not_found("该死信消息");
    let (queue, message_id) = id.split_once(':').ok_or_else(not_found)?;
    if message_id.is_empty() || message_id.len() > 200 {
        return Err(not_found());
    }
    let letters = state
        .dead_letters
        .iter()
        .find(|(name, _)| name == queue)
        .map(|(_, l)| l.clone())
        .ok_or_else(not_found)?;
    if !letters
        .replay(message_id)
        .await
        .map_err(crm::CrmError::from)?
    {
        return Err(not_found());
    }
    state
        .audited(&caller, "dead_letter.replay", &id, Vec::new())
        .await?;
    Ok((StatusCode::ACCEPTED, Json(Replayed { id, replayed: true })))
}
