//! `POST /sim/control/tag-event`: a console change to the tag catalogue → `change_external_tag`.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use wecom_callback::builder::{event_xml, external_tag_xml};

use super::common::{answer, check_deliveries, fire, nonempty, parse};
use crate::control_error::{ControlError, ControlResult};
use crate::model::{CorpTag, CorpTagGroup, EventOutcome, TagEventRequest, TagOrigin};
use crate::sim::Simulator;
use crate::state::TagRef;

impl Simulator {
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
        fire(
            self,
            &format!("change_external_tag/{}", req.change_type),
            &xml,
            req.deliveries,
            id,
        )
        .await
    }
}

pub(crate) async fn tag_event(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<TagEventRequest>(&body) {
        Ok(req) => answer(sim.tag_event(req).await),
        Err(e) => e.into_response(),
    }
}
