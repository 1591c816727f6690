//! Plumbing shared by the control routes: request bodies, JSON answers and the checks the event
//! routes make.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use crate::callbacks::{self, MAX_DELIVERIES};
use crate::control_error::{ControlError, ControlResult};
use crate::model::EventOutcome;
use crate::sim::Simulator;

pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> ControlResult<T> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ControlError::BadRequest(format!("invalid json: {e}")))
}

pub(crate) fn check_deliveries(n: u32) -> ControlResult<()> {
    if n == 0 || n > MAX_DELIVERIES {
        return Err(ControlError::BadRequest(format!(
            "deliveries must be 1 to {MAX_DELIVERIES}"
        )));
    }
    Ok(())
}

pub(crate) fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// A 400 with `msg`.
pub(crate) fn bad(msg: impl Into<String>) -> ControlError {
    ControlError::BadRequest(msg.into())
}

pub(crate) fn json_ok<T: serde::Serialize>(v: T) -> Response {
    (StatusCode::OK, Json(v)).into_response()
}

pub(crate) fn answer<T: serde::Serialize>(r: ControlResult<T>) -> Response {
    match r {
        Ok(v) => json_ok(v),
        Err(e) => e.into_response(),
    }
}

/// Delivers the event `xml` (`kind`, `deliveries` times) and answers that it fired.
pub(crate) async fn fire(
    sim: &Simulator,
    kind: &str,
    xml: &str,
    deliveries: u32,
    id: Option<String>,
) -> ControlResult<EventOutcome> {
    let deliveries = callbacks::emit(sim, kind, xml, deliveries).await?;
    Ok(EventOutcome {
        fired: true,
        id,
        deliveries,
    })
}
