//! The control API's error. Control errors are `4xx/5xx` with `{"error": {"code", "message"}}`
//! (the project's API error shape), never WeCom's errcode shape: they are the test harness
//! talking, not WeCom.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// A control-API failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ControlError {
    fn parts(&self) -> (StatusCode, &'static str, &str) {
        match self {
            ControlError::BadRequest(m) => (StatusCode::BAD_REQUEST, "bad_request", m),
            ControlError::NotFound(m) => (StatusCode::NOT_FOUND, "not_found", m),
            ControlError::Conflict(m) => (StatusCode::CONFLICT, "conflict", m),
            ControlError::Internal(m) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", m),
        }
    }
}

impl IntoResponse for ControlError {
    fn into_response(self) -> Response {
        let (status, code, message) = self.parts();
        (
            status,
            Json(json!({ "error": { "code": code, "message": message } })),
        )
            .into_response()
    }
}

pub(crate) type ControlResult<T> = Result<T, ControlError>;
