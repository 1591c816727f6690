//! Customer handover (继承): `externalcontact/transfer_customer`, `transfer_result`,
//! `get_unassigned_list`, `resigned/transfer_customer`, `resigned/transfer_result`
//! (wecom-api.md §9). The state and the 24 h settlement are in `transfer.rs`.
//!
//! Error codes: 40058 for a call-level bad parameter (more than 100 customers, a message over
//! 200 characters, an empty list, `page_size` over 1000, a resigned handover from a member who
//! has not left); 60111 for an unknown member (a departed member for 在职继承 or as takeover);
//! 40130 handover = takeover. Per customer: 40096 unknown customer, 40131 not the handover
//! member's customer, 40129 already being transferred, 40128 reassigned twice in 90 days.
//! (40128–40131 are from WeCom's global error list; which call gives which is UNCONFIRMED.)

use serde::Deserialize;
use serde_json::{Value, json};

use super::common::check_member;
use crate::cursor::{decode_cursor, encode_cursor};
use crate::state::State as SimState;
use crate::transfer::{MAX_REASSIGN, TransferKind, TransferRec};
use crate::wx::{WxError, WxResult};

/// Most customers per transfer call.
pub(crate) const MAX_PER_CALL: usize = 100;
/// Most characters of `transfer_success_msg`.
pub(crate) const MAX_MSG_CHARS: usize = 200;
/// `transfer_result` page size (UNCONFIRMED; WeCom does not document it).
pub(crate) const RESULT_PAGE: usize = 100;
/// `get_unassigned_list` largest (and default) `page_size`.
pub(crate) const MAX_UNASSIGNED_PAGE: usize = 1000;

#[derive(Deserialize)]
pub(crate) struct TransferCustomerBody {
    #[serde(default)]
    handover_userid: String,
    #[serde(default)]
    takeover_userid: String,
    #[serde(default)]
    external_userid: Vec<String>,
    #[serde(default)]
    transfer_success_msg: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct TransferResultBody {
    #[serde(default)]
    handover_userid: String,
    #[serde(default)]
    takeover_userid: String,
    #[serde(default)]
    cursor: Option<String>,
}

#[derive(Deserialize, Default)]
pub(crate) struct UnassignedBody {
    #[serde(default)]
    cursor: Option<String>,
    #[serde(default)]
    page_size: Option<usize>,
}

/// A member who is present (not departed) with customer contact.
fn check_present(st: &SimState, userid: &str) -> Result<(), WxError> {
    if st.transfer.departed.contains_key(userid) {
        return Err(WxError::detail(60111, format!("{userid} has left")));
    }
    check_member(st, Some(userid))
}

pub(crate) fn transfer_customer(
    st: &mut SimState,
    body: TransferCustomerBody,
    kind: TransferKind,
    now_ms: i64,
) -> WxResult {
    if body.handover_userid.is_empty() || body.takeover_userid.is_empty() {
        return Err(WxError::detail(
            40058,
            "handover_userid and takeover_userid are required",
        ));
    }
    if body.external_userid.is_empty() {
        return Err(WxError::detail(40058, "external_userid is empty"));
    }
    if body.external_userid.len() > MAX_PER_CALL {
        return Err(WxError::detail(
            40058,
            format!("external_userid exceeds {MAX_PER_CALL}"),
        ));
    }
    if body
        .transfer_success_msg
        .as_deref()
        .is_some_and(|m| m.chars().count() > MAX_MSG_CHARS)
    {
        return Err(WxError::detail(
            40058,
            format!("transfer_success_msg exceeds {MAX_MSG_CHARS} characters"),
        ));
    }
    match kind {
        TransferKind::OnJob => check_present(st, &body.handover_userid)?,
        TransferKind::Resigned => {
            if !st.transfer.departed.contains_key(&body.handover_userid) {
                return Err(WxError::detail(40058, "handover_userid must have left"));
            }
        }
    }
    check_present(st, &body.takeover_userid)?;
    if body.handover_userid == body.takeover_userid {
        return Err(WxError::new(40130));
    }
    let mut customers = Vec::with_capacity(body.external_userid.len());
    for ext in &body.external_userid {
        let code = customer_check(st, &body.handover_userid, ext, now_ms);
        if code == 0 {
            st.transfer.transfers.push(TransferRec {
                kind,
                handover_userid: body.handover_userid.clone(),
                takeover_userid: body.takeover_userid.clone(),
                external_userid: ext.clone(),
                started_ms: now_ms,
                status: 2,
                takeover_time: 0,
            });
        }
        customers.push(json!({ "external_userid": ext, "errcode": code }));
    }
    Ok(json!({ "customer": customers }))
}

fn customer_check(st: &SimState, handover: &str, ext: &str, now_ms: i64) -> i64 {
    if !st.contacts.contains_key(ext) {
        return 40096;
    }
    if !st
        .relation(handover, ext)
        .is_some_and(|r| r.status.visible())
    {
        return 40131;
    }
    if st.transfer.waiting_index(ext).is_some() {
        return 40129;
    }
    if st.transfer.recent_reassignments(ext, now_ms) >= MAX_REASSIGN {
        return 40128;
    }
    0
}

pub(crate) fn transfer_result(
    st: &SimState,
    body: TransferResultBody,
    kind: TransferKind,
) -> WxResult {
    if body.handover_userid.is_empty() || body.takeover_userid.is_empty() {
        return Err(WxError::detail(
            40058,
            "handover_userid and takeover_userid are required",
        ));
    }
    // The latest transfer of each customer between the two members, in first-transfer order.
    let mut order: Vec<&str> = Vec::new();
    let mut latest: std::collections::HashMap<&str, &TransferRec> =
        std::collections::HashMap::new();
    for t in &st.transfer.transfers {
        if t.kind == kind
            && t.handover_userid == body.handover_userid
            && t.takeover_userid == body.takeover_userid
        {
            if !latest.contains_key(t.external_userid.as_str()) {
                order.push(&t.external_userid);
            }
            latest.insert(&t.external_userid, t);
        }
    }
    let start = decode_cursor(body.cursor.as_deref())?;
    let page: Vec<Value> = order
        .iter()
        .skip(start)
        .take(RESULT_PAGE)
        .filter_map(|e| latest.get(e))
        .map(|t| {
            json!({
                "external_userid": t.external_userid,
                "status": t.status,
                "takeover_time": t.takeover_time,
            })
        })
        .collect();
    let end = start + page.len();
    let mut out = json!({ "customer": page });
    if end < order.len()
        && let Some(o) = out.as_object_mut()
    {
        o.insert("next_cursor".to_owned(), Value::from(encode_cursor(end)));
    }
    Ok(out)
}

pub(crate) fn get_unassigned_list(st: &SimState, body: UnassignedBody) -> WxResult {
    let page_size = match body.page_size {
        None | Some(0) => MAX_UNASSIGNED_PAGE,
        Some(n) if n > MAX_UNASSIGNED_PAGE => {
            return Err(WxError::detail(40058, "page_size exceeds 1000"));
        }
        Some(n) => n,
    };
    let mut all = Vec::new();
    for (userid, dimission_time) in &st.transfer.departed {
        for r in st.member_relations_after(userid, None) {
            if !r.status.visible() {
                continue;
            }
            let taken = st.transfer.transfers.iter().any(|t| {
                t.external_userid == r.external_userid
                    && t.handover_userid == *userid
                    && matches!(t.status, 1 | 2)
            });
            if !taken {
                all.push(json!({
                    "handover_userid": userid,
                    "external_userid": r.external_userid,
                    "dimission_time": dimission_time,
                }));
            }
        }
    }
    let start = decode_cursor(body.cursor.as_deref())?;
    let page: Vec<Value> = all.iter().skip(start).take(page_size).cloned().collect();
    let end = start + page.len();
    let is_last = end >= all.len();
    Ok(json!({
        "info": page,
        "is_last": is_last,
        "next_cursor": if is_last { String::new() } else { encode_cursor(end) },
    }))
}
