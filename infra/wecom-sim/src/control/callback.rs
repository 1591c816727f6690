//! The callback endpoint: `POST /sim/control/raw-callback` (deliver any inner XML),
//! `POST /sim/control/verify-url` (WeCom's URL verification) and
//! `GET|PUT /sim/control/callback-url` (where callbacks go).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::common::{answer, check_deliveries, fire, json_ok, parse};
use crate::callbacks;
use crate::control_error::{ControlError, ControlResult};
use crate::model::{EventOutcome, RawCallbackRequest, VerifyUrlReport};
use crate::sim::Simulator;

impl Simulator {
    /// Delivers any inner XML, encrypted and signed (for unknown-event and robustness tests).
    pub async fn raw_callback(&self, req: RawCallbackRequest) -> ControlResult<EventOutcome> {
        check_deliveries(req.deliveries)?;
        fire(self, "raw", &req.xml, req.deliveries, None).await
    }

    /// Performs WeCom's GET URL verification against the callback URL.
    pub async fn verify_url(&self) -> ControlResult<VerifyUrlReport> {
        callbacks::verify_url(self).await
    }
}

pub(crate) async fn raw_callback(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<RawCallbackRequest>(&body) {
        Ok(req) => answer(sim.raw_callback(req).await),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn verify_url(State(sim): State<Simulator>) -> Response {
    answer(sim.verify_url().await)
}

#[derive(Deserialize)]
struct CallbackUrlBody {
    url: Option<String>,
}

pub(crate) async fn get_callback_url(State(sim): State<Simulator>) -> Response {
    json_ok(json!({ "url": sim.callback_url() }))
}

pub(crate) async fn put_callback_url(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<CallbackUrlBody>(&body) {
        Ok(b) => {
            match b.url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                Some(u) => {
                    if let Err(e) = reqwest::Url::parse(u) {
                        return ControlError::BadRequest(format!("invalid url: {e}"))
                            .into_response();
                    }
                    sim.set_callback_url(u);
                }
                None => sim.clear_callback_url(),
            }
            json_ok(json!({ "url": sim.callback_url() }))
        }
        Err(e) => e.into_response(),
    }
}
