//! `GET|POST|DELETE /sim/control/faults`: the pending fault rules (see `crate::faults`).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::common::json_ok;
use crate::control_error::ControlError;
use crate::faults::validate_fault;
use crate::model::FaultRule;
use crate::sim::Simulator;

pub(crate) async fn list_faults(State(sim): State<Simulator>) -> Response {
    json_ok(sim.faults())
}

/// One rule, a list of rules, or `{"rules": [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum FaultInput {
    One(FaultRule),
    Many(Vec<FaultRule>),
    Wrapped { rules: Vec<FaultRule> },
}

pub(crate) async fn add_faults(State(sim): State<Simulator>, body: Bytes) -> Response {
    let rules = match serde_json::from_slice::<FaultInput>(&body) {
        Ok(FaultInput::One(r)) => vec![r],
        Ok(FaultInput::Many(v)) | Ok(FaultInput::Wrapped { rules: v }) => v,
        Err(e) => {
            return ControlError::BadRequest(format!(
                "expected a fault rule, a list of rules or {{\"rules\":[…]}}: {e}"
            ))
            .into_response();
        }
    };
    if let Err(e) = rules.iter().try_for_each(validate_fault) {
        return e.into_response();
    }
    for r in rules {
        // Validated above; inject_fault re-validates and cannot fail here.
        if let Err(e) = sim.inject_fault(r) {
            return e.into_response();
        }
    }
    json_ok(sim.faults())
}

pub(crate) async fn clear_faults(State(sim): State<Simulator>) -> Response {
    sim.clear_faults();
    json_ok(sim.faults())
}
