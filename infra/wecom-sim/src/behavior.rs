//! 联系客户统计: `POST externalcontact/get_user_behavior_data` and the control route that seeds
//! what a member did in WeCom's client on a day (`POST /sim/control/behavior`).
//!
//! WeCom's rules (wecom-api.md §9 "Consultant behaviour"): `userid[]` or `partyid[]` (at least
//! one), `start_time` and `end_time` (unix seconds) at most 30 days apart and within the last
//! 180 days; the answer is `behavior_data[]` with one entry per day (`stat_time` = that day's
//! 00:00 Beijing time), summed over the members asked about.
//!
//! What the simulator knows: chats, messages, replies and negative feedback cannot be derived
//! from anything it models (chat content never reaches the API), so a test seeds them per
//! member and day; `new_contact_cnt` is derived from the relationships themselves (relationships
//! whose `createtime` falls on that day, half adds excluded). A member and day never seeded
//! answer zeros, as WeCom does for a day without activity.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::control_error::{ControlError, ControlResult};
use crate::model::RelationStatus;
use crate::sim::Simulator;
use crate::state::State as SimState;
use crate::wx::{WxError, WxResult};

/// Beijing time (UTC+8): WeCom's days start at 16:00 UTC.
const DAY_OFFSET_SECS: i64 = 8 * 3600;
const DAY_SECS: i64 = 86_400;
/// The longest range one call may ask for.
pub const MAX_RANGE_DAYS: i64 = 30;
/// How far back data is kept.
pub const MAX_AGE_DAYS: i64 = 180;

/// What a member did on one day, as seeded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BehaviorDay {
    #[serde(default)]
    pub chat_cnt: i64,
    #[serde(default)]
    pub message_cnt: i64,
    /// Percentage of chats the member replied to (0–100).
    #[serde(default)]
    pub reply_percentage: f64,
    /// Minutes.
    #[serde(default)]
    pub avg_reply_time: i64,
    #[serde(default)]
    pub negative_feedback_cnt: i64,
    #[serde(default)]
    pub new_apply_cnt: i64,
}

/// Seeded behaviour by (userid, day start in unix seconds).
#[derive(Debug, Default)]
pub(crate) struct BehaviorState {
    pub days: BTreeMap<(String, i64), BehaviorDay>,
}

/// The unix second at which the (Beijing) day holding `t` starts.
pub fn day_start(t: i64) -> i64 {
    (t + DAY_OFFSET_SECS).div_euclid(DAY_SECS) * DAY_SECS - DAY_OFFSET_SECS
}

#[derive(Deserialize)]
pub(crate) struct BehaviorReq {
    #[serde(default)]
    userid: Vec<String>,
    #[serde(default)]
    partyid: Vec<u64>,
    start_time: Option<i64>,
    end_time: Option<i64>,
}

/// `POST externalcontact/get_user_behavior_data`.
pub(crate) fn get_user_behavior_data(st: &SimState, req: BehaviorReq, now: i64) -> WxResult {
    if req.userid.is_empty() && req.partyid.is_empty() {
        return Err(WxError::detail(
            40058,
            "userid and partyid cannot both be empty",
        ));
    }
    let (Some(start), Some(end)) = (req.start_time, req.end_time) else {
        return Err(WxError::detail(
            40058,
            "start_time and end_time are required",
        ));
    };
    if end < start {
        return Err(WxError::detail(40058, "end_time earlier than start_time"));
    }
    let first = day_start(start);
    let last = day_start(end);
    if (last - first) / DAY_SECS + 1 > MAX_RANGE_DAYS {
        return Err(WxError::detail(
            40058,
            "the range of start_time and end_time is over 30 days",
        ));
    }
    if first < day_start(now) - MAX_AGE_DAYS * DAY_SECS {
        return Err(WxError::detail(
            40058,
            "start_time is more than 180 days ago",
        ));
    }
    // Members: those named, plus those of the departments named (every member sits in
    // department 1, the simulated corp's root).
    let mut members: Vec<&str> = Vec::new();
    for u in &req.userid {
        match st.staff.get(u) {
            Some(s) if s.customer_contact => members.push(u.as_str()),
            Some(_) => {
                return Err(WxError::detail(
                    84074,
                    format!("member {u} has no customer contact permission"),
                ));
            }
            None => return Err(WxError::detail(60111, format!("userid not found: {u}"))),
        }
    }
    if req.partyid.iter().any(|p| *p != 1) {
        return Err(WxError::detail(60123, "invalid party id"));
    }
    if !req.partyid.is_empty() {
        members = st
            .staff
            .values()
            .filter(|s| s.customer_contact)
            .map(|s| s.userid.as_str())
            .collect();
    }
    members.sort_unstable();
    members.dedup();
    let mut data = Vec::new();
    let mut day = first;
    while day <= last {
        let mut total = BehaviorDay::default();
        let mut replied = 0.0;
        let mut new_contacts = 0_i64;
        for m in &members {
            if let Some(d) = st.behavior.days.get(&((*m).to_owned(), day)) {
                total.chat_cnt += d.chat_cnt;
                total.message_cnt += d.message_cnt;
                total.negative_feedback_cnt += d.negative_feedback_cnt;
                total.new_apply_cnt += d.new_apply_cnt;
                replied += d.reply_percentage * d.chat_cnt as f64;
                total.avg_reply_time += d.avg_reply_time * d.chat_cnt;
            }
            new_contacts += st
                .relations
                .values()
                .filter(|r| {
                    r.userid == *m
                        && r.status != RelationStatus::Half
                        && day_start(r.createtime) == day
                })
                .count() as i64;
        }
        // Percentages and times over several members are weighted by their chats.
        let (reply_percentage, avg_reply_time) = if total.chat_cnt > 0 {
            (
                (replied / total.chat_cnt as f64 * 100.0).round() / 100.0,
                total.avg_reply_time / total.chat_cnt,
            )
        } else {
            (0.0, 0)
        };
        data.push(json!({
            "stat_time": day,
            "chat_cnt": total.chat_cnt,
            "message_cnt": total.message_cnt,
            "reply_percentage": reply_percentage,
            "avg_reply_time": avg_reply_time,
            "negative_feedback_cnt": total.negative_feedback_cnt,
            "new_apply_cnt": total.new_apply_cnt,
            "new_contact_cnt": new_contacts,
        }));
        day += DAY_SECS;
    }
    Ok(json!({ "behavior_data": data }))
}

/// One seeded day: `date` (`YYYY-MM-DD`, Beijing) or `stat_time` (any second of the day).
#[derive(Debug, Deserialize)]
pub struct SeedBehavior {
    pub userid: String,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub stat_time: Option<i64>,
    #[serde(flatten)]
    pub day: BehaviorDay,
}

/// `{ "days": [SeedBehavior…] }`.
#[derive(Debug, Deserialize)]
pub struct SeedBehaviorRequest {
    pub days: Vec<SeedBehavior>,
}

fn date_start(date: &str) -> Option<i64> {
    let mut parts = date.split('-').map(|p| p.parse::<i64>().ok());
    let (Some(Some(y)), Some(Some(m)), Some(Some(d)), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * DAY_SECS - DAY_OFFSET_SECS)
}

impl Simulator {
    /// Records what members did on some days (replacing what was seeded for the same day).
    pub fn seed_behavior(&self, req: SeedBehaviorRequest) -> ControlResult<usize> {
        let mut st = self.lock();
        let mut rows = Vec::with_capacity(req.days.len());
        for s in req.days {
            if !st.staff.contains_key(&s.userid) {
                return Err(ControlError::NotFound(format!("no member {}", s.userid)));
            }
            let day = match (s.date.as_deref(), s.stat_time) {
                (Some(d), _) => date_start(d)
                    .ok_or_else(|| ControlError::BadRequest(format!("bad date {d}")))?,
                (None, Some(t)) => day_start(t),
                (None, None) => {
                    return Err(ControlError::BadRequest(
                        "date or stat_time is required".into(),
                    ));
                }
            };
            if !(0.0..=100.0).contains(&s.day.reply_percentage) {
                return Err(ControlError::BadRequest(
                    "reply_percentage must be 0 to 100".into(),
                ));
            }
            rows.push(((s.userid, day), s.day));
        }
        let n = rows.len();
        st.behavior.days.extend(rows);
        Ok(n)
    }
}

/// `POST /sim/control/behavior`.
pub(crate) async fn seed(State(sim): State<Simulator>, body: Bytes) -> Response {
    let parsed = serde_json::from_slice::<SeedBehaviorRequest>(&body)
        .map_err(|e| ControlError::BadRequest(format!("invalid json: {e}")));
    match parsed.and_then(|req| sim.seed_behavior(req)) {
        Ok(n) => (StatusCode::OK, Json(json!({ "seeded": n }))).into_response(),
        Err(e) => e.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_start_at_beijing_midnight() {
        // 2026-12-07 00:00 +08:00 = 2026-12-06T16:00:00Z.
        assert_eq!(date_start("2026-12-07"), Some(1_796_572_800));
        assert_eq!(day_start(1_796_572_800), 1_796_572_800);
        assert_eq!(day_start(1_796_572_800 + 86_399), 1_796_572_800);
        assert_eq!(day_start(1_796_572_799), 1_796_572_800 - 86_400);
        assert_eq!(date_start("2026-13-01"), None);
        assert_eq!(date_start("2026-1"), None);
    }
}
