//! `POST /sim/control/clock/advance`: moves the simulated clock forward.

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::common::{json_ok, parse};
use crate::control_error::ControlError;
use crate::sim::Simulator;

#[derive(Deserialize)]
struct AdvanceBody {
    #[serde(default)]
    seconds: u64,
    #[serde(default)]
    millis: u64,
}

pub(crate) async fn advance_clock(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<AdvanceBody>(&body) {
        Ok(b) => {
            match Duration::from_secs(b.seconds).checked_add(Duration::from_millis(b.millis)) {
                Some(by) => {
                    sim.advance_clock(by);
                    json_ok(json!({ "now_ms": sim.now_ms() }))
                }
                None => ControlError::BadRequest("duration too large".to_owned()).into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}
