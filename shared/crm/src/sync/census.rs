//! What the end phase's guard decides on, apart from how it is read and stored: the census
//! of stored relationships, which of them a run would end, and whether it may.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::config::SyncConfig;
use crate::model::{Relationship, RelationshipStatus, SyncRun};

/// What the census counted so far (`SYNC#<run_id>` / `CENSUS`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Census {
    /// The cursor over every stored customer (`None` before the first page and at the end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) cursor: Option<String>,
    /// Every stored customer was counted.
    pub(super) complete: bool,
    /// Stored active relationships.
    pub(super) active: u64,
    /// Of them, those the run did not see (the end phase would end them).
    pub(super) missing: u64,
}

/// The census with the version of its item (`None` before its first write).
#[derive(Debug, Clone, Default)]
pub(super) struct CensusCheckpoint {
    pub(super) census: Census,
    pub(super) version: Option<u64>,
}

/// Whether the run saw the relationship of `customer` with this member.
pub(super) fn was_seen(
    seen: &HashSet<(String, String)>,
    customer: &str,
    rel: &Relationship,
) -> bool {
    seen.contains(&(customer.to_owned(), rel.userid.clone()))
}

/// Whether the end phase ends this stored relationship: it is active and the run did not see
/// it. Pending (half-added) and already ended ones are left alone.
pub(super) fn is_missing(
    seen: &HashSet<(String, String)>,
    customer: &str,
    rel: &Relationship,
) -> bool {
    rel.status == RelationshipStatus::Active && !was_seen(seen, customer, rel)
}

/// Why the run must end nothing, or `None` when the end phase may go on. Decided as soon as
/// the census allows: a run that saw no relationship at all (`seen` is the number of pairs it
/// saw) while one is active fails at once; the share of active relationships it would end is
/// known only once the census is complete.
pub(super) fn refusal(
    run: &SyncRun,
    seen: usize,
    census: &Census,
    config: &SyncConfig,
) -> Option<String> {
    if seen == 0 && census.active > 0 {
        return Some(if run.staff.is_empty() {
            "WeCom listed no staff with customer contact (get_follow_user_list was empty) while \
             the store has active relationships; no relationship was ended"
                .to_owned()
        } else {
            format!(
                "WeCom listed no relationship for the {} staff with customer contact while the \
                 store has active relationships; no relationship was ended",
                run.staff.len()
            )
        });
    }
    let too_many = census.missing > config.end_guard_count
        && u128::from(census.missing) * 100
            > u128::from(census.active) * u128::from(config.end_guard_percent);
    (census.complete && too_many).then(|| {
        format!(
            "the run would end {} of {} active relationships (more than {} and more than {}%); \
             none was ended: check the app's visible range and customer-contact permission in \
             WeCom",
            census.missing, census.active, config.end_guard_count, config.end_guard_percent
        )
    })
}
