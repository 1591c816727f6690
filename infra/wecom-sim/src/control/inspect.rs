//! Read-outs: `GET /sim/control/state`, `welcome-messages`, `app-messages`, `deliveries`,
//! `calls`, and `POST /sim/control/calls/reset`.

use axum::extract::State;
use axum::response::Response;

use super::common::json_ok;
use crate::sim::Simulator;

pub(crate) async fn state(State(sim): State<Simulator>) -> Response {
    json_ok(sim.state())
}

pub(crate) async fn welcome_messages(State(sim): State<Simulator>) -> Response {
    json_ok(sim.welcome_messages())
}

pub(crate) async fn app_messages(State(sim): State<Simulator>) -> Response {
    json_ok(sim.app_messages())
}

pub(crate) async fn deliveries(State(sim): State<Simulator>) -> Response {
    json_ok(sim.deliveries())
}

pub(crate) async fn calls(State(sim): State<Simulator>) -> Response {
    json_ok(sim.call_counts())
}

pub(crate) async fn reset_calls(State(sim): State<Simulator>) -> Response {
    sim.reset_call_counts();
    json_ok(sim.call_counts())
}
