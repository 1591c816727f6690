//! Channel statistics: what each 「联系我」 channel (`state`) brought in over a period.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Extension, State};
use crm::aggregates::contribution::channel;
use crm::aggregates::{Aggregates, Counts, RebuildReport};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;

const DAY_MS: i64 = 86_400_000;
/// Asia/Shanghai is UTC+8 all year (no DST).
const SHANGHAI_OFFSET_MS: i64 = 8 * 3_600_000;
const MAX_RANGE_MS: i64 = 366 * DAY_MS;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChannelStatsQuery {
    /// Start (ms, inclusive). Default: 30 days before `to_ms`.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub from_ms: Option<String>,
    /// End (ms, inclusive). Default: now.
    #[param(value_type = Option<i64>, minimum = 0)]
    pub to_ms: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DayCount {
    /// Asia/Shanghai calendar day, `YYYY-MM-DD`.
    pub day: String,
    pub count: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelStats {
    /// The channel's `state`.
    pub state: String,
    /// The configured label, when the channel is configured.
    pub label: Option<String>,
    /// Relationships added through the channel in the range (whole Beijing days).
    pub added: u64,
    /// Customers first added through the channel in the range (merged records left out).
    pub added_customers: u64,
    /// Only days with adds.
    pub added_per_day: Vec<DayCount>,
    /// Of the relationships added in the range: still active, pending (half-added), ended.
    pub still_connected: u64,
    pub pending: u64,
    pub ended: u64,
    /// Relationships of the channel that ended in the range, whenever they were added.
    pub ended_in_range: u64,
    /// Appointments recorded in the range by customers of this channel (their first channel
    /// when the appointment was recorded).
    pub appointments: u64,
    /// Purchases made in the range by customers of this channel.
    pub purchases: u64,
    pub purchase_amount_fen: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelStatsReport {
    pub from_ms: i64,
    pub to_ms: i64,
    pub channels: Vec<ChannelStats>,
}

fn ms(field: &str, v: Option<&str>) -> ApiResult<Option<i64>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(Some)
            .ok_or_else(|| ApiError::invalid_field(field, format!("{field} 必须是毫秒时间戳"))),
    }
}

/// The Asia/Shanghai calendar day of an instant, `YYYY-MM-DD`.
pub fn shanghai_day(at_ms: i64) -> String {
    let days = (at_ms + SHANGHAI_OFFSET_MS).div_euclid(DAY_MS);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Per channel: adds per day, how many are still connected or ended, and the appointments and
/// purchases of the customers it brought (attributed to their first channel). Read from the
/// maintained per-channel, per-day counters: one range query, days × channels items, whatever
/// the number of customers. The range is widened to whole Beijing days.
#[utoipa::path(get, path = "/api/stats/channels", tag = "stats", params(ChannelStatsQuery),
    responses((status = 200, body = ChannelStatsReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn channels(
    State(state): State<AdminState>,
    ApiQuery(q): ApiQuery<ChannelStatsQuery>,
) -> ApiResult<Json<ChannelStatsReport>> {
    let to_ms = ms("to_ms", q.to_ms.as_deref())?.unwrap_or_else(|| state.clock.now_ms());
    let from_ms = ms("from_ms", q.from_ms.as_deref())?.unwrap_or(to_ms - 30 * DAY_MS);
    if from_ms > to_ms {
        return Err(ApiError::invalid_field("from_ms", "from_ms 不能晚于 to_ms"));
    }
    if to_ms - from_ms > MAX_RANGE_MS {
        return Err(ApiError::invalid_field(
            "from_ms",
            "统计区间不能超过 366 天",
        ));
    }
    let config = state.config().await?;
    let days = Aggregates::new(state.store.clone())
        .channel_days(&shanghai_day(from_ms), &shanghai_day(to_ms))
        .await?;

    let mut by_state: BTreeMap<String, (Counts, BTreeMap<String, u64>)> = config
        .channels
        .keys()
        .map(|s| (s.clone(), Default::default()))
        .collect();
    for d in days.into_iter().filter(|d| !d.state.is_empty()) {
        let (total, per_day) = by_state.entry(d.state).or_default();
        let added = d.counts.count(channel::ADDED);
        if added > 0 {
            per_day.insert(d.day, added);
        }
        for (field, n) in d.counts.0 {
            *total.0.entry(field).or_default() += n;
        }
    }
    let channels = by_state
        .into_iter()
        .map(|(s, (c, per_day))| ChannelStats {
            label: config.channels.get(&s).map(|c| c.label.clone()),
            state: s,
            added: c.count(channel::ADDED),
            added_customers: c.count(channel::CUSTOMERS),
            added_per_day: per_day
                .into_iter()
                .map(|(day, count)| DayCount { day, count })
                .collect(),
            still_connected: c.count(channel::ACTIVE),
            pending: c.count(channel::PENDING),
            ended: c.count(channel::ENDED),
            ended_in_range: c.count(channel::ENDED_ON),
            appointments: c.count(channel::APPOINTMENTS),
            purchases: c.count(channel::PURCHASES),
            purchase_amount_fen: c.get(channel::REVENUE_FEN),
        })
        .collect();
    Ok(Json(ChannelStatsReport {
        from_ms,
        to_ms,
        channels,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RebuildRequest {
    /// Write the recomputed values over the counters that differ (default: only compare).
    #[serde(default)]
    pub apply: bool,
}

/// Recomputes every maintained counter (channels per day, 「联系我」, campaigns, links) from
/// the records and reports the differences; with `apply`, corrects them. It reads every
/// customer's records: on a large store run `wecom-crm aggregates` (local mode) or the sync
/// function's rebuild instead of waiting on this request.
#[utoipa::path(post, path = "/api/stats/rebuild", tag = "stats", request_body = RebuildRequest,
    responses((status = 200, body = RebuildReport), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn rebuild(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<RebuildRequest>,
) -> ApiResult<Json<RebuildReport>> {
    let report =
        crm::aggregates::rebuild_as_of(&state.store, req.apply, state.clock.now_ms()).await?;
    if req.apply {
        state
            .audited(&caller, "stats.rebuild", "aggregates", vec!["apply".into()])
            .await?;
    }
    Ok(Json(report))
}

#[cfg(test)]
mod tests {
    use super::shanghai_day;

    #[test]
    fn days_are_shanghai_days() {
        // 2024-02-29T15:59:59.999Z is 23:59:59.999 in Shanghai; one ms later is 1 March.
        assert_eq!(shanghai_day(1_709_222_399_999), "2024-02-29");
        assert_eq!(shanghai_day(1_709_222_400_000), "2024-03-01");
        assert_eq!(shanghai_day(0), "1970-01-01");
    }
}
