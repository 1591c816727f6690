//! The customers phase: one `batch/get_by_user` page a time, upserting what changed in customers
//! and relationships and recording the pairs seen.

use std::collections::HashMap;

use ports::{Condition, Item};
use tracing::warn;
use wecom_api::model::{BatchContact, ExternalContact, FollowInfo, FollowUserTag};

use super::engine::{SyncEngine, TagNames};
use super::retry::Retry;
use super::seen::SeenPage;
use crate::CrmError;
use crate::keys::{sync_run_pk, sync_seen_sk};
use crate::model::{
    Customer, CustomerStatus, EndCause, Relationship, RelationshipStatus, SyncPhase, SyncRun,
};

/// Most staff userids per `batch/get_by_user` call (WeCom's limit).
pub const STAFF_PER_BATCH: usize = 100;

/// How many unwritten customers a run lists by id (all are counted).
const UNWRITTEN_LISTED: usize = 100;

/// One customer of a page: what changed, to be written.
#[derive(Debug, Default)]
struct Plan {
    id: String,
    /// The profile, when new or changed.
    customer: Option<Customer>,
    /// The relationships new or changed.
    relationships: Vec<Relationship>,
    changed: bool,
    relationships_added: u64,
    relationships_changed: u64,
    /// Set for a customer not stored before.
    first_seen: Option<FirstSeen>,
}

/// What matches a customer seen for the first time to an imported lead.
#[derive(Debug)]
struct FirstSeen {
    unionid: Option<String>,
    phones: Vec<String>,
    userid: String,
}

impl SyncEngine {
    /// One `batch/get_by_user` page: upsert what changed, record what was seen, advance.
    pub(super) async fn customers_page(
        &self,
        run: &mut SyncRun,
        tag_names: &TagNames,
    ) -> Result<(), CrmError> {
        let start = usize::try_from(run.batch_index)
            .unwrap_or(usize::MAX)
            .saturating_mul(STAFF_PER_BATCH);
        let batch: Vec<String> = run
            .staff
            .iter()
            .skip(start)
            .take(STAFF_PER_BATCH)
            .cloned()
            .collect();
        if batch.is_empty() {
            run.phase = SyncPhase::EndMissing;
            return Ok(());
        }
        self.pace().await;
        run.wecom_calls += 1;
        let page = self
            .wecom
            .batch_get_by_user(&batch, &run.cursor, self.config.page_limit.clamp(1, 100))
            .await?;
        let now = self.clock.now_ms();

        // The page's entries, customer by customer (a customer may appear once per member).
        let mut order: Vec<&str> = Vec::new();
        let mut grouped: HashMap<&str, (&ExternalContact, Vec<&FollowInfo>)> = HashMap::new();
        for BatchContact {
            external_contact,
            follow_info,
        } in &page.external_contact_list
        {
            let id = external_contact.external_userid.as_str();
            if id.is_empty() || follow_info.userid.is_empty() {
                continue;
            }
            grouped
                .entry(id)
                .or_insert_with(|| {
                    order.push(id);
                    (external_contact, Vec::new())
                })
                .1
                .push(follow_info);
        }

        let mut retry = self.retry();
        let mut seen = SeenPage::default();
        let mut plans: Vec<Plan> = Vec::with_capacity(order.len());
        let mut unwritten: Vec<(&str, CrmError)> = Vec::new();
        for id in order {
            let Some((contact, follows)) = grouped.get(id) else {
                continue;
            };
            match self
                .plan(&mut retry, id, contact, follows, tag_names, now)
                .await
            {
                // Erased (crate::privacy): neither written nor recorded as seen.
                Ok(None) => continue,
                Ok(Some(plan)) => plans.push(plan),
                // Its relationships count as seen all the same: nothing is ended for a
                // customer the run could not read.
                Err(e) => unwritten.push((id, e)),
            }
            seen.pairs.extend(
                follows
                    .iter()
                    .map(|follow| (id.to_owned(), follow.userid.clone())),
            );
        }

        // What was seen first (the end phase relies on it), then the changes; the checkpoint
        // follows in `run_step`. A crash in between redoes this page: same keys, no new writes.
        let mut seen_item =
            Item::with_doc(sync_run_pk(&run.run_id), sync_seen_sk(run.pages), &seen)?;
        seen_item.expires_at = Some(
            now.div_euclid(1000)
                .saturating_add(i64::try_from(self.config.seen_ttl.as_secs()).unwrap_or(i64::MAX)),
        );
        retry
            .run(|| async { Ok(self.store.put(seen_item.clone(), Condition::Always).await?) })
            .await?;
        let written = self.write(&mut retry, &plans, &mut unwritten).await;
        let leads = crate::leads::LeadRepo::new(self.store.clone());
        for plan in written {
            if let Some(new) = &plan.first_seen {
                let merged = retry
                    .run(|| {
                        crate::leads::merge_and_tag(
                            &leads,
                            &self.wecom,
                            &plan.id,
                            new.unionid.as_deref(),
                            &new.phones,
                            &new.userid,
                            now,
                        )
                    })
                    .await;
                if let Err(e) = merged {
                    unwritten.push((plan.id.as_str(), e));
                    // Its records are written: counted as such below.
                }
            }
            run.customers_added += u64::from(plan.first_seen.is_some());
            run.customers_changed += u64::from(plan.changed);
            run.relationships_added += plan.relationships_added;
            run.relationships_changed += plan.relationships_changed;
        }

        let attempts = retry.attempts();
        for (id, e) in unwritten {
            warn!(
                run_id = %run.run_id,
                error = %e.summary(),
                "sync: a customer could not be read or written; the page goes on"
            );
            run.customers_unwritten += 1;
            if run.unwritten_customers.len() < UNWRITTEN_LISTED
                && !run.unwritten_customers.iter().any(|u| u == id)
            {
                run.unwritten_customers.push(id.to_owned());
            }
            run.last_error = Some(format!(
                "a customer could not be written after {attempts} attempts: {}",
                e.summary()
            ));
        }
        run.store_retries += retry.retried;
        run.relationships_seen += seen.pairs.len() as u64;
        run.pages += 1;
        advance(run, start, page.next_cursor);
        Ok(())
    }

    /// What one customer of the page needs written, from what is stored (read with retries);
    /// `None` for an erased customer.
    async fn plan(
        &self,
        retry: &mut Retry,
        id: &str,
        contact: &ExternalContact,
        follows: &[&FollowInfo],
        tag_names: &TagNames,
        now: i64,
    ) -> Result<Option<Plan>, CrmError> {
        // The profile first: a customer without one may have been erased, and an erased
        // customer is neither written nor recorded as seen (crate::privacy).
        let stored = retry.run(|| self.customers.get(id)).await?;
        if stored.is_none() && retry.run(|| self.tombstones.is_erased(id)).await? {
            return Ok(None);
        }
        let mut plan = Plan {
            id: id.to_owned(),
            ..Plan::default()
        };
        let mut any_active = false;
        for follow in follows {
            let stored = retry
                .run(|| self.customers.get_relationship(id, &follow.userid))
                .await?;
            let next = relationship_from(stored.as_ref(), id, follow, tag_names, now);
            any_active |= next.status != RelationshipStatus::Ended;
            match stored {
                None => {
                    plan.relationships_added += 1;
                    plan.relationships.push(next);
                }
                Some(old) if old != next => {
                    let mut next = next;
                    next.updated_at_ms = now;
                    plan.relationships_changed += 1;
                    plan.relationships.push(next);
                }
                Some(_) => {}
            }
        }
        match stored {
            None => {
                // Seen for the first time: an imported lead may be this customer.
                plan.first_seen = Some(FirstSeen {
                    unionid: contact.unionid.clone().filter(|u| !u.is_empty()),
                    phones: follows
                        .iter()
                        .flat_map(|f| f.remark_mobiles.iter().cloned())
                        .collect(),
                    userid: follows
                        .first()
                        .map(|f| f.userid.clone())
                        .unwrap_or_default(),
                });
                let mut customer = Customer::from_wecom(contact, now);
                if let Some(first) = first_follow(follows) {
                    if first.createtime > 0 {
                        customer.first_added_at_ms = first.createtime.saturating_mul(1000);
                    }
                    customer.first_channel = first.state.clone();
                    // The consultant their conversion counts for (`crate::pipeline`).
                    customer.first_userid = first.userid.clone();
                }
                if !any_active {
                    customer.status = CustomerStatus::Ended;
                }
                plan.customer = Some(customer);
            }
            Some(old) => {
                let mut customer = old.clone();
                customer.refresh_from(contact, now);
                customer.updated_at_ms = old.updated_at_ms;
                // Customers recorded before the first consultant was: WeCom's earliest follow.
                if customer.first_userid.is_empty()
                    && let Some(first) = first_follow(follows)
                {
                    customer.first_userid = first.userid.clone();
                }
                if any_active {
                    customer.status = CustomerStatus::Active;
                }
                if customer != old {
                    customer.updated_at_ms = now;
                    plan.changed = true;
                    plan.customer = Some(customer);
                }
            }
        }
        Ok(Some(plan))
    }

    /// Writes the page's changes: in one go when the store takes them, else customer by
    /// customer, each retried; a customer whose write still fails goes to `unwritten`. The
    /// plans written.
    async fn write<'a>(
        &self,
        retry: &mut Retry,
        plans: &'a [Plan],
        unwritten: &mut Vec<(&'a str, CrmError)>,
    ) -> Vec<&'a Plan> {
        let customers: Vec<Customer> = plans.iter().filter_map(|p| p.customer.clone()).collect();
        let relationships: Vec<Relationship> = plans
            .iter()
            .flat_map(|p| p.relationships.iter().cloned())
            .collect();
        if customers.is_empty() && relationships.is_empty() {
            return plans.iter().collect();
        }
        // Every write is a whole-item put: whatever part of a failed attempt was applied is
        // written again, the same.
        if self
            .customers
            .import(&customers, &relationships)
            .await
            .is_ok()
        {
            return plans.iter().collect();
        }
        let mut written = Vec::with_capacity(plans.len());
        for plan in plans {
            if plan.customer.is_none() && plan.relationships.is_empty() {
                written.push(plan);
                continue;
            }
            let customer: Vec<Customer> = plan.customer.iter().cloned().collect();
            match retry
                .run(|| self.customers.import(&customer, &plan.relationships))
                .await
            {
                Ok(()) => written.push(plan),
                Err(e) => unwritten.push((plan.id.as_str(), e)),
            }
        }
        written
    }

    pub(super) async fn tag_names(&self) -> Result<TagNames, CrmError> {
        let mut names = HashMap::new();
        let groups = self.retry().run(|| self.tags.groups()).await?;
        for group in groups {
            for tag in &group.tag {
                names.insert(tag.id.clone(), (group.group_name.clone(), tag.name.clone()));
            }
        }
        Ok(names)
    }
}

/// Moves the checkpoint past a page of the staff batch starting at `start`: to the batch's next
/// page, else to the next batch, else (after the last batch) to the end phase.
fn advance(run: &mut SyncRun, start: usize, next_cursor: String) {
    if next_cursor.is_empty() {
        run.batch_index += 1;
        run.cursor.clear();
        if start.saturating_add(STAFF_PER_BATCH) >= run.staff.len() {
            run.phase = SyncPhase::EndMissing;
        }
    } else {
        run.cursor = next_cursor;
    }
}

/// The relationship as WeCom shows it now, on top of what is stored. Its `updated_at_ms` is the
/// stored one, so that "unchanged" compares equal.
fn relationship_from(
    stored: Option<&Relationship>,
    external_userid: &str,
    follow: &FollowInfo,
    tag_names: &TagNames,
    now_ms: i64,
) -> Relationship {
    let mut rel = stored.cloned().unwrap_or_else(|| Relationship {
        external_userid: external_userid.to_owned(),
        userid: follow.userid.clone(),
        updated_at_ms: now_ms,
        ..Relationship::default()
    });
    let mut tags: Vec<FollowUserTag> = follow
        .tag_id
        .iter()
        .map(|id| {
            let (group_name, tag_name) = tag_names.get(id).cloned().unwrap_or_default();
            FollowUserTag {
                group_name,
                tag_name,
                tag_id: Some(id.clone()),
                tag_type: 1,
            }
        })
        .collect();
    // `batch/get_by_user` lists corp tags only; personal tags recorded from events are kept.
    tags.extend(rel.tags.iter().filter(|t| t.tag_id.is_none()).cloned());
    rel.tags = tags;
    rel.remark = follow.remark.clone();
    rel.description = follow.description.clone();
    rel.remark_mobiles = follow.remark_mobiles.clone();
    rel.add_way = follow.add_way;
    rel.oper_userid = follow.oper_userid.clone();
    if !follow.state.is_empty() || rel.state.is_empty() {
        rel.state = follow.state.clone();
    }
    if follow.createtime > 0 {
        rel.createtime = follow.createtime;
    }
    let reappeared = match rel.status {
        RelationshipStatus::Pending => true,
        // The customer deleted the member: WeCom keeps showing the relationship.
        RelationshipStatus::Ended => rel.end_cause != Some(EndCause::CustomerDeletedStaff),
        RelationshipStatus::Active => false,
    };
    if reappeared {
        rel.status = RelationshipStatus::Active;
        rel.ended_at = None;
        rel.end_cause = None;
        rel.end_source = None;
        rel.transfer_fail_reason = None;
    }
    rel
}

/// The follow a customer's first add is taken from: the earliest WeCom dates, else the first
/// listed.
fn first_follow<'a>(follows: &[&'a FollowInfo]) -> Option<&'a FollowInfo> {
    follows
        .iter()
        .filter(|f| f.createtime > 0)
        .min_by_key(|f| f.createtime)
        .or_else(|| follows.first())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checkpoint_moves_page_by_page_then_batch_by_batch_to_the_end_phase() {
        let mut run = SyncRun {
            phase: SyncPhase::Customers,
            staff: (0..150).map(|i| format!("staff{i}")).collect(),
            ..SyncRun::default()
        };
        advance(&mut run, 0, "c1".into());
        assert_eq!((run.batch_index, run.cursor.as_str()), (0, "c1"));
        assert_eq!(run.phase, SyncPhase::Customers);
        advance(&mut run, 0, String::new());
        assert_eq!((run.batch_index, run.cursor.as_str()), (1, ""));
        assert_eq!(run.phase, SyncPhase::Customers, "50 staff are left");
        advance(&mut run, STAFF_PER_BATCH, "c2".into());
        assert_eq!(run.phase, SyncPhase::Customers);
        advance(&mut run, STAFF_PER_BATCH, String::new());
        assert_eq!((run.batch_index, run.cursor.as_str()), (2, ""));
        assert_eq!(run.phase, SyncPhase::EndMissing);
    }

    fn follow(userid: &str) -> FollowInfo {
        FollowInfo {
            userid: userid.into(),
            remark: "VIP".into(),
            tag_id: vec!["t1".into()],
            ..FollowInfo::default()
        }
    }

    fn stored(status: RelationshipStatus, cause: Option<EndCause>) -> Relationship {
        Relationship {
            external_userid: "wm1".into(),
            userid: "zhangsan".into(),
            status,
            state: "xhs".into(),
            createtime: 1_700_000_000,
            ended_at: cause.map(|_| 1_700_100_000),
            end_cause: cause,
            tags: vec![FollowUserTag {
                group_name: String::new(),
                tag_name: "personal".into(),
                tag_id: None,
                tag_type: 2,
            }],
            updated_at_ms: 42,
            ..Relationship::default()
        }
    }

    #[test]
    fn a_listed_relationship_reopens_unless_the_customer_deleted_the_member() {
        let names: TagNames =
            HashMap::from([("t1".to_owned(), ("Level".to_owned(), "Gold".to_owned()))]);
        let wm = "wm1";
        for (status, cause) in [
            (RelationshipStatus::Ended, Some(EndCause::MissingInSync)),
            (
                RelationshipStatus::Ended,
                Some(EndCause::StaffDeletedCustomer),
            ),
            (RelationshipStatus::Pending, None),
        ] {
            let rel = relationship_from(
                Some(&stored(status, cause)),
                wm,
                &follow("zhangsan"),
                &names,
                9,
            );
            assert_eq!(
                rel.status,
                RelationshipStatus::Active,
                "{status:?} {cause:?}"
            );
            assert_eq!((rel.ended_at, rel.end_cause), (None, None));
        }
        let kept = relationship_from(
            Some(&stored(
                RelationshipStatus::Ended,
                Some(EndCause::CustomerDeletedStaff),
            )),
            wm,
            &follow("zhangsan"),
            &names,
            9,
        );
        assert_eq!(kept.status, RelationshipStatus::Ended);
        assert_eq!(kept.end_cause, Some(EndCause::CustomerDeletedStaff));

        let active = relationship_from(
            Some(&stored(RelationshipStatus::Active, None)),
            wm,
            &follow("zhangsan"),
            &names,
            9,
        );
        // Corp tags are named from the catalogue, personal tags recorded from events kept;
        // an empty state and createtime keep the recorded ones; "unchanged" compares equal.
        let tags: Vec<_> = active
            .tags
            .iter()
            .map(|t| (t.tag_id.clone(), t.tag_name.as_str()))
            .collect();
        assert_eq!(tags, [(Some("t1".to_owned()), "Gold"), (None, "personal")]);
        assert_eq!(active.remark, "VIP");
        assert_eq!(active.state, "xhs");
        assert_eq!(active.createtime, 1_700_000_000);
        assert_eq!(active.updated_at_ms, 42);

        let new = relationship_from(None, wm, &follow("lisi"), &names, 9);
        assert_eq!(
            (new.userid.as_str(), new.status, new.updated_at_ms),
            ("lisi", RelationshipStatus::Active, 9)
        );
    }
}
