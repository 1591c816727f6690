//! `POST /sim/control/tokens/expire` and `POST /sim/control/tokens/invalidate`: every issued
//! access token expires (42001) or becomes invalid (40014) now.

use axum::extract::State;
use axum::response::Response;
use serde_json::json;

use super::common::json_ok;
use crate::sim::Simulator;

pub(crate) async fn expire_tokens(State(sim): State<Simulator>) -> Response {
    sim.expire_tokens();
    json_ok(json!({ "expired": true }))
}

pub(crate) async fn invalidate_tokens(State(sim): State<Simulator>) -> Response {
    sim.invalidate_tokens();
    json_ok(json!({ "invalidated": true }))
}
