//! `gettoken` and the access-token check every other API goes through.

use std::collections::HashMap;

use serde_json::json;

use super::common::param;
use crate::config::SimConfig;
use crate::state::State as SimState;
use crate::wx::{WxError, WxResult};

pub(crate) fn get_token(
    st: &mut SimState,
    config: &SimConfig,
    params: &HashMap<String, String>,
    now_ms: i64,
) -> WxResult {
    let corpid = param(params, "corpid").ok_or_else(|| WxError::new(41002))?;
    let secret = param(params, "corpsecret").ok_or_else(|| WxError::new(41004))?;
    if corpid != config.corp_id {
        return Err(WxError::new(40013));
    }
    if secret != config.corp_secret {
        return Err(WxError::new(40001));
    }
    // Inside the lifetime the same token comes back with its remaining lifetime.
    let live = st
        .tokens
        .iter()
        .filter(|(_, t)| !t.invalidated && t.expires_at_ms > now_ms)
        .max_by_key(|(_, t)| t.expires_at_ms)
        .map(|(k, t)| (k.clone(), t.expires_at_ms));
    let (token, expires_at_ms) = match live {
        Some(found) => found,
        None => {
            let token = crate::ids::access_token();
            let expires_at_ms = now_ms + config.token_ttl_secs.max(1) * 1000;
            st.tokens.insert(
                token.clone(),
                crate::state::Token {
                    expires_at_ms,
                    invalidated: false,
                },
            );
            (token, expires_at_ms)
        }
    };
    // Whole seconds left, rounded up (a token with 0.4 s left reports 1, never 0).
    let expires_in = (expires_at_ms - now_ms + 999).div_euclid(1000);
    Ok(json!({ "access_token": token, "expires_in": expires_in }))
}

pub(crate) fn check_token(
    st: &SimState,
    params: &HashMap<String, String>,
    now_ms: i64,
) -> Result<(), WxError> {
    let token = param(params, "access_token").ok_or_else(|| WxError::new(41001))?;
    match st.tokens.get(token) {
        None => Err(WxError::new(40014)),
        Some(t) if t.invalidated => Err(WxError::new(40014)),
        Some(t) if now_ms >= t.expires_at_ms => Err(WxError::new(42001)),
        Some(_) => Ok(()),
    }
}
