//! [`EmbeddedScheduler`]: the scheduler port over any item store, with the loop that fires due
//! schedules in local mode.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use ports::scheduler::validate_schedule_name;
use ports::store::MAX_QUERY_LIMIT;
use ports::{
    Clock, Condition, IndexName, Item, ItemStore, OneTimeSchedule, Query, Scheduler,
    SchedulerError, SkCondition, StoreError,
};
use serde::{Deserialize, Serialize};

/// Partition key prefix of a schedule's item (`SCHEDULE#<name>`).
pub const SCHEDULE_PK_PREFIX: &str = "SCHEDULE#";
/// Sort key of a schedule's item.
pub const SCHEDULE_SK: &str = "SCHEDULE";
/// GSI1 partition holding every schedule, sorted by `<15-digit at_ms>#<name>`.
pub const SCHEDULES_GSI1_PK: &str = "SCHEDULES";

/// Most schedules one tick of [`EmbeddedScheduler::run`] fires.
const RUN_BATCH: usize = 100;
/// Attempts of a read-then-conditional-write before giving up on a busy schedule.
const WRITE_ATTEMPTS: usize = 8;

/// The document stored in a schedule's item.
#[derive(Debug, Serialize, Deserialize)]
struct StoredSchedule {
    name: String,
    at_ms: i64,
    payload: String,
}

/// One-time schedules kept as items of an [`ItemStore`]: the [`Scheduler`] of local mode.
///
/// Each schedule is the item `SCHEDULE#<name>` / `SCHEDULE`, listed on GSI1 under `SCHEDULES`
/// by `<15-digit zero-padded at_ms>#<name>`, so due schedules are one index query. Every write
/// bumps the item's version; [`complete`](Self::complete) deletes a fired schedule only if it
/// is still the one that fired (EventBridge's `ActionAfterCompletion=DELETE`, without losing a
/// replacement made meanwhile). [`run`](Self::run) is the loop that fires them.
#[derive(Clone)]
pub struct EmbeddedScheduler {
    store: Arc<dyn ItemStore>,
}

impl std::fmt::Debug for EmbeddedScheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedScheduler").finish_non_exhaustive()
    }
}

impl EmbeddedScheduler {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// Schedules due at `now_ms` (at or before it), oldest first, at most `limit`.
    pub async fn due(
        &self,
        now_ms: i64,
        limit: usize,
    ) -> Result<Vec<OneTimeSchedule>, SchedulerError> {
        if limit == 0 || now_ms <= 0 {
            return Ok(Vec::new());
        }
        let now = now_ms.min(ports::scheduler::MAX_SCHEDULE_AT_MS);
        // Names only hold [0-9A-Za-z-_.], all below '~'.
        let query = Query::partition(IndexName::Gsi1, SCHEDULES_GSI1_PK)
            .sk(SkCondition::Lte(format!("{now:015}#~")))
            .limit(limit.min(MAX_QUERY_LIMIT));
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .store
                .query(query.clone().after(cursor))
                .await
                .map_err(store_error)?;
            for item in page.items {
                match decode(&item) {
                    Ok(schedule) => out.push(schedule),
                    // One unreadable item must not hold up every other schedule.
                    Err(e) => {
                        tracing::warn!(pk = %item.pk, error = %e, "skipping an unreadable schedule");
                        continue;
                    }
                }
                if out.len() >= limit {
                    return Ok(out);
                }
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(out),
            }
        }
    }

    /// Deletes a schedule that has fired, unless it changed since it was read: a schedule
    /// replaced (or cancelled and created again) under the same name in the meantime survives.
    pub async fn complete(&self, schedule: &OneTimeSchedule) -> Result<(), SchedulerError> {
        validate_schedule_name(&schedule.name)?;
        let pk = pk(&schedule.name);
        for _ in 0..WRITE_ATTEMPTS {
            let Some(item) = self.read(&schedule.name).await? else {
                return Ok(());
            };
            if decode(&item)? != *schedule {
                return Ok(());
            }
            match self
                .store
                .delete(&pk, SCHEDULE_SK, Condition::VersionIs(item.version))
                .await
            {
                Ok(()) => return Ok(()),
                // Written meanwhile: look again.
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(store_error(e)),
            }
        }
        Err(busy(&schedule.name))
    }

    /// Fires due schedules every `tick` until `stop` turns true (or its sender is dropped): each
    /// due schedule is handed to `fire`; those for which it returns `true` are
    /// [completed](Self::complete), the others are offered again on the next tick. Errors of
    /// the store are logged and retried on the next tick.
    pub async fn run<F, Fut>(
        self: Arc<Self>,
        clock: Arc<dyn Clock>,
        tick: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
        fire: F,
    ) where
        F: Fn(OneTimeSchedule) -> Fut,
        Fut: Future<Output = bool>,
    {
        loop {
            if *stop.borrow() {
                return;
            }
            match self.due(clock.now_ms(), RUN_BATCH).await {
                Ok(due) => {
                    for schedule in due {
                        if *stop.borrow() {
                            return;
                        }
                        let name = schedule.name.clone();
                        if !fire(schedule.clone()).await {
                            tracing::warn!(schedule = %name, "schedule not delivered; retrying");
                            continue;
                        }
                        if let Err(e) = self.complete(&schedule).await {
                            tracing::warn!(
                                schedule = %name,
                                error = %e,
                                "could not delete a fired schedule; it may fire again"
                            );
                        }
                    }
                }
                Err(e) => tracing::warn!(error = %e, "could not read due schedules"),
            }
            tokio::select! {
                () = tokio::time::sleep(tick) => {}
                changed = stop.changed() => {
                    if changed.is_err() {
                        // The sender is gone, like in `ports::queue::consume`: stop.
                        return;
                    }
                }
            }
        }
    }

    async fn read(&self, name: &str) -> Result<Option<Item>, SchedulerError> {
        self.store
            .get(&pk(name), SCHEDULE_SK)
            .await
            .map_err(store_error)
    }
}

#[async_trait]
impl Scheduler for EmbeddedScheduler {
    async fn schedule_once(&self, schedule: OneTimeSchedule) -> Result<(), SchedulerError> {
        schedule.validate()?;
        let doc = StoredSchedule {
            name: schedule.name.clone(),
            at_ms: schedule.at_ms,
            payload: schedule.payload.clone(),
        };
        for _ in 0..WRITE_ATTEMPTS {
            let current = self.read(&schedule.name).await?;
            let (version, condition) = match &current {
                Some(item) if decode(item)? == schedule => return Ok(()),
                Some(item) => (item.version + 1, Condition::VersionIs(item.version)),
                None => (1, Condition::NotExists),
            };
            let mut item =
                Item::with_doc(pk(&schedule.name), SCHEDULE_SK, &doc).map_err(store_error)?;
            item.gsi1 = Some((
                SCHEDULES_GSI1_PK.to_owned(),
                format!("{:015}#{}", schedule.at_ms, schedule.name),
            ));
            item.version = version;
            match self.store.put(item, condition).await {
                Ok(()) => return Ok(()),
                Err(StoreError::ConditionFailed) => continue,
                Err(e) => return Err(store_error(e)),
            }
        }
        Err(busy(&schedule.name))
    }

    async fn cancel(&self, name: &str) -> Result<bool, SchedulerError> {
        validate_schedule_name(name)?;
        match self
            .store
            .delete(&pk(name), SCHEDULE_SK, Condition::Exists)
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(store_error(e)),
        }
    }

    async fn get(&self, name: &str) -> Result<Option<OneTimeSchedule>, SchedulerError> {
        validate_schedule_name(name)?;
        self.read(name).await?.as_ref().map(decode).transpose()
    }
}

fn pk(name: &str) -> String {
    format!("{SCHEDULE_PK_PREFIX}{name}")
}

fn decode(item: &Item) -> Result<OneTimeSchedule, SchedulerError> {
    let doc: StoredSchedule = item.doc().map_err(store_error)?;
    Ok(OneTimeSchedule {
        name: doc.name,
        at_ms: doc.at_ms,
        payload: doc.payload,
    })
}

fn busy(name: &str) -> SchedulerError {
    SchedulerError::Unavailable(format!(
        "schedule {name} kept changing during {WRITE_ATTEMPTS} attempts"
    ))
}

fn store_error(e: StoreError) -> SchedulerError {
    match e {
        StoreError::Invalid(why) => SchedulerError::Invalid(why),
        other => SchedulerError::Unavailable(other.to_string()),
    }
}
