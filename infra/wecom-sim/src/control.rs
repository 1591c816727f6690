//! The control API under `/sim/control` (see the crate docs for every route) and the matching
//! typed helpers on [`Simulator`].
//!
//! Control errors are `4xx/5xx` with `{"error": {"code", "message"}}` (the project's API error
//! shape), never WeCom's errcode shape: they are the test harness talking, not WeCom.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;
use wecom_callback::builder::{
    ExternalContactExtras, app_text_xml, event_xml, external_contact_xml_full, external_tag_xml,
};

use crate::callbacks::{self, MAX_DELIVERIES};
use crate::control_error::{ControlError, ControlResult};
use crate::faults::validate_fault;
use crate::model::{
    AppMessageRequest, CorpTag, CorpTagGroup, DeleteRequest, DeletedBy, EditRequest, EventOutcome,
    ExternalContact, FaultRule, InboundAppMessage, RawCallbackRequest, RelationStatus, ScanOutcome,
    ScanRequest, Staff, TagEventRequest, TagOrigin, TransferFailRequest, VerifyUrlReport,
    WelcomeCodeInfo,
};
use crate::sim::Simulator;
use crate::state::{Relation, State as SimState, TagRef};

pub(crate) fn parse<T: DeserializeOwned>(body: &[u8]) -> ControlResult<T> {
    let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ControlError::BadRequest(format!("invalid json: {e}")))
}

fn check_deliveries(n: u32) -> ControlResult<()> {
    if n == 0 || n > MAX_DELIVERIES {
        return Err(ControlError::BadRequest(format!(
            "deliveries must be 1 to {MAX_DELIVERIES}"
        )));
    }
    Ok(())
}

fn nonempty(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------------------------
// Typed helpers
// ---------------------------------------------------------------------------------------------

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
        let deliveries = callbacks::emit(
            self,
            "change_external_contact/edit_external_contact",
            &xml,
            req.deliveries,
        )
        .await?;
        Ok(EventOutcome {
            fired: true,
            id: None,
            deliveries,
        })
    }

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
        let deliveries = callbacks::emit(
            self,
            &format!("change_external_contact/{change_type}"),
            &xml,
            req.deliveries,
        )
        .await?;
        Ok(EventOutcome {
            fired: true,
            id: None,
            deliveries,
        })
    }

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
        let deliveries = callbacks::emit(
            self,
            "change_external_contact/transfer_fail",
            &xml,
            req.deliveries,
        )
        .await?;
        Ok(EventOutcome {
            fired: true,
            id: None,
            deliveries,
        })
    }

    /// A console change to the tag catalogue → `change_external_tag`.
    pub async fn tag_event(&self, req: TagEventRequest) -> ControlResult<EventOutcome> {
        check_deliveries(req.deliveries)?;
        let now = self.now_ms().div_euclid(1000);
        let (id, xml) = {
            let mut st = self.lock();
            match req.change_type.as_str() {
                "create" => {
                    let name = nonempty(req.name.as_deref())
                        .ok_or_else(|| ControlError::BadRequest("name is required".to_owned()))?
                        .to_owned();
                    let kind = req
                        .tag_type
                        .as_deref()
                        .unwrap_or(if req.group_id.is_some() {
                            "tag"
                        } else {
                            "tag_group"
                        });
                    match kind {
                        "tag_group" => {
                            if req.tags.iter().all(|t| t.trim().is_empty()) {
                                return Err(ControlError::BadRequest(
                                    "a tag group needs at least one tag (tags: [names])".to_owned(),
                                ));
                            }
                            if st
                                .tag_groups
                                .iter()
                                .any(|g| !g.deleted && g.group_name == name)
                            {
                                return Err(ControlError::Conflict(format!(
                                    "tag group {name} exists"
                                )));
                            }
                            let group_id = nonempty(req.id.as_deref())
                                .map(str::to_owned)
                                .unwrap_or_else(crate::ids::tag_id);
                            if st.find_tag(&group_id).is_some() {
                                return Err(ControlError::Conflict(format!(
                                    "id {group_id} exists"
                                )));
                            }
                            let mut tags: Vec<CorpTag> = Vec::new();
                            for (i, t) in req
                                .tags
                                .iter()
                                .map(|t| t.trim())
                                .filter(|t| !t.is_empty())
                                .enumerate()
                            {
                                if tags.iter().any(|x| x.name == t) {
                                    continue;
                                }
                                tags.push(CorpTag {
                                    id: crate::ids::tag_id(),
                                    name: t.to_owned(),
                                    create_time: now,
                                    order: u32::try_from(req.tags.len().saturating_sub(i))
                                        .unwrap_or(0),
                                    deleted: false,
                                    origin: TagOrigin::Console,
                                });
                            }
                            st.tag_groups.push(CorpTagGroup {
                                group_id: group_id.clone(),
                                group_name: name,
                                create_time: now,
                                order: req.order.unwrap_or(0),
                                deleted: false,
                                origin: TagOrigin::Console,
                                tags,
                            });
                            let xml = external_tag_xml(
                                self.corp_id(),
                                "create",
                                &group_id,
                                "tag_group",
                                now,
                            );
                            (Some(group_id), xml)
                        }
                        "tag" => {
                            let gid = nonempty(req.group_id.as_deref()).ok_or_else(|| {
                                ControlError::BadRequest(
                                    "group_id is required to create a tag".to_owned(),
                                )
                            })?;
                            let gi = match st.find_tag(gid) {
                                Some(TagRef::Group(gi))
                                    if st.tag_groups.get(gi).is_some_and(|g| !g.deleted) =>
                                {
                                    gi
                                }
                                _ => {
                                    return Err(ControlError::NotFound(format!(
                                        "no live tag group {gid}"
                                    )));
                                }
                            };
                            let tag_id = nonempty(req.id.as_deref())
                                .map(str::to_owned)
                                .unwrap_or_else(crate::ids::tag_id);
                            if st.find_tag(&tag_id).is_some() {
                                return Err(ControlError::Conflict(format!("id {tag_id} exists")));
                            }
                            let Some(g) = st.tag_groups.get_mut(gi) else {
                                return Err(ControlError::Internal(
                                    "tag group vanished".to_owned(),
                                ));
                            };
                            if g.tags.iter().any(|t| !t.deleted && t.name == name) {
                                return Err(ControlError::Conflict(format!(
                                    "tag {name} exists in the group"
                                )));
                            }
                            g.tags.push(CorpTag {
                                id: tag_id.clone(),
                                name,
                                create_time: now,
                                order: req.order.unwrap_or(0),
                                deleted: false,
                                origin: TagOrigin::Console,
                            });
                            let xml =
                                external_tag_xml(self.corp_id(), "create", &tag_id, "tag", now);
                            (Some(tag_id), xml)
                        }
                        other => {
                            return Err(ControlError::BadRequest(format!(
                                "tag_type must be tag or tag_group, not {other}"
                            )));
                        }
                    }
                }
                "update" | "delete" => {
                    let id = nonempty(req.id.as_deref())
                        .ok_or_else(|| ControlError::BadRequest("id is required".to_owned()))?
                        .to_owned();
                    let found = st.find_tag(&id);
                    let (kind, live) = match found {
                        Some(TagRef::Group(gi)) => (
                            "tag_group",
                            st.tag_groups.get(gi).is_some_and(|g| !g.deleted),
                        ),
                        Some(TagRef::Tag(gi, ti)) => (
                            "tag",
                            st.tag_groups
                                .get(gi)
                                .and_then(|g| g.tags.get(ti).map(|t| !t.deleted && !g.deleted))
                                .unwrap_or(false),
                        ),
                        None => {
                            return Err(ControlError::NotFound(format!("no tag or group {id}")));
                        }
                    };
                    if !live {
                        return Err(ControlError::NotFound(format!("{id} is deleted")));
                    }
                    if let Some(t) = req.tag_type.as_deref()
                        && t != kind
                    {
                        return Err(ControlError::BadRequest(format!(
                            "{id} is a {kind}, not a {t}"
                        )));
                    }
                    if req.change_type == "update" {
                        let name = nonempty(req.name.as_deref()).map(str::to_owned);
                        match found {
                            Some(TagRef::Group(gi)) => {
                                if let Some(g) = st.tag_groups.get_mut(gi) {
                                    if let Some(n) = name {
                                        g.group_name = n;
                                    }
                                    if let Some(o) = req.order {
                                        g.order = o;
                                    }
                                }
                            }
                            Some(TagRef::Tag(gi, ti)) => {
                                if let Some(t) =
                                    st.tag_groups.get_mut(gi).and_then(|g| g.tags.get_mut(ti))
                                {
                                    if let Some(n) = name {
                                        t.name = n;
                                    }
                                    if let Some(o) = req.order {
                                        t.order = o;
                                    }
                                }
                            }
                            None => {}
                        }
                    } else {
                        match found {
                            Some(TagRef::Group(gi)) => st.delete_group_at(gi),
                            Some(TagRef::Tag(gi, ti)) => st.delete_tag_at(gi, ti),
                            None => {}
                        }
                    }
                    let xml = external_tag_xml(self.corp_id(), &req.change_type, &id, kind, now);
                    (Some(id), xml)
                }
                "shuffle" => {
                    let now_s = now.to_string();
                    let mut fields: Vec<(&str, &str)> = vec![
                        ("ToUserName", self.corp_id()),
                        ("FromUserName", "sys"),
                        ("CreateTime", &now_s),
                        ("MsgType", "event"),
                        ("Event", "change_external_tag"),
                    ];
                    if let Some(id) = nonempty(req.id.as_deref()) {
                        fields.push(("Id", id));
                    }
                    fields.push(("ChangeType", "shuffle"));
                    if let Some(s) = nonempty(req.strategy_id.as_deref()) {
                        fields.push(("StrategyId", s));
                    }
                    (req.id.clone(), event_xml(&fields))
                }
                other => {
                    return Err(ControlError::BadRequest(format!(
                        "change_type must be create, update, delete or shuffle, not {other}"
                    )));
                }
            }
        };
        let deliveries = callbacks::emit(
            self,
            &format!("change_external_tag/{}", req.change_type),
            &xml,
            req.deliveries,
        )
        .await?;
        Ok(EventOutcome {
            fired: true,
            id,
            deliveries,
        })
    }

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
        let deliveries = callbacks::emit(self, "text", &xml, req.deliveries).await?;
        Ok(EventOutcome {
            fired: true,
            id: Some(msg_id.to_string()),
            deliveries,
        })
    }

    /// Delivers any inner XML, encrypted and signed (for unknown-event and robustness tests).
    pub async fn raw_callback(&self, req: RawCallbackRequest) -> ControlResult<EventOutcome> {
        check_deliveries(req.deliveries)?;
        let deliveries = callbacks::emit(self, "raw", &req.xml, req.deliveries).await?;
        Ok(EventOutcome {
            fired: true,
            id: None,
            deliveries,
        })
    }

    /// Performs WeCom's GET URL verification against the callback URL.
    pub async fn verify_url(&self) -> ControlResult<VerifyUrlReport> {
        callbacks::verify_url(self).await
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

// ---------------------------------------------------------------------------------------------
// HTTP handlers
// ---------------------------------------------------------------------------------------------

fn json_ok<T: serde::Serialize>(v: T) -> Response {
    (StatusCode::OK, Json(v)).into_response()
}

pub(crate) fn answer<T: serde::Serialize>(r: ControlResult<T>) -> Response {
    match r {
        Ok(v) => json_ok(v),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn index() -> Response {
    json_ok(json!({
        "routes": [
            "POST /sim/control/scan",
            "POST /sim/control/edit",
            "POST /sim/control/delete",
            "POST /sim/control/transfer-fail",
            "POST /sim/control/tag-event",
            "POST /sim/control/app-message",
            "POST /sim/control/raw-callback",
            "POST /sim/control/verify-url",
            "GET /sim/control/state",
            "GET /sim/control/welcome-messages",
            "GET /sim/control/app-messages",
            "GET /sim/control/deliveries",
            "GET /sim/control/calls",
            "POST /sim/control/calls/reset",
            "GET|POST|DELETE /sim/control/faults",
            "POST /sim/control/tokens/expire",
            "POST /sim/control/tokens/invalidate",
            "GET|PUT /sim/control/callback-url",
            "POST /sim/control/staff",
            "GET /sim/qr/{config_id}.png",
            "POST /sim/control/clock/advance",
            "POST /sim/control/seed",
            "POST /sim/control/silent",
            "POST /sim/control/groupmsg/confirm",
            "GET /sim/control/groupmsgs",
            "GET|POST /sim/control/groupmsg/quota",
            "POST /sim/control/groupmsg/received",
            "GET /sim/control/media",
            "POST /sim/control/media/expire",
        ]
    }))
}

pub(crate) async fn scan(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<ScanRequest>(&body) {
        Ok(req) => answer(sim.scan(req).await),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn edit(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<EditRequest>(&body) {
        Ok(req) => answer(sim.edit(req).await),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn delete(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<DeleteRequest>(&body) {
        Ok(req) => answer(sim.delete_contact(req).await),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn transfer_fail(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<TransferFailRequest>(&body) {
        Ok(req) => answer(sim.transfer_fail(req).await),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn tag_event(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<TagEventRequest>(&body) {
        Ok(req) => answer(sim.tag_event(req).await),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn app_message(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<AppMessageRequest>(&body) {
        Ok(req) => answer(sim.app_message(req).await),
        Err(e) => e.into_response(),
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

pub(crate) async fn list_faults(State(sim): State<Simulator>) -> Response {
    json_ok(sim.faults())
}

/// One rule, a list of rules, or `{"rules": [...]}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum FaultInput {
    One(FaultRule),
    Many(Vec<FaultRule>),
    Wrapped { rules: Vec<FaultRule> },
}

pub(crate) async fn add_faults(State(sim): State<Simulator>, body: Bytes) -> Response {
    let rules = match serde_json::from_slice::<FaultInput>(&body) {
        Ok(FaultInput::One(r)) => vec![r],
        Ok(FaultInput::Many(v)) | Ok(FaultInput::Wrapped { rules: v }) => v,
        Err(e) => {
            return ControlError::BadRequest(format!(
                "expected a fault rule, a list of rules or {{\"rules\":[…]}}: {e}"
            ))
            .into_response();
        }
    };
    if let Err(e) = rules.iter().try_for_each(validate_fault) {
        return e.into_response();
    }
    for r in rules {
        // Validated above; inject_fault re-validates and cannot fail here.
        if let Err(e) = sim.inject_fault(r) {
            return e.into_response();
        }
    }
    json_ok(sim.faults())
}

pub(crate) async fn clear_faults(State(sim): State<Simulator>) -> Response {
    sim.clear_faults();
    json_ok(sim.faults())
}

pub(crate) async fn expire_tokens(State(sim): State<Simulator>) -> Response {
    sim.expire_tokens();
    json_ok(json!({ "expired": true }))
}

pub(crate) async fn invalidate_tokens(State(sim): State<Simulator>) -> Response {
    sim.invalidate_tokens();
    json_ok(json!({ "invalidated": true }))
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

pub(crate) async fn add_staff(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<Staff>(&body) {
        Ok(s) => {
            let out = s.clone();
            answer(sim.add_staff(s).map(|()| out))
        }
        Err(e) => e.into_response(),
    }
}

#[derive(Deserialize)]
struct AdvanceBody {
    #[serde(default)]
    seconds: u64,
    #[serde(default)]
    millis: u64,
}

pub(crate) async fn advance_clock(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<AdvanceBody>(&body) {
        Ok(b) => {
            match Duration::from_secs(b.seconds).checked_add(Duration::from_millis(b.millis)) {
                Some(by) => {
                    sim.advance_clock(by);
                    json_ok(json!({ "now_ms": sim.now_ms() }))
                }
                None => ControlError::BadRequest("duration too large".to_owned()).into_response(),
            }
        }
        Err(e) => e.into_response(),
    }
}
