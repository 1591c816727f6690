//! Demo data at a clinic's size: `wecom-crm seed` fills a data directory with customers (to try
//! the console on 100 000 of them), and the benches use the same generator.

use std::sync::Arc;

use crm::clinic_fields::{Birthday, ClinicFields, Tier};
use crm::model::{Customer, CustomerStatus, Relationship, RelationshipStatus};
use crm::repo::CustomerRepo;
use ports::ItemStore;
use wecom_api::model::FollowUserTag;

pub const STATES: [&str; 5] = ["xiaohongshu", "douyin", "pengyouquan", "meituan", "walk_in"];
const TIERS: [Tier; 3] = [Tier::A, Tier::B, Tier::C];

/// A small deterministic generator (no RNG dependency needed for reproducible data).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// `n` customers (deterministic: the same `n` and `now_ms` give the same data), one
/// relationship each with a consultant of `staff`, added over the year before `now_ms`.
pub fn customers(n: usize, now_ms: i64, staff: &[String]) -> (Vec<Customer>, Vec<Relationship>) {
    customers_from(0, n, now_ms, staff)
}

/// Customers `first..first + n` of the sequence [`customers`] starts (each range has its own
/// random stream, so ranges can be generated batch by batch).
pub fn customers_from(
    first: usize,
    n: usize,
    now_ms: i64,
    staff: &[String],
) -> (Vec<Customer>, Vec<Relationship>) {
    let mut rng = Lcg(42 + first as u64);
    let mut customers = Vec::with_capacity(n);
    let mut relationships = Vec::with_capacity(n);
    for i in first..first + n {
        let ext = format!("wmBench{i:07}");
        let state = STATES[rng.below(STATES.len() as u64) as usize];
        let userid = staff
            .get(rng.below(staff.len().max(1) as u64) as usize)
            .cloned()
            .unwrap_or_else(|| "zhangsan".to_owned());
        let added_ms = now_ms - (rng.below(365 * 86_400) as i64) * 1000;
        // The draws keep their order (tier, month, day, consent): the same seed, the same data.
        let tier = TIERS[rng.below(3) as usize];
        let month = 1 + rng.below(12);
        let day = 1 + rng.below(28);
        let crm = ClinicFields {
            tier: Some(tier),
            birthday: Birthday::parse(&format!("1990-{month:02}-{day:02}")).ok(),
            marketing_consent: Some(rng.below(10) < 8),
            ..ClinicFields::default()
        };
        customers.push(Customer {
            external_userid: ext.clone(),
            name: format!("客户{i}"),
            gender: 1 + rng.below(2) as i64,
            contact_type: 1,
            status: CustomerStatus::Active,
            first_channel: state.to_owned(),
            first_added_at_ms: added_ms,
            updated_at_ms: added_ms,
            crm,
            ..Customer::default()
        });
        relationships.push(Relationship {
            external_userid: ext,
            userid,
            status: RelationshipStatus::Active,
            remark: if rng.below(20) == 0 {
                format!("热玛吉意向{i}")
            } else {
                String::new()
            },
            tags: vec![FollowUserTag {
                group_name: "来源渠道".into(),
                tag_name: format!("来源:{state}"),
                tag_id: Some(format!("tag-{state}")),
                tag_type: 1,
            }],
            add_way: 1,
            state: state.to_owned(),
            createtime: added_ms / 1000,
            updated_at_ms: added_ms,
            ..Relationship::default()
        });
    }
    (customers, relationships)
}

/// The bench's 50 consultants, `staff00`…`staff49`.
pub fn numbered_staff(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("staff{i:02}")).collect()
}

/// Imports customers `first..first + n` into `store`.
pub async fn import_range(
    store: Arc<dyn ItemStore>,
    first: usize,
    n: usize,
    now_ms: i64,
    staff: &[String],
) -> Result<(), crm::CrmError> {
    let (customers, relationships) = customers_from(first, n, now_ms, staff);
    let repo = CustomerRepo::new(store);
    for (c, r) in customers.chunks(5_000).zip(relationships.chunks(5_000)) {
        repo.import(c, r).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_continue_the_numbering_and_the_whole_range_is_deterministic() {
        let staff = numbered_staff(3);
        let (a, ra) = customers_from(0, 10, 1_800_000_000_000, &staff);
        let (b, _) = customers_from(10, 10, 1_800_000_000_000, &staff);
        assert_eq!(a.len(), 10);
        assert_eq!(ra.len(), 10);
        assert_eq!(a[0].external_userid, "wmBench0000000");
        assert_eq!(b[0].external_userid, "wmBench0000010");
        assert!(ra.iter().all(|r| staff.contains(&r.userid)));
        assert_eq!(customers(10, 1_800_000_000_000, &staff).0, a);
    }
}
