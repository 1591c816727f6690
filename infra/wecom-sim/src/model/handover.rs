//! Customer handover (继承) control requests and views.

use serde::{Deserialize, Serialize};

use super::defaults::one;

/// `POST /sim/control/staff/resign`: a member leaves the corp (离职).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResignRequest {
    pub userid: String,
    /// Unix seconds; default: now on the simulated clock.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dimission_time: Option<i64>,
}

/// `POST /sim/control/transfer/refuse`: the customer refuses their waiting transfer → status 3
/// and the `transfer_fail` callback (`customer_refused`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefuseTransferRequest {
    pub external_userid: String,
    #[serde(default = "one")]
    pub deliveries: u32,
}

/// `POST /sim/control/transfer/limit`: whether a takeover member is at their customer limit
/// (their transfers then end with status 4 and `transfer_fail` `customer_limit_exceed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferLimitRequest {
    pub userid: String,
    #[serde(default = "super::defaults::yes")]
    pub over_limit: bool,
}

/// One transfer, as `GET /sim/control/transfers` shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferView {
    /// `on_job` (在职继承) or `resigned` (离职继承).
    pub kind: String,
    pub handover_userid: String,
    pub takeover_userid: String,
    pub external_userid: String,
    pub started_ms: i64,
    /// 1 done, 2 waiting, 3 refused, 4 takeover member over limit.
    pub status: u8,
    pub takeover_time: i64,
}
