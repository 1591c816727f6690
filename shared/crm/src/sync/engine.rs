//! [`SyncEngine`]: starting a run, reading its record, and the step loop that drives it from
//! phase to phase, checkpointing after every page.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use ports::{Clock, Condition, IdGen, IndexName, Item, ItemStore, Query, StoreError};
use tracing::{info, warn};
use wecom_api::WeComClient;

use super::census::{Census, CensusCheckpoint, refusal};
use super::config::{StepBudget, SyncConfig};
use super::retry::Retry;
use crate::CrmError;
use crate::keys::{SYNC_LEASE_PK, SYNC_LEASE_SK, SYNC_RUN_SK, SYNC_RUNS_GSI_PK, sync_run_pk, ts};
use crate::model::{SyncLease, SyncPhase, SyncRun, SyncRunStatus};
use crate::repo::{CustomerRepo, TagCatalogue};

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
    /// The run is over (done; abandoned to another run; or failed because WeCom's answer
    /// would have ended too many relationships, see `SyncConfig::end_guard_count`); its
    /// final record.
    Done(Box<SyncRun>),
}

/// The hourly sync. Cheap to build; one per invocation is fine.
pub struct SyncEngine {
    pub(super) store: Arc<dyn ItemStore>,
    pub(super) wecom: Arc<WeComClient>,
    pub(super) clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    pub(super) customers: CustomerRepo,
    pub(super) tags: TagCatalogue,
    /// Erased customers are skipped (crate::privacy).
    pub(super) tombstones: crate::privacy::Tombstones,
    pub(super) config: SyncConfig,
    last_call: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

/// A step's view of the tag catalogue: tag id → (group name, tag name).
pub(super) type TagNames = HashMap<String, (String, String)>;

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
            tombstones: crate::privacy::Tombstones::new(store.clone()),
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
        let mut retry = self.retry();
        // Two attempts: the holder's lease may expire between our put and our read.
        for _ in 0..2 {
            let put = retry
                .run(|| async {
                    retryable_as_error(self.store.put(lease.clone(), Condition::NotExists).await)
                })
                .await?;
            let holder = match put {
                Ok(()) => None,
                Err(StoreError::ConditionFailed) => {
                    let item = retry
                        .run(|| async { Ok(self.store.get(SYNC_LEASE_PK, SYNC_LEASE_SK).await?) })
                        .await?;
                    match item {
                        Some(item) => Some(item.doc::<SyncLease>()?.run_id),
                        // Expired in between: try again.
                        None => continue,
                    }
                }
                Err(e) => return Err(e.into()),
            };
            // Our own lease when the put was applied but answered as failed (a retry of it).
            if let Some(holder) = holder
                && holder != run_id
            {
                return Ok(StartOutcome::AlreadyRunning { run_id: holder });
            }
            let run = SyncRun {
                run_id: run_id.clone(),
                started_at_ms: now,
                updated_at_ms: now,
                ..SyncRun::default()
            };
            let item = run_item(&run, 1)?;
            retry
                .run(|| self.put_own(&item, Condition::NotExists))
                .await?;
            info!(run_id = %run_id, "sync run started");
            return Ok(StartOutcome::Started { run_id });
        }
        Err(CrmError::Contention(SYNC_LEASE_PK.to_owned()))
    }

    /// A fresh retry budget for store operations ([`SyncConfig::store_attempts`]).
    pub(super) fn retry(&self) -> Retry {
        Retry::new(&self.config)
    }

    /// Writes `item` under `condition`; a `ConditionFailed` answer is success when the stored
    /// item is this very write (it was applied and its answer lost, then retried), else
    /// contention.
    pub(super) async fn put_own(&self, item: &Item, condition: Condition) -> Result<(), CrmError> {
        match self.store.put(item.clone(), condition).await {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed) => match self.store.get(&item.pk, &item.sk).await? {
                Some(stored) if stored.version == item.version && stored.data == item.data => {
                    Ok(())
                }
                _ => Err(CrmError::Contention(format!("{}/{}", item.pk, item.sk))),
            },
            Err(e) => Err(e.into()),
        }
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
        let pk = sync_run_pk(run_id);
        let mut retry = self.retry();
        let item = retry
            .run(|| async { Ok(self.store.get(&pk, SYNC_RUN_SK).await?) })
            .await?;
        let Some(item) = item else {
            return Err(CrmError::not_found("sync run", run_id));
        };
        let mut version = item.version;
        let mut run: SyncRun = item.doc()?;
        if run.status != SyncRunStatus::Running {
            return Ok(StepOutcome::Done(Box::new(run)));
        }
        if !retry.run(|| self.renew_lease(run_id)).await? {
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
        let mut census: Option<CensusCheckpoint> = None;
        loop {
            if run.phase == SyncPhase::Finished {
                return self.finish(run, version).await;
            }
            if budget.is_spent(pages, started.elapsed()) {
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
                    if census.is_none() {
                        census = Some(self.load_census(&run.run_id).await?);
                    }
                    match (&seen, &mut census) {
                        // Count first; end only what the guard allows.
                        (Some(seen), Some(checkpoint)) if !checkpoint.census.complete => {
                            match self.census_page(&run, seen, checkpoint).await {
                                Ok(()) => {
                                    if let Some(reason) =
                                        refusal(&run, seen.len(), &checkpoint.census, &self.config)
                                    {
                                        return self
                                            .refuse(run, version, &checkpoint.census, reason)
                                            .await;
                                    }
                                    Ok(())
                                }
                                Err(e) => Err(e),
                            }
                        }
                        (Some(seen), Some(_)) => self.end_page(&mut run, seen).await,
                        _ => Ok(()),
                    }
                }
                SyncPhase::Finished => Ok(()),
            };
            if let Err(e) = result {
                run.errors += 1;
                run.last_error = Some(e.summary());
                self.save(&mut run, &mut version).await?;
                if let Some(delay) = self.config.pause_after(&e) {
                    warn!(run_id = %run.run_id, "sync paused by WeCom's frequency limit");
                    return Ok(StepOutcome::Continue {
                        retry_after: Some(delay),
                    });
                }
                return Err(e);
            }
            self.save(&mut run, &mut version).await?;
            pages += 1;
        }
    }

    async fn finish(&self, mut run: SyncRun, mut version: u64) -> Result<StepOutcome, CrmError> {
        let now = self.clock.now_ms();
        run.status = SyncRunStatus::Done;
        run.finished_at_ms = Some(now);
        self.save(&mut run, &mut version).await?;
        self.release_lease(&run.run_id).await?;
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

    /// Ends the run without ending any relationship: the guard refused (`reason`, English and
    /// free of personal data, goes to the run's record for the operator).
    ///
    /// The run is recorded as [`SyncRunStatus::Failed`] with the reason as its `last_error`.
    async fn refuse(
        &self,
        mut run: SyncRun,
        mut version: u64,
        census: &Census,
        reason: String,
    ) -> Result<StepOutcome, CrmError> {
        warn!(
            run_id = %run.run_id,
            staff = run.staff.len(),
            relationships_seen = run.relationships_seen,
            active = census.active,
            missing = census.missing,
            census_complete = census.complete,
            "sync run failed: WeCom's answer would end too many relationships; none was ended"
        );
        run.status = SyncRunStatus::Failed;
        run.finished_at_ms = Some(self.clock.now_ms());
        run.errors += 1;
        run.last_error = Some(reason);
        self.save(&mut run, &mut version).await?;
        self.release_lease(&run.run_id).await?;
        Ok(StepOutcome::Done(Box::new(run)))
    }

    /// Ends a run whose first step could not be queued (the trigger's send was refused): it is
    /// recorded as [`SyncRunStatus::NotStarted`] with `reason` and its lease released, so the
    /// next trigger starts a run at once instead of waiting out the lease. A step queued after
    /// all (a send applied but answered as failed) finds the run over and does nothing.
    pub async fn not_started(&self, run_id: &str, reason: &str) -> Result<(), CrmError> {
        let mut retry = self.retry();
        let pk = sync_run_pk(run_id);
        let item = retry
            .run(|| async { Ok(self.store.get(&pk, SYNC_RUN_SK).await?) })
            .await?;
        if let Some(item) = item {
            let mut version = item.version;
            let mut run: SyncRun = item.doc()?;
            if run.status == SyncRunStatus::Running {
                run.status = SyncRunStatus::NotStarted;
                run.finished_at_ms = Some(self.clock.now_ms());
                run.errors += 1;
                run.last_error = Some(reason.to_owned());
                self.save(&mut run, &mut version).await?;
            }
        }
        retry.run(|| self.release_lease(run_id)).await
    }

    /// Deletes the lease if this run still holds it.
    async fn release_lease(&self, run_id: &str) -> Result<(), CrmError> {
        let Some(item) = self.store.get(SYNC_LEASE_PK, SYNC_LEASE_SK).await? else {
            return Ok(());
        };
        let lease: SyncLease = item.doc()?;
        if lease.run_id != run_id {
            return Ok(());
        }
        match self
            .store
            .delete(
                SYNC_LEASE_PK,
                SYNC_LEASE_SK,
                Condition::VersionIs(item.version),
            )
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes the checkpoint (retried while the store refuses it); a concurrent writer of the
    /// same run is contention.
    async fn save(&self, run: &mut SyncRun, version: &mut u64) -> Result<(), CrmError> {
        run.updated_at_ms = self.clock.now_ms();
        let item = run_item(run, *version + 1)?;
        self.retry()
            .run(|| self.put_own(&item, Condition::VersionIs(*version)))
            .await?;
        *version += 1;
        Ok(())
    }

    /// Waits until `min_call_interval` has passed since this engine's previous WeCom call.
    pub(super) async fn pace(&self) {
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

/// A put's outcome with its retryable errors as the error (to be retried) and the others,
/// `ConditionFailed` included, as the answer.
fn retryable_as_error(result: Result<(), StoreError>) -> Result<Result<(), StoreError>, CrmError> {
    match result {
        Err(e) if e.is_retryable() => Err(e.into()),
        other => Ok(other),
    }
}

pub(super) fn run_item(run: &SyncRun, version: u64) -> Result<Item, CrmError> {
    let mut item = Item::with_doc(sync_run_pk(&run.run_id), SYNC_RUN_SK, run)?;
    item.gsi1 = Some((
        SYNC_RUNS_GSI_PK.to_owned(),
        format!("{}#{}", ts(run.started_at_ms), run.run_id),
    ));
    item.version = version;
    Ok(item)
}
