//! The audit log: who changed (or read) what, as a hash chain.
//!
//! Each entry gets the next sequence number and chains the previous entry's hash
//! ([`chain::entry_hash`]). Appending is one transaction that puts the entry (its key must not
//! exist) and moves the chain's head item on the version read, so concurrent writers (several
//! Lambdas) never fork the chain: the loser of a race reads the head again and retries after
//! a random pause. [`AuditLog::verify`] walks the chain from the oldest retained entry.
//!
//! Entries written before the chain (no `seq`, keyed by time) stay listed but are not verified.

mod chain;
mod verify;

use std::sync::Arc;

use ports::{Clock, Condition, IdGen, IndexName, Item, ItemStore, Query, StoreError, WriteOp};

pub use chain::{ChainHead, GENESIS_HASH, entry_hash as audit_hash};
pub use verify::{BreakReason, ChainBreak, ChainReport};

use super::query_page;
use crate::CrmError;
use crate::keys::{AUDIT_HEAD_PK, AUDIT_HEAD_SK, AUDIT_PK, audit_seq_sk};
use crate::model::AuditEntry;

/// Attempts of one append before answering `Contention` (retryable).
const MAX_APPEND_ATTEMPTS: u32 = 40;

/// The audit log of changes made, and personal data read, through the admin API.
#[derive(Clone)]
pub struct AuditLog {
    store: Arc<dyn ItemStore>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    retention_secs: Option<i64>,
}

impl AuditLog {
    pub fn new(store: Arc<dyn ItemStore>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>) -> Self {
        Self {
            store,
            clock,
            ids,
            retention_secs: None,
        }
    }

    /// Entries written from now on expire (DynamoDB TTL) `days` after they were written; never
    /// earlier than the entry before them, so that expiry only removes the oldest entries and
    /// verification starts at the oldest one left. `None` keeps them.
    pub fn with_retention_days(mut self, days: Option<i64>) -> Self {
        self.retention_secs = days.map(|d| d.max(1) * 86_400);
        self
    }

    /// Appends an entry at the end of the chain. `fields` names what was changed or read,
    /// never values.
    pub async fn record(
        &self,
        actor: &str,
        action: &str,
        target: &str,
        fields: Vec<String>,
    ) -> Result<AuditEntry, CrmError> {
        let mut entry = AuditEntry {
            id: self.ids.new_id(self.clock.now_ms()),
            at_ms: 0,
            actor: actor.to_owned(),
            action: action.to_owned(),
            target: target.to_owned(),
            fields,
            seq: None,
            prev_hash: None,
            hash: None,
        };
        for attempt in 0..MAX_APPEND_ATTEMPTS {
            let head = self.store.get(AUDIT_HEAD_PK, AUDIT_HEAD_SK).await?;
            let (ops, seq) = self.append_ops(&mut entry, head.as_ref())?;
            match self.store.transact(ops).await {
                Ok(()) => return Ok(entry),
                Err(StoreError::ConditionFailed) => {
                    self.check_not_stuck(seq, head.as_ref()).await?;
                    backoff(attempt).await;
                }
                Err(StoreError::Conflict) => backoff(attempt).await,
                Err(e) => return Err(e.into()),
            }
        }
        Err(CrmError::Contention("audit chain head".into()))
    }

    /// The transaction that puts `entry` after `head` (as read) and moves the head onto it.
    fn append_ops(
        &self,
        entry: &mut AuditEntry,
        head_item: Option<&Item>,
    ) -> Result<(Vec<WriteOp>, u64), CrmError> {
        let head: Option<ChainHead> = head_item.map(Item::doc).transpose()?;
        let now = self.clock.now_ms();
        let (seq, prev_hash, at_ms, prev_expiry) = match &head {
            Some(h) => (h.seq + 1, h.hash.clone(), now.max(h.at_ms), h.expires_at),
            None => (1, GENESIS_HASH.to_owned(), now, None),
        };
        entry.at_ms = at_ms;
        entry.seq = Some(seq);
        let hash = chain::entry_hash(entry, seq, &prev_hash);
        entry.prev_hash = Some(prev_hash);
        entry.hash = Some(hash.clone());
        let expires_at = self
            .retention_secs
            .map(|r| (at_ms.div_euclid(1000) + r).max(prev_expiry.unwrap_or(i64::MIN)));
        let mut item = Item::with_doc(AUDIT_PK, audit_seq_sk(seq), entry)?;
        item.expires_at = expires_at;
        let mut next_head = Item::with_doc(
            AUDIT_HEAD_PK,
            AUDIT_HEAD_SK,
            &ChainHead {
                seq,
                hash,
                id: entry.id.clone(),
                at_ms,
                expires_at,
            },
        )?;
        let head_condition = match head_item {
            Some(h) => {
                next_head.version = h.version + 1;
                Condition::VersionIs(h.version)
            }
            None => {
                next_head.version = 1;
                Condition::NotExists
            }
        };
        let ops = vec![
            WriteOp::Put {
                item,
                condition: Condition::NotExists,
            },
            WriteOp::Put {
                item: next_head,
                condition: head_condition,
            },
        ];
        Ok((ops, seq))
    }

    /// After a failed append: if the slot after the head is taken while the head has not
    /// moved, no retry can succeed (something wrote an entry outside the append path).
    async fn check_not_stuck(&self, seq: u64, head: Option<&Item>) -> Result<(), CrmError> {
        if self
            .store
            .get(AUDIT_PK, &audit_seq_sk(seq))
            .await?
            .is_none()
        {
            return Ok(());
        }
        let now = self.store.get(AUDIT_HEAD_PK, AUDIT_HEAD_SK).await?;
        if now.as_ref().map(|h| h.version) == head.map(|h| h.version) {
            return Err(CrmError::Inconsistent(format!(
                "audit entry {seq} exists but the chain head does not name it"
            )));
        }
        Ok(())
    }

    /// Newest first (chained entries, then those written before the chain).
    pub async fn recent(
        &self,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<AuditEntry>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, AUDIT_PK)
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// Walks the chain from the oldest retained entry to the head, [`verify::VERIFY_PAGE`] entries
    /// per store read, and reports the first break.
    pub async fn verify(&self) -> Result<ChainReport, CrmError> {
        verify::verify(self.store.as_ref(), self.clock.now_secs()).await
    }
}

/// After a lost race for the head: a random pause, up to 0.5 ms × 2^attempt (at most 100 ms),
/// so that concurrent writers stop colliding.
async fn backoff(attempt: u32) {
    if attempt == 0 {
        tokio::task::yield_now().await;
        return;
    }
    let ceiling_us = (500u64 << attempt.min(8)).min(100_000);
    let pause = rand::random_range(0..ceiling_us);
    tokio::time::sleep(std::time::Duration::from_micros(pause)).await;
}

#[cfg(test)]
mod tests;
