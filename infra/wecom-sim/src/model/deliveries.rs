//! Callback deliveries (one POST, retried WeCom-style) and their attempts.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Attempts are still running (or waiting for the retry delay).
    Pending,
    /// An attempt got HTTP 200.
    Delivered,
    /// Four attempts (one plus three retries) failed.
    Failed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub attempt: u32,
    /// Unix milliseconds (simulated clock) when the attempt started.
    pub at_ms: i64,
    /// HTTP status of the answer; `None` when there was no answer (timeout, connection error).
    pub status: Option<u16>,
    pub error: Option<String>,
    pub elapsed_ms: u64,
    /// The first 1024 bytes of the answer body.
    pub response_body: Option<String>,
}

/// One callback delivery (one POST, retried WeCom-style) and its attempts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    pub id: u64,
    /// `change_external_contact/add_external_contact`, `text`, `raw`, …
    pub kind: String,
    pub url: String,
    /// The decrypted inner XML.
    pub inner_xml: String,
    pub timestamp: String,
    pub nonce: String,
    pub msg_signature: String,
    pub status: DeliveryStatus,
    pub attempts: Vec<DeliveryAttempt>,
}

/// The outcome of a delivery's first attempt (what control calls answer with).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryReport {
    /// Delivery id; look it up in `GET /sim/control/deliveries` for the later retries.
    pub id: u64,
    /// HTTP status of the first attempt; `None` = no answer within `callback_timeout`.
    pub status: Option<u16>,
    /// Attempts completed when the report was made (1 in control answers).
    pub attempts: u32,
    pub ok: bool,
    pub error: Option<String>,
}
