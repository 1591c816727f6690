//! The end phase: every stored customer, page by page, and each active relationship the run did
//! not see is ended ([`EndCause::MissingInSync`]).

use std::collections::HashSet;

use super::engine::SyncEngine;
use crate::CrmError;
use crate::model::{EndCause, RelationshipStatus, SyncPhase, SyncRun, TimelineEvent};

impl SyncEngine {
    /// One page of stored customers: end each active relationship this run did not see.
    pub(super) async fn end_page(
        &self,
        run: &mut SyncRun,
        seen: &HashSet<(String, String)>,
    ) -> Result<(), CrmError> {
        let (customers, next) = self.customers.list(100, run.end_cursor.clone()).await?;
        let now = self.clock.now_ms();
        let mut seen_customers = 0;
        let mut ended = 0;
        for customer in customers {
            let id = customer.external_userid.as_str();
            let relationships = self.customers.relationships(id).await?;
            if relationships
                .iter()
                .any(|r| seen.contains(&(id.to_owned(), r.userid.clone())))
            {
                seen_customers += 1;
            }
            let mut ended_here = false;
            for rel in relationships {
                if rel.status != RelationshipStatus::Active
                    || seen.contains(&(id.to_owned(), rel.userid.clone()))
                {
                    continue;
                }
                let written = self
                    .customers
                    .update_relationship(id, &rel.userid, |current| {
                        let mut r = current?;
                        if r.status != RelationshipStatus::Active {
                            return None;
                        }
                        r.status = RelationshipStatus::Ended;
                        r.end_cause = Some(EndCause::MissingInSync);
                        r.ended_at = Some(now.div_euclid(1000));
                        r.updated_at_ms = now;
                        Some(r)
                    })
                    .await?;
                if written.is_some() {
                    ended += 1;
                    ended_here = true;
                    let event = TimelineEvent {
                        at_ms: now,
                        kind: "ended".into(),
                        userid: Some(rel.userid.clone()),
                        detail: Some("missing_in_sync".into()),
                    };
                    self.customers
                        .add_timeline(id, &format!("sync-{}-{}", run.run_id, rel.userid), &event)
                        .await?;
                }
            }
            if ended_here {
                self.customers.refresh_status(id, now).await?;
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
