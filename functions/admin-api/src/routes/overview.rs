//! 概览: the dashboard's numbers in one answer, read from the maintained per-channel, per-day
//! counters (days × channels items) and each in-flight campaign's counters — never a walk of
//! customers or recipients, so it costs the same at 1 000 000 customers as at 1 000.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use crm::aggregates::Aggregates;
use crm::aggregates::contribution::channel;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::campaigns::status_name;
use super::stats::shanghai_day;
use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;

const DAY_MS: i64 = 86_400_000;
/// Asia/Shanghai is UTC+8 all year.
const SHANGHAI_OFFSET_MS: i64 = 8 * 3_600_000;
/// The most recent campaigns looked at for those still in flight.
const RECENT_CAMPAIGNS: usize = 50;
/// Dead letters counted per queue (the alert needs "some", the ops page lists them).
const DEAD_LETTERS_COUNTED: usize = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OverviewQuery {
    /// The window in Beijing days, today included: 1–90, default 30.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 90)]
    pub days: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelDayCount {
    /// Asia/Shanghai calendar day, `YYYY-MM-DD`.
    pub day: String,
    /// The channel (`state`); empty when the customer came without one.
    pub state: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewChannel {
    /// The channel (`state`); empty for customers without one.
    pub state: String,
    /// The configured label, when the channel is configured.
    pub label: Option<String>,
    /// Customers first added through the channel in the window.
    pub new_customers: u64,
    /// Of those, still connected to a consultant.
    pub still_connected: u64,
    /// Appointments recorded in the window by customers first added through the channel.
    pub appointments: u64,
    /// Purchases made in the window by those customers, and their amount.
    pub purchases: u64,
    pub revenue_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignInFlight {
    pub id: String,
    pub name: String,
    /// `scheduled`, `deferred`, `resolving`, `sending` or `tracking`.
    pub status: String,
    pub send_at_ms: i64,
    pub targeted: u64,
    pub sent: u64,
    /// Group-send tasks the consultants have not confirmed yet.
    pub awaiting_staff: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QueueDeadLetters {
    pub queue: String,
    /// Up to 100 are counted.
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OverviewView {
    /// Start of the window: 00:00 Beijing time, `days - 1` days before today.
    pub from_ms: i64,
    pub to_ms: i64,
    pub days: u32,
    pub new_customers: u64,
    pub still_connected: u64,
    pub appointments: u64,
    pub purchases: u64,
    pub revenue_fen: i64,
    /// New customers per day and channel (only days with some).
    pub new_customers_per_day: Vec<ChannelDayCount>,
    /// Every configured channel and every channel seen in the window.
    pub channels: Vec<OverviewChannel>,
    /// Campaigns not finished yet, among the 50 most recent.
    pub campaigns_in_flight: Vec<CampaignInFlight>,
    /// Group-send tasks of those campaigns waiting for their consultant to confirm.
    pub tasks_awaiting_staff: u64,
    pub dead_letters: u64,
    pub dead_letters_by_queue: Vec<QueueDeadLetters>,
}

fn parse_days(v: Option<&str>) -> ApiResult<u32> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(30),
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=90).contains(d))
            .ok_or_else(|| ApiError::invalid_field("days", "days 必须是 1 到 90 之间的整数")),
    }
}

/// Start of the Beijing day `days - 1` days before the one holding `now_ms`.
fn window_start(now_ms: i64, days: u32) -> i64 {
    let today = (now_ms + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS;
    today - i64::from(days - 1) * DAY_MS
}

#[derive(Default)]
struct Tally {
    new_customers: u64,
    still_connected: u64,
    appointments: u64,
    purchases: u64,
    revenue_fen: i64,
}

/// New customers per day by channel, still connected, appointments and revenue by channel,
/// campaigns in flight with the tasks awaiting consultants, and the dead letters.
#[utoipa::path(get, path = "/api/overview", tag = "overview", params(OverviewQuery),
    responses((status = 200, body = OverviewView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn overview(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<OverviewQuery>,
) -> ApiResult<Json<OverviewView>> {
    let days = parse_days(q.days.as_deref())?;
    let to_ms = state.clock.now_ms();
    let from_ms = window_start(to_ms, days);
    let config = state.config().await?;
    let days_counted = Aggregates::new(state.store.clone())
        .channel_days(&shanghai_day(from_ms), &shanghai_day(to_ms))
        .await?;

    let mut channels: BTreeMap<String, Tally> = config
        .channels
        .keys()
        .map(|s| (s.clone(), Tally::default()))
        .collect();
    let mut per_day: BTreeMap<(String, String), u64> = BTreeMap::new();
    for d in days_counted {
        let c = &d.counts;
        let tally = channels.entry(d.state.clone()).or_default();
        tally.new_customers += c.count(channel::CUSTOMERS);
        tally.still_connected += c.count(channel::CUSTOMERS_CONNECTED);
        tally.appointments += c.count(channel::APPOINTMENTS);
        tally.purchases += c.count(channel::PURCHASES);
        tally.revenue_fen += c.get(channel::REVENUE_FEN);
        let added = c.count(channel::CUSTOMERS);
        if added > 0 {
            *per_day.entry((d.day, d.state)).or_default() += added;
        }
    }

    let (recent, _) = state.campaigns.repo().list(RECENT_CAMPAIGNS, None).await?;
    let mut campaigns_in_flight = Vec::new();
    let mut tasks_awaiting_staff = 0;
    for c in recent.into_iter().filter(|c| !c.status.is_final()) {
        let funnel = state.campaigns.funnel(&c.id).await?.unwrap_or_default();
        tasks_awaiting_staff += funnel.total.awaiting_staff;
        campaigns_in_flight.push(CampaignInFlight {
            status: status_name(&c.status),
            id: c.id,
            name: c.name,
            send_at_ms: c.send_at_ms,
            targeted: funnel.total.targeted,
            sent: funnel.total.sent,
            awaiting_staff: funnel.total.awaiting_staff,
        });
    }

    let mut dead_letters_by_queue = Vec::new();
    for (queue, letters) in state.dead_letters.iter() {
        let found = letters
            .list(DEAD_LETTERS_COUNTED)
            .await
            .map_err(|_| ApiError::unavailable())?;
        dead_letters_by_queue.push(QueueDeadLetters {
            queue: queue.clone(),
            count: found.len() as u64,
        });
    }

    let total = |f: fn(&Tally) -> u64| channels.values().map(f).sum::<u64>();
    Ok(Json(OverviewView {
        from_ms,
        to_ms,
        days,
        new_customers: total(|t| t.new_customers),
        still_connected: total(|t| t.still_connected),
        appointments: total(|t| t.appointments),
        purchases: total(|t| t.purchases),
        revenue_fen: channels.values().map(|t| t.revenue_fen).sum(),
        new_customers_per_day: per_day
            .into_iter()
            .map(|((day, state), count)| ChannelDayCount { day, state, count })
            .collect(),
        channels: channels
            .into_iter()
            .map(|(s, t)| OverviewChannel {
                label: config.channels.get(&s).map(|c| c.label.clone()),
                state: s,
                new_customers: t.new_customers,
                still_connected: t.still_connected,
                appointments: t.appointments,
                purchases: t.purchases,
                revenue_fen: t.revenue_fen,
            })
            .collect(),
        campaigns_in_flight,
        tasks_awaiting_staff,
        dead_letters: dead_letters_by_queue.iter().map(|q| q.count).sum(),
        dead_letters_by_queue,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_starts_at_beijing_midnight() {
        // 2026-12-06 03:00 Beijing = 2026-12-05 19:00 UTC.
        let now = 1_796_497_200_000;
        assert_eq!(shanghai_day(now), "2026-12-06");
        let start = window_start(now, 1);
        assert_eq!(shanghai_day(start), "2026-12-06");
        assert_eq!(shanghai_day(start - 1), "2026-12-05");
        assert_eq!(shanghai_day(window_start(now, 30)), "2026-11-07");
    }

    #[test]
    fn days_outside_one_to_ninety_are_refused() {
        assert_eq!(parse_days(None).ok(), Some(30));
        assert_eq!(parse_days(Some("7")).ok(), Some(7));
        for bad in ["0", "91", "x", "-1"] {
            assert!(parse_days(Some(bad)).is_err(), "{bad}");
        }
    }
}
