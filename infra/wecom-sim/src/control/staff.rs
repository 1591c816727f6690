//! `POST /sim/control/staff`: adds or replaces an internal member.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::common::{answer, parse};
use crate::model::Staff;
use crate::sim::Simulator;

pub(crate) async fn add_staff(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<Staff>(&body) {
        Ok(s) => {
            let out = s.clone();
            answer(sim.add_staff(s).map(|()| out))
        }
        Err(e) => e.into_response(),
    }
}
