//! Customer handover (继承) state: departed members, transfers and their settlement.
//!
//! Facts (wecom-api.md §9): a transfer starts as status 2 (等待接替); the customer has 24 h to
//! refuse (status 3, `transfer_fail` callback with `customer_refused`); with no answer the
//! takeover happens after 24 h (status 1) unless the takeover member is at their customer
//! limit (status 4, `transfer_fail` with `customer_limit_exceed`). A customer may be
//! reassigned at most twice in 90 days (40128 for the third).
//!
//! Settlement is lazy: every `/cgi-bin/` call first settles the transfers whose 24 h have passed
//! on the simulated clock; the callbacks this causes are queued in `outbox` and delivered by
//! the API pipeline after the answer.
//!
//! Choices where the facts are silent (documented in the crate docs as well):
//! - On completion the handover member's relationship ends (status `deleted_by_staff`) and the
//!   takeover member's begins with the same remark, description, remark phones and corp tags,
//!   `add_way` 202 (管理员/负责人分配), `createtime` = the takeover time.
//! - Callbacks on completion: `add_external_contact` (no State, no WelcomeCode) for the takeover
//!   member; for 在职继承 also `del_external_contact` with `Source=DELETE_BY_TRANSFER` for the
//!   handover member. A departed member's relationship ends without a callback.
//! - A departed member keeps their relationships (so `get_unassigned_list` lists them) but loses
//!   customer contact (no longer in `get_follow_user_list`).

use std::collections::{BTreeMap, BTreeSet};

use wecom_callback::builder::{ExternalContactExtras, external_contact_xml_full};

use crate::clock::DAY_MS;
use crate::model::RelationStatus;
use crate::state::{Relation, State};

/// The customer's window to refuse; the takeover happens after it.
pub(crate) const TAKEOVER_AFTER_MS: i64 = DAY_MS;
/// The window of the "at most twice" rule.
pub(crate) const REASSIGN_WINDOW_MS: i64 = 90 * DAY_MS;
/// Reassignments allowed in [`REASSIGN_WINDOW_MS`].
pub(crate) const MAX_REASSIGN: usize = 2;

/// 在职继承 or 离职继承.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TransferKind {
    OnJob,
    Resigned,
}

/// One customer's transfer.
#[derive(Clone, Debug)]
pub(crate) struct TransferRec {
    pub kind: TransferKind,
    pub handover_userid: String,
    pub takeover_userid: String,
    pub external_userid: String,
    pub started_ms: i64,
    /// 1 done, 2 waiting, 3 refused, 4 takeover member over limit.
    pub status: u8,
    /// Unix seconds of the takeover (status 1), else 0.
    pub takeover_time: i64,
}

/// A callback to deliver after the current call: (kind, inner xml).
pub(crate) type Outgoing = (String, String);

#[derive(Debug, Default)]
pub(crate) struct TransferState {
    /// Departed members: userid → dimission_time (unix seconds).
    pub departed: BTreeMap<String, i64>,
    /// Every transfer, oldest first.
    pub transfers: Vec<TransferRec>,
    /// Takeover members at their customer limit.
    pub over_limit: BTreeSet<String>,
    /// Callbacks waiting for delivery.
    pub outbox: Vec<Outgoing>,
}

impl TransferState {
    /// The waiting transfer of a customer, if any.
    pub fn waiting_index(&self, external_userid: &str) -> Option<usize> {
        self.transfers
            .iter()
            .position(|t| t.status == 2 && t.external_userid == external_userid)
    }

    /// Reassignments of a customer that count for the 90-day rule (started, not failed).
    pub fn recent_reassignments(&self, external_userid: &str, now_ms: i64) -> usize {
        self.transfers
            .iter()
            .filter(|t| {
                t.external_userid == external_userid
                    && matches!(t.status, 1 | 2)
                    && now_ms - t.started_ms < REASSIGN_WINDOW_MS
            })
            .count()
    }
}

fn xml(
    corp_id: &str,
    change_type: &str,
    userid: &str,
    ext: &str,
    extras: &ExternalContactExtras<'_>,
    at_secs: i64,
) -> Outgoing {
    (
        format!("change_external_contact/{change_type}"),
        external_contact_xml_full(corp_id, change_type, userid, ext, extras, at_secs),
    )
}

/// The `transfer_fail` callback for a transfer to `takeover`.
pub(crate) fn transfer_fail_event(
    corp_id: &str,
    takeover: &str,
    ext: &str,
    reason: &str,
    at_secs: i64,
) -> Outgoing {
    xml(
        corp_id,
        "transfer_fail",
        takeover,
        ext,
        &ExternalContactExtras {
            fail_reason: Some(reason),
            ..ExternalContactExtras::default()
        },
        at_secs,
    )
}

impl State {
    /// Settles every waiting transfer whose 24 h have passed at `now_ms`.
    pub(crate) fn settle_transfers(&mut self, corp_id: &str, now_ms: i64) {
        let due: Vec<usize> = self
            .transfer
            .transfers
            .iter()
            .enumerate()
            .filter(|(_, t)| t.status == 2 && now_ms >= t.started_ms + TAKEOVER_AFTER_MS)
            .map(|(i, _)| i)
            .collect();
        for i in due {
            let Some(t) = self.transfer.transfers.get(i).cloned() else {
                continue;
            };
            let at_ms = t.started_ms + TAKEOVER_AFTER_MS;
            let at = at_ms.div_euclid(1000);
            if self.transfer.over_limit.contains(&t.takeover_userid) {
                if let Some(rec) = self.transfer.transfers.get_mut(i) {
                    rec.status = 4;
                }
                let ev = transfer_fail_event(
                    corp_id,
                    &t.takeover_userid,
                    &t.external_userid,
                    "customer_limit_exceed",
                    at,
                );
                self.transfer.outbox.push(ev);
                continue;
            }
            if let Some(rec) = self.transfer.transfers.get_mut(i) {
                rec.status = 1;
                rec.takeover_time = at;
            }
            self.move_relation(corp_id, &t, at);
        }
    }

    fn move_relation(&mut self, corp_id: &str, t: &TransferRec, at: i64) {
        let Some(old) = self
            .relation(&t.handover_userid, &t.external_userid)
            .cloned()
        else {
            return;
        };
        if let Some(r) = self.relation_mut(&t.handover_userid, &t.external_userid) {
            r.status = RelationStatus::DeletedByStaff;
        }
        let seq = self.next_seq();
        self.insert_relation(Relation {
            seq,
            userid: t.takeover_userid.clone(),
            external_userid: t.external_userid.clone(),
            remark: old.remark.clone(),
            description: old.description.clone(),
            createtime: at,
            tag_ids: old.tag_ids.clone(),
            remark_corp_name: old.remark_corp_name.clone(),
            remark_mobiles: old.remark_mobiles.clone(),
            add_way: 202,
            oper_userid: t.takeover_userid.clone(),
            state: String::new(),
            status: RelationStatus::Active,
        });
        if t.kind == TransferKind::OnJob {
            let ev = xml(
                corp_id,
                "del_external_contact",
                &t.handover_userid,
                &t.external_userid,
                &ExternalContactExtras {
                    source: Some("DELETE_BY_TRANSFER"),
                    ..ExternalContactExtras::default()
                },
                at,
            );
            self.transfer.outbox.push(ev);
        }
        let ev = xml(
            corp_id,
            "add_external_contact",
            &t.takeover_userid,
            &t.external_userid,
            &ExternalContactExtras::default(),
            at,
        );
        self.transfer.outbox.push(ev);
    }
}
