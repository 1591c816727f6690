//! `POST /sim/control/delete`: the member deletes the customer (`del_external_contact`) or the
//! customer deletes the member (`del_follow_user`).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wecom_callback::builder::{ExternalContactExtras, external_contact_xml_full};

use super::common::{answer, check_deliveries, fire, nonempty, parse};
use crate::control_error::{ControlError, ControlResult};
use crate::model::{DeleteRequest, DeletedBy, EventOutcome, RelationStatus};
use crate::sim::Simulator;

impl Simulator {
    /// The member deletes the customer (`del_external_contact`, APIs then give 84061) or the
    /// customer deletes the member (`del_follow_user`, APIs still work).
    pub async fn delete_contact(&self, req: DeleteRequest) -> ControlResult<EventOutcome> {
        check_deliveries(req.deliveries)?;
        let now = self.now_ms().div_euclid(1000);
        let (change_type, xml) = {
            let mut st = self.lock();
            let Some(r) = st.relation_mut(&req.userid, &req.external_userid) else {
                return Err(ControlError::NotFound(format!(
                    "{} has no relationship with {}",
                    req.userid, req.external_userid
                )));
            };
            let change_type = match (req.by, r.status) {
                (_, RelationStatus::DeletedByStaff) => {
                    return Err(ControlError::Conflict(
                        "the member already deleted this customer".to_owned(),
                    ));
                }
                (DeletedBy::Customer, RelationStatus::DeletedByCustomer) => {
                    return Err(ControlError::Conflict(
                        "the customer already deleted this member".to_owned(),
                    ));
                }
                (DeletedBy::Staff, _) => {
                    r.status = RelationStatus::DeletedByStaff;
                    "del_external_contact"
                }
                (DeletedBy::Customer, _) => {
                    r.status = RelationStatus::DeletedByCustomer;
                    "del_follow_user"
                }
            };
            let source = match req.by {
                DeletedBy::Staff => nonempty(req.source.as_deref()),
                DeletedBy::Customer => None,
            };
            let xml = external_contact_xml_full(
                self.corp_id(),
                change_type,
                &req.userid,
                &req.external_userid,
                &ExternalContactExtras {
                    source,
                    ..ExternalContactExtras::default()
                },
                now,
            );
            (change_type, xml)
        };
        fire(
            self,
            &format!("change_external_contact/{change_type}"),
            &xml,
            req.deliveries,
            None,
        )
        .await
    }
}

pub(crate) async fn delete(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<DeleteRequest>(&body) {
        Ok(req) => answer(sim.delete_contact(req).await),
        Err(e) => e.into_response(),
    }
}
