//! What one HTTP attempt came to, and whether a request that may have reached WeCom can be
//! sent again.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::WeComError;
use crate::error::errcode;

/// The outcome of one HTTP attempt.
pub(super) enum Attempt {
    TokenRejected(WeComError),
    Retry(WeComError),
    Fail(WeComError),
}

/// Whether a request that may have reached WeCom can be sent again.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Replay {
    /// Reads, and writes that are idempotent or harmless to repeat: transport failures,
    /// timeouts and HTTP 5xx are retried in-process.
    Safe,
    /// `add_msg_template`: a second request creates a second task. Failures after the request
    /// may have been sent come back as [`WeComError::Ambiguous`] and are not retried; WeCom's
    /// own refusals (-1 / 45033 / 6000, token errors) still are.
    Unsafe,
}

pub(super) async fn classify_http(
    api: &'static str,
    sent: Result<reqwest::Response, reqwest::Error>,
    replay: Replay,
) -> Result<Value, Attempt> {
    // After the request may have reached WeCom, a non-replayable call cannot tell whether it
    // was applied.
    let unsure = |detail: String| match replay {
        Replay::Safe => Attempt::Retry(WeComError::Transport { api, detail }),
        Replay::Unsafe => Attempt::Fail(WeComError::Ambiguous { api, detail }),
    };
    let response = sent.map_err(|e| {
        // A failed connection sent nothing: safe to retry whatever the call.
        let connect = e.is_connect();
        // Never let the URL (it carries the access token or the secret) reach a log.
        let detail = e.without_url().to_string();
        if connect {
            Attempt::Retry(WeComError::Transport { api, detail })
        } else {
            unsure(detail)
        }
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(Attempt::Retry(WeComError::Transport {
            api,
            detail: format!("HTTP {status}"),
        }));
    }
    if status.is_server_error() {
        return Err(unsure(format!("HTTP {status}")));
    }
    if !status.is_success() {
        return Err(Attempt::Fail(WeComError::Decode {
            api,
            detail: format!("HTTP {status}"),
        }));
    }
    response
        .json::<Value>()
        .await
        .map_err(|e| unsure(e.without_url().to_string()))
}

pub(super) fn classify_errcode(api: &'static str, code: i64, errmsg: String) -> Attempt {
    match code {
        errcode::INVALID_TOKEN | errcode::TOKEN_EXPIRED => {
            Attempt::TokenRejected(WeComError::Api {
                api,
                errcode: code,
                errmsg,
            })
        }
        errcode::SYSTEM_BUSY | errcode::CONCURRENCY_LIMIT | errcode::DATA_VERSION_CONFLICT => {
            Attempt::Retry(WeComError::Busy {
                api,
                errcode: code,
                errmsg,
            })
        }
        errcode::FREQUENCY_LIMIT => Attempt::Fail(WeComError::RateLimited { api, errmsg }),
        errcode::INVALID_SECRET => Attempt::Fail(WeComError::InvalidSecret { errmsg }),
        _ => Attempt::Fail(WeComError::Api {
            api,
            errcode: code,
            errmsg,
        }),
    }
}

pub(super) fn errcode_of(value: &Value) -> i64 {
    value.get("errcode").and_then(Value::as_i64).unwrap_or(0)
}

pub(super) fn errmsg_of(value: &Value) -> String {
    value
        .get("errmsg")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

pub(super) fn decode<T: DeserializeOwned>(
    api: &'static str,
    value: Value,
) -> Result<T, WeComError> {
    serde_json::from_value(value).map_err(|e| WeComError::Decode {
        api,
        detail: e.to_string(),
    })
}
