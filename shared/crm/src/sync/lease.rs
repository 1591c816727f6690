//! The lease that lets one run at a time work (`SYNC_LEASE` / `LEASE`, with a TTL).

use ports::{Condition, Item, StoreError};

use super::engine::SyncEngine;
use crate::CrmError;
use crate::keys::{SYNC_LEASE_PK, SYNC_LEASE_SK};
use crate::model::SyncLease;

impl SyncEngine {
    /// Extends the lease for this run; false when another run holds it.
    pub(super) async fn renew_lease(&self, run_id: &str) -> Result<bool, CrmError> {
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

    pub(super) fn lease_item(
        &self,
        run_id: &str,
        now_ms: i64,
        version: u64,
    ) -> Result<Item, CrmError> {
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
}
