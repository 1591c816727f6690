//! Bulk seeding (`POST /sim/control/seed`): data that appears in WeCom **without any callback**,
//! as happens when the callback URL was down. This is what an hourly reconciliation sync has to
//! catch.
//!
//! `POST /sim/control/seed` — [`SeedRequest`] → [`SeedOutcome`] `{staff, customers,
//! relationships}`; 400 for a bad shape or out-of-range numbers.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::common::{answer, bad, parse};
use crate::control_error::ControlResult;
use crate::ids;
use crate::model::{ExternalContact, RelationStatus, SeedOutcome, SeedRequest, Staff};
use crate::sim::Simulator;
use crate::state::Relation;

const MAX_SEED_STAFF: u32 = 10_000;
const MAX_SEED_CUSTOMERS: u32 = 1_000_000;
const MAX_RELATIONSHIPS_PER_CUSTOMER: f64 = 10.0;
const YEAR_SECS: i64 = 365 * 86_400;

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
}

pub(crate) async fn seed(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<SeedRequest>(&body) {
        Ok(req) => answer(sim.seed(&req)),
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
