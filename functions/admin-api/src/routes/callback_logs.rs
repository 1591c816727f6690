//! The raw WeCom event log, and replaying one event's processing.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::jobs::Job;
use crm::jobs::QueueJob;
use crm::model::{CallbackLogEntry, CallbackStatus};
use ports::OutgoingMessage;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::{AdminState, page_limit};

/// The statuses the event log can be filtered by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CallbackLogStatusFilter {
    /// Authentic messages this version could not interpret (无法识别).
    Unrecognized,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackLogQuery {
    /// e.g. `change_external_contact/add_external_contact`, `text`.
    pub event_type: Option<String>,
    /// Only entries in this status (`unrecognized`); not together with `event_type`.
    #[param(inline)]
    pub status: Option<CallbackLogStatusFilter>,
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One logged WeCom event.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackLogView {
    /// The event's idempotency key; also its id in this API.
    pub id: String,
    pub event_type: String,
    pub external_userid: Option<String>,
    pub userid: Option<String>,
    pub state: Option<String>,
    /// WeCom's CreateTime (Unix seconds).
    pub create_time: i64,
    pub status: CallbackStatus,
    pub delivery_count: u32,
    pub attempts: u32,
    pub received_at_ms: i64,
    pub processed_at_ms: Option<i64>,
    pub outcome: Option<String>,
    pub error: Option<String>,
    /// Why the message could not be interpreted, while `status` is `unrecognized`: `json`,
    /// `not_xml`, `empty`, `not_utf8`, `malformed_xml`, `forbidden_xml`, `bad_create_time`,
    /// `missing_element:{Name}`.
    pub unrecognized_reason: Option<String>,
    /// The decrypted message exactly as WeCom sent it (XML, or whatever it was).
    pub raw_xml: String,
    /// `raw_xml` is the standard base64 of the decrypted bytes (they were not UTF-8 text).
    pub raw_base64: bool,
}

impl From<CallbackLogEntry> for CallbackLogView {
    fn from(e: CallbackLogEntry) -> Self {
        Self {
            id: e.dedupe_key,
            event_type: e.event_type,
            external_userid: e.external_userid,
            userid: e.userid,
            state: e.state,
            create_time: e.create_time,
            status: e.status,
            delivery_count: e.delivery_count,
            attempts: e.attempts,
            received_at_ms: e.received_at_ms,
            processed_at_ms: e.processed_at_ms,
            outcome: e.outcome,
            error: e.error,
            unrecognized_reason: e.unrecognized_reason,
            raw_xml: e.raw_xml,
            raw_base64: e.raw_base64,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackLogPage {
    pub items: Vec<CallbackLogView>,
    pub next_cursor: Option<String>,
}

/// Recent WeCom events, newest first, optionally of one type or only the unrecognized ones.
#[utoipa::path(get, path = "/api/callback-logs", tag = "callback-logs", params(CallbackLogQuery),
    responses((status = 200, body = CallbackLogPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<CallbackLogQuery>,
) -> ApiResult<Json<CallbackLogPage>> {
    let limit = page_limit(q.limit)?;
    let event_type = q.event_type.as_deref().filter(|t| !t.is_empty());
    // Unrecognized entries all carry one event type, so the type index lists them.
    let event_type = match (q.status, event_type) {
        (None, event_type) => event_type,
        (Some(CallbackLogStatusFilter::Unrecognized), None) => {
            Some(crm::ingest::UNRECOGNIZED_EVENT_TYPE)
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_field(
                "status",
                "按处理状态筛选时不能同时按事件类型筛选",
            ));
        }
    };
    let (entries, next_cursor) = state
        .callback_log()
        .recent(event_type, limit, q.cursor)
        .await?;
    Ok(Json(CallbackLogPage {
        items: entries.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// One event.
#[utoipa::path(get, path = "/api/callback-logs/{id}", tag = "callback-logs",
    params(("id" = String, Path, description = "The event's id (idempotency key)")),
    responses((status = 200, body = CallbackLogView), (status = 404, body = ErrorBody)))]
pub async fn get_one(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CallbackLogView>> {
    match state.callback_log().get(&id).await? {
        Some(entry) => Ok(Json(entry.into())),
        None => Err(ApiError::not_found("该事件")),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayAccepted {
    pub id: String,
    /// Always `received`: the event is queued for processing again.
    pub status: CallbackStatus,
}

/// Runs the event's processing again (idempotently: nothing is created or sent twice).
#[utoipa::path(post, path = "/api/callback-logs/{id}/replay", tag = "callback-logs",
    params(("id" = String, Path, description = "The event's id (idempotency key)")),
    responses((status = 202, body = ReplayAccepted), (status = 404, body = ErrorBody)))]
pub async fn replay(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<(StatusCode, Json<ReplayAccepted>)> {
    let log = state.callback_log();
    if log.get(&id).await?.is_none() {
        return Err(ApiError::not_found("该事件"));
    }
    log.update(&id, |entry| {
        entry.status = CallbackStatus::Received;
        entry.error = None;
        true
    })
    .await?;
    let job = Job::Callback { key: id.clone() };
    state
        .queue
        .send_batch(vec![OutgoingMessage::now(job.to_body())])
        .await
        .map_err(crm::CrmError::from)?;
    state
        .audited(&caller, "callback_log.replay", &id, Vec::new())
        .await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(ReplayAccepted {
            id,
            status: CallbackStatus::Received,
        }),
    ))
}
