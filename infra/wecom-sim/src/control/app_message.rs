//! `POST /sim/control/app-message`: a member sends a text to the app → a `text` message callback.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wecom_callback::builder::app_text_xml;

use super::common::{answer, check_deliveries, fire, parse};
use crate::control_error::{ControlError, ControlResult};
use crate::model::{AppMessageRequest, EventOutcome, InboundAppMessage};
use crate::sim::Simulator;

impl Simulator {
    /// A member sends a text to the app → a `text` message callback with a unique MsgId.
    pub async fn app_message(&self, req: AppMessageRequest) -> ControlResult<EventOutcome> {
        check_deliveries(req.deliveries)?;
        if req.content.is_empty() {
            return Err(ControlError::BadRequest("content is required".to_owned()));
        }
        let now = self.now_ms().div_euclid(1000);
        let (msg_id, xml) = {
            let mut st = self.lock();
            if !st.staff.contains_key(&req.from_userid) {
                return Err(ControlError::NotFound(format!(
                    "no member {}",
                    req.from_userid
                )));
            }
            let msg_id = st.next_msg_id;
            st.next_msg_id += 1;
            st.inbound_app_messages.push(InboundAppMessage {
                msg_id: msg_id.to_string(),
                from_userid: req.from_userid.clone(),
                content: req.content.clone(),
                at: now,
            });
            let xml = app_text_xml(
                self.corp_id(),
                &req.from_userid,
                &req.content,
                msg_id,
                &self.config().agent_id,
                now,
            );
            (msg_id, xml)
        };
        fire(self, "text", &xml, req.deliveries, Some(msg_id.to_string())).await
    }
}

pub(crate) async fn app_message(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<AppMessageRequest>(&body) {
        Ok(req) => answer(sim.app_message(req).await),
        Err(e) => e.into_response(),
    }
}
