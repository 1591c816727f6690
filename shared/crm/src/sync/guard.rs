//! The end phase's guard: before anything is ended, a census walks every stored customer and
//! counts the active relationships and those the run did not see (`SYNC#<run_id>` / `CENSUS`,
//! checkpointed by customer page, with a TTL). A run to which WeCom listed nothing while
//! relationships are active, or that would end too many of them
//! ([`SyncConfig::end_guard_count`], [`SyncConfig::end_guard_percent`]), ends none and fails
//! with its reason; otherwise the end phase proper runs.
//!
//! [`SyncConfig::end_guard_count`]: super::SyncConfig::end_guard_count
//! [`SyncConfig::end_guard_percent`]: super::SyncConfig::end_guard_percent

use std::collections::HashSet;

use ports::{Condition, Item};

use super::census::{CensusCheckpoint, is_missing};
use super::engine::SyncEngine;
use crate::CrmError;
use crate::keys::sync_run_pk;
use crate::model::{RelationshipStatus, SyncRun};

/// The census item's sort key, under the run's partition.
const CENSUS_SK: &str = "CENSUS";

impl SyncEngine {
    pub(super) async fn load_census(&self, run_id: &str) -> Result<CensusCheckpoint, CrmError> {
        let pk = sync_run_pk(run_id);
        let stored = self
            .retry()
            .run(|| async { Ok(self.store.get(&pk, CENSUS_SK).await?) })
            .await?;
        match stored {
            Some(item) => Ok(CensusCheckpoint {
                census: item.doc()?,
                version: Some(item.version),
            }),
            None => Ok(CensusCheckpoint::default()),
        }
    }

    /// Counts one page of stored customers (no write but the census itself).
    pub(super) async fn census_page(
        &self,
        run: &SyncRun,
        seen: &HashSet<(String, String)>,
        checkpoint: &mut CensusCheckpoint,
    ) -> Result<(), CrmError> {
        let mut census = checkpoint.census.clone();
        let mut retry = self.retry();
        let (customers, next) = retry
            .run(|| self.customers.list(100, census.cursor.clone()))
            .await?;
        for customer in customers {
            let id = customer.external_userid.as_str();
            for rel in retry.run(|| self.customers.relationships(id)).await? {
                if rel.status == RelationshipStatus::Active {
                    census.active += 1;
                }
                if is_missing(seen, id, &rel) {
                    census.missing += 1;
                }
            }
        }
        census.complete = next.is_none();
        census.cursor = next;

        let now = self.clock.now_ms();
        let mut item = Item::with_doc(sync_run_pk(&run.run_id), CENSUS_SK, &census)?;
        item.expires_at = Some(
            now.div_euclid(1000)
                .saturating_add(i64::try_from(self.config.seen_ttl.as_secs()).unwrap_or(i64::MAX)),
        );
        let (condition, version) = match checkpoint.version {
            Some(v) => (Condition::VersionIs(v), v + 1),
            None => (Condition::NotExists, 1),
        };
        item.version = version;
        retry.run(|| self.put_own(&item, condition)).await?;
        *checkpoint = CensusCheckpoint {
            census,
            version: Some(version),
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::census::{Census, refusal};
    use super::super::config::SyncConfig;
    use super::super::engine::{StartOutcome, StepOutcome, run_item};
    use super::super::testing::fixture;
    use super::*;
    use crate::keys::SYNC_RUN_SK;
    use crate::model::{Customer, CustomerStatus, Relationship, SyncPhase, SyncRunStatus};
    use crate::sync::StepBudget;

    fn census(active: u64, missing: u64, complete: bool) -> Census {
        Census {
            cursor: None,
            complete,
            active,
            missing,
        }
    }

    fn run_with_staff(n: usize) -> SyncRun {
        SyncRun {
            staff: (0..n).map(|i| format!("staff{i}")).collect(),
            ..SyncRun::default()
        }
    }

    #[test]
    fn a_run_that_saw_nothing_while_relationships_are_active_is_refused_at_once() {
        let config = SyncConfig::default();
        let reason = refusal(&run_with_staff(0), 0, &census(1, 1, false), &config)
            .expect("refused without staff");
        assert!(reason.contains("no staff"), "{reason}");
        assert!(reason.contains("get_follow_user_list"), "{reason}");
        let reason = refusal(&run_with_staff(3), 0, &census(5, 5, false), &config)
            .expect("refused without relationships");
        assert!(reason.contains("for the 3 staff"), "{reason}");
        // Nothing active in the store: nothing to protect (a new corp).
        assert_eq!(
            refusal(&run_with_staff(0), 0, &census(0, 0, true), &config),
            None
        );
    }

    #[test]
    fn a_run_is_refused_only_above_both_the_count_and_the_share_of_the_guard() {
        let config = SyncConfig::default();
        assert_eq!((config.end_guard_count, config.end_guard_percent), (20, 50));
        let run = run_with_staff(2);
        let verdict = |active, missing| refusal(&run, 10, &census(active, missing, true), &config);
        // 21 of 41 is more than half and more than 20.
        let reason = verdict(41, 21).expect("refused");
        assert_eq!(
            reason,
            "the run would end 21 of 41 active relationships (more than 20 and more than 50%); \
             none was ended: check the app's visible range and customer-contact permission in \
             WeCom"
        );
        assert_eq!(verdict(42, 21), None, "exactly half");
        assert_eq!(verdict(30, 20), None, "not more than 20");
        assert_eq!(verdict(1000, 400), None, "a large share but under half");
        assert_eq!(verdict(3, 2), None, "a small store loses two");
        // Not decided before the census is complete.
        assert_eq!(refusal(&run, 10, &census(41, 21, false), &config), None);
        // The guard is configurable.
        let strict = SyncConfig {
            end_guard_count: 5,
            end_guard_percent: 10,
            ..SyncConfig::default()
        };
        assert!(refusal(&run, 10, &census(50, 6, true), &strict).is_some());
        assert_eq!(refusal(&run, 10, &census(50, 5, true), &strict), None);
    }

    fn rel(customer: &str, userid: &str, status: RelationshipStatus) -> Relationship {
        Relationship {
            external_userid: customer.into(),
            userid: userid.into(),
            status,
            ..Relationship::default()
        }
    }

    #[tokio::test]
    async fn the_census_counts_active_and_unseen_relationships_page_by_page_and_writes_nothing_else()
     {
        let f = fixture();
        let customers: Vec<Customer> = (0..150)
            .map(|i| Customer {
                external_userid: format!("wm{i:03}"),
                status: CustomerStatus::Active,
                ..Customer::default()
            })
            .collect();
        let mut relationships: Vec<Relationship> = customers
            .iter()
            .map(|c| rel(&c.external_userid, "zhangsan", RelationshipStatus::Active))
            .collect();
        relationships.push(rel("wm000", "lisi", RelationshipStatus::Pending));
        relationships.push(rel("wm001", "lisi", RelationshipStatus::Ended));
        f.engine
            .customers
            .import(&customers, &relationships)
            .await
            .expect("import");
        let seen: HashSet<(String, String)> = (0..100)
            .map(|i| (format!("wm{i:03}"), "zhangsan".to_owned()))
            .collect();
        let run = SyncRun {
            run_id: "r1".into(),
            ..SyncRun::default()
        };
        let mut checkpoint = f.engine.load_census("r1").await.expect("load");
        assert_eq!(checkpoint.census, Census::default());
        f.engine
            .census_page(&run, &seen, &mut checkpoint)
            .await
            .expect("page");
        assert!(!checkpoint.census.complete);
        assert_eq!(checkpoint.census.active, 100);
        // A new engine (process) resumes from the stored census.
        let mut resumed = f.engine.load_census("r1").await.expect("load");
        assert_eq!(resumed.census, checkpoint.census);
        f.engine
            .census_page(&run, &seen, &mut resumed)
            .await
            .expect("page");
        assert_eq!(
            (
                resumed.census.complete,
                resumed.census.active,
                resumed.census.missing
            ),
            (true, 150, 50)
        );
        // A stale checkpoint (another step wrote the census since) that writes the very same
        // census is that write (an answer lost, then retried); another census is contention.
        let mut stale = checkpoint.clone();
        f.engine
            .census_page(&run, &seen, &mut stale)
            .await
            .expect("the same write");
        checkpoint.census.active += 1;
        let err = f
            .engine
            .census_page(&run, &seen, &mut checkpoint)
            .await
            .expect_err("stale");
        assert!(err.is_retryable(), "{err}");
        let item = f
            .store
            .get(&sync_run_pk("r1"), CENSUS_SK)
            .await
            .expect("read")
            .expect("census");
        assert!(
            item.expires_at.is_some(),
            "kept no longer than the seen pages"
        );
        // Nothing was ended.
        let ended = f
            .engine
            .customers
            .get_relationship("wm120", "zhangsan")
            .await
            .expect("read")
            .expect("relationship");
        assert_eq!(ended.status, RelationshipStatus::Active);
    }

    /// Starts a run and moves its record to the end phase, as a preparation that listed
    /// `staff` and a customers phase that saw nothing would.
    async fn run_at_end_phase(f: &super::super::testing::Fixture, staff: &[&str]) -> String {
        let StartOutcome::Started { run_id } = f.engine.start().await.expect("start") else {
            panic!("not started");
        };
        let item = f
            .store
            .get(&sync_run_pk(&run_id), SYNC_RUN_SK)
            .await
            .expect("read")
            .expect("run");
        let mut run: SyncRun = item.doc().expect("doc");
        run.phase = SyncPhase::EndMissing;
        run.staff = staff.iter().map(|s| (*s).to_owned()).collect();
        f.store
            .put(
                run_item(&run, item.version + 1).expect("item"),
                Condition::VersionIs(item.version),
            )
            .await
            .expect("put");
        run_id
    }

    #[tokio::test]
    async fn a_run_without_staff_ends_no_active_relationship_and_fails_with_its_reason() {
        let f = fixture();
        let customers: Vec<Customer> = (0..3)
            .map(|i| Customer {
                external_userid: format!("wm{i}"),
                status: CustomerStatus::Active,
                ..Customer::default()
            })
            .collect();
        let relationships: Vec<Relationship> = customers
            .iter()
            .map(|c| rel(&c.external_userid, "zhangsan", RelationshipStatus::Active))
            .collect();
        f.engine
            .customers
            .import(&customers, &relationships)
            .await
            .expect("import");
        let run_id = run_at_end_phase(&f, &[]).await;

        let outcome = f
            .engine
            .run_step(&run_id, StepBudget::unlimited())
            .await
            .expect("step");
        let StepOutcome::Done(run) = outcome else {
            panic!("not over: {outcome:?}");
        };
        assert_eq!(run.status, SyncRunStatus::Failed);
        assert_eq!(run.phase, SyncPhase::EndMissing, "stopped before ending");
        assert_eq!(run.relationships_ended, 0);
        assert_eq!(run.errors, 1);
        assert!(run.finished_at_ms.is_some());
        assert!(
            run.last_error
                .as_deref()
                .is_some_and(|e| e.contains("no staff")),
            "{run:?}"
        );
        assert_eq!(f.engine.get_run(&run_id).await.expect("read"), Some(*run));
        for c in &customers {
            let stored = f
                .engine
                .customers
                .get_relationship(&c.external_userid, "zhangsan")
                .await
                .expect("read")
                .expect("relationship");
            assert_eq!(stored.status, RelationshipStatus::Active);
            assert!(
                f.engine
                    .customers
                    .timeline(&c.external_userid)
                    .await
                    .expect("timeline")
                    .is_empty()
            );
        }
        // Its lease is released: the next hourly run starts.
        assert!(matches!(
            f.engine.start().await.expect("start"),
            StartOutcome::Started { .. }
        ));
    }

    #[tokio::test]
    async fn a_run_without_staff_on_an_empty_store_finishes_as_usual() {
        let f = fixture();
        let run_id = run_at_end_phase(&f, &[]).await;
        let StepOutcome::Done(run) = f
            .engine
            .run_step(&run_id, StepBudget::unlimited())
            .await
            .expect("step")
        else {
            panic!("not over");
        };
        assert_eq!(run.status, SyncRunStatus::Done);
        assert_eq!(run.last_error, None);
    }
}
