//! Consultant performance (员工绩效): `GET /api/stats/consultants` — per consultant and period,
//! new and lost customers, WeCom's chats, messages, reply rate and reply time (the daily
//! behaviour import), appointments, revenue and group-send completion — and
//! `POST /api/stats/consultants/import`, the behaviour import run now.
//!
//! A consultant sees only their own line; managers and admins everyone's.

use std::collections::BTreeSet;

use axum::Json;
use axum::extract::{Extension, State};
use chrono::{Duration, NaiveDate};
use crm::performance::{BehaviorImport, ConsultantFigures, PerformanceStats, StatsPeriod};
use crm::repo::StaffRepo;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Caller, Role};
use crate::error::{ApiError, ApiJson, ApiQuery, ApiResult, ErrorBody};
use crate::state::AdminState;

/// The longest period one request may ask for (days).
pub const MAX_PERIOD_DAYS: i64 = 366;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConsultantStatsQuery {
    /// First day, `YYYY-MM-DD` (Asia/Shanghai). Default: 29 days before `to`.
    pub from: Option<String>,
    /// Last day, `YYYY-MM-DD` (Asia/Shanghai), included. Default: today.
    pub to: Option<String>,
    /// Only this consultant (a consultant may name only themselves).
    pub userid: Option<String>,
}

/// One day of a consultant's WeCom activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultantDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub chats: i64,
    pub messages: i64,
    pub new_contacts: i64,
}

/// One consultant's figures over the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultantStats {
    pub userid: String,
    /// The console's name for the consultant (display name, WeCom name or userid).
    pub name: String,
    /// Relationships added in the period.
    pub new_customers: u64,
    /// Relationships that ended in the period (deleted either way or no longer in WeCom).
    pub lost_customers: u64,
    /// WeCom's 聊天总数 over the period.
    pub chats: i64,
    /// WeCom's 发送消息数.
    pub messages: i64,
    /// 已回复聊天占比 (percent), weighted by chats; null without chats.
    pub reply_rate: Option<f64>,
    /// 平均首次回复时长 (minutes), weighted by chats; null without chats.
    pub avg_reply_minutes: Option<f64>,
    /// Customers who deleted or blocked the consultant (WeCom).
    pub negative_feedback: i64,
    /// Friend requests the consultant sent (WeCom).
    pub new_applies: i64,
    /// Days of WeCom behaviour data imported in the period.
    pub days_imported: u64,
    /// Appointments recorded in the period for the consultant's customers.
    pub appointments: u64,
    pub purchases: u64,
    /// Revenue of the consultant's customers' purchases in the period (fen).
    pub revenue_fen: i64,
    /// Group-send recipients assigned to the consultant in campaigns sent in the period.
    pub groupsend_assigned: u64,
    pub groupsend_sent: u64,
    /// Sent ÷ assigned (0–1); null when nothing was assigned.
    pub groupsend_completion: Option<f64>,
    pub daily: Vec<ConsultantDay>,
}

impl From<(ConsultantFigures, String)> for ConsultantStats {
    fn from((f, name): (ConsultantFigures, String)) -> Self {
        Self {
            groupsend_completion: f.groupsend_completion(),
            userid: f.userid,
            name,
            new_customers: f.new_customers,
            lost_customers: f.lost_customers,
            chats: f.chats,
            messages: f.messages,
            reply_rate: f.reply_rate,
            avg_reply_minutes: f.avg_reply_minutes,
            negative_feedback: f.negative_feedback,
            new_applies: f.new_applies,
            days_imported: f.days_imported,
            appointments: f.appointments,
            purchases: f.purchases,
            revenue_fen: f.revenue_fen,
            groupsend_assigned: f.groupsend_assigned,
            groupsend_sent: f.groupsend_sent,
            daily: f
                .daily
                .into_iter()
                .map(|d| ConsultantDay {
                    day: d.day,
                    chats: d.chats,
                    messages: d.messages,
                    new_contacts: d.new_contacts,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsultantStatsReport {
    /// `YYYY-MM-DD`.
    pub from: String,
    pub to: String,
    /// When WeCom's behaviour data was last imported (ms), if ever.
    pub last_import_at_ms: Option<i64>,
    pub consultants: Vec<ConsultantStats>,
}

fn day(field: &str, v: Option<&str>) -> ApiResult<Option<NaiveDate>> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| {
                ApiError::invalid_field(field, format!("{field} 须为 YYYY-MM-DD 格式的日期"))
            }),
    }
}

/// Per consultant over a period of whole days (Asia/Shanghai): new and lost customers, WeCom's
/// chats, messages, reply rate and time (imported daily), appointments, purchases and revenue
/// of their customers, and group-send completion.
#[utoipa::path(get, path = "/api/stats/consultants", tag = "stats", params(ConsultantStatsQuery),
    responses((status = 200, body = ConsultantStatsReport), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn consultants(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiQuery(q): ApiQuery<ConsultantStatsQuery>,
) -> ApiResult<Json<ConsultantStatsReport>> {
    let today = crm::calendar::date(state.clock.now_ms());
    let to = day("to", q.to.as_deref())?.unwrap_or(today);
    let from = day("from", q.from.as_deref())?.unwrap_or(to - Duration::days(29));
    if from > to {
        return Err(ApiError::invalid_field("from", "开始日期不能晚于结束日期"));
    }
    if (to - from).num_days() + 1 > MAX_PERIOD_DAYS {
        return Err(ApiError::invalid_field(
            "from",
            format!("统计区间不能超过 {MAX_PERIOD_DAYS} 天"),
        ));
    }
    let wanted = q.userid.as_deref().map(str::trim).filter(|u| !u.is_empty());
    let staff = StaffRepo::new(state.store.clone()).load().await?;
    let import = BehaviorImport::new(
        state.store.clone(),
        state.wecom.clone(),
        state.clock.clone(),
    )
    .state()
    .await?;
    let userids: Vec<String> = if caller.role == Some(Role::Consultant) {
        let Some(own) = caller.userid.clone().filter(|u| !u.is_empty()) else {
            return Err(ApiError::forbidden(
                "您的账号未关联企业微信成员，无法查看绩效",
            ));
        };
        if wanted.is_some_and(|w| w != own) {
            return Err(ApiError::forbidden("顾问只能查看自己的绩效"));
        }
        vec![own]
    } else if let Some(w) = wanted {
        vec![w.to_owned()]
    } else {
        // Members with customer contact now (WeCom), those the clinic named, and those with
        // imported data (a departed consultant's past still shows).
        let follow = match state.wecom.get_follow_user_list().await {
            Ok(list) => list,
            Err(e) => {
                tracing::warn!(error = %e, "follow-user list unavailable; performance lists known consultants only");
                Vec::new()
            }
        };
        let all: BTreeSet<String> = follow
            .iter()
            .chain(staff.members.keys())
            .chain(import.last_day.keys())
            .cloned()
            .collect();
        all.into_iter().collect()
    };
    let figures = PerformanceStats::new(state.store.clone())
        .figures(&userids, StatsPeriod { from, to })
        .await?;
    let consultants = figures
        .into_iter()
        .map(|f| {
            let name = staff
                .members
                .get(&f.userid)
                .map_or_else(|| f.userid.clone(), |e| e.label(&f.userid));
            ConsultantStats::from((f, name))
        })
        .collect();
    Ok(Json(ConsultantStatsReport {
        from: from.format("%Y-%m-%d").to_string(),
        to: to.format("%Y-%m-%d").to_string(),
        last_import_at_ms: import.last_run_at_ms,
        consultants,
    }))
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// Import the last `days` days again (1–180); without it, the days not imported yet.
    pub days: Option<i64>,
}

/// What an import run did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    /// Consultants asked about (members with customer contact).
    pub consultants: usize,
    /// Day records written (a day imported again is overwritten, never duplicated).
    pub days_written: usize,
    /// WeCom calls made.
    pub calls: usize,
    /// Consultants whose import failed (the next run retries them).
    pub failed: Vec<String>,
}

/// Imports WeCom's behaviour data now (the daily run does the same by itself).
#[utoipa::path(post, path = "/api/stats/consultants/import", tag = "stats", request_body = ImportRequest,
    responses((status = 200, body = ImportResult), (status = 400, body = ErrorBody), (status = 502, body = ErrorBody), (status = 503, body = ErrorBody)))]
pub async fn import(
    State(state): State<AdminState>,
    Extension(caller): Extension<Caller>,
    ApiJson(req): ApiJson<ImportRequest>,
) -> ApiResult<Json<ImportResult>> {
    if let Some(days) = req.days
        && !(1..=wecom_api::model::MAX_BEHAVIOR_AGE_DAYS).contains(&days)
    {
        return Err(ApiError::invalid_field("days", "days 须在 1 到 180 之间"));
    }
    let report = BehaviorImport::new(
        state.store.clone(),
        state.wecom.clone(),
        state.clock.clone(),
    )
    .run(req.days)
    .await?;
    state
        .audited(
            &caller,
            "stats.behavior_import",
            "behavior",
            vec!["days".into()],
        )
        .await?;
    Ok(Json(ImportResult {
        consultants: report.consultants,
        days_written: report.days_written,
        calls: report.calls,
        failed: report.failed,
    }))
}
