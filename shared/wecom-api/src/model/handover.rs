//! Customer handover (继承, wecom-api.md §9): `transfer_customer`, `transfer_result`,
//! `get_unassigned_list` and the `resigned/` variants.

use serde::{Deserialize, Serialize};

use super::rules::{RuleError, rule};

/// Most customers one transfer call takes.
pub const MAX_TRANSFER_CUSTOMERS: usize = 100;
/// Most characters of `transfer_success_msg`.
pub const MAX_TRANSFER_MSG_CHARS: usize = 200;
/// Largest `get_unassigned_list` `page_size`.
pub const MAX_UNASSIGNED_PAGE_SIZE: u32 = 1000;

/// Transfer status 1: 接替完毕 (done).
pub const TRANSFER_DONE: i64 = 1;
/// Transfer status 2: 等待接替 (waiting).
pub const TRANSFER_WAITING: i64 = 2;
/// Transfer status 3: 客户拒绝 (refused).
pub const TRANSFER_REFUSED: i64 = 3;
/// Transfer status 4: 接替成员客户达到上限 (takeover member's limit).
pub const TRANSFER_OVER_LIMIT: i64 = 4;
/// Transfer status 5: 无接替记录 (no transfer record).
pub const TRANSFER_NO_RECORD: i64 = 5;

/// Per-customer errcode: reassigned too often (at most twice in 90 days).
pub const ERR_TRANSFER_TOO_FREQUENT: i64 = 40128;
/// Per-customer errcode: the customer is already being transferred.
pub const ERR_TRANSFER_IN_PROGRESS: i64 = 40129;
/// handover_userid = takeover_userid.
pub const ERR_TRANSFER_SAME_MEMBER: i64 = 40130;
/// Per-customer errcode: the handover member does not follow the customer.
pub const ERR_TRANSFER_NOT_FOLLOWER: i64 = 40131;

/// `transfer_customer` (在职继承) and `resigned/transfer_customer` (离职继承, which has no
/// message: `transfer_success_msg` is not sent).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferCustomers {
    pub handover_userid: String,
    pub takeover_userid: String,
    pub external_userid: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer_success_msg: Option<String>,
}

impl TransferCustomers {
    /// Required ids, 1 to 100 customers, a message of at most 200 characters.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.handover_userid.is_empty() {
            return Err(rule("handover_userid", "is required"));
        }
        if self.takeover_userid.is_empty() {
            return Err(rule("takeover_userid", "is required"));
        }
        if self.handover_userid == self.takeover_userid {
            return Err(rule("takeover_userid", "must differ from handover_userid"));
        }
        if self.external_userid.is_empty() || self.external_userid.len() > MAX_TRANSFER_CUSTOMERS {
            return Err(rule(
                "external_userid",
                format!(
                    "must hold 1 to {MAX_TRANSFER_CUSTOMERS} ids, not {}",
                    self.external_userid.len()
                ),
            ));
        }
        if self
            .transfer_success_msg
            .as_ref()
            .is_some_and(|m| m.chars().count() > MAX_TRANSFER_MSG_CHARS)
        {
            return Err(rule(
                "transfer_success_msg",
                format!("is over {MAX_TRANSFER_MSG_CHARS} characters"),
            ));
        }
        Ok(())
    }
}

/// One customer's answer to a transfer call: 0 = the handover started (not done).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferStarted {
    pub external_userid: String,
    #[serde(default)]
    pub errcode: i64,
}

/// A transfer call's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferCustomersResult {
    #[serde(default)]
    pub customer: Vec<TransferStarted>,
}

/// One customer in `transfer_result`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferStatus {
    pub external_userid: String,
    /// 1 done, 2 waiting, 3 refused, 4 takeover member over limit, 5 no record.
    #[serde(default)]
    pub status: i64,
    /// Unix seconds of the takeover (0 while not done).
    #[serde(default)]
    pub takeover_time: i64,
}

/// One page of `transfer_result`; `next_cursor` is empty on the last.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferResultPage {
    #[serde(default)]
    pub customer: Vec<TransferStatus>,
    #[serde(default)]
    pub next_cursor: String,
}

/// A departed member's customer awaiting assignment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnassignedCustomer {
    pub handover_userid: String,
    pub external_userid: String,
    /// Unix seconds the member left.
    #[serde(default)]
    pub dimission_time: i64,
}

/// One page of `get_unassigned_list`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnassignedPage {
    #[serde(default)]
    pub info: Vec<UnassignedCustomer>,
    #[serde(default = "yes")]
    pub is_last: bool,
    #[serde(default)]
    pub next_cursor: String,
}

fn yes() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(n: usize, msg: Option<&str>) -> TransferCustomers {
        TransferCustomers {
            handover_userid: "a".into(),
            takeover_userid: "b".into(),
            external_userid: (0..n).map(|i| format!("wm{i}")).collect(),
            transfer_success_msg: msg.map(str::to_owned),
        }
    }

    #[test]
    fn transfer_rules() {
        assert!(req(100, Some(&"字".repeat(200))).validate().is_ok());
        assert_eq!(
            req(101, None).validate().map_err(|e| e.field),
            Err("external_userid".to_owned())
        );
        assert_eq!(
            req(0, None).validate().map_err(|e| e.field),
            Err("external_userid".to_owned())
        );
        assert_eq!(
            req(1, Some(&"字".repeat(201)))
                .validate()
                .map_err(|e| e.field),
            Err("transfer_success_msg".to_owned())
        );
        let mut same = req(1, None);
        same.takeover_userid = "a".into();
        assert!(same.validate().is_err());
    }

    #[test]
    fn unassigned_page_decodes() {
        let p: UnassignedPage = serde_json::from_str(
            r#"{"errcode":0,"info":[{"handover_userid":"z","external_userid":"wm1","dimission_time":5}],"is_last":false,"next_cursor":"c"}"#,
        )
        .unwrap_or_default();
        assert_eq!(p.info.len(), 1);
        assert!(!p.is_last);
        assert_eq!(p.next_cursor, "c");
    }
}
