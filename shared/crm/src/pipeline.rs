//! The lead pipeline: each customer's stage (新线索 new → 已咨询 consulted → 已预约 booked → 已到店
//! arrived → 已成交 purchased → 复购 repurchased), moved forward by events — an appointment
//! booked, the customer arriving, a purchase, a second purchase — and set freely by staff.
//!
//! The stage lives on the customer profile ([`Customer::stage`]), so the pipeline counters
//! (`AGG#PIPELINE`, by first channel and by first consultant) are a pure function of the
//! profile (`crate::aggregates::contribution`) and the rebuild recomputes them exactly.

use std::collections::BTreeMap;
use std::sync::Arc;

use ports::{IndexName, ItemStore, Query, SkCondition};
use serde::Serialize;

use crate::CrmError;
use crate::aggregates::contribution::pipeline::PREFIX;
use crate::keys::{PIPELINE_COUNTS_PK, PURCHASE_PREFIX, customer_pk};
use crate::model::{Customer, LeadStage};
use crate::repo::{CustomerAdmin, query_all_items};

/// What happened to the customer, as far as the pipeline is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineEvent {
    /// An appointment was booked (→ 已预约).
    AppointmentBooked,
    /// The customer arrived for a visit (→ 已到店).
    Arrived,
    /// A purchase was recorded (→ 已成交; the second and later → 复购).
    Purchased,
}

/// The stage an event moves a customer at `current` to, given how many purchases they have
/// now; never backwards.
pub fn next_stage(current: LeadStage, event: PipelineEvent, purchases: usize) -> LeadStage {
    let reached = match event {
        PipelineEvent::AppointmentBooked => LeadStage::Booked,
        PipelineEvent::Arrived => LeadStage::Arrived,
        PipelineEvent::Purchased if purchases >= 2 => LeadStage::Repurchased,
        PipelineEvent::Purchased => LeadStage::Purchased,
    };
    current.max(reached)
}

/// Moves the customer's stage forward for `event`. `Some(stage)` when it moved; `None` when it
/// was at or past it already, or the customer is unknown.
pub async fn advance_on(
    store: &Arc<dyn ItemStore>,
    external_userid: &str,
    event: PipelineEvent,
    now_ms: i64,
) -> Result<Option<LeadStage>, CrmError> {
    let purchases = if event == PipelineEvent::Purchased {
        query_all_items(
            store.as_ref(),
            Query::partition(IndexName::Primary, customer_pk(external_userid))
                .sk(SkCondition::BeginsWith(PURCHASE_PREFIX.into()))
                .limit(3),
        )
        .await?
        .len()
    } else {
        0
    };
    let mut moved = None;
    CustomerAdmin::new(store.clone())
        .update_profile(external_userid, |customer: &mut Customer| {
            moved = None;
            let next = next_stage(customer.stage, event, purchases);
            if next == customer.stage {
                return false;
            }
            customer.stage = next;
            customer.updated_at_ms = now_ms;
            moved = Some(next);
            true
        })
        .await?;
    Ok(moved)
}

/// Staff set the stage (any stage, backwards too). `None`: unknown customer; `Some(before)`
/// otherwise.
pub async fn set_stage(
    store: &Arc<dyn ItemStore>,
    external_userid: &str,
    stage: LeadStage,
    now_ms: i64,
) -> Result<Option<LeadStage>, CrmError> {
    let admin = CustomerAdmin::new(store.clone());
    let Some(current) = crate::repo::CustomerRepo::new(store.clone())
        .get(external_userid)
        .await?
    else {
        return Ok(None);
    };
    let before = current.stage;
    admin
        .update_profile(external_userid, |customer: &mut Customer| {
            if customer.stage == stage {
                return false;
            }
            customer.stage = stage;
            customer.updated_at_ms = now_ms;
            true
        })
        .await?;
    Ok(Some(before))
}

/// Records the consultant of the customer's first relationship, once.
pub async fn note_first_consultant(
    store: &Arc<dyn ItemStore>,
    external_userid: &str,
    userid: &str,
) -> Result<(), CrmError> {
    if userid.is_empty() {
        return Ok(());
    }
    let repo = crate::repo::CustomerRepo::new(store.clone());
    match repo.get(external_userid).await? {
        Some(c) if c.first_userid.is_empty() => {}
        _ => return Ok(()),
    }
    CustomerAdmin::new(store.clone())
        .update_profile(external_userid, |customer: &mut Customer| {
            if !customer.first_userid.is_empty() {
                return false;
            }
            customer.first_userid = userid.to_owned();
            true
        })
        .await?;
    Ok(())
}

/// Customers per stage and what share of them reached each stage.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Funnel {
    /// Customers counted (every stage).
    pub customers: u64,
    /// Customers at each stage now (`new`, `consulted`, … `repurchased`).
    pub at_stage: BTreeMap<String, u64>,
    /// Customers at this stage or a later one.
    pub reached: BTreeMap<String, u64>,
    /// `reached / customers` per stage (0 without customers), 0–1.
    pub conversion: BTreeMap<String, f64>,
}

impl Funnel {
    fn add(&mut self, stage: &str, n: u64) {
        *self.at_stage.entry(stage.to_owned()).or_default() += n;
        self.customers += n;
    }

    fn finish(mut self) -> Self {
        let mut later = 0u64;
        for stage in LeadStage::ALL.iter().rev() {
            let name = stage.as_str();
            later += self.at_stage.get(name).copied().unwrap_or(0);
            self.at_stage.entry(name.to_owned()).or_default();
            self.reached.insert(name.to_owned(), later);
            let rate = if self.customers == 0 {
                0.0
            } else {
                later as f64 / self.customers as f64
            };
            self.conversion
                .insert(name.to_owned(), (rate * 10_000.0).round() / 10_000.0);
        }
        self
    }
}

/// The pipeline of the customers first added on the Beijing days `from_day..=to_day`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PipelineStats {
    pub total: Funnel,
    /// By first channel (`state`; empty: no channel).
    pub by_channel: BTreeMap<String, Funnel>,
    /// By first consultant (userid; empty: not known).
    pub by_consultant: BTreeMap<String, Funnel>,
}

/// Reads the pipeline counters (two range queries of one partition: days × channels and
/// days × consultants items).
pub async fn stats(
    store: &Arc<dyn ItemStore>,
    from_day: &str,
    to_day: &str,
) -> Result<PipelineStats, CrmError> {
    let mut by_channel: BTreeMap<String, Funnel> = BTreeMap::new();
    let mut by_consultant: BTreeMap<String, Funnel> = BTreeMap::new();
    let mut total = Funnel::default();
    for (prefix, target) in [("CH#", &mut by_channel), ("US#", &mut by_consultant)] {
        let items = query_all_items(
            store.as_ref(),
            Query::partition(IndexName::Primary, PIPELINE_COUNTS_PK)
                .sk(SkCondition::Between(
                    format!("{prefix}{from_day}"),
                    format!("{prefix}{to_day}$"),
                ))
                .limit(1000),
        )
        .await?;
        for item in items {
            let Some((_, key)) = item
                .sk
                .strip_prefix(prefix)
                .and_then(|rest| rest.split_once('#'))
            else {
                continue;
            };
            let funnel = target.entry(key.to_owned()).or_default();
            for (field, value) in &item.data {
                let (Some(stage), Some(n)) = (field.strip_prefix(PREFIX), value.as_i64()) else {
                    continue;
                };
                let n = u64::try_from(n).unwrap_or(0);
                funnel.add(stage, n);
                if prefix == "CH#" {
                    total.add(stage, n);
                }
            }
        }
    }
    let finish =
        |m: BTreeMap<String, Funnel>| m.into_iter().map(|(k, f)| (k, f.finish())).collect();
    Ok(PipelineStats {
        total: total.finish(),
        by_channel: finish(by_channel),
        by_consultant: finish(by_consultant),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_only_move_forward() {
        use LeadStage as S;
        use PipelineEvent as E;
        assert_eq!(next_stage(S::New, E::AppointmentBooked, 0), S::Booked);
        assert_eq!(next_stage(S::Consulted, E::AppointmentBooked, 0), S::Booked);
        assert_eq!(next_stage(S::Arrived, E::AppointmentBooked, 0), S::Arrived);
        assert_eq!(next_stage(S::Booked, E::Arrived, 0), S::Arrived);
        assert_eq!(next_stage(S::Booked, E::Purchased, 1), S::Purchased);
        assert_eq!(next_stage(S::Purchased, E::Purchased, 2), S::Repurchased);
        assert_eq!(next_stage(S::New, E::Purchased, 2), S::Repurchased);
        assert_eq!(
            next_stage(S::Repurchased, E::AppointmentBooked, 0),
            S::Repurchased
        );
    }

    #[test]
    fn the_funnel_counts_customers_at_or_past_each_stage() {
        let mut f = Funnel::default();
        f.add("new", 2);
        f.add("booked", 1);
        f.add("purchased", 1);
        let f = f.finish();
        assert_eq!(f.customers, 4);
        assert_eq!(f.reached["new"], 4);
        assert_eq!(f.reached["consulted"], 2);
        assert_eq!(f.reached["booked"], 2);
        assert_eq!(f.reached["arrived"], 1);
        assert_eq!(f.reached["repurchased"], 0);
        assert_eq!(f.conversion["booked"], 0.5);
        assert_eq!(f.at_stage["arrived"], 0);
    }
}
