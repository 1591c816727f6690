//! The hourly reconciliation sync: WeCom's view of staff, customers, relationships and tags is
//! brought into the store, repairing whatever the callbacks missed.
//!
//! - Staff come from `get_follow_user_list`; customers and relationships from
//!   `batch/get_by_user` (100 staff per call, 100 entries per page, following the cursor).
//! - A run is resumable: after every page its checkpoint (staff batch, cursor, counters) is
//!   written to its record (`SYNC#<run_id>` / `RUN`). [`SyncEngine::run_step`] works until its
//!   budget is spent and answers [`StepOutcome::Continue`] (re-enqueue) or
//!   [`StepOutcome::Done`].
//! - Missing relationships: each page records the pairs it saw (`SYNC#<run_id>` /
//!   `SEEN#<page>`, with a TTL). Only once every page was read does the end phase walk every
//!   stored customer and end each active relationship the run did not see
//!   ([`EndCause::MissingInSync`]); it is checkpointed by customer page and idempotent.
//! - One run at a time: a lease item (`SYNC_LEASE` / `LEASE`, with a TTL).
//! - Only what changed is written, in batches ([`CustomerRepo::import`]).
//! - Polite: calls are spaced by `min_call_interval`; a 45009 stops the step with a delay.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ports::{Clock, Condition, IdGen, IndexName, Item, ItemStore, Query, SkCondition, StoreError};
use serde::{Deserialize, Serialize};
use tracing::{info, warn};
use wecom_api::WeComClient;
use wecom_api::model::{BatchContact, CorpTagGroup, ExternalContact, FollowInfo, FollowUserTag};

use crate::CrmError;
use crate::keys::{
    SYNC_LEASE_PK, SYNC_LEASE_SK, SYNC_RUN_SK, SYNC_RUNS_GSI_PK, SYNC_SEEN_PREFIX, sync_run_pk,
    sync_seen_sk, ts,
};
use crate::model::{
    Customer, CustomerStatus, EndCause, Relationship, RelationshipStatus, SyncLease, SyncPhase,
    SyncRun, SyncRunStatus, TimelineEvent,
};
use crate::repo::{CustomerRepo, TagCatalogue};

/// Most staff userids per `batch/get_by_user` call (WeCom's limit).
pub const STAFF_PER_BATCH: usize = 100;

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

/// What [`SyncEngine::start`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    Started {
        run_id: String,
    },
    /// Another run holds the lease.
    AlreadyRunning {
        run_id: String,
    },
}

/// What [`SyncEngine::run_step`] leaves to its caller.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    /// Not finished: run another step (after `retry_after`, when WeCom asked for a pause).
    Continue { retry_after: Option<Duration> },
    /// The run is over (done, or abandoned to another run); its final record.
    Done(Box<SyncRun>),
}

/// The relationships one page saw (`SYNC#<run_id>` / `SEEN#<page>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SeenPage {
    /// `(external_userid, userid)` pairs.
    pairs: Vec<(String, String)>,
}

/// The hourly sync. Cheap to build; one per invocation is fine.
pub struct SyncEngine {
    store: Arc<dyn ItemStore>,
    wecom: Arc<WeComClient>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    customers: CustomerRepo,
    tags: TagCatalogue,
    config: SyncConfig,
    last_call: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

/// A step's view of the tag catalogue: tag id → (group name, tag name).
type TagNames = HashMap<String, (String, String)>;

impl SyncEngine {
    pub fn new(
        store: Arc<dyn ItemStore>,
        wecom: Arc<WeComClient>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGen>,
        config: SyncConfig,
    ) -> Self {
        Self {
            customers: CustomerRepo::new(store.clone()),
            tags: TagCatalogue::new(store.clone()),
            store,
            wecom,
            clock,
            ids,
            config,
            last_call: tokio::sync::Mutex::new(None),
        }
    }

    /// Starts a run unless one is running (its lease is held).
    pub async fn start(&self) -> Result<StartOutcome, CrmError> {
        let now = self.clock.now_ms();
        let run_id = self.ids.new_id(now);
        let lease = self.lease_item(&run_id, now, 1)?;
        // Two attempts: the holder's lease may expire between our put and our read.
        for _ in 0..2 {
            match self.store.put(lease.clone(), Condition::NotExists).await {
                Ok(()) => {
                    let run = SyncRun {
                        run_id: run_id.clone(),
                        started_at_ms: now,
                        updated_at_ms: now,
                        ..SyncRun::default()
                    };
                    self.store
                        .put(run_item(&run, 1)?, Condition::NotExists)
                        .await?;
                    info!(run_id = %run_id, "sync run started");
                    return Ok(StartOutcome::Started { run_id });
                }
                Err(StoreError::ConditionFailed) => {
                    if let Some(item) = self.store.get(SYNC_LEASE_PK, SYNC_LEASE_SK).await? {
                        let holder: SyncLease = item.doc()?;
                        return Ok(StartOutcome::AlreadyRunning {
                            run_id: holder.run_id,
                        });
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(CrmError::Contention(SYNC_LEASE_PK.to_owned()))
    }

    /// The run's record.
    pub async fn get_run(&self, run_id: &str) -> Result<Option<SyncRun>, CrmError> {
        match self.store.get(&sync_run_pk(run_id), SYNC_RUN_SK).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// The latest runs, newest first.
    pub async fn recent_runs(&self, limit: usize) -> Result<Vec<SyncRun>, CrmError> {
        let page = self
            .store
            .query(
                Query::partition(IndexName::Gsi1, SYNC_RUNS_GSI_PK)
                    .newest_first()
                    .limit(limit.clamp(1, 1000)),
            )
            .await?;
        page.items
            .iter()
            .map(|item| item.doc().map_err(CrmError::from))
            .collect()
    }

    /// Works on the run from its checkpoint until `budget` is spent or the run is over.
    pub async fn run_step(
        &self,
        run_id: &str,
        budget: StepBudget,
    ) -> Result<StepOutcome, CrmError> {
        let Some(item) = self.store.get(&sync_run_pk(run_id), SYNC_RUN_SK).await? else {
            return Err(CrmError::Invalid(format!("no sync run {run_id}")));
        };
        let mut version = item.version;
        let mut run: SyncRun = item.doc()?;
        if run.status != SyncRunStatus::Running {
            return Ok(StepOutcome::Done(Box::new(run)));
        }
        if !self.renew_lease(run_id).await? {
            warn!(run_id = %run_id, "sync run lost its lease; abandoned");
            run.status = SyncRunStatus::Abandoned;
            run.finished_at_ms = Some(self.clock.now_ms());
            self.save(&mut run, &mut version).await?;
            return Ok(StepOutcome::Done(Box::new(run)));
        }

        let started = tokio::time::Instant::now();
        let mut pages = 0_u32;
        let mut tag_names: Option<TagNames> = None;
        let mut seen: Option<HashSet<(String, String)>> = None;
        loop {
            if run.phase == SyncPhase::Finished {
                return self.finish(run, version).await;
            }
            let spent = budget.max_pages.is_some_and(|max| pages >= max)
                || budget.max_time.is_some_and(|max| started.elapsed() >= max);
            if spent {
                return Ok(StepOutcome::Continue { retry_after: None });
            }
            let result = match run.phase {
                SyncPhase::Prepare => self.prepare(&mut run).await,
                SyncPhase::Customers => {
                    if tag_names.is_none() {
                        tag_names = Some(self.tag_names().await?);
                    }
                    match &tag_names {
                        Some(names) => self.customers_page(&mut run, names).await,
                        None => Ok(()),
                    }
                }
                SyncPhase::EndMissing => {
                    if seen.is_none() {
                        seen = Some(self.load_seen(&run.run_id).await?);
                    }
                    match &seen {
                        Some(seen) => self.end_page(&mut run, seen).await,
                        None => Ok(()),
                    }
                }
                SyncPhase::Finished => Ok(()),
            };
            if let Err(e) = result {
                run.errors += 1;
                run.last_error = Some(e.summary());
                self.save(&mut run, &mut version).await?;
                if let Some(delay) = e.retry_after() {
                    warn!(run_id = %run.run_id, "sync paused by WeCom's frequency limit");
                    return Ok(StepOutcome::Continue {
                        retry_after: Some(delay.max(self.config.rate_limit_backoff)),
                    });
                }
                return Err(e);
            }
            self.save(&mut run, &mut version).await?;
            pages += 1;
        }
    }

    /// Refreshes the tag catalogue (only when WeCom's differs) and lists the staff.
    async fn prepare(&self, run: &mut SyncRun) -> Result<(), CrmError> {
        self.pace().await;
        run.wecom_calls += 1;
        let mut live = self.wecom.get_corp_tag_list(&[], &[]).await?;
        let mut stored: Vec<CorpTagGroup> = self
            .tags
            .groups()
            .await?
            .into_iter()
            .filter(|g| !g.deleted)
            .collect();
        live.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        stored.sort_by(|a, b| a.group_id.cmp(&b.group_id));
        if live != stored {
            self.tags.replace_all(&live).await?;
        }
        self.pace().await;
        run.wecom_calls += 1;
        let staff = self.wecom.get_follow_user_list().await?;
        run.phase = if staff.is_empty() {
            SyncPhase::EndMissing
        } else {
            SyncPhase::Customers
        };
        run.staff = staff;
        run.batch_index = 0;
        run.cursor.clear();
        Ok(())
    }

    /// One `batch/get_by_user` page: upsert what changed, record what was seen, advance.
    async fn customers_page(
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

        let mut customers_out = Vec::new();
        let mut relationships_out = Vec::new();
        let mut seen = SeenPage::default();
        let (mut added, mut changed, mut rels_added, mut rels_changed) = (0, 0, 0, 0);
        for id in order {
            let Some((contact, follows)) = grouped.get(id) else {
                continue;
            };
            let mut any_active = false;
            for follow in follows {
                seen.pairs.push((id.to_owned(), follow.userid.clone()));
                let stored = self.customers.get_relationship(id, &follow.userid).await?;
                let next = relationship_from(stored.as_ref(), id, follow, tag_names, now);
                any_active |= next.status != RelationshipStatus::Ended;
                match stored {
                    None => {
                        rels_added += 1;
                        relationships_out.push(next);
                    }
                    Some(old) if old != next => {
                        let mut next = next;
                        next.updated_at_ms = now;
                        rels_changed += 1;
                        relationships_out.push(next);
                    }
                    Some(_) => {}
                }
            }
            let stored = self.customers.get(id).await?;
            match stored {
                None => {
                    let mut customer = Customer::from_wecom(contact, now);
                    if let Some(first) = follows
                        .iter()
                        .filter(|f| f.createtime > 0)
                        .min_by_key(|f| f.createtime)
                    {
                        customer.first_added_at_ms = first.createtime.saturating_mul(1000);
                        customer.first_channel = first.state.clone();
                    } else if let Some(first) = follows.first() {
                        customer.first_channel = first.state.clone();
                    }
                    if !any_active {
                        customer.status = CustomerStatus::Ended;
                    }
                    added += 1;
                    customers_out.push(customer);
                }
                Some(old) => {
                    let mut customer = old.clone();
                    customer.refresh_from(contact, now);
                    customer.updated_at_ms = old.updated_at_ms;
                    if any_active {
                        customer.status = CustomerStatus::Active;
                    }
                    if customer != old {
                        customer.updated_at_ms = now;
                        changed += 1;
                        customers_out.push(customer);
                    }
                }
            }
        }

        // What was seen first (the end phase relies on it), then the changes; the checkpoint
        // follows in `run_step`. A crash in between redoes this page: same keys, no new writes.
        let mut seen_item =
            Item::with_doc(sync_run_pk(&run.run_id), sync_seen_sk(run.pages), &seen)?;
        seen_item.expires_at = Some(
            now.div_euclid(1000)
                .saturating_add(i64::try_from(self.config.seen_ttl.as_secs()).unwrap_or(i64::MAX)),
        );
        self.store.put(seen_item, Condition::Always).await?;
        if !customers_out.is_empty() || !relationships_out.is_empty() {
            self.customers
                .import(&customers_out, &relationships_out)
                .await?;
        }

        run.relationships_seen += seen.pairs.len() as u64;
        run.customers_added += added;
        run.customers_changed += changed;
        run.relationships_added += rels_added;
        run.relationships_changed += rels_changed;
        run.pages += 1;
        if page.next_cursor.is_empty() {
            run.batch_index += 1;
            run.cursor.clear();
            if start.saturating_add(STAFF_PER_BATCH) >= run.staff.len() {
                run.phase = SyncPhase::EndMissing;
            }
        } else {
            run.cursor = page.next_cursor;
        }
        Ok(())
    }

    /// One page of stored customers: end each active relationship this run did not see.
    async fn end_page(
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

    async fn finish(&self, mut run: SyncRun, mut version: u64) -> Result<StepOutcome, CrmError> {
        let now = self.clock.now_ms();
        run.status = SyncRunStatus::Done;
        run.finished_at_ms = Some(now);
        self.save(&mut run, &mut version).await?;
        if let Some(item) = self.store.get(SYNC_LEASE_PK, SYNC_LEASE_SK).await? {
            let lease: SyncLease = item.doc()?;
            if lease.run_id == run.run_id {
                match self
                    .store
                    .delete(
                        SYNC_LEASE_PK,
                        SYNC_LEASE_SK,
                        Condition::VersionIs(item.version),
                    )
                    .await
                {
                    Ok(()) | Err(StoreError::ConditionFailed) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        info!(
            run_id = %run.run_id,
            customers_added = run.customers_added,
            customers_changed = run.customers_changed,
            relationships_ended = run.relationships_ended,
            wecom_calls = run.wecom_calls,
            "sync run done"
        );
        Ok(StepOutcome::Done(Box::new(run)))
    }

    /// Writes the checkpoint; a concurrent writer of the same run is contention.
    async fn save(&self, run: &mut SyncRun, version: &mut u64) -> Result<(), CrmError> {
        run.updated_at_ms = self.clock.now_ms();
        let item = run_item(run, *version + 1)?;
        match self.store.put(item, Condition::VersionIs(*version)).await {
            Ok(()) => {
                *version += 1;
                Ok(())
            }
            Err(StoreError::ConditionFailed) => Err(CrmError::Contention(sync_run_pk(&run.run_id))),
            Err(e) => Err(e.into()),
        }
    }

    /// Extends the lease for this run; false when another run holds it.
    async fn renew_lease(&self, run_id: &str) -> Result<bool, CrmError> {
        let now = self.clock.now_ms();
        let (condition, version) = match self.store.get(SYNC_LEASE_PK, SYNC_LEASE_SK).await? {
            Some(item) => {
                let lease: SyncLease = item.doc()?;
                if lease.run_id != run_id {
                    return Ok(false);
                }
                (Condition::VersionIs(item.version), item.version + 1)
            }
            None => (Condition::NotExists, 1),
        };
        match self
            .store
            .put(self.lease_item(run_id, now, version)?, condition)
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    fn lease_item(&self, run_id: &str, now_ms: i64, version: u64) -> Result<Item, CrmError> {
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

    async fn tag_names(&self) -> Result<TagNames, CrmError> {
        let mut names = HashMap::new();
        for group in self.tags.groups().await? {
            for tag in &group.tag {
                names.insert(tag.id.clone(), (group.group_name.clone(), tag.name.clone()));
            }
        }
        Ok(names)
    }

    async fn load_seen(&self, run_id: &str) -> Result<HashSet<(String, String)>, CrmError> {
        let mut seen = HashSet::new();
        let mut cursor = None;
        loop {
            let page = self
                .store
                .query(
                    Query::partition(IndexName::Primary, sync_run_pk(run_id))
                        .sk(SkCondition::BeginsWith(SYNC_SEEN_PREFIX.into()))
                        .limit(100)
                        .after(cursor),
                )
                .await?;
            for item in &page.items {
                let doc: SeenPage = item.doc()?;
                seen.extend(doc.pairs);
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(seen),
            }
        }
    }

    /// Waits until `min_call_interval` has passed since this engine's previous WeCom call.
    async fn pace(&self) {
        let mut last = self.last_call.lock().await;
        if let Some(previous) = *last {
            let ready = previous + self.config.min_call_interval;
            if ready > tokio::time::Instant::now() {
                tokio::time::sleep_until(ready).await;
            }
        }
        *last = Some(tokio::time::Instant::now());
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

fn run_item(run: &SyncRun, version: u64) -> Result<Item, CrmError> {
    let mut item = Item::with_doc(sync_run_pk(&run.run_id), SYNC_RUN_SK, run)?;
    item.gsi1 = Some((
        SYNC_RUNS_GSI_PK.to_owned(),
        format!("{}#{}", ts(run.started_at_ms), run.run_id),
    ));
    item.version = version;
    Ok(item)
}

/// The queue message that carries a run from one step to the next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResumeSync {
    pub run_id: String,
}

/// Drives runs through the queue: a trigger starts a run and queues its first step; each step
/// works until its budget is spent and queues the next one (after WeCom's 45009 window when
/// rate-limited). The hourly schedule, `POST /api/sync` and a Lambda about to time out all
/// go through here, so a run survives any process ending.
pub struct SyncRunner {
    engine: Arc<SyncEngine>,
    queue: Arc<dyn ports::JobQueue>,
    budget: StepBudget,
}

impl SyncRunner {
    pub fn new(
        engine: Arc<SyncEngine>,
        queue: Arc<dyn ports::JobQueue>,
        budget: StepBudget,
    ) -> Self {
        Self {
            engine,
            queue,
            budget,
        }
    }

    pub fn engine(&self) -> &SyncEngine {
        &self.engine
    }

    /// Starts a run (or reports the one already running) and queues its first step.
    pub async fn trigger(&self) -> Result<StartOutcome, CrmError> {
        let outcome = self.engine.start().await?;
        if let StartOutcome::Started { run_id } = &outcome {
            self.enqueue(run_id, Duration::ZERO).await?;
        }
        Ok(outcome)
    }

    /// Runs one queued step; queues the next one when the run is not finished.
    pub async fn step(&self, body: &str) -> Result<StepOutcome, CrmError> {
        let job: ResumeSync = serde_json::from_str(body)
            .map_err(|e| CrmError::Invalid(format!("sync job body: {e}")))?;
        let outcome = self.engine.run_step(&job.run_id, self.budget).await?;
        if let StepOutcome::Continue { retry_after } = &outcome {
            self.enqueue(&job.run_id, retry_after.unwrap_or_default())
                .await?;
        }
        Ok(outcome)
    }

    async fn enqueue(&self, run_id: &str, delay: Duration) -> Result<(), CrmError> {
        let body = serde_json::to_string(&ResumeSync {
            run_id: run_id.to_owned(),
        })
        .map_err(|e| CrmError::Invalid(e.to_string()))?;
        let delay_secs = u32::try_from(delay.as_secs())
            .unwrap_or(u32::MAX)
            .min(ports::queue::MAX_DELAY_SECS);
        self.queue
            .send_batch(vec![ports::OutgoingMessage { body, delay_secs }])
            .await?;
        Ok(())
    }
}
