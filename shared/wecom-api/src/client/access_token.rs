//! The access token: cached in this process, shared across processes through the
//! [`TokenStore`](crate::TokenStore) under a refresh lease, fetched with `gettoken`.

use std::time::Duration;

use tracing::{debug, warn};

use super::WeComClient;
use super::outcome::{
    Attempt, Replay, classify_errcode, classify_http, decode, errcode_of, errmsg_of,
};
use crate::WeComError;
use crate::error::errcode;
use crate::token::CachedToken;

/// Refresh this long before WeCom's expiry (the seed: "提前1分钟刷新").
const REFRESH_MARGIN_MS: i64 = 60_000;
/// How long one refresher may hold the lease.
const LEASE_MS: i64 = 15_000;
/// Polls of the shared store while another process refreshes.
const LEASE_POLLS: u32 = 30;
const LEASE_POLL_INTERVAL: Duration = Duration::from_millis(100);

impl WeComClient {
    /// A valid access token: from this process, else the shared store, else `gettoken`
    /// under the shared refresh lease (one refresher at a time across processes).
    pub async fn access_token(&self) -> Result<String, WeComError> {
        if let Some(token) = self.local_fresh() {
            return Ok(token);
        }
        let _single_flight = self.refresh.lock().await;
        if let Some(token) = self.local_fresh() {
            return Ok(token);
        }
        if let Some(token) = self.shared_fresh().await? {
            return Ok(token);
        }
        for _ in 0..LEASE_POLLS {
            let now = self.clock.now_ms();
            if self
                .tokens
                .try_lease(&self.holder, now, now + LEASE_MS)
                .await?
            {
                let fetched = self.fetch_token().await;
                let saved = match &fetched {
                    Ok(token) => self.tokens.save(token).await,
                    Err(_) => Ok(()),
                };
                if let Err(e) = self.tokens.release_lease(&self.holder).await {
                    warn!(error = %e, "could not release the token lease; it will expire");
                }
                let token = fetched?;
                saved?;
                return Ok(self.remember(token));
            }
            tokio::time::sleep(LEASE_POLL_INTERVAL).await;
            if let Some(token) = self.shared_fresh().await? {
                return Ok(token);
            }
        }
        // The lease holder is slow or gone; fetching ourselves is safe (WeCom returns the same
        // token inside its lifetime).
        let token = self.fetch_token().await?;
        self.tokens.save(&token).await?;
        Ok(self.remember(token))
    }

    fn local_fresh(&self) -> Option<String> {
        let now = self.clock.now_ms();
        let local = self.local.lock().ok()?;
        local
            .as_ref()
            .filter(|t| t.is_fresh(now, REFRESH_MARGIN_MS))
            .map(|t| t.access_token.clone())
    }

    async fn shared_fresh(&self) -> Result<Option<String>, WeComError> {
        let now = self.clock.now_ms();
        match self.tokens.load().await? {
            Some(token) if token.is_fresh(now, REFRESH_MARGIN_MS) => Ok(Some(self.remember(token))),
            _ => Ok(None),
        }
    }

    fn remember(&self, token: CachedToken) -> String {
        let value = token.access_token.clone();
        if let Ok(mut local) = self.local.lock() {
            *local = Some(token);
        }
        value
    }

    pub(super) async fn forget(&self, rejected: &str) -> Result<(), WeComError> {
        if let Ok(mut local) = self.local.lock()
            && local.as_ref().is_some_and(|t| t.access_token == rejected)
        {
            *local = None;
        }
        self.tokens.invalidate(rejected).await
    }

    async fn fetch_token(&self) -> Result<CachedToken, WeComError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            access_token: String,
            expires_in: i64,
        }
        let url = format!("{}/cgi-bin/gettoken", self.settings.endpoint.base_url);
        let credentials = self.credentials();
        let query = [
            ("corpid", credentials.corp_id.as_str()),
            ("corpsecret", credentials.corp_secret.as_str()),
        ];
        let mut retries = 0;
        loop {
            let sent = self.http.get(&url).query(&query).send().await;
            let attempt = match classify_http("gettoken", sent, Replay::Safe).await {
                Ok(value) => match errcode_of(&value) {
                    0 => {
                        let resp: Resp = decode("gettoken", value)?;
                        debug!(expires_in = resp.expires_in, "fetched a new access token");
                        return Ok(CachedToken {
                            access_token: resp.access_token,
                            expires_at_ms: self.clock.now_ms() + resp.expires_in * 1000,
                        });
                    }
                    errcode::INVALID_SECRET => Attempt::Fail(WeComError::InvalidSecret {
                        errmsg: errmsg_of(&value),
                    }),
                    code => classify_errcode("gettoken", code, errmsg_of(&value)),
                },
                Err(attempt) => attempt,
            };
            match attempt {
                Attempt::Retry(err) if retries < self.settings.retry.max_retries => {
                    retries += 1;
                    warn!(api = "gettoken", retry = retries, error = %err, "retrying");
                    tokio::time::sleep(self.settings.retry.delay(retries)).await;
                }
                Attempt::Retry(err) | Attempt::Fail(err) | Attempt::TokenRejected(err) => {
                    return Err(err);
                }
            }
        }
    }
}
