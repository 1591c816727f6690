//! The member's side of 企业群发 (wecom-api.md §5): `POST /sim/control/groupmsg/confirm` (the
//! member sends their pending tasks in the WeCom client), `GET /sim/control/groupmsgs`,
//! `GET|POST /sim/control/groupmsg/quota` and `POST /sim/control/groupmsg/received`. The
//! per-customer quota is checked when the member sends, not at creation.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::common::{answer, parse};
use crate::clock::DAY_MS;
use crate::control_error::ControlError;
use crate::model::{
    GroupMsgConfirmOutcome, GroupMsgConfirmRequest, GroupMsgQuotaRequest, GroupMsgQuotaStatus,
    GroupMsgReceivedRequest, GroupMsgRecord, QuotaRule, RelationStatus, groupmsg_status,
};
use crate::sim::Simulator;
use crate::state::State as SimState;

/// Asia/Shanghai is UTC+8 all year (no daylight saving time).
const SHANGHAI_OFFSET_MS: i64 = 8 * 3_600_000;

// ---------------------------------------------------------------------------------------------
// Quota periods (Asia/Shanghai)
// ---------------------------------------------------------------------------------------------

/// Days since 1970-01-01 in Shanghai local time.
fn local_day(ms: i64) -> i64 {
    (ms + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS)
}

/// (year, month 1–12, day 1–31) of a day number (days since 1970-01-01), proleptic Gregorian.
/// Howard Hinnant's `civil_from_days`.
pub(crate) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// The period `ms` falls in under `rule`: comparable keys, equal within one period.
pub(crate) fn period_key(rule: QuotaRule, ms: i64) -> i64 {
    let day = local_day(ms);
    match rule {
        QuotaRule::Day => day,
        // 1970-01-01 was a Thursday: +3 makes Monday the first day of a week.
        QuotaRule::Week => (day + 3).div_euclid(7),
        QuotaRule::Month => {
            let (y, m, _) = civil_from_days(day);
            y * 12 + i64::from(m)
        }
    }
}

/// How many 群发 a customer may receive in the period of `ms` under `rule`.
pub(crate) fn period_cap(rule: QuotaRule, ms: i64) -> u32 {
    match rule {
        QuotaRule::Day => 1,
        QuotaRule::Week => 7,
        QuotaRule::Month => {
            let (y, m, _) = civil_from_days(local_day(ms));
            days_in_month(y, m)
        }
    }
}

fn received_in_period(st: &SimState, external_userid: &str, now_ms: i64) -> u32 {
    let key = period_key(st.groupmsg_quota, now_ms);
    let n = st.groupmsg_received.get(external_userid).map_or(0, |log| {
        log.iter()
            .filter(|t| period_key(st.groupmsg_quota, **t) == key)
            .count()
    });
    u32::try_from(n).unwrap_or(u32::MAX)
}

// ---------------------------------------------------------------------------------------------
// The member's side (control API)
// ---------------------------------------------------------------------------------------------

/// Sends task `i` now: every recipient gets status 1, 2 (no longer a friend) or 3 (over quota).
fn send_task(st: &mut SimState, i: usize, now_ms: i64, out: &mut GroupMsgConfirmOutcome) {
    let Some(msg) = st.group_msgs.get(i) else {
        return;
    };
    let creator = msg.creator.clone();
    let targets: Vec<(String, bool)> = msg
        .recipients
        .iter()
        .map(|r| {
            let friend = st
                .relation(&creator, &r.external_userid)
                .is_some_and(|rel| rel.status == RelationStatus::Active);
            (r.external_userid.clone(), friend)
        })
        .collect();
    let now = now_ms.div_euclid(1000);
    let rule = st.groupmsg_quota;
    let cap = period_cap(rule, now_ms);
    let mut results = Vec::with_capacity(targets.len());
    for (ext, friend) in targets {
        let result = if !friend {
            out.not_friend += 1;
            (groupmsg_status::NOT_A_FRIEND, None)
        } else if received_in_period(st, &ext, now_ms) >= cap {
            out.over_quota += 1;
            (groupmsg_status::OVER_QUOTA, None)
        } else {
            st.groupmsg_received.entry(ext).or_default().push(now_ms);
            out.sent += 1;
            (groupmsg_status::SENT, Some(now))
        };
        results.push(result);
    }
    if let Some(msg) = st.group_msgs.get_mut(i) {
        for (r, (status, send_time)) in msg.recipients.iter_mut().zip(results) {
            r.status = status;
            r.send_time = send_time;
        }
        msg.task_status = groupmsg_status::TASK_SENT;
        msg.task_send_time = Some(now);
        out.msgids.push(msg.msgid.clone());
    }
}

impl Simulator {
    /// The member confirms (sends) their pending, non-cancelled 群发 tasks in the WeCom client:
    /// all of them, or only `msgid`. The per-customer quota is checked now, recipient by
    /// recipient; a relationship that ended since the task was created gives status 2.
    pub fn confirm_group_msgs(
        &self,
        req: &GroupMsgConfirmRequest,
    ) -> Result<GroupMsgConfirmOutcome, ControlError> {
        let now_ms = self.now_ms();
        let mut st = self.lock();
        if !st.staff.contains_key(&req.userid) {
            return Err(ControlError::NotFound(format!("no member {}", req.userid)));
        }
        let msgid = req.msgid.as_deref().filter(|m| !m.is_empty());
        if let Some(id) = msgid {
            match st.group_msgs.iter().find(|m| m.msgid == id) {
                None => return Err(ControlError::NotFound(format!("no group msg {id}"))),
                Some(m) if m.creator != req.userid => {
                    return Err(ControlError::BadRequest(format!(
                        "group msg {id} is a task of {}, not {}",
                        m.creator, req.userid
                    )));
                }
                Some(_) => {}
            }
        }
        let pending: Vec<usize> = st
            .group_msgs
            .iter()
            .enumerate()
            .filter(|(_, m)| {
                m.creator == req.userid
                    && !m.cancelled
                    && m.task_status == groupmsg_status::NOT_SENT
                    && msgid.is_none_or(|id| id == m.msgid)
            })
            .map(|(i, _)| i)
            .collect();
        let mut out = GroupMsgConfirmOutcome::default();
        for i in pending {
            send_task(&mut st, i, now_ms, &mut out);
        }
        Ok(out)
    }

    /// Every 群发 task, oldest first.
    pub fn group_msgs(&self) -> Vec<GroupMsgRecord> {
        self.lock().group_msgs.clone()
    }

    /// The per-customer quota rule in force.
    pub fn groupmsg_quota(&self) -> QuotaRule {
        self.lock().groupmsg_quota
    }

    /// Switches the per-customer quota rule (群发助手 → 群发规则).
    pub fn set_groupmsg_quota(&self, rule: QuotaRule) {
        self.lock().groupmsg_quota = rule;
    }

    /// The customer already received `count` 群发 in the current period from elsewhere.
    pub fn record_groupmsg_received(
        &self,
        req: &GroupMsgReceivedRequest,
    ) -> Result<GroupMsgQuotaStatus, ControlError> {
        if req.external_userid.trim().is_empty() {
            return Err(ControlError::BadRequest(
                "external_userid is required".to_owned(),
            ));
        }
        if req.count > 10_000 {
            return Err(ControlError::BadRequest(
                "count must be at most 10000".to_owned(),
            ));
        }
        let now_ms = self.now_ms();
        let mut st = self.lock();
        let log = st
            .groupmsg_received
            .entry(req.external_userid.clone())
            .or_default();
        log.extend(std::iter::repeat_n(now_ms, req.count as usize));
        let rule = st.groupmsg_quota;
        Ok(GroupMsgQuotaStatus {
            external_userid: req.external_userid.clone(),
            rule,
            received: received_in_period(&st, &req.external_userid, now_ms),
            cap: period_cap(rule, now_ms),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// HTTP handlers
// ---------------------------------------------------------------------------------------------

pub(crate) async fn confirm(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<GroupMsgConfirmRequest>(&body) {
        Ok(req) => answer(sim.confirm_group_msgs(&req)),
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn list(State(sim): State<Simulator>) -> Response {
    answer(Ok::<_, ControlError>(sim.group_msgs()))
}

pub(crate) async fn get_quota(State(sim): State<Simulator>) -> Response {
    answer(Ok::<_, ControlError>(GroupMsgQuotaRequest {
        rule: sim.groupmsg_quota(),
    }))
}

pub(crate) async fn set_quota(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<GroupMsgQuotaRequest>(&body) {
        Ok(req) => {
            sim.set_groupmsg_quota(req.rule);
            answer(Ok::<_, ControlError>(req))
        }
        Err(e) => e.into_response(),
    }
}

pub(crate) async fn received(State(sim): State<Simulator>, body: Bytes) -> Response {
    match parse::<GroupMsgReceivedRequest>(&body) {
        Ok(req) => answer(sim.record_groupmsg_received(&req)),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    /// Unix ms of a Shanghai local midnight.
    fn shanghai_midnight(y: i64, m: u32, d: u32) -> i64 {
        // Inverse of civil_from_days by search (tests only).
        let mut day = (y - 1970) * 365;
        loop {
            let (yy, mm, dd) = civil_from_days(day);
            if (yy, mm, dd) == (y, m, d) {
                return day * DAY_MS - SHANGHAI_OFFSET_MS;
            }
            day += 1;
        }
    }

    #[test]
    fn civil_dates_and_month_lengths() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2025, 2), 28);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2025, 4), 30);
    }

    #[test]
    fn periods_follow_shanghai_time() {
        let feb = shanghai_midnight(2024, 2, 1);
        assert_eq!(period_cap(QuotaRule::Month, feb), 29);
        assert_eq!(
            period_cap(QuotaRule::Month, feb - 1),
            31,
            "still January locally"
        );
        assert_eq!(period_cap(QuotaRule::Week, feb), 7);
        assert_eq!(period_cap(QuotaRule::Day, feb), 1);
        // 2024-02-01 00:00 Shanghai is 2024-01-31 16:00 UTC: a new day locally.
        assert_ne!(
            period_key(QuotaRule::Day, feb),
            period_key(QuotaRule::Day, feb - 1)
        );
        assert_eq!(
            period_key(QuotaRule::Day, feb),
            period_key(QuotaRule::Day, feb + 23 * H)
        );
        // 2024-02-05 is a Monday: weeks change there, not on Sunday.
        let mon = shanghai_midnight(2024, 2, 5);
        assert_ne!(
            period_key(QuotaRule::Week, mon),
            period_key(QuotaRule::Week, mon - 1)
        );
        assert_eq!(
            period_key(QuotaRule::Week, mon),
            period_key(QuotaRule::Week, mon + 6 * 24 * H + 23 * H)
        );
        assert_eq!(
            period_key(QuotaRule::Month, feb),
            period_key(QuotaRule::Month, feb + 28 * 24 * H)
        );
    }
}
