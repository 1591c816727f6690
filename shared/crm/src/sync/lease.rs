//! The lease that lets one run at a time work (`SYNC_LEASE` / `LEASE`, with a TTL).

use ports::{Condition, Item, StoreError};

use super::engine::SyncEngine;
use crate::CrmError;
use crate::keys::{SYNC_LEASE_PK, SYNC_LEASE_SK};
use crate::model::SyncLease;

impl SyncEngine {
    /// Extends the lease for this run; false when another run holds it (or none does: it
    /// lapsed, and another run may have started meanwhile).
    pub(super) async fn renew_lease(&self, run_id: &str) -> Result<bool, CrmError> {
        let now = self.clock.now_ms();
        let current = match self.store.get(SYNC_LEASE_PK, SYNC_LEASE_SK).await? {
            Some(item) => Some((item.doc::<SyncLease>()?, item.version)),
            None => None,
        };
        let Some((condition, version)) = renewal(
            current.as_ref().map(|(lease, version)| (lease, *version)),
            run_id,
        ) else {
            return Ok(false);
        };
        match self
            .store
            .put(self.lease_item(run_id, now, version)?, condition)
            .await
        {
            Ok(()) => Ok(true),
            // Lost to another run, or our own write applied and its answer lost (then
            // retried): the lease says which.
            Err(StoreError::ConditionFailed) => {
                match self.store.get(SYNC_LEASE_PK, SYNC_LEASE_SK).await? {
                    Some(item) => Ok(item.doc::<SyncLease>()?.run_id == run_id),
                    None => Ok(false),
                }
            }
            Err(e) => Err(e.into()),
        }
    }

    pub(super) fn lease_item(
        &self,
        run_id: &str,
        now_ms: i64,
        version: u64,
    ) -> Result<Item, CrmError> {
        let ttl_ms = i64::try_from(self.config.lease_ttl.as_millis()).unwrap_or(i64::MAX);
        let until_ms = now_ms.saturating_add(ttl_ms);
        let lease = SyncLease {
            run_id: run_id.to_owned(),
            until_ms,
        };
        let mut item = Item::with_doc(SYNC_LEASE_PK, SYNC_LEASE_SK, &lease)?;
        item.expires_at = Some(until_ms.div_euclid(1000));
        item.version = version;
        Ok(item)
    }
}

/// How `run_id` writes its lease over the current one (the lease and its item version): the
/// condition and the new version, or `None` when another run holds it.
fn renewal(current: Option<(&SyncLease, u64)>, run_id: &str) -> Option<(Condition, u64)> {
    match current {
        Some((lease, _)) if lease.run_id != run_id => None,
        Some((_, version)) => Some((Condition::VersionIs(version), version + 1)),
        None => Some((Condition::NotExists, 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::engine::{StartOutcome, StepOutcome};
    use super::super::testing::{T0_MS, fixture};
    use super::*;
    use crate::model::SyncRunStatus;
    use crate::sync::StepBudget;

    fn lease(run_id: &str) -> SyncLease {
        SyncLease {
            run_id: run_id.into(),
            until_ms: 0,
        }
    }

    #[test]
    fn a_lease_is_renewed_only_by_its_own_run_and_taken_when_absent() {
        assert_eq!(renewal(None, "r1"), Some((Condition::NotExists, 1)));
        assert_eq!(
            renewal(Some((&lease("r1"), 7)), "r1"),
            Some((Condition::VersionIs(7), 8))
        );
        assert_eq!(renewal(Some((&lease("r2"), 7)), "r1"), None);
    }

    #[tokio::test]
    async fn one_run_at_a_time_until_the_lease_expires_without_renewal() {
        let f = fixture();
        let first = f.engine.start().await.expect("start");
        assert_eq!(
            first,
            StartOutcome::Started {
                run_id: "run-000001".into()
            }
        );
        let item = f
            .store
            .get(SYNC_LEASE_PK, SYNC_LEASE_SK)
            .await
            .expect("read")
            .expect("lease");
        let held: SyncLease = item.doc().expect("doc");
        assert_eq!(held.until_ms, T0_MS + 900_000);
        assert_eq!(item.expires_at, Some((T0_MS + 900_000) / 1000));

        f.clock.advance_ms(899_000);
        assert_eq!(
            f.engine.start().await.expect("start"),
            StartOutcome::AlreadyRunning {
                run_id: "run-000001".into()
            }
        );
        // The holder renews: the lease runs from now again.
        assert!(f.engine.renew_lease("run-000001").await.expect("renew"));
        assert!(!f.engine.renew_lease("run-000002").await.expect("renew"));
        f.clock.advance_ms(899_000);
        assert!(matches!(
            f.engine.start().await.expect("start"),
            StartOutcome::AlreadyRunning { .. }
        ));
        // A crashed holder: once its lease lapses, the next trigger takes over.
        f.clock.advance_ms(2_000);
        assert_eq!(
            f.engine.start().await.expect("start"),
            StartOutcome::Started {
                run_id: "run-000004".into()
            }
        );
    }

    #[tokio::test]
    async fn a_run_that_lost_its_lease_is_abandoned_by_its_next_step() {
        let f = fixture();
        f.engine.start().await.expect("start");
        f.clock.advance_ms(901_000);
        assert!(matches!(
            f.engine.start().await.expect("start"),
            StartOutcome::Started { .. }
        ));
        let outcome = f
            .engine
            .run_step("run-000001", StepBudget::unlimited())
            .await
            .expect("step");
        let StepOutcome::Done(run) = outcome else {
            panic!("not done: {outcome:?}");
        };
        assert_eq!(run.status, SyncRunStatus::Abandoned);
        assert_eq!(run.finished_at_ms, Some(T0_MS + 901_000));
        assert_eq!(run.wecom_calls, 0);
        // The new run still holds the lease.
        let held: SyncLease = f
            .store
            .get(SYNC_LEASE_PK, SYNC_LEASE_SK)
            .await
            .expect("read")
            .expect("lease")
            .doc()
            .expect("doc");
        assert_eq!(held.run_id, "run-000002");
    }
}
