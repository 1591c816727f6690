//! Bulk seeding (`POST /sim/control/seed`) and silent changes (`POST /sim/control/silent`):
//! data that appears or changes in WeCom **without any callback**, as happens when the callback
//! URL was down or when people change things WeCom does not report. This is what an hourly
//! reconciliation sync has to catch.
//!
//! `POST /sim/control/seed` — [`SeedRequest`] → [`SeedOutcome`] `{staff, customers,
//! relationships}`; 400 for a bad shape or out-of-range numbers.
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
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::control::{answer, parse};
use crate::control_error::{ControlError, ControlResult};
use crate::ids;
use crate::model::{
    DeletedBy, ExternalContact, RelationStatus, SeedOutcome, SeedRequest, SilentChange,
    SilentOutcome, Staff,
};
use crate::sim::Simulator;
use crate::state::{Relation, State as SimState, TagRef};

const MAX_SEED_STAFF: u32 = 10_000;
const MAX_SEED_CUSTOMERS: u32 = 1_000_000;
const MAX_RELATIONSHIPS_PER_CUSTOMER: f64 = 10.0;
const YEAR_SECS: i64 = 365 * 86_400;

fn bad(msg: impl Into<String>) -> ControlError {
    ControlError::BadRequest(msg.into())
}

fn check_seed(req: &SeedRequest) -> ControlResult<()> {
    if req.staff == 0 || req.staff > MAX_SEED_STAFF {
        return Err(bad(format!("staff must be 1 to {MAX_SEED_STAFF}")));
    }
    if req.customers > MAX_SEED_CUSTOMERS {
        return Err(bad(format!(
            "customers must be at most {MAX_SEED_CUSTOMERS}"
        )));
    }
    let r = req.relationships_per_customer;
    let max = f64::from(req.staff).min(MAX_RELATIONSHIPS_PER_CUSTOMER);
    if !r.is_finite() || r < 1.0 || r > max {
        return Err(bad(format!(
            "relationships_per_customer must be 1 to {max} (the staff count, at most 10)"
        )));
    }
    if !(0.0..=1.0).contains(&req.with_unionid) {
        return Err(bad("with_unionid must be 0 to 1"));
    }
    if req.state_mix.iter().any(|s| s.chars().count() > 30) {
        return Err(bad("a state is over 30 characters"));
    }
    Ok(())
}

/// Members per customer: 1 each, plus the extras spread over random customers (up to `cap`).
fn relationship_counts(rng: &mut StdRng, customers: usize, avg: f64, cap: usize) -> Vec<usize> {
    let mut counts = vec![1_usize; customers];
    // Rounded to the nearest whole relationship; within [customers, customers × cap].
    let total = (customers as f64 * avg).round() as usize;
    let mut extras = total
        .min(customers.saturating_mul(cap))
        .saturating_sub(customers);
    let mut attempts = extras.saturating_mul(20);
    while extras > 0 && attempts > 0 {
        attempts -= 1;
        let i = rng.random_range(0..customers);
        if let Some(c) = counts.get_mut(i)
            && *c < cap
        {
            *c += 1;
            extras -= 1;
        }
    }
    // Nearly full: fill the rest in order.
    for c in &mut counts {
        while extras > 0 && *c < cap {
            *c += 1;
            extras -= 1;
        }
    }
    counts
}

impl Simulator {
    /// Bulk seed (see [`SeedRequest`]); sends no callbacks.
    pub fn seed(&self, req: &SeedRequest) -> ControlResult<SeedOutcome> {
        check_seed(req)?;
        let mut rng = match req.seed {
            Some(s) => StdRng::seed_from_u64(s),
            None => StdRng::from_rng(&mut rand::rng()),
        };
        let now = self.now_ms().div_euclid(1000);
        let mut st = self.lock();
        let staff: Vec<String> = (1..=req.staff).map(|i| format!("seed{i:04}")).collect();
        for (i, userid) in staff.iter().enumerate() {
            st.staff.insert(
                userid.clone(),
                Staff {
                    userid: userid.clone(),
                    name: format!("员工{:04}", i + 1),
                    customer_contact: true,
                },
            );
        }
        let tags: Vec<String> = st
            .tag_groups
            .iter()
            .filter(|g| !g.deleted)
            .flat_map(|g| g.tags.iter().filter(|t| !t.deleted).map(|t| t.id.clone()))
            .collect();
        let max_tags = (req.tags_per_relationship as usize).min(tags.len());
        let cap = staff
            .len()
            .min((req.relationships_per_customer.ceil() as usize).max(3));
        let counts = relationship_counts(
            &mut rng,
            req.customers as usize,
            req.relationships_per_customer,
            cap,
        );
        let mut relationships = 0_u64;
        for k in counts {
            let ext = loop {
                let e = ids::external_userid_with(&mut rng);
                if !st.contacts.contains_key(&e) {
                    break e;
                }
            };
            let unionid = rng
                .random_bool(req.with_unionid)
                .then(|| ids::unionid_with(&mut rng));
            st.contacts.insert(
                ext.clone(),
                ExternalContact {
                    external_userid: ext.clone(),
                    name: ids::chinese_name_with(&mut rng),
                    avatar: ids::avatar_url_with(&mut rng),
                    contact_type: 1,
                    gender: rng.random_range(1..=2),
                    unionid,
                },
            );
            for si in rand::seq::index::sample(&mut rng, staff.len(), k) {
                let Some(userid) = staff.get(si) else {
                    continue;
                };
                let n_tags = rng.random_range(0..=max_tags);
                let tag_ids: Vec<String> = rand::seq::index::sample(&mut rng, tags.len(), n_tags)
                    .into_iter()
                    .filter_map(|ti| tags.get(ti).cloned())
                    .collect();
                let state = if req.state_mix.is_empty() {
                    String::new()
                } else {
                    req.state_mix
                        .get(rng.random_range(0..req.state_mix.len()))
                        .cloned()
                        .unwrap_or_default()
                };
                let createtime = now - rng.random_range(0..YEAR_SECS);
                let seq = st.next_seq();
                st.insert_relation(Relation {
                    seq,
                    userid: userid.clone(),
                    external_userid: ext.clone(),
                    remark: String::new(),
                    description: String::new(),
                    createtime,
                    tag_ids,
                    remark_corp_name: String::new(),
                    remark_mobiles: Vec::new(),
                    add_way: 1,
                    oper_userid: ext.clone(),
                    state,
                    status: RelationStatus::Active,
                });
                relationships += 1;
            }
        }
        Ok(SeedOutcome {
            staff: u64::from(req.staff),
            customers: u64::from(req.customers),
            relationships,
        })
    }

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

pub(crate) async fn seed(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<SeedRequest>(&body) {
        Ok(req) => answer(sim.seed(&req)),
        Err(e) => axum::response::IntoResponse::into_response(e),
    }
}

pub(crate) async fn silent(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<SilentChange>(&body) {
        Ok(change) => answer(sim.silent(change)),
        Err(e) => axum::response::IntoResponse::into_response(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relationship_counts_hit_the_average_within_the_cap() {
        let mut rng = StdRng::seed_from_u64(7);
        let counts = relationship_counts(&mut rng, 10_000, 1.2, 3);
        assert_eq!(counts.iter().sum::<usize>(), 12_000);
        assert!(counts.iter().all(|c| (1..=3).contains(c)));
        assert!(counts.contains(&3));
        let full = relationship_counts(&mut rng, 100, 3.0, 3);
        assert!(full.iter().all(|c| *c == 3));
    }
}
