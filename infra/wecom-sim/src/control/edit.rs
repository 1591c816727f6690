//! `POST /sim/control/edit`: the member edits the customer in the WeCom client →
//! `edit_external_contact`.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wecom_callback::builder::{ExternalContactExtras, external_contact_xml_full};

use super::common::{answer, check_deliveries, fire, parse};
use crate::control_error::{ControlError, ControlResult};
use crate::model::{EditRequest, EventOutcome};
use crate::sim::Simulator;

impl Simulator {
    /// The member edits the customer in the WeCom client (remark, description, corp tags) →
    /// `edit_external_contact` (not for a remark-mobiles-only edit).
    pub async fn edit(&self, req: EditRequest) -> ControlResult<EventOutcome> {
        check_deliveries(req.deliveries)?;
        let now = self.now_ms().div_euclid(1000);
        let xml = {
            let mut st = self.lock();
            for id in req.add_tags.iter().chain(req.remove_tags.iter()) {
                if st.live_tag(id).is_none() {
                    return Err(ControlError::BadRequest(format!("no live corp tag {id}")));
                }
            }
            let Some(r) = st
                .relation_mut(&req.userid, &req.external_userid)
                .filter(|r| r.status.visible())
            else {
                return Err(ControlError::NotFound(format!(
                    "{} has no relationship with {}",
                    req.userid, req.external_userid
                )));
            };
            if let Some(v) = &req.remark {
                r.remark = v.clone();
            }
            if let Some(v) = &req.description {
                r.description = v.clone();
            }
            if let Some(v) = &req.remark_mobiles {
                r.remark_mobiles = v.iter().filter(|m| !m.is_empty()).cloned().collect();
            }
            for id in &req.add_tags {
                if !r.tag_ids.contains(id) {
                    r.tag_ids.push(id.clone());
                }
            }
            r.tag_ids.retain(|t| !req.remove_tags.contains(t));
            let mobiles_only = req.remark_mobiles.is_some()
                && req.remark.is_none()
                && req.description.is_none()
                && req.add_tags.is_empty()
                && req.remove_tags.is_empty();
            (!mobiles_only).then(|| {
                external_contact_xml_full(
                    self.corp_id(),
                    "edit_external_contact",
                    &req.userid,
                    &req.external_userid,
                    &ExternalContactExtras::default(),
                    now,
                )
            })
        };
        let Some(xml) = xml else {
            return Ok(EventOutcome {
                fired: false,
                id: None,
                deliveries: Vec::new(),
            });
        };
        fire(
            self,
            "change_external_contact/edit_external_contact",
            &xml,
            req.deliveries,
            None,
        )
        .await
    }
}

pub(crate) async fn edit(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<EditRequest>(&body) {
        Ok(req) => answer(sim.edit(req).await),
        Err(e) => e.into_response(),
    }
}
