//! Store operations of the sync retried one at a time ([`Retry`]): a throttled read or write
//! is waited out with backoff instead of costing its page (and, before, its run).

use std::future::Future;
use std::time::Duration;

use super::config::SyncConfig;
use crate::CrmError;

/// Retries one store operation at a time while the store refuses it retryably, pausing
/// `store_backoff`, then twice that, and so on; counts the retries.
#[derive(Debug)]
pub(super) struct Retry {
    attempts: u32,
    backoff: Duration,
    /// Retries made so far.
    pub(super) retried: u64,
}

impl Retry {
    pub(super) fn new(config: &SyncConfig) -> Self {
        Self {
            attempts: config.store_attempts.max(1),
            backoff: config.store_backoff,
            retried: 0,
        }
    }

    /// How many attempts an operation gets.
    pub(super) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// `op` until it succeeds, fails for good, or its attempts are spent (the last error).
    pub(super) async fn run<T, F, Fut>(&mut self, mut op: F) -> Result<T, CrmError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, CrmError>>,
    {
        let mut attempt = 0_u32;
        loop {
            match op().await {
                Err(e) if attempt + 1 < self.attempts && is_transient(&e) => {
                    tokio::time::sleep(self.pause(attempt)).await;
                    attempt += 1;
                    self.retried += 1;
                }
                other => return other,
            }
        }
    }

    fn pause(&self, attempt: u32) -> Duration {
        self.backoff.saturating_mul(1 << attempt.min(10))
    }
}

/// A refusal that may succeed when asked again: the store throttling or unreachable, a
/// transaction conflict. A failed condition is an answer, not a refusal; WeCom's errors are
/// retried by its client.
fn is_transient(error: &CrmError) -> bool {
    matches!(error, CrmError::Store(e) if e.is_retryable())
}

#[cfg(test)]
mod tests {
    use ports::StoreError;

    use super::*;

    fn config(attempts: u32) -> SyncConfig {
        SyncConfig {
            store_attempts: attempts,
            store_backoff: Duration::ZERO,
            ..SyncConfig::default()
        }
    }

    #[tokio::test]
    async fn a_throttled_operation_is_retried_until_it_succeeds_or_its_attempts_are_spent() {
        let mut retry = Retry::new(&config(4));
        let mut calls = 0;
        let answer = retry
            .run(|| {
                calls += 1;
                let result = if calls < 3 {
                    Err(CrmError::Store(StoreError::Unavailable("throttled".into())))
                } else {
                    Ok(calls)
                };
                async move { result }
            })
            .await;
        assert_eq!(answer.ok(), Some(3));
        assert_eq!(retry.retried, 2);

        let mut calls = 0;
        let answer: Result<(), _> = retry
            .run(|| {
                calls += 1;
                async { Err(CrmError::Store(StoreError::Conflict)) }
            })
            .await;
        assert!(matches!(answer, Err(CrmError::Store(StoreError::Conflict))));
        assert_eq!(calls, 4, "every attempt used");

        // A failed condition or corrupt data is not asked again.
        for permanent in [StoreError::ConditionFailed, StoreError::Corrupt("x".into())] {
            let mut calls = 0;
            let mut error = Some(CrmError::Store(permanent));
            let answer: Result<(), _> = retry
                .run(|| {
                    calls += 1;
                    let e = error.take().map_or(Ok(()), Err);
                    async move { e }
                })
                .await;
            assert!(answer.is_err());
            assert_eq!(calls, 1);
        }
        assert_eq!(retry.retried, 5);
    }

    #[test]
    fn the_pause_doubles_from_the_configured_backoff() {
        let retry = Retry::new(&SyncConfig {
            store_backoff: Duration::from_millis(50),
            ..SyncConfig::default()
        });
        let pauses: Vec<u128> = (0..4).map(|n| retry.pause(n).as_millis()).collect();
        assert_eq!(pauses, [50, 100, 200, 400]);
        assert_eq!(Retry::new(&config(0)).attempts(), 1, "at least one attempt");
    }
}
