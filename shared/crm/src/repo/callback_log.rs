use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError, WriteOp};

use super::{query_page, update_item};
use crate::CrmError;
use crate::keys::{
    CALLBACK_LOG_GSI_PK, CALLBACK_LOG_SK, CALLBACK_QUEUED_SK, callback_customer_gsi_pk,
    callback_log_pk, callback_queued_pk, callback_type_gsi_pk, ts,
};
use crate::model::CallbackLogEntry;

/// How long the queued mark of an event is kept (WeCom's repeats come within seconds).
const QUEUED_MARK_SECS: i64 = 86_400;

fn queued_pk(dedupe_key: &str) -> String {
    use sha1::{Digest, Sha1};
    callback_queued_pk(&hex::encode(Sha1::digest(dedupe_key.as_bytes())))
}

/// The raw WeCom event log. Each entry's key is the event's idempotency key, so the entry is
/// both the log line and the de-duplication record.
#[derive(Clone)]
pub struct CallbackLog {
    store: Arc<dyn ItemStore>,
    retention_secs: i64,
}

/// The result of recording one delivery of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    /// The first delivery: the entry was created.
    First,
    /// A repeat delivery; the entry as it now stands (delivery count incremented).
    Repeat(Box<CallbackLogEntry>),
}

impl CallbackLog {
    pub fn new(store: Arc<dyn ItemStore>, retention_days: i64) -> Self {
        Self {
            store,
            retention_secs: retention_days.max(1) * 86_400,
        }
    }

    fn item(&self, entry: &CallbackLogEntry) -> Result<Item, CrmError> {
        let mut item = Item::with_doc(callback_log_pk(&entry.dedupe_key), CALLBACK_LOG_SK, entry)?;
        let order = format!("{}#{}", ts(entry.received_at_ms), entry.dedupe_key);
        item.gsi1 = Some((CALLBACK_LOG_GSI_PK.to_owned(), order.clone()));
        item.gsi2 = Some((callback_type_gsi_pk(&entry.event_type), order.clone()));
        item.gsi3 = entry
            .external_userid
            .as_deref()
            .filter(|id| !id.is_empty())
            .map(|id| (callback_customer_gsi_pk(id), order));
        item.expires_at = Some(entry.received_at_ms.div_euclid(1000) + self.retention_secs);
        Ok(item)
    }

    /// Records one delivery: creates the entry, or counts a repeat on the existing one.
    pub async fn record_delivery(
        &self,
        entry: &CallbackLogEntry,
        now_ms: i64,
    ) -> Result<Delivery, CrmError> {
        let mut item = self.item(entry)?;
        item.version = 1;
        match self.store.put(item, Condition::NotExists).await {
            Ok(()) => return Ok(Delivery::First),
            Err(StoreError::ConditionFailed) => {}
            Err(e) => return Err(e.into()),
        }
        let written = update_item::<CallbackLogEntry, _>(
            self.store.as_ref(),
            &callback_log_pk(&entry.dedupe_key),
            CALLBACK_LOG_SK,
            |current| {
                let mut existing = current.unwrap_or_else(|| entry.clone());
                existing.delivery_count = existing.delivery_count.saturating_add(1);
                existing.last_delivery_at_ms = now_ms;
                Ok(Some(self.item(&existing)?))
            },
        )
        .await?;
        match written {
            Some(item) => Ok(Delivery::Repeat(Box::new(item.doc()?))),
            None => Err(CrmError::Contention(entry.dedupe_key.clone())),
        }
    }

    /// Marks the event's processing job as queued (one unconditional write, no read): a repeat
    /// delivery arriving while the first is still in hand tells from it whether the job is in
    /// the queue or was never sent. Kept a day.
    pub async fn mark_queued(&self, dedupe_key: &str, now_ms: i64) -> Result<(), CrmError> {
        let mut item = Item::new(queued_pk(dedupe_key), CALLBACK_QUEUED_SK);
        item.expires_at = Some(now_ms.div_euclid(1000) + QUEUED_MARK_SECS);
        self.store.put(item, Condition::Always).await?;
        Ok(())
    }

    /// Whether [`Self::mark_queued`] was written for the event.
    pub async fn is_queued(&self, dedupe_key: &str) -> Result<bool, CrmError> {
        Ok(self
            .store
            .get(&queued_pk(dedupe_key), CALLBACK_QUEUED_SK)
            .await?
            .is_some())
    }

    pub async fn get(&self, dedupe_key: &str) -> Result<Option<CallbackLogEntry>, CrmError> {
        match self
            .store
            .get(&callback_log_pk(dedupe_key), CALLBACK_LOG_SK)
            .await?
        {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// The stored item of an entry (its key, indexes and expiry).
    pub async fn raw_item(&self, dedupe_key: &str) -> Result<Option<Item>, CrmError> {
        Ok(self
            .store
            .get(&callback_log_pk(dedupe_key), CALLBACK_LOG_SK)
            .await?)
    }

    /// Deletes a stored entry and writes `with` in its place, atomically (an erasure's marker).
    pub async fn replace(&self, stored: &Item, with: Item) -> Result<(), CrmError> {
        self.store
            .transact(vec![
                WriteOp::Put {
                    item: with,
                    condition: Condition::Always,
                },
                WriteOp::Delete {
                    pk: stored.pk.clone(),
                    sk: stored.sk.clone(),
                    condition: Condition::Always,
                },
            ])
            .await?;
        Ok(())
    }

    /// Changes an entry in place (no-op when it is gone).
    pub async fn update<F>(&self, dedupe_key: &str, mut change: F) -> Result<(), CrmError>
    where
        F: FnMut(&mut CallbackLogEntry) -> bool,
    {
        update_item::<CallbackLogEntry, _>(
            self.store.as_ref(),
            &callback_log_pk(dedupe_key),
            CALLBACK_LOG_SK,
            |current| {
                let Some(mut entry) = current else {
                    return Ok(None);
                };
                if !change(&mut entry) {
                    return Ok(None);
                }
                Ok(Some(self.item(&entry)?))
            },
        )
        .await?;
        Ok(())
    }

    /// The newest events about one customer.
    pub async fn for_customer(
        &self,
        external_userid: &str,
        limit: usize,
    ) -> Result<Vec<CallbackLogEntry>, CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi3, callback_customer_gsi_pk(external_userid))
                .newest_first()
                .limit(limit),
        )
        .await
        .map(|(entries, _)| entries)
    }

    /// One page of the entries received between `from_ms` and `to_ms` (inclusive), oldest
    /// first.
    pub async fn received_between(
        &self,
        from_ms: i64,
        to_ms: i64,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<CallbackLogEntry>, Option<String>), CrmError> {
        // The index's sort key is `{ts}#{dedupe key}`: '~' sorts after every key character.
        let range = SkCondition::Between(ts(from_ms), format!("{}~", ts(to_ms)));
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, CALLBACK_LOG_GSI_PK)
                .sk(range)
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// Recent entries, newest first; optionally only one event type.
    pub async fn recent(
        &self,
        event_type: Option<&str>,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<CallbackLogEntry>, Option<String>), CrmError> {
        let query = match event_type {
            Some(t) => Query::partition(IndexName::Gsi2, callback_type_gsi_pk(t)),
            None => Query::partition(IndexName::Gsi1, CALLBACK_LOG_GSI_PK),
        };
        query_page(
            self.store.as_ref(),
            query.newest_first().limit(limit).after(cursor),
        )
        .await
    }
}
