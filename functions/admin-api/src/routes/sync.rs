//! The hourly sync, on demand: start a run, watch the runs.

use axum::Json;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use crm::sync::StartOutcome;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiPath, ApiQuery, ApiResult, ErrorBody};
use crate::state::{AdminState, page_limit};

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncStarted {
    pub run_id: String,
    /// False when a run was already going on (its id is returned; no second run starts).
    pub started: bool,
}

/// One run: phase, checkpoint and counters (staff, customers seen/added/changed, relationships
/// ended, WeCom calls, errors).
#[derive(Debug, Serialize, ToSchema)]
pub struct SyncRunView {
    #[serde(flatten)]
    pub run: crm::model::SyncRun,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncRunPage {
    pub items: Vec<SyncRunView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncRunQuery {
    /// 1–100, default 20.
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<usize>,
}

/// Starts a sync now (202), or reports the one already running.
#[utoipa::path(post, path = "/api/sync", tag = "sync",
    responses((status = 202, body = SyncStarted), (status = 401, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn start(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
) -> ApiResult<(StatusCode, Json<SyncStarted>)> {
    let outcome = state.sync.trigger().await?;
    let (run_id, started) = match outcome {
        StartOutcome::Started { run_id } => (run_id, true),
        StartOutcome::AlreadyRunning { run_id } => (run_id, false),
    };
    if started {
        state
            .audited(&caller, "sync.start", &run_id, Vec::new())
            .await?;
    }
    Ok((StatusCode::ACCEPTED, Json(SyncStarted { run_id, started })))
}

/// Recent runs, newest first.
#[utoipa::path(get, path = "/api/sync/runs", tag = "sync", params(SyncRunQuery),
    responses((status = 200, body = SyncRunPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn runs(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<SyncRunQuery>,
) -> ApiResult<Json<SyncRunPage>> {
    let limit = page_limit(q.limit)?;
    let runs = state.sync.engine().recent_runs(limit).await?;
    Ok(Json(SyncRunPage {
        items: runs.into_iter().map(|run| SyncRunView { run }).collect(),
    }))
}

/// One run.
#[utoipa::path(get, path = "/api/sync/runs/{id}", tag = "sync",
    params(("id" = String, Path)),
    responses((status = 200, body = SyncRunView), (status = 404, body = ErrorBody)))]
pub async fn run(
    State(state): State<AdminState>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<SyncRunView>> {
    match state.sync.engine().get_run(&id).await? {
        Some(run) => Ok(Json(SyncRunView { run })),
        None => Err(ApiError::not_found("该同步记录")),
    }
}
