//! The tunables of the sync ([`SyncConfig`]) and how much one step may do ([`StepBudget`]).

use std::time::Duration;

use crate::CrmError;

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
    /// The end phase's guard: a run that would end more than `end_guard_count` active
    /// relationships **and** more than `end_guard_percent` % of the stored active ones ends
    /// none of them and fails. Customers do not leave by the hundreds between two hourly runs;
    /// WeCom answering for far fewer staff or customers than before does happen (the app's
    /// visible range or customer-contact permission changed, a partial outage). An operator
    /// looks at the run's reason; the next run ends what is really gone once WeCom answers
    /// normally.
    pub end_guard_count: u64,
    /// See `end_guard_count`.
    pub end_guard_percent: u64,
    /// Attempts of one store operation of a page (a read, a customer's write, the checkpoint)
    /// while the store refuses it retryably (throttling, a conflict); a customer whose
    /// operation still fails is recorded on the run (`customers_unwritten`) and the page goes
    /// on.
    pub store_attempts: u32,
    /// The pause before the second attempt; it doubles with each further one.
    pub store_backoff: Duration,
}

impl SyncConfig {
    /// How long a step pauses after `error`: WeCom's 45009 window, and at least
    /// `rate_limit_backoff`. `None` when the error asks for no pause (the step fails).
    pub(super) fn pause_after(&self, error: &CrmError) -> Option<Duration> {
        error
            .retry_after()
            .map(|delay| delay.max(self.rate_limit_backoff))
    }
}

impl Default for SyncConfig {
    fn default() -> Self {
        Self {
            min_call_interval: Duration::from_millis(100),
            page_limit: 100,
            lease_ttl: Duration::from_secs(15 * 60),
            seen_ttl: Duration::from_secs(3 * 86_400),
            rate_limit_backoff: Duration::from_secs(60),
            end_guard_count: 20,
            end_guard_percent: 50,
            // 50 + 100 + 200 + 400 + 800 ms: about 1.5 s of throttling waited out per operation.
            store_attempts: 6,
            store_backoff: Duration::from_millis(50),
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

    /// Whether a step that has done `pages` pages in `elapsed` must stop.
    pub(super) fn is_spent(&self, pages: u32, elapsed: Duration) -> bool {
        self.max_pages.is_some_and(|max| pages >= max)
            || self.max_time.is_some_and(|max| elapsed >= max)
    }
}

#[cfg(test)]
mod tests {
    use wecom_api::WeComError;

    use super::*;

    #[test]
    fn a_step_budget_is_spent_by_pages_or_by_time_and_an_unlimited_one_never() {
        let pages = StepBudget::pages(3);
        assert!(!pages.is_spent(2, Duration::from_secs(3600)));
        assert!(pages.is_spent(3, Duration::ZERO));
        let time = StepBudget::time(Duration::from_secs(30));
        assert!(!time.is_spent(1000, Duration::from_millis(29_999)));
        assert!(time.is_spent(0, Duration::from_secs(30)));
        assert!(!StepBudget::unlimited().is_spent(u32::MAX, Duration::from_secs(86_400)));
        // A budget of no pages does nothing.
        assert!(StepBudget::pages(0).is_spent(0, Duration::ZERO));
    }

    #[test]
    fn a_45009_pauses_the_run_at_least_the_configured_backoff_and_other_errors_do_not() {
        let limited = CrmError::WeCom(WeComError::RateLimited {
            api: "externalcontact/batch/get_by_user",
            errmsg: "api freq out of limit".into(),
        });
        let longer = SyncConfig {
            rate_limit_backoff: Duration::from_secs(120),
            ..SyncConfig::default()
        };
        assert_eq!(longer.pause_after(&limited), Some(Duration::from_secs(120)));
        let shorter = SyncConfig {
            rate_limit_backoff: Duration::from_secs(5),
            ..SyncConfig::default()
        };
        assert_eq!(
            shorter.pause_after(&limited),
            Some(Duration::from_secs(60)),
            "never shorter than WeCom's own window"
        );
        let busy = CrmError::WeCom(WeComError::Transport {
            api: "externalcontact/batch/get_by_user",
            detail: "timeout".into(),
        });
        assert_eq!(longer.pause_after(&busy), None);
        assert_eq!(
            longer.pause_after(&CrmError::Contention("SYNC#r1".into())),
            None
        );
    }
}
