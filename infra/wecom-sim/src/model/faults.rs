//! Fault-injection rules and the calls counted under `/cgi-bin/`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::defaults::one;

/// A fault-injection rule. The next `times` calls whose path matches get the fault.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultRule {
    /// API path below `/cgi-bin/` (`externalcontact/get`, `gettoken`, …) or `*` for every API.
    pub path: String,
    /// Answer `{"errcode": errcode, …}` instead of the real answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errcode: Option<i64>,
    /// Override the errmsg (otherwise WeCom's text for the errcode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errmsg: Option<String>,
    /// Answer with this HTTP status (body: the errcode JSON if `errcode` is set, else a short
    /// text page).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// Sleep this long before answering (the fault, or the real answer if the rule has neither
    /// `errcode` nor `http_status`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
    #[serde(default = "one")]
    pub times: u32,
}

impl FaultRule {
    /// A rule answering `errcode` once on `path`.
    pub fn errcode(path: &str, errcode: i64) -> Self {
        FaultRule {
            path: path.to_owned(),
            errcode: Some(errcode),
            errmsg: None,
            http_status: None,
            delay_ms: None,
            times: 1,
        }
    }

    /// A rule answering HTTP `status` once on `path`.
    pub fn http_status(path: &str, status: u16) -> Self {
        FaultRule {
            path: path.to_owned(),
            errcode: None,
            errmsg: None,
            http_status: Some(status),
            delay_ms: None,
            times: 1,
        }
    }

    /// A rule delaying the real answer once on `path`.
    pub fn delay(path: &str, delay_ms: u64) -> Self {
        FaultRule {
            path: path.to_owned(),
            errcode: None,
            errmsg: None,
            http_status: None,
            delay_ms: Some(delay_ms),
            times: 1,
        }
    }

    /// The same rule for the next `times` matching calls.
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }
}

/// Calls received under `/cgi-bin/`, per API path and in total.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallCounts {
    pub total: u64,
    pub by_path: BTreeMap<String, u64>,
}

impl CallCounts {
    /// Calls to `path` (for example `externalcontact/get`).
    pub fn get(&self, path: &str) -> u64 {
        self.by_path.get(path).copied().unwrap_or(0)
    }
}
