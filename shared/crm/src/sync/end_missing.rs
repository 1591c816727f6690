//! The end phase: every stored customer, page by page, and each active relationship the run did
//! not see is ended ([`EndCause::MissingInSync`]). It starts only once the guard's census
//! (`guard`) has found that the run ends a plausible number of them.

use std::collections::HashSet;

use super::census::{is_missing, was_seen};
use super::engine::SyncEngine;
use crate::CrmError;
use crate::model::{EndCause, Relationship, RelationshipStatus, SyncPhase, SyncRun, TimelineEvent};

impl SyncEngine {
    /// One page of stored customers: end each active relationship this run did not see.
    pub(super) async fn end_page(
        &self,
        run: &mut SyncRun,
        seen: &HashSet<(String, String)>,
    ) -> Result<(), CrmError> {
        let mut retry = self.retry();
        let (customers, next) = retry
            .run(|| self.customers.list(100, run.end_cursor.clone()))
            .await?;
        let now = self.clock.now_ms();
        let mut seen_customers = 0;
        let mut ended = 0;
        for customer in customers {
            let id = customer.external_userid.as_str();
            let relationships = retry.run(|| self.customers.relationships(id)).await?;
            if relationships.iter().any(|r| was_seen(seen, id, r)) {
                seen_customers += 1;
            }
            let mut ended_here = false;
            // Known only when something is missing: an erasure that has not finished yet
            // leaves its records alone (crate::privacy).
            let mut erased = None;
            for rel in relationships {
                if !is_missing(seen, id, &rel) {
                    continue;
                }
                if erased.is_none() {
                    erased = Some(retry.run(|| self.tombstones.is_erased(id)).await?);
                }
                if erased == Some(true) {
                    break;
                }
                let retried_before = retry.retried;
                let mut written = retry
                    .run(|| {
                        self.customers
                            .update_relationship(id, &rel.userid, |current| {
                                ended_as_missing(current, now)
                            })
                    })
                    .await?
                    .is_some();
                // A retried write may find its own first attempt applied (its answer lost):
                // ended as missing at this very moment is this page's doing.
                if !written && retry.retried > retried_before {
                    let stored = retry
                        .run(|| self.customers.get_relationship(id, &rel.userid))
                        .await?;
                    written = stored.is_some_and(|r| ended_here_by(&r, now));
                }
                if written {
                    ended += 1;
                    ended_here = true;
                    let event = TimelineEvent {
                        at_ms: now,
                        kind: "ended".into(),
                        userid: Some(rel.userid.clone()),
                        detail: Some("missing_in_sync".into()),
                    };
                    let event_id = format!("sync-{}-{}", run.run_id, rel.userid);
                    retry
                        .run(|| self.customers.add_timeline(id, &event_id, &event))
                        .await?;
                }
            }
            if ended_here {
                retry.run(|| self.customers.refresh_status(id, now)).await?;
            }
        }
        run.customers_seen += seen_customers;
        run.relationships_ended += ended;
        match next {
            Some(cursor) => run.end_cursor = Some(cursor),
            None => {
                run.end_cursor = None;
                run.phase = SyncPhase::Finished;
            }
        }
        Ok(())
    }
}

/// Whether `rel` is ended as missing at `now_ms` (by this page's write).
fn ended_here_by(rel: &Relationship, now_ms: i64) -> bool {
    rel.status == RelationshipStatus::Ended
        && rel.end_cause == Some(EndCause::MissingInSync)
        && rel.updated_at_ms == now_ms
}

/// The relationship ended as missing at `now_ms`, or `None` when it is gone or no longer
/// active (another writer got there first).
fn ended_as_missing(current: Option<Relationship>, now_ms: i64) -> Option<Relationship> {
    let mut r = current?;
    if r.status != RelationshipStatus::Active {
        return None;
    }
    r.status = RelationshipStatus::Ended;
    r.end_cause = Some(EndCause::MissingInSync);
    r.ended_at = Some(now_ms.div_euclid(1000));
    r.updated_at_ms = now_ms;
    Some(r)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{T0_MS, fixture};
    use super::*;
    use crate::model::{Customer, CustomerStatus};

    fn rel(customer: &str, userid: &str, status: RelationshipStatus) -> Relationship {
        Relationship {
            external_userid: customer.into(),
            userid: userid.into(),
            status,
            createtime: 1_700_000_000,
            ..Relationship::default()
        }
    }

    fn seen(pairs: &[(&str, &str)]) -> HashSet<(String, String)> {
        pairs
            .iter()
            .map(|(c, u)| ((*c).to_owned(), (*u).to_owned()))
            .collect()
    }

    #[test]
    fn only_active_relationships_the_run_did_not_see_are_ended_as_missing() {
        let seen = seen(&[("wm1", "zhangsan")]);
        let active = |u: &str| rel("wm1", u, RelationshipStatus::Active);
        assert!(!is_missing(&seen, "wm1", &active("zhangsan")));
        assert!(is_missing(&seen, "wm1", &active("lisi")));
        // The pair is the customer's and the member's: the same member elsewhere is not seen.
        assert!(is_missing(
            &seen,
            "wm2",
            &rel("wm2", "zhangsan", RelationshipStatus::Active)
        ));
        assert!(!is_missing(
            &seen,
            "wm1",
            &rel("wm1", "lisi", RelationshipStatus::Pending)
        ));
        assert!(!is_missing(
            &seen,
            "wm1",
            &rel("wm1", "lisi", RelationshipStatus::Ended)
        ));

        let ended = ended_as_missing(Some(active("lisi")), 1_767_225_600_999).expect("ended");
        assert_eq!(ended.status, RelationshipStatus::Ended);
        assert_eq!(ended.end_cause, Some(EndCause::MissingInSync));
        assert_eq!(ended.ended_at, Some(1_767_225_600));
        assert_eq!(ended.updated_at_ms, 1_767_225_600_999);
        // A retried write recognises its own applied attempt by cause and moment only.
        assert!(ended_here_by(&ended, 1_767_225_600_999));
        assert!(!ended_here_by(&ended, 1_767_225_601_000));
        assert!(!ended_here_by(&active("lisi"), 1_767_225_600_999));
        assert_eq!(ended_as_missing(None, 1), None);
        assert_eq!(
            ended_as_missing(Some(rel("wm1", "lisi", RelationshipStatus::Pending)), 1),
            None
        );
    }

    #[tokio::test]
    async fn the_end_phase_ends_each_unseen_relationship_once_and_then_finishes() {
        let f = fixture();
        let repo = &f.engine.customers;
        let customer = |id: &str| Customer {
            external_userid: id.into(),
            status: CustomerStatus::Active,
            ..Customer::default()
        };
        repo.import(
            &[customer("wm1"), customer("wm2")],
            &[
                rel("wm1", "zhangsan", RelationshipStatus::Active),
                rel("wm1", "lisi", RelationshipStatus::Active),
                rel("wm2", "lisi", RelationshipStatus::Active),
                rel("wm2", "wangwu", RelationshipStatus::Pending),
            ],
        )
        .await
        .expect("import");
        let seen = seen(&[("wm1", "zhangsan")]);
        let mut run = SyncRun {
            run_id: "r1".into(),
            phase: SyncPhase::EndMissing,
            ..SyncRun::default()
        };
        f.engine.end_page(&mut run, &seen).await.expect("end page");

        assert_eq!(run.phase, SyncPhase::Finished);
        assert_eq!(run.end_cursor, None);
        assert_eq!(run.relationships_ended, 2);
        assert_eq!(run.customers_seen, 1);
        let status = |c: &'static str, u: &'static str| async move {
            repo.get_relationship(c, u)
                .await
                .expect("read")
                .expect("relationship")
                .status
        };
        assert_eq!(status("wm1", "zhangsan").await, RelationshipStatus::Active);
        assert_eq!(status("wm1", "lisi").await, RelationshipStatus::Ended);
        assert_eq!(status("wm2", "lisi").await, RelationshipStatus::Ended);
        assert_eq!(status("wm2", "wangwu").await, RelationshipStatus::Pending);
        let ended = repo
            .get_relationship("wm2", "lisi")
            .await
            .expect("read")
            .expect("relationship");
        assert_eq!(ended.ended_at, Some(T0_MS / 1000));
        let timeline = repo.timeline("wm1").await.expect("timeline");
        assert_eq!(timeline.len(), 1);
        assert_eq!(timeline[0].userid.as_deref(), Some("lisi"));
        assert_eq!(timeline[0].detail.as_deref(), Some("missing_in_sync"));
        // wm2 has only a pending relationship left: the customer stays active.
        let wm2 = repo.get("wm2").await.expect("read").expect("customer");
        assert_eq!(wm2.status, CustomerStatus::Active);

        // A redone page (a crash before the checkpoint) ends nothing twice.
        let mut again = SyncRun {
            run_id: "r1".into(),
            phase: SyncPhase::EndMissing,
            ..SyncRun::default()
        };
        f.engine
            .end_page(&mut again, &seen)
            .await
            .expect("end page");
        assert_eq!(again.relationships_ended, 0);
        assert_eq!(repo.timeline("wm2").await.expect("timeline").len(), 1);
    }
}
