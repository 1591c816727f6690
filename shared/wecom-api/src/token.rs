//! Access-token caching: per process, and shared across processes with a refresh lease.

use std::sync::Mutex;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::WeComError;

/// A token and the instant (Unix ms) at which WeCom stops accepting it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedToken {
    pub access_token: String,
    pub expires_at_ms: i64,
}

impl CachedToken {
    /// Usable if it stays valid for at least `margin_ms` more (the client refreshes 60 s early).
    pub fn is_fresh(&self, now_ms: i64, margin_ms: i64) -> bool {
        self.expires_at_ms - margin_ms > now_ms
    }
}

/// Where processes share the token (the item store in production; memory in tests).
#[async_trait]
pub trait TokenStore: Send + Sync {
    async fn load(&self) -> Result<Option<CachedToken>, WeComError>;
    async fn save(&self, token: &CachedToken) -> Result<(), WeComError>;
    /// Takes the refresh lease until `until_ms` unless another holder has an unexpired one.
    async fn try_lease(&self, holder: &str, now_ms: i64, until_ms: i64)
    -> Result<bool, WeComError>;
    async fn release_lease(&self, holder: &str) -> Result<(), WeComError>;
    /// Forgets the shared token if it is still `access_token` (WeCom refused it).
    async fn invalidate(&self, access_token: &str) -> Result<(), WeComError>;
}

/// An in-process [`TokenStore`]; for tests and single-process tools.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    inner: Mutex<MemoryState>,
}

#[derive(Debug, Default)]
struct MemoryState {
    token: Option<CachedToken>,
    lease: Option<(String, i64)>,
}

impl MemoryTokenStore {
    fn lock(&self) -> Result<std::sync::MutexGuard<'_, MemoryState>, WeComError> {
        self.inner
            .lock()
            .map_err(|_| WeComError::TokenStore("memory token store poisoned".into()))
    }
}

#[async_trait]
impl TokenStore for MemoryTokenStore {
    async fn load(&self) -> Result<Option<CachedToken>, WeComError> {
        Ok(self.lock()?.token.clone())
    }

    async fn save(&self, token: &CachedToken) -> Result<(), WeComError> {
        self.lock()?.token = Some(token.clone());
        Ok(())
    }

    async fn try_lease(
        &self,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<bool, WeComError> {
        let mut state = self.lock()?;
        match &state.lease {
            Some((other, until)) if other != holder && *until > now_ms => Ok(false),
            _ => {
                state.lease = Some((holder.to_owned(), until_ms));
                Ok(true)
            }
        }
    }

    async fn release_lease(&self, holder: &str) -> Result<(), WeComError> {
        let mut state = self.lock()?;
        if state.lease.as_ref().is_some_and(|(h, _)| h == holder) {
            state.lease = None;
        }
        Ok(())
    }

    async fn invalidate(&self, access_token: &str) -> Result<(), WeComError> {
        let mut state = self.lock()?;
        if state
            .token
            .as_ref()
            .is_some_and(|t| t.access_token == access_token)
        {
            state.token = None;
        }
        Ok(())
    }
}
