//! `POST /sim/control/transfer-fail`: a customer transfer failed → `transfer_fail`.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wecom_callback::builder::{ExternalContactExtras, external_contact_xml_full};

use super::common::{answer, check_deliveries, fire, parse};
use crate::control_error::{ControlError, ControlResult};
use crate::model::{EventOutcome, TransferFailRequest};
use crate::sim::Simulator;

impl Simulator {
    /// A customer transfer to `userid` failed → `transfer_fail` (no state change).
    pub async fn transfer_fail(&self, req: TransferFailRequest) -> ControlResult<EventOutcome> {
        check_deliveries(req.deliveries)?;
        if !matches!(
            req.fail_reason.as_str(),
            "customer_refused" | "customer_limit_exceed"
        ) {
            return Err(ControlError::BadRequest(
                "fail_reason must be customer_refused or customer_limit_exceed".to_owned(),
            ));
        }
        let now = self.now_ms().div_euclid(1000);
        {
            let st = self.lock();
            if !st.staff.contains_key(&req.userid) {
                return Err(ControlError::NotFound(format!("no member {}", req.userid)));
            }
            if !st.contacts.contains_key(&req.external_userid) {
                return Err(ControlError::NotFound(format!(
                    "no contact {}",
                    req.external_userid
                )));
            }
        }
        let xml = external_contact_xml_full(
            self.corp_id(),
            "transfer_fail",
            &req.userid,
            &req.external_userid,
            &ExternalContactExtras {
                fail_reason: Some(&req.fail_reason),
                ..ExternalContactExtras::default()
            },
            now,
        );
        fire(
            self,
            "change_external_contact/transfer_fail",
            &xml,
            req.deliveries,
            None,
        )
        .await
    }
}

pub(crate) async fn transfer_fail(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<TransferFailRequest>(&body) {
        Ok(req) => answer(sim.transfer_fail(req).await),
        Err(e) => e.into_response(),
    }
}
