//! Retention: how long personal data is kept (docs/privacy.md).
//!
//! - Raw WeCom events (the callback log), campaign recipients, clicks and audit entries expire
//!   by TTL: [`RetentionStore`] stamps `expires_at` (DynamoDB's TTL attribute `ttl`; the
//!   embedded store hides an expired item at once) on every write of such a record that does
//!   not carry one, `days` after the write. A record rewritten later (a recipient's status
//!   moving) is kept `days` from its last write.
//! - Ended customers: a customer none of whose relationships is active or pending, whose last
//!   relationship ended more than [`Retention::ended_customer_days`] ago, is erased
//!   ([`ended_customers_due`] finds them; the erasure is `crate::privacy`'s).
//! - Audit entries written while the audit period was `0` are given an expiry by the sweep once
//!   a period is set again ([`audit_expiry`]), so that the chain expires from its start.
//!
//! The counters stay: the funnel and click counts of a campaign are anonymous aggregates and
//! outlive the recipients and clicks they were counted from. So that the aggregates rebuild
//! does not report them as drift, the records of a campaign can expire no sooner than
//! [`MIN_CAMPAIGN_RECORD_DAYS`] after the campaign was created (every recipient and click is
//! written after it, and the retention of both is at least that), and the rebuild compares only
//! the counters of campaigns created since ([`campaigns_frozen_before_ms`]); older campaigns'
//! counters are frozen history.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use ports::{
    Clock, Condition, IndexName, Item, ItemStore, Page, Query, SkCondition, StoreError, WriteOp,
};
use serde::Serialize;

use crate::CrmError;
use crate::calendar::DAY_MS;
use crate::keys::{
    AUDIT_PK, AUDIT_SEQ_PREFIX, CALLBACK_LOG_SK, CLICK_PREFIX, CLICKER_PREFIX, CUSTOMERS_GSI_PK,
    RECIPIENT_PREFIX, RELATIONSHIP_PREFIX, audit_seq_sk, customer_pk,
};
use crate::model::{Customer, CustomerStatus, Relationship, RelationshipStatus};

#[path = "retention_settings.rs"]
pub mod settings;

#[path = "retention_audit.rs"]
pub mod audit_expiry;

/// Audit entries one sweep walks at most when giving expiries ([`audit_expiry`]).
const AUDIT_WALK_BUDGET: usize = 5_000;

/// The shortest retention of campaign recipients and clicks (a shorter setting is raised to
/// it): the window in which the aggregates rebuild checks a campaign's counters.
pub const MIN_CAMPAIGN_RECORD_DAYS: u32 = 30;
/// The shortest retention of audit entries (网络安全法 第二十一条: network logs ≥ 6 months).
pub const MIN_AUDIT_DAYS: u32 = 180;

/// How long each kind of personal record is kept, in days. `0`: kept until erased.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Retention {
    /// `RETENTION_ENDED_CUSTOMER_DAYS`: after the last relationship ended, the customer is
    /// erased (default 365).
    pub ended_customer_days: u32,
    /// `CALLBACK_LOG_RETENTION_DAYS`: raw WeCom events (default 90).
    pub raw_event_days: u32,
    /// `RETENTION_RECIPIENT_DAYS`: a campaign's recipients (who was targeted, skipped, sent),
    /// from their last change (default 365, at least 30).
    pub recipient_days: u32,
    /// `RETENTION_CLICK_DAYS`: clicks on tracked links (default 180, at least 30).
    pub click_days: u32,
    /// `RETENTION_AUDIT_DAYS`: audit entries (default 1095, at least 180).
    pub audit_days: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            ended_customer_days: 365,
            raw_event_days: 90,
            recipient_days: 365,
            click_days: 180,
            audit_days: 1095,
        }
    }
}

impl Retention {
    /// Nothing expires (tests that move the clock far, tools).
    pub fn keep_all() -> Self {
        Self {
            ended_customer_days: 0,
            raw_event_days: 0,
            recipient_days: 0,
            click_days: 0,
            audit_days: 0,
        }
    }

    /// From the environment `get` describes: each variable a whole number of days (`0`: kept
    /// until erased); unset or unreadable keeps the default. Raw events are always kept at
    /// least a day (the callback log's dedupe relies on it).
    pub fn from_env_map(get: impl Fn(&str) -> Option<String>) -> Self {
        let defaults = Self::default();
        let days = |name: &str, default: u32| {
            get(name)
                .and_then(|v| v.trim().parse::<u32>().ok())
                .unwrap_or(default)
        };
        Self {
            ended_customer_days: days(
                "RETENTION_ENDED_CUSTOMER_DAYS",
                defaults.ended_customer_days,
            ),
            raw_event_days: days("CALLBACK_LOG_RETENTION_DAYS", defaults.raw_event_days).max(1),
            recipient_days: days("RETENTION_RECIPIENT_DAYS", defaults.recipient_days),
            click_days: days("RETENTION_CLICK_DAYS", defaults.click_days),
            audit_days: days("RETENTION_AUDIT_DAYS", defaults.audit_days),
        }
        .clamped()
    }

    pub fn from_env() -> Self {
        Self::from_env_map(|name| std::env::var(name).ok())
    }

    /// Raises settings below their minimum to it (`0`, kept, stays).
    pub fn clamped(mut self) -> Self {
        let at_least = |days: u32, min: u32| if days == 0 { 0 } else { days.max(min) };
        self.recipient_days = at_least(self.recipient_days, MIN_CAMPAIGN_RECORD_DAYS);
        self.click_days = at_least(self.click_days, MIN_CAMPAIGN_RECORD_DAYS);
        self.audit_days = at_least(self.audit_days, MIN_AUDIT_DAYS);
        self
    }

    /// The retention of a record under (`pk`, `sk`), when it is one that expires by TTL.
    fn days_for(&self, pk: &str, sk: &str) -> Option<u32> {
        let days = if pk.starts_with("CAMPAIGN#") && sk.starts_with(RECIPIENT_PREFIX) {
            self.recipient_days
        } else if pk.starts_with("LINK#")
            && (sk.starts_with(CLICK_PREFIX) || sk.starts_with(CLICKER_PREFIX))
        {
            self.click_days
        } else if pk == AUDIT_PK {
            self.audit_days
        } else {
            return None;
        };
        (days > 0).then_some(days)
    }

    /// When a record under (`pk`, `sk`) written at `now_ms` expires (Unix seconds), if it does.
    pub fn expires_at(&self, pk: &str, sk: &str, now_ms: i64) -> Option<i64> {
        self.days_for(pk, sk)
            .map(|days| (now_ms + i64::from(days) * DAY_MS).div_euclid(1000))
    }
}

/// The item store with retention: every write of a recipient, click, clicker marker or audit
/// entry that carries no expiry gets the period in force (the console's over the deployment's,
/// [`settings`]); a raw WeCom event gets the console's period when one is set (otherwise the
/// callback log's own, from the deployment). Wraps the store every function uses (outside the
/// `AggregatingStore`, which passes the stamped items on). The stored periods are read at most
/// every [`settings::CACHE_MS`] per process, and at once after this store wrote them.
pub struct RetentionStore {
    inner: Arc<dyn ItemStore>,
    retention: Retention,
    clock: Arc<dyn Clock>,
    cache: Mutex<Option<InForce>>,
}

/// The periods in force as last read.
#[derive(Debug, Clone, Copy)]
struct InForce {
    read_at_ms: i64,
    retention: Retention,
    /// The raw events' period, when the console set it.
    raw_event_days: Option<u32>,
}

impl RetentionStore {
    pub fn wrap(
        inner: Arc<dyn ItemStore>,
        retention: Retention,
        clock: Arc<dyn Clock>,
    ) -> Arc<dyn ItemStore> {
        Arc::new(Self {
            inner,
            retention,
            clock,
            cache: Mutex::new(None),
        })
    }

    fn cached(&self) -> Option<InForce> {
        *self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn remember(&self, in_force: Option<InForce>) {
        *self
            .cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = in_force;
    }

    async fn in_force(&self) -> Result<InForce, StoreError> {
        let now = self.clock.now_ms();
        if let Some(c) = self.cached()
            && (c.read_at_ms..c.read_at_ms + settings::CACHE_MS).contains(&now)
        {
            return Ok(c);
        }
        let stored = settings::load(self.inner.as_ref())
            .await
            .map_err(|e| match e {
                CrmError::Store(e) => e,
                other => StoreError::Corrupt(other.to_string()),
            })?;
        let in_force = InForce {
            read_at_ms: now,
            retention: stored
                .as_ref()
                .map_or(self.retention, |s| s.over(self.retention)),
            raw_event_days: stored.and_then(|s| {
                s.days
                    .get(&settings::RetentionField::RawEventDays)
                    .map(|d| (*d).max(1))
            }),
        };
        self.remember(Some(in_force));
        Ok(in_force)
    }

    async fn stamp(&self, mut item: Item) -> Result<Item, StoreError> {
        if item.expires_at.is_none() && expires_by_ttl(&item.pk, &item.sk) {
            let in_force = self.in_force().await?;
            // An audit entry expires from its own time, which the chain keeps monotone (a
            // Lambda whose clock lags must not expire an entry before the one before it:
            // verification would see a gap in the middle).
            let written_ms = match item.data.get("at_ms").and_then(serde_json::Value::as_i64) {
                Some(at_ms) if item.pk == AUDIT_PK => at_ms,
                _ => self.clock.now_ms(),
            };
            item.expires_at = in_force
                .retention
                .expires_at(&item.pk, &item.sk, written_ms);
            if item.pk == AUDIT_PK {
                item.expires_at = self.not_before_previous(&item.sk, item.expires_at).await?;
            }
        } else if item.expires_at.is_some() && is_raw_event(&item.pk, &item.sk) {
            // The callback log stamps the deployment's period; the console's replaces it.
            if let Some(days) = self.in_force().await?.raw_event_days
                && let Some(received_ms) = item
                    .data
                    .get("received_at_ms")
                    .and_then(serde_json::Value::as_i64)
            {
                item.expires_at =
                    Some(received_ms.div_euclid(1000) + i64::from(days) * DAY_MS / 1000);
            }
        }
        Ok(item)
    }

    /// An audit entry never expires before the one before it (a shorter period takes effect
    /// once the entries written under the longer one have expired): expiry removes the oldest
    /// entries only, and verification starts at the oldest one left.
    async fn not_before_previous(
        &self,
        sk: &str,
        expires_at: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        let Some(expires_at) = expires_at else {
            return Ok(None);
        };
        let previous = sk
            .strip_prefix(AUDIT_SEQ_PREFIX)
            .and_then(|n| n.parse::<u64>().ok())
            .and_then(|n| n.checked_sub(1))
            .filter(|n| *n > 0);
        let Some(previous) = previous else {
            return Ok(Some(expires_at));
        };
        let before = self
            .inner
            .get(AUDIT_PK, &audit_seq_sk(previous))
            .await?
            .and_then(|i| i.expires_at);
        Ok(Some(before.map_or(expires_at, |b| b.max(expires_at))))
    }

    async fn stamp_all(&self, items: Vec<Item>) -> Result<Vec<Item>, StoreError> {
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            out.push(self.stamp(item).await?);
        }
        Ok(out)
    }

    /// After a write: a change of the stored periods is read again before the next stamp.
    fn written(&self, pk: &str, sk: &str) {
        if pk == settings::RETENTION_PK && sk == settings::RETENTION_SK {
            self.remember(None);
        }
    }
}

/// Whether a record under (`pk`, `sk`) is one that [`Retention`] gives an expiry.
fn expires_by_ttl(pk: &str, sk: &str) -> bool {
    (pk.starts_with("CAMPAIGN#") && sk.starts_with(RECIPIENT_PREFIX))
        || (pk.starts_with("LINK#")
            && (sk.starts_with(CLICK_PREFIX) || sk.starts_with(CLICKER_PREFIX)))
        || pk == AUDIT_PK
}

fn is_raw_event(pk: &str, sk: &str) -> bool {
    pk.starts_with("CBLOG#") && sk == CALLBACK_LOG_SK
}

#[async_trait]
impl ItemStore for RetentionStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let (pk, sk) = (item.pk.clone(), item.sk.clone());
        self.inner.put(self.stamp(item).await?, condition).await?;
        self.written(&pk, &sk);
        Ok(())
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        self.inner.delete(pk, sk, condition).await?;
        self.written(pk, sk);
        Ok(())
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        let mut stamped = Vec::with_capacity(ops.len());
        for op in ops {
            stamped.push(match op {
                WriteOp::Put { item, condition } => WriteOp::Put {
                    item: self.stamp(item).await?,
                    condition,
                },
                other => other,
            });
        }
        self.inner.transact(stamped).await
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.inner.batch_put(self.stamp_all(items).await?).await
    }
}

/// Campaigns created before this instant have counters the rebuild leaves alone: some of
/// their recipients or clicks may have expired. A record written at or after the campaign's
/// creation expires no sooner than [`MIN_CAMPAIGN_RECORD_DAYS`] later, less the second its
/// expiry is rounded down to.
pub fn campaigns_frozen_before_ms(now_ms: i64) -> i64 {
    now_ms - i64::from(MIN_CAMPAIGN_RECORD_DAYS) * DAY_MS + 1000
}

/// Customers due for erasure at `now_ms`: ended (no active or pending relationship), their
/// last relationship ended more than `ended_customer_days` ago (a relationship without an end
/// time counts from the profile's last change). Reads the customer index page by page and the
/// relationships of ended customers only; at most `limit` are returned (the sweep runs again).
pub async fn ended_customers_due(
    store: &dyn ItemStore,
    retention: &Retention,
    now_ms: i64,
    limit: usize,
) -> Result<Vec<String>, CrmError> {
    if retention.ended_customer_days == 0 {
        return Ok(Vec::new());
    }
    let cutoff_ms = now_ms - i64::from(retention.ended_customer_days) * DAY_MS;
    let mut due = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .query(
                Query::partition(IndexName::Gsi2, CUSTOMERS_GSI_PK)
                    .limit(1000)
                    .after(cursor),
            )
            .await?;
        for item in &page.items {
            let customer: Customer = item.doc()?;
            if customer.status != CustomerStatus::Ended || customer.merged_into.is_some() {
                continue;
            }
            if ended_before(store, &customer, cutoff_ms).await? {
                due.push(customer.external_userid.clone());
                if due.len() >= limit {
                    return Ok(due);
                }
            }
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(due),
        }
    }
}

/// Whether every relationship of an ended customer ended before `cutoff_ms`.
async fn ended_before(
    store: &dyn ItemStore,
    customer: &Customer,
    cutoff_ms: i64,
) -> Result<bool, CrmError> {
    let relationships: Vec<Relationship> = crate::repo::query_all(
        store,
        Query::partition(IndexName::Primary, customer_pk(&customer.external_userid))
            .sk(SkCondition::BeginsWith(RELATIONSHIP_PREFIX.into()))
            .limit(1000),
    )
    .await?;
    let mut last_end_ms = None::<i64>;
    for r in &relationships {
        if r.status != RelationshipStatus::Ended {
            return Ok(false);
        }
        let ended_ms = r
            .ended_at
            .map_or(customer.updated_at_ms, |s| s.saturating_mul(1000));
        last_end_ms = Some(last_end_ms.map_or(ended_ms, |m| m.max(ended_ms)));
    }
    Ok(last_end_ms.unwrap_or(customer.updated_at_ms) < cutoff_ms)
}

/// Customers erased per sweep at most (the next hour's sweep continues).
pub const SWEEP_LIMIT: usize = 200;

/// What one retention sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SweepReport {
    /// Ended customers erased (their personal data gone, a tombstone left).
    pub erased: u64,
    /// Erasures that failed (retried by the next sweep).
    pub failed: u64,
    /// Audit entries written while the audit period was 0 that were given an expiry.
    pub audit_expiries_given: u64,
}

/// The hourly retention sweep (with the hourly sync): ended customers past
/// [`Retention::ended_customer_days`] (the console's period when set, [`settings::in_force`])
/// are erased through [`crate::privacy::erase`], as the
/// erase endpoint would (actor `system:retention`).
#[derive(Clone)]
pub struct RetentionSweep {
    store: Arc<dyn ItemStore>,
    retention: Retention,
    clock: Arc<dyn Clock>,
}

/// The audit actor and reason of an erasure by retention.
pub const SWEEP_ACTOR: &str = "system:retention";
pub const SWEEP_REASON: &str = "retention";

impl RetentionSweep {
    pub fn new(store: Arc<dyn ItemStore>, retention: Retention, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            retention,
            clock,
        }
    }

    pub async fn run(&self) -> Result<SweepReport, CrmError> {
        let now = self.clock.now_ms();
        // The console's periods over the deployment's, as they are now.
        let retention = settings::in_force(self.store.as_ref(), self.retention).await?;
        let due = ended_customers_due(self.store.as_ref(), &retention, now, SWEEP_LIMIT).await?;
        let tombstones = crate::privacy::Tombstones::new(self.store.clone());
        let mut report = SweepReport::default();
        for external_userid in due {
            match crate::privacy::erase(
                &self.store,
                &tombstones,
                &external_userid,
                SWEEP_ACTOR,
                SWEEP_REASON,
                now,
            )
            .await
            {
                Ok(_) => report.erased += 1,
                Err(e) => {
                    report.failed += 1;
                    tracing::warn!(error = %e.summary(), "retention: an erasure failed; the next sweep retries it");
                }
            }
        }
        match audit_expiry::backfill(&self.store, retention.audit_days, AUDIT_WALK_BUDGET).await {
            Ok(given) => report.audit_expiries_given = given,
            Err(e) => {
                tracing::warn!(error = %e.summary(), "retention: audit expiries not given; the next sweep retries");
            }
        }
        if report.erased + report.failed + report.audit_expiries_given > 0 {
            tracing::info!(
                erased = report.erased,
                failed = report.failed,
                audit_expiries_given = report.audit_expiries_given,
                "retention sweep"
            );
        }
        Ok(report)
    }
}

#[cfg(test)]
#[path = "retention_tests.rs"]
mod tests;
