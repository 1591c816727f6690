//! Channel statistics: what each 「联系我」 channel (`state`) brought in over a period.

use std::collections::{BTreeMap, BTreeSet};

use axum::Json;
use axum::extract::State;
use crm::model::{Customer, Relationship, RelationshipStatus};
use crm::repo::{CustomerAdmin, IndexSource};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;

/// Index items read per channel (and for the customer list) before giving up.
const STATS_BUDGET: usize = 20_000;
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
    /// Relationships added through the channel in the range.
    pub added: u64,
    /// Distinct customers among them.
    pub added_customers: u64,
    /// Only days with adds.
    pub added_per_day: Vec<DayCount>,
    /// Of those added in the range: still active.
    pub still_connected: u64,
    pub pending: u64,
    pub ended: u64,
    /// Appointments scheduled in the range by customers first added through this channel.
    pub appointments: u64,
    /// Purchases made in the range by customers first added through this channel.
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
/// purchases of the customers it brought (attributed to their first channel).
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
    let admin = CustomerAdmin::new(state.store.clone());

    // Every customer once: the states seen and each channel's attributed customers.
    let customers: Vec<Customer> = walk_all(&admin, &IndexSource::AllCustomers).await?;
    let mut attributed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in customers.iter().filter(|c| c.merged_into.is_none()) {
        if !c.first_channel.is_empty() {
            attributed
                .entry(c.first_channel.clone())
                .or_default()
                .push(c.external_userid.clone());
        }
    }
    let mut states: BTreeSet<String> = config.channels.keys().cloned().collect();
    states.extend(attributed.keys().cloned());

    let mut out = Vec::with_capacity(states.len());
    for s in states {
        let rels: Vec<Relationship> = walk_all(&admin, &IndexSource::Channel(s.clone())).await?;
        let mut per_day: BTreeMap<String, u64> = BTreeMap::new();
        let mut distinct = BTreeSet::new();
        let (mut added, mut active, mut pending, mut ended) = (0, 0, 0, 0);
        for r in rels.iter().filter(|r| {
            let at = r.createtime.saturating_mul(1000);
            at >= from_ms && at <= to_ms
        }) {
            added += 1;
            distinct.insert(r.external_userid.clone());
            *per_day
                .entry(shanghai_day(r.createtime.saturating_mul(1000)))
                .or_default() += 1;
            match r.status {
                RelationshipStatus::Active => active += 1,
                RelationshipStatus::Pending => pending += 1,
                RelationshipStatus::Ended => ended += 1,
            }
        }
        let (mut appointments, mut purchases, mut amount) = (0, 0, 0i64);
        for ext in attributed.get(&s).map(Vec::as_slice).unwrap_or_default() {
            appointments += admin
                .appointments(ext)
                .await?
                .iter()
                .filter(|a| a.scheduled_at_ms >= from_ms && a.scheduled_at_ms <= to_ms)
                .count() as u64;
            for p in admin.purchases(ext).await? {
                if p.purchased_at_ms >= from_ms && p.purchased_at_ms <= to_ms {
                    purchases += 1;
                    amount = amount.saturating_add(p.amount_fen);
                }
            }
        }
        out.push(ChannelStats {
            label: config.channels.get(&s).map(|c| c.label.clone()),
            state: s,
            added,
            added_customers: distinct.len() as u64,
            added_per_day: per_day
                .into_iter()
                .map(|(day, count)| DayCount { day, count })
                .collect(),
            still_connected: active,
            pending,
            ended,
            appointments,
            purchases,
            purchase_amount_fen: amount,
        });
    }
    Ok(Json(ChannelStatsReport {
        from_ms,
        to_ms,
        channels: out,
    }))
}

async fn walk_all<T: serde::de::DeserializeOwned>(
    admin: &CustomerAdmin,
    source: &IndexSource,
) -> ApiResult<Vec<T>> {
    let mut out = Vec::new();
    let mut position: Option<String> = None;
    loop {
        let (rows, more) = admin.walk(source, false, position.as_deref(), 500).await?;
        for row in rows {
            out.push(row.item.doc::<T>().map_err(crm::CrmError::from)?);
            position = Some(row.index_sk);
        }
        if !more {
            return Ok(out);
        }
        if out.len() >= STATS_BUDGET {
            return Err(ApiError::bad_request(
                "数据量超出实时统计的范围，请缩小统计区间或联系管理员",
            ));
        }
    }
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
