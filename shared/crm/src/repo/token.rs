use std::sync::Arc;

use async_trait::async_trait;
use ports::{Condition, Item, ItemStore, StoreError};
use serde::{Deserialize, Serialize};
use wecom_api::{CachedToken, TokenStore, WeComError};

use crate::keys::{CONFIG_PK, TOKEN_LEASE_SK, TOKEN_SK};

/// The access token shared by every Lambda through the item store, with a refresh lease so
/// that one process at a time calls `gettoken`.
#[derive(Clone)]
pub struct StoreTokenStore {
    store: Arc<dyn ItemStore>,
}

impl StoreTokenStore {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// Forgets the shared token: it belonged to credentials that were just replaced, and the
    /// next call fetches one for the new ones.
    pub async fn forget(&self) -> Result<(), crate::CrmError> {
        self.store
            .delete(CONFIG_PK, TOKEN_SK, Condition::Always)
            .await?;
        Ok(())
    }
}

#[derive(Serialize, Deserialize)]
struct Lease {
    holder: String,
    until_ms: i64,
}

fn store_err(e: impl std::fmt::Display) -> WeComError {
    WeComError::TokenStore(e.to_string())
}

#[async_trait]
impl TokenStore for StoreTokenStore {
    async fn load(&self) -> Result<Option<CachedToken>, WeComError> {
        match self
            .store
            .get(CONFIG_PK, TOKEN_SK)
            .await
            .map_err(store_err)?
        {
            Some(item) => item.doc().map(Some).map_err(store_err),
            None => Ok(None),
        }
    }

    async fn save(&self, token: &CachedToken) -> Result<(), WeComError> {
        let mut item = Item::with_doc(CONFIG_PK, TOKEN_SK, token).map_err(store_err)?;
        item.expires_at = Some(token.expires_at_ms.div_euclid(1000) + 1);
        self.store
            .put(item, Condition::Always)
            .await
            .map_err(store_err)
    }

    async fn try_lease(
        &self,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, WeComError> {
        let current = self
            .store
            .get(CONFIG_PK, TOKEN_LEASE_SK)
            .await
            .map_err(store_err)?;
        let condition = match &current {
            None => Condition::NotExists,
            Some(item) => {
                let lease: Lease = item.doc().map_err(store_err)?;
                if lease.holder != holder && lease.until_ms > now_ms {
                    return Ok(false);
                }
                Condition::VersionIs(item.version)
            }
        };
        let mut item = Item::with_doc(
            CONFIG_PK,
            TOKEN_LEASE_SK,
            &Lease {
                holder: holder.to_owned(),
                until_ms,
            },
        )
        .map_err(store_err)?;
        item.version = current.map_or(1, |c| c.version + 1);
        match self.store.put(item, condition).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(store_err(e)),
        }
    }

    async fn release_lease(&self, holder: &str) -> Result<(), WeComError> {
        let Some(item) = self
            .store
            .get(CONFIG_PK, TOKEN_LEASE_SK)
            .await
            .map_err(store_err)?
        else {
            return Ok(());
        };
        let lease: Lease = item.doc().map_err(store_err)?;
        if lease.holder != holder {
            return Ok(());
        }
        match self
            .store
            .delete(
                CONFIG_PK,
                TOKEN_LEASE_SK,
                Condition::VersionIs(item.version),
            )
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(store_err(e)),
        }
    }

    async fn invalidate(&self, access_token: &str) -> Result<(), WeComError> {
        let Some(item) = self
            .store
            .get(CONFIG_PK, TOKEN_SK)
            .await
            .map_err(store_err)?
        else {
            return Ok(());
        };
        let token: CachedToken = item.doc().map_err(store_err)?;
        if token.access_token != access_token {
            return Ok(());
        }
        match self
            .store
            .delete(CONFIG_PK, TOKEN_SK, Condition::VersionIs(item.version))
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(store_err(e)),
        }
    }
}
