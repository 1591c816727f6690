//! The tunables of the sync ([`SyncConfig`]) and how much one step may do ([`StepBudget`]).

use std::time::Duration;

/// Tunables of the sync.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Least time between two WeCom calls of one engine.
    pub min_call_interval: Duration,
    /// `limit` of `batch/get_by_user` (1 to 100).
    pub page_limit: u32,
    /// How long the lease holds without a step renewing it (a crashed run is taken over after).
    pub lease_ttl: Duration,
    /// How long the per-page `SEEN#` items are kept.
    pub seen_ttl: Duration,
    /// The delay asked for after a 45009.
    pub rate_limit_backoff: Duration,
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            min_call_interval: Duration::from_millis(100),
            page_limit: 100,
            lease_ttl: Duration::from_secs(15 * 60),
            seen_ttl: Duration::from_secs(3 * 86_400),
            rate_limit_backoff: Duration::from_secs(60),
        }
    }
}

/// How much one [`SyncEngine::run_step`] may do. A page is one `batch/get_by_user` page, the
/// preparation (tags + staff) or one page of customers in the end phase.
///
/// [`SyncEngine::run_step`]: super::SyncEngine::run_step
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StepBudget {
    pub max_pages: Option<u32>,
    pub max_time: Option<Duration>,
}

impl StepBudget {
    pub fn pages(max_pages: u32) -> Self {
        Self {
            max_pages: Some(max_pages),
            max_time: None,
        }
    }

    pub fn time(max_time: Duration) -> Self {
        Self {
            max_pages: None,
            max_time: Some(max_time),
        }
    }

    /// Runs to the end (or to the first 45009).
    pub fn unlimited() -> Self {
        Self::default()
    }
}
