//! Customer handover (继承) controls: `POST staff/resign`, `POST transfer/refuse`,
//! `POST transfer/limit`, `GET transfers`.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::common::{answer, check_deliveries, fire, json_ok, parse};
use crate::control_error::{ControlError, ControlResult};
use crate::model::{
    EventOutcome, RefuseTransferRequest, ResignRequest, TransferLimitRequest, TransferView,
};
use crate::sim::Simulator;
use crate::transfer::{TransferKind, transfer_fail_event};

impl Simulator {
    /// A member leaves: they lose customer contact, their customers wait in
    /// `get_unassigned_list` for a 离职继承.
    pub fn resign_staff(&self, req: ResignRequest) -> ControlResult<Value> {
        let now = self.now_ms().div_euclid(1000);
        let mut st = self.lock();
        let Some(staff) = st.staff.get_mut(&req.userid) else {
            return Err(ControlError::NotFound(format!("no member {}", req.userid)));
        };
        staff.customer_contact = false;
        let at = req.dimission_time.unwrap_or(now);
        st.transfer.departed.insert(req.userid.clone(), at);
        Ok(json!({ "userid": req.userid, "dimission_time": at }))
    }

    /// The customer refuses their waiting transfer: status 3 and `transfer_fail`.
    pub async fn refuse_transfer(&self, req: RefuseTransferRequest) -> ControlResult<EventOutcome> {
        check_deliveries(req.deliveries)?;
        let now_ms = self.now_ms();
        let (kind, xml) = {
            let mut st = self.lock();
            st.settle_transfers(&self.config().corp_id, now_ms);
            let Some(i) = st.transfer.waiting_index(&req.external_userid) else {
                return Err(ControlError::NotFound(format!(
                    "no waiting transfer of {}",
                    req.external_userid
                )));
            };
            let Some(t) = st.transfer.transfers.get_mut(i) else {
                return Err(ControlError::Internal("transfer vanished".to_owned()));
            };
            t.status = 3;
            let takeover = t.takeover_userid.clone();
            transfer_fail_event(
                self.corp_id(),
                &takeover,
                &req.external_userid,
                "customer_refused",
                now_ms.div_euclid(1000),
            )
        };
        self.flush_transfer_outbox().await;
        fire(self, &kind, &xml, req.deliveries, None).await
    }

    /// Transfers (every one, oldest first), settled at the current simulated time.
    pub async fn transfers(&self) -> Vec<TransferView> {
        let now_ms = self.now_ms();
        let views = {
            let mut st = self.lock();
            st.settle_transfers(&self.config().corp_id, now_ms);
            st.transfer
                .transfers
                .iter()
                .map(|t| TransferView {
                    kind: match t.kind {
                        TransferKind::OnJob => "on_job",
                        TransferKind::Resigned => "resigned",
                    }
                    .to_owned(),
                    handover_userid: t.handover_userid.clone(),
                    takeover_userid: t.takeover_userid.clone(),
                    external_userid: t.external_userid.clone(),
                    started_ms: t.started_ms,
                    status: t.status,
                    takeover_time: t.takeover_time,
                })
                .collect()
        };
        self.flush_transfer_outbox().await;
        views
    }

    /// Delivers the callbacks settlement queued.
    async fn flush_transfer_outbox(&self) {
        let outbox = std::mem::take(&mut self.lock().transfer.outbox);
        for (kind, xml) in outbox {
            if let Err(e) = crate::callbacks::emit(self, &kind, &xml, 1).await {
                tracing::warn!(kind, error = %e, "wecom-sim could not deliver a transfer event");
            }
        }
    }
}

pub(crate) async fn resign(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<ResignRequest>(&body) {
        Ok(req) => answer(sim.resign_staff(req)),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn refuse(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<RefuseTransferRequest>(&body) {
        Ok(req) => answer(sim.refuse_transfer(req).await),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn limit(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<TransferLimitRequest>(&body) {
        Ok(req) => {
            let mut st = sim.lock();
            if !st.staff.contains_key(&req.userid) {
                return ControlError::NotFound(format!("no member {}", req.userid)).into_response();
            }
            if req.over_limit {
                st.transfer.over_limit.insert(req.userid.clone());
            } else {
                st.transfer.over_limit.remove(&req.userid);
            }
            json_ok(json!({ "userid": req.userid, "over_limit": req.over_limit }))
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn list(State(sim): State<Simulator>) -> Response {
    json_ok(sim.transfers().await)
}
