//! `POST /sim/control/scan`: a customer scans a member's 「联系我」 QR code, directly or through a
//! contact way (which then picks the member and the `state`).

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wecom_callback::builder::{ExternalContactExtras, external_contact_xml_full};

use super::common::{answer, check_deliveries, nonempty, parse};
use crate::callbacks;
use crate::control_error::{ControlError, ControlResult};
use crate::model::{ExternalContact, RelationStatus, ScanOutcome, ScanRequest, WelcomeCodeInfo};
use crate::sim::Simulator;
use crate::state::{Relation, State as SimState};

impl Simulator {
    /// A customer scans `userid`'s 「联系我」 QR code: creates or reuses the contact, makes the
    /// relationship (or the half relationship), hands out a welcome code and delivers
    /// `add_external_contact` / `add_half_external_contact`.
    pub async fn scan(&self, mut req: ScanRequest) -> ControlResult<ScanOutcome> {
        check_deliveries(req.deliveries)?;
        let now_ms = self.now_ms();
        let now = now_ms.div_euclid(1000);
        let window_ms = self.config().welcome_window_secs.saturating_mul(1000);
        let config_id = nonempty(req.config_id.as_deref()).map(str::to_owned);
        let (ext, code, change_type, xml) = {
            let mut st = self.lock();
            if let Some(id) = &config_id {
                let way = resolve_scan(&st, id, now)?;
                if !req.userid.is_empty() && req.userid != way.userid {
                    return Err(ControlError::BadRequest(format!(
                        "contact way {id} routes to {}, not {}",
                        way.userid, req.userid
                    )));
                }
                req.userid = way.userid;
                req.state = Some(way.state);
                req.half = req.half || way.half;
            }
            match st.staff.get(&req.userid) {
                None => return Err(ControlError::NotFound(format!("no member {}", req.userid))),
                Some(s) if !s.customer_contact => {
                    return Err(ControlError::BadRequest(format!(
                        "member {} has no customer contact",
                        req.userid
                    )));
                }
                Some(_) => {}
            }
            let ext = match nonempty(req.external_userid.as_deref()) {
                Some(e) => e.to_owned(),
                None => loop {
                    let e = crate::ids::external_userid();
                    if !st.contacts.contains_key(&e) {
                        break e;
                    }
                },
            };
            let existing = st.relation(&req.userid, &ext).map(|r| r.status);
            match existing {
                Some(RelationStatus::Active) => {
                    return Err(ControlError::Conflict(format!(
                        "{ext} is already a contact of {}",
                        req.userid
                    )));
                }
                Some(RelationStatus::Half) if req.half => {
                    return Err(ControlError::Conflict(format!(
                        "{ext} already half-added {}",
                        req.userid
                    )));
                }
                _ => {}
            }
            if !st.contacts.contains_key(&ext) {
                let unionid = match req.unionid.as_deref() {
                    None => Some(crate::ids::unionid()),
                    Some("") => None,
                    Some(u) => Some(u.to_owned()),
                };
                st.contacts.insert(
                    ext.clone(),
                    ExternalContact {
                        external_userid: ext.clone(),
                        name: nonempty(req.name.as_deref())
                            .map(str::to_owned)
                            .unwrap_or_else(crate::ids::chinese_name),
                        avatar: crate::ids::avatar_url(),
                        contact_type: 1,
                        gender: req
                            .gender
                            .filter(|g| *g <= 2)
                            .unwrap_or_else(crate::ids::gender),
                        unionid,
                    },
                );
            }
            let status = if req.half {
                RelationStatus::Half
            } else {
                RelationStatus::Active
            };
            let state = req.state.clone().unwrap_or_default();
            let seq = st.next_seq();
            let add_way = req.add_way.unwrap_or(1);
            match st.relation_mut(&req.userid, &ext) {
                // The member adds back a half contact: it becomes a real friend, data kept.
                Some(r) if r.status == RelationStatus::Half => {
                    r.status = status;
                    r.createtime = now;
                    if !state.is_empty() {
                        r.state = state.clone();
                    }
                }
                // Re-added after a deletion, or new: a fresh relationship.
                _ => {
                    st.insert_relation(Relation {
                        seq,
                        userid: req.userid.clone(),
                        external_userid: ext.clone(),
                        remark: String::new(),
                        description: String::new(),
                        createtime: now,
                        tag_ids: Vec::new(),
                        remark_corp_name: String::new(),
                        remark_mobiles: Vec::new(),
                        add_way,
                        oper_userid: ext.clone(),
                        state: state.clone(),
                        status,
                    });
                }
            }
            let code = req.welcome_code.then(crate::ids::welcome_code);
            if let Some(c) = &code {
                st.welcome_codes.insert(
                    c.clone(),
                    WelcomeCodeInfo {
                        welcome_code: c.clone(),
                        userid: req.userid.clone(),
                        external_userid: ext.clone(),
                        issued_at_ms: now_ms,
                        expires_at_ms: now_ms.saturating_add(window_ms),
                        used: false,
                    },
                );
            }
            if let Some(id) = &config_id {
                mark_scanned(&mut st, id, &req.userid, &ext);
            }
            let change_type = if req.half {
                "add_half_external_contact"
            } else {
                "add_external_contact"
            };
            let xml = external_contact_xml_full(
                self.corp_id(),
                change_type,
                &req.userid,
                &ext,
                &ExternalContactExtras {
                    state: nonempty(req.state.as_deref()),
                    welcome_code: code.as_deref(),
                    ..ExternalContactExtras::default()
                },
                now,
            );
            (ext, code, change_type, xml)
        };
        let deliveries = callbacks::emit(
            self,
            &format!("change_external_contact/{change_type}"),
            &xml,
            req.deliveries,
        )
        .await?;
        Ok(ScanOutcome {
            external_userid: ext,
            userid: req.userid,
            welcome_code: code,
            change_type: change_type.to_owned(),
            create_time: now,
            state: req.state.unwrap_or_default(),
            config_id,
            deliveries,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Scans through a contact way
// ---------------------------------------------------------------------------------------------

/// What a scan through a contact way resolves to.
pub(crate) struct WayScan {
    pub userid: String,
    pub state: String,
    pub half: bool,
}

/// Picks the member (type 1: its user; type 2: round-robin over its users), the state and the
/// verification mode of way `config_id`. Does not change the way: see [`mark_scanned`].
pub(crate) fn resolve_scan(
    st: &SimState,
    config_id: &str,
    now: i64,
) -> Result<WayScan, ControlError> {
    let way = st
        .contact_ways
        .get(config_id)
        .ok_or_else(|| ControlError::NotFound(format!("no contact way {config_id}")))?;
    if way.expired(now) {
        return Err(ControlError::Conflict("qr expired".to_owned()));
    }
    if way.user.is_empty() {
        return Err(ControlError::BadRequest(
            "the contact way has no member to route to (departments are not modelled)".to_owned(),
        ));
    }
    let idx = way.next_user % way.user.len();
    let userid = way
        .user
        .get(idx)
        .cloned()
        .ok_or_else(|| ControlError::Internal("round-robin index out of range".to_owned()))?;
    Ok(WayScan {
        userid,
        state: way.state.clone(),
        half: !way.skip_verify,
    })
}

/// After a successful add through way `config_id`: advance the round-robin, retire a temporary
/// way and open its temporary session.
pub(crate) fn mark_scanned(st: &mut SimState, config_id: &str, userid: &str, ext: &str) {
    let mut temp = false;
    if let Some(way) = st.contact_ways.get_mut(config_id) {
        way.next_user = way.next_user.wrapping_add(1);
        if way.is_temp {
            way.used = true;
            temp = true;
        }
    }
    if temp {
        st.temp_chats.insert((userid.to_owned(), ext.to_owned()));
    }
}

pub(crate) async fn scan(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<ScanRequest>(&body) {
        Ok(req) => answer(sim.scan(req).await),
        Err(e) => e.into_response(),
    }
}
