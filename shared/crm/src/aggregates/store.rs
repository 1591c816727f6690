//! [`AggregatingStore`]: an [`ItemStore`] that keeps the counters exact on every write.
//!
//! A write of a counted record (see [`is_counted`]) becomes one transaction that
//! - writes the record on the condition that the stored one is still the one read
//!   (`VersionIs` / `NotExists`), after checking the caller's own condition against it;
//! - moves every counter it touches by contribution(new) − contribution(stored), each counter
//!   item written on the condition of the version read.
//!
//! So the counters follow the stored records, not the number of writes: a redelivered event, a
//! Lambda retried after a partial failure, or an out-of-order event writes a record state, and
//! a state written twice moves nothing the second time. A process that dies before the
//! transaction commits left nothing; after, everything. When any condition fails because a
//! concurrent writer got there first, the write is planned again from a fresh read.

use std::sync::Arc;

use async_trait::async_trait;
use futures::future::try_join_all;
use ports::store::{MAX_TRANSACTION_OPS, validate_transaction};
use ports::{Condition, Item, ItemStore, Page, Query, StoreError, WriteOp};
use serde_json::{Map, Value};

use super::contribution::{Tally, contribute, is_counted};
use crate::phone_index;
use crate::privacy::tombstone::privacy_key;

/// Attempts of one counted write before answering `Conflict` (retryable).
const MAX_ATTEMPTS: u32 = 24;
/// Counted records per transaction of a `batch_put` (each may touch a few counters).
const BATCH_RECORDS: usize = 24;

/// Wraps the item store every function uses (see `aws_wiring` and local mode).
pub struct AggregatingStore {
    inner: Arc<dyn ItemStore>,
    /// The key of the phone index (`crate::phone_index`), read on the first write that needs it.
    phone_key: tokio::sync::OnceCell<[u8; 32]>,
}

impl AggregatingStore {
    pub fn new(inner: Arc<dyn ItemStore>) -> Self {
        Self {
            inner,
            phone_key: tokio::sync::OnceCell::new(),
        }
    }

    /// `inner` wrapped, as the trait object the repositories take.
    pub fn wrap(inner: Arc<dyn ItemStore>) -> Arc<dyn ItemStore> {
        Arc::new(Self::new(inner))
    }

    /// The wrapped store (the rebuild writes counters through it directly).
    pub fn inner(&self) -> &Arc<dyn ItemStore> {
        &self.inner
    }

    /// Runs `ops` (some on counted records) with their counter moves, atomically.
    async fn counted(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        for attempt in 0..MAX_ATTEMPTS {
            let planned = self.plan(&ops).await?;
            match self.inner.transact(planned).await {
                Ok(()) => return Ok(()),
                Err(StoreError::ConditionFailed | StoreError::Conflict) => {
                    backoff(attempt).await;
                }
                Err(e) => return Err(e),
            }
        }
        Err(StoreError::Conflict)
    }

    /// One attempt's transaction: the caller's operations on the records as read, plus the
    /// counter items and the phone index items the records add or drop
    /// (`crate::phone_index`). `ConditionFailed` when the caller's own condition does not hold.
    pub(super) async fn plan(&self, ops: &[WriteOp]) -> Result<Vec<WriteOp>, StoreError> {
        let stored = try_join_all(ops.iter().map(|op| async move {
            let (pk, sk) = op.key();
            match op {
                WriteOp::Check { .. } => Ok(None),
                _ if is_counted(pk, sk) => self.inner.get(pk, sk).await.map(Some),
                _ => Ok(None),
            }
        }))
        .await?;
        let mut tally = Tally::default();
        let mut phones = Vec::new();
        let mut out = Vec::with_capacity(ops.len() + 4);
        for (op, read) in ops.iter().zip(stored) {
            let Some(current) = read else {
                out.push(op.clone());
                continue;
            };
            let (condition, next) = match op {
                WriteOp::Put { item, condition } => (*condition, Some(item)),
                WriteOp::Delete { condition, .. } => (*condition, None),
                WriteOp::Check { .. } => unreachable!("checks are not read"),
            };
            if !holds(condition, current.as_ref()) {
                return Err(StoreError::ConditionFailed);
            }
            if let Some(moved) = phone_index::changes(current.as_ref(), next) {
                let (pk, sk) = op.key();
                phones.push((pk, sk, moved));
            }
            if let Some(old) = &current {
                contribute(old, -1, &mut tally)?;
            }
            let pinned = match &current {
                Some(old) => Condition::VersionIs(old.version),
                None => Condition::NotExists,
            };
            match next {
                Some(item) => {
                    contribute(item, 1, &mut tally)?;
                    let mut item = item.clone();
                    item.version = match &current {
                        Some(old) => item.version.max(old.version + 1),
                        None => item.version.max(fresh_version()),
                    };
                    out.push(WriteOp::Put {
                        item,
                        condition: pinned,
                    });
                }
                None => {
                    if current.is_none() {
                        // Deleting what is not there: nothing to count, nothing to write.
                        continue;
                    }
                    let (pk, sk) = op.key();
                    out.push(WriteOp::Delete {
                        pk: pk.to_owned(),
                        sk: sk.to_owned(),
                        condition: pinned,
                    });
                }
            }
        }
        if !phones.is_empty() {
            let key = self
                .phone_key
                .get_or_try_init(|| privacy_key(self.inner.as_ref()))
                .await?;
            for (pk, sk, (removed, added)) in phones {
                out.extend(phone_index::index_ops(key, pk, sk, &removed, &added)?);
            }
        }
        let moves = tally.compact();
        let counters = try_join_all(moves.0.keys().map(|(pk, sk)| self.inner.get(pk, sk))).await?;
        for (((pk, sk), fields), current) in moves.0.into_iter().zip(counters) {
            out.push(counter_write(pk, sk, &fields, current)?);
        }
        if out.len() > MAX_TRANSACTION_OPS {
            return Err(StoreError::Invalid(format!(
                "a write with its counters needs {} operations, more than {MAX_TRANSACTION_OPS}",
                out.len()
            )));
        }
        Ok(out)
    }
}

/// After a lost race for a hot counter: a random pause, up to 0.2 ms × 2^attempt (at most
/// 50 ms), so that concurrent writers stop colliding.
async fn backoff(attempt: u32) {
    if attempt == 0 {
        tokio::task::yield_now().await;
        return;
    }
    let ceiling_us = (200u64 << attempt.min(8)).min(50_000);
    let pause = rand::random_range(0..ceiling_us);
    tokio::time::sleep(std::time::Duration::from_micros(pause)).await;
}

/// The version of an item written where none is stored: random, so that a record or counter
/// deleted and written again does not come back at a version a concurrent writer read before
/// the delete (its conditions would then hold on other contents: an ABA that let a planned
/// write commit over counters it had not read). Below 2^53, exact as a JSON number.
pub(super) fn fresh_version() -> u64 {
    rand::random_range(1u64 << 32..1u64 << 52)
}

/// The caller's condition, judged on the record as read.
fn holds(condition: Condition, current: Option<&Item>) -> bool {
    match condition {
        Condition::Always => true,
        Condition::NotExists => current.is_none(),
        Condition::Exists => current.is_some(),
        Condition::VersionIs(v) => current.is_some_and(|c| c.version == v),
    }
}

/// The write that moves one counter item by `fields`: written on the version read, removed
/// when every counter in it is back to zero.
fn counter_write(
    pk: String,
    sk: String,
    fields: &std::collections::BTreeMap<String, i64>,
    current: Option<Item>,
) -> Result<WriteOp, StoreError> {
    let (mut data, version, condition) = match current {
        Some(item) => (item.data, item.version, Condition::VersionIs(item.version)),
        None => (Map::new(), 0, Condition::NotExists),
    };
    for (field, n) in fields {
        let now = data.get(field).and_then(Value::as_i64).unwrap_or(0) + n;
        if now == 0 {
            data.remove(field);
        } else {
            data.insert(field.clone(), Value::from(now));
        }
    }
    if data.is_empty() {
        if condition == Condition::NotExists {
            return Err(StoreError::Invalid(format!("{pk}/{sk}: nothing to count")));
        }
        return Ok(WriteOp::Delete { pk, sk, condition });
    }
    let mut item = Item::new(pk, sk);
    item.data = data;
    item.version = if condition == Condition::NotExists {
        fresh_version()
    } else {
        version + 1
    };
    Ok(WriteOp::Put { item, condition })
}

#[async_trait]
impl ItemStore for AggregatingStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        self.inner.get(pk, sk).await
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        if !is_counted(&item.pk, &item.sk) {
            return self.inner.put(item, condition).await;
        }
        self.counted(vec![WriteOp::Put { item, condition }]).await
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        if !is_counted(pk, sk) {
            return self.inner.delete(pk, sk, condition).await;
        }
        self.counted(vec![WriteOp::Delete {
            pk: pk.to_owned(),
            sk: sk.to_owned(),
            condition,
        }])
        .await
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.inner.query(query).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        if !ops.iter().any(|op| {
            let (pk, sk) = op.key();
            !matches!(op, WriteOp::Check { .. }) && is_counted(pk, sk)
        }) {
            return self.inner.transact(ops).await;
        }
        self.counted(ops).await
    }

    /// Uncounted items go through as one batch; counted ones in transactions of
    /// [`BATCH_RECORDS`], each written whole over whatever is stored (as a batch put does).
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let (counted, plain): (Vec<Item>, Vec<Item>) =
            items.into_iter().partition(|i| is_counted(&i.pk, &i.sk));
        if !plain.is_empty() {
            self.inner.batch_put(plain).await?;
        }
        for group in counted.chunks(BATCH_RECORDS) {
            let ops: Vec<WriteOp> = group
                .iter()
                .cloned()
                .map(|item| WriteOp::Put {
                    item,
                    condition: Condition::Always,
                })
                .collect();
            match self.counted(ops).await {
                Err(StoreError::Invalid(_)) if group.len() > 1 => {
                    // Too many counters for one transaction: one record at a time.
                    for item in group {
                        self.put(item.clone(), Condition::Always).await?;
                    }
                }
                other => other?,
            }
        }
        Ok(())
    }
}
