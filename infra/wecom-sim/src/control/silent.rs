//! Silent changes (`POST /sim/control/silent`): data that changes in WeCom **without any
//! callback**, as happens when the callback URL was down or when people change things WeCom does
//! not report. This is what an hourly reconciliation sync has to catch.
//!
//! `POST /sim/control/silent` — one [`SilentChange`], tagged by `op` → [`SilentOutcome`]
//! `{op, external_userid?, affected}`:
//!
//! | `op` | fields | effect |
//! |---|---|---|
//! | `remove_relationship` | `userid, external_userid, by?: "staff"\|"customer"` (default `staff`) | `staff`: the member deleted the customer (84061, gone from `list` / `batch/get_by_user`); `customer`: the customer deleted the member (still visible). 404 no relationship, 409 already deleted by the member |
//! | `add_relationship` | `userid, external_userid?, name?, unionid?, state?, remark?, tag_ids?[], add_way?` | a new friendship (a new customer unless `external_userid` is known); 404 unknown member, 400 member without customer contact or a tag that is not live, 409 already a visible relationship |
//! | `set_tags` | `userid, external_userid, tag_ids[]` | the relationship's corp tags become exactly `tag_ids`; 404 no visible relationship, 400 a tag that is not live |
//! | `set_remark` | `userid, external_userid, remark?, description?, remark_mobiles?[]` | overwrites what is given; 404 no visible relationship |
//! | `remove_staff` | `userid` | the member leaves: removed from the corp with every relationship (`affected` = relationships removed); 404 unknown member |
//! | `delete_tag` | `id` (tag or group) | deleted as in the console, stripped from every relationship (`affected` = relationships that lost a tag); 404 unknown id, 409 already deleted |

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;

use super::common::{answer, bad, parse};
use crate::control_error::{ControlError, ControlResult};
use crate::ids;
use crate::model::{DeletedBy, ExternalContact, RelationStatus, SilentChange, SilentOutcome};
use crate::sim::Simulator;
use crate::state::{Relation, State as SimState, TagRef};

impl Simulator {
    /// Applies one change behind the product's back; never sends a callback.
    pub fn silent(&self, change: SilentChange) -> ControlResult<SilentOutcome> {
        let now = self.now_ms().div_euclid(1000);
        let mut st = self.lock();
        apply_silent(&mut st, change, now)
    }
}

fn not_found(userid: &str, external_userid: &str) -> ControlError {
    ControlError::NotFound(format!(
        "{userid} has no relationship with {external_userid}"
    ))
}

fn check_live_tags(st: &SimState, ids: &[String]) -> ControlResult<()> {
    match ids.iter().find(|id| st.live_tag(id).is_none()) {
        Some(id) => Err(bad(format!("no live corp tag {id}"))),
        None => Ok(()),
    }
}

fn dedup(ids: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

fn visible_relation<'a>(
    st: &'a mut SimState,
    userid: &str,
    external_userid: &str,
) -> ControlResult<&'a mut Relation> {
    st.relation_mut(userid, external_userid)
        .filter(|r| r.status.visible())
        .ok_or_else(|| not_found(userid, external_userid))
}

fn outcome(op: &str, external_userid: Option<String>, affected: u64) -> SilentOutcome {
    SilentOutcome {
        op: op.to_owned(),
        external_userid,
        affected,
    }
}

fn apply_silent(st: &mut SimState, change: SilentChange, now: i64) -> ControlResult<SilentOutcome> {
    match change {
        SilentChange::RemoveRelationship {
            userid,
            external_userid,
            by,
        } => {
            let r = st
                .relation_mut(&userid, &external_userid)
                .ok_or_else(|| not_found(&userid, &external_userid))?;
            if r.status == RelationStatus::DeletedByStaff {
                return Err(ControlError::Conflict(
                    "the member already deleted this customer".to_owned(),
                ));
            }
            r.status = match by {
                DeletedBy::Staff => RelationStatus::DeletedByStaff,
                DeletedBy::Customer => RelationStatus::DeletedByCustomer,
            };
            Ok(outcome("remove_relationship", Some(external_userid), 1))
        }
        SilentChange::AddRelationship {
            userid,
            external_userid,
            name,
            unionid,
            state,
            remark,
            tag_ids,
            add_way,
        } => {
            match st.staff.get(&userid) {
                None => return Err(ControlError::NotFound(format!("no member {userid}"))),
                Some(s) if !s.customer_contact => {
                    return Err(bad(format!("member {userid} has no customer contact")));
                }
                Some(_) => {}
            }
            check_live_tags(st, &tag_ids)?;
            let ext = match external_userid.as_deref().map(str::trim) {
                Some(e) if !e.is_empty() => e.to_owned(),
                _ => loop {
                    let e = ids::external_userid();
                    if !st.contacts.contains_key(&e) {
                        break e;
                    }
                },
            };
            if st
                .relation(&userid, &ext)
                .is_some_and(|r| r.status.visible())
            {
                return Err(ControlError::Conflict(format!(
                    "{ext} is already a contact of {userid}"
                )));
            }
            if !st.contacts.contains_key(&ext) {
                let unionid = match unionid.as_deref() {
                    None => Some(ids::unionid()),
                    Some("") => None,
                    Some(u) => Some(u.to_owned()),
                };
                st.contacts.insert(
                    ext.clone(),
                    ExternalContact {
                        external_userid: ext.clone(),
                        name: name
                            .filter(|n| !n.trim().is_empty())
                            .unwrap_or_else(ids::chinese_name),
                        avatar: ids::avatar_url(),
                        contact_type: 1,
                        gender: ids::gender(),
                        unionid,
                    },
                );
            }
            let seq = st.next_seq();
            st.insert_relation(Relation {
                seq,
                userid,
                external_userid: ext.clone(),
                remark: remark.unwrap_or_default(),
                description: String::new(),
                createtime: now,
                tag_ids: dedup(tag_ids),
                remark_corp_name: String::new(),
                remark_mobiles: Vec::new(),
                add_way: add_way.unwrap_or(1),
                oper_userid: ext.clone(),
                state: state.unwrap_or_default(),
                status: RelationStatus::Active,
            });
            Ok(outcome("add_relationship", Some(ext), 1))
        }
        SilentChange::SetTags {
            userid,
            external_userid,
            tag_ids,
        } => {
            check_live_tags(st, &tag_ids)?;
            let r = visible_relation(st, &userid, &external_userid)?;
            r.tag_ids = dedup(tag_ids);
            Ok(outcome("set_tags", Some(external_userid), 1))
        }
        SilentChange::SetRemark {
            userid,
            external_userid,
            remark,
            description,
            remark_mobiles,
        } => {
            let r = visible_relation(st, &userid, &external_userid)?;
            if let Some(v) = remark {
                r.remark = v;
            }
            if let Some(v) = description {
                r.description = v;
            }
            if let Some(v) = remark_mobiles {
                r.remark_mobiles = v.into_iter().filter(|m| !m.is_empty()).collect();
            }
            Ok(outcome("set_remark", Some(external_userid), 1))
        }
        SilentChange::RemoveStaff { userid } => {
            if st.staff.remove(&userid).is_none() {
                return Err(ControlError::NotFound(format!("no member {userid}")));
            }
            let exts: Vec<String> = st
                .by_member
                .get(&userid)
                .map(|m| m.values().cloned().collect())
                .unwrap_or_default();
            let mut removed = 0_u64;
            for ext in exts {
                if st.remove_relation(&userid, &ext).is_some() {
                    removed += 1;
                }
            }
            Ok(outcome("remove_staff", None, removed))
        }
        SilentChange::DeleteTag { id } => {
            let (ids, found): (Vec<String>, TagRef) = match st.find_tag(&id) {
                Some(TagRef::Group(gi)) => {
                    let g = st
                        .tag_groups
                        .get(gi)
                        .filter(|g| !g.deleted)
                        .ok_or_else(|| {
                            ControlError::Conflict(format!("group {id} is already deleted"))
                        })?;
                    let ids = g
                        .tags
                        .iter()
                        .filter(|t| !t.deleted)
                        .map(|t| t.id.clone())
                        .collect();
                    (ids, TagRef::Group(gi))
                }
                Some(TagRef::Tag(gi, ti)) => {
                    if st.live_tag(&id).is_none() {
                        return Err(ControlError::Conflict(format!(
                            "tag {id} is already deleted"
                        )));
                    }
                    (vec![id.clone()], TagRef::Tag(gi, ti))
                }
                None => return Err(ControlError::NotFound(format!("no tag or group {id}"))),
            };
            let affected = st
                .relations
                .values()
                .filter(|r| r.tag_ids.iter().any(|t| ids.contains(t)))
                .count() as u64;
            match found {
                TagRef::Group(gi) => st.delete_group_at(gi),
                TagRef::Tag(gi, ti) => st.delete_tag_at(gi, ti),
            }
            Ok(outcome("delete_tag", None, affected))
        }
    }
}

pub(crate) async fn silent(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<SilentChange>(&body) {
        Ok(change) => answer(sim.silent(change)),
        Err(e) => axum::response::IntoResponse::into_response(e),
    }
}
