//! Consultant performance (员工绩效): WeCom's behaviour data (联系客户统计,
//! `get_user_behavior_data`) imported once a day per consultant, and the per-consultant figures
//! of a period that the admin API's `GET /api/stats/consultants` answers.
//!
//! - [`import`]: the daily import — one record per (userid, day), overwritten when a day is
//!   imported again (idempotent); the last `backfill_days` on the first run.
//! - [`stats`]: a period's figures per consultant, from the imported days, the consultant's
//!   relationships (GSI1 `STAFF#<userid>`, by add time), the appointments and purchases of the
//!   period (the bookings index, one query per day) and the campaigns sent in it.
//!
//! Records: `PERF#<userid>` / `DAY#<YYYY-MM-DD>` ([`BehaviorDay`]) and `PERF#META` / `IMPORT`
//! ([`ImportState`]). No customer's personal data is in either.

pub mod import;
pub mod stats;

use serde::{Deserialize, Serialize};

pub use import::{BehaviorImport, ImportReport};
pub use stats::{ConsultantFigures, DayActivity, PerformanceStats, StatsPeriod};

/// What one consultant did on one (Shanghai) day, as WeCom reported it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BehaviorDay {
    pub userid: String,
    /// `YYYY-MM-DD`, Asia/Shanghai.
    pub day: String,
    /// WeCom's `stat_time` (unix seconds, the day's 00:00).
    pub stat_time: i64,
    pub chat_cnt: i64,
    pub message_cnt: i64,
    /// Percent of chats replied to (0–100).
    pub reply_percentage: f64,
    /// Average first reply time, minutes.
    pub avg_reply_time: i64,
    pub negative_feedback_cnt: i64,
    pub new_apply_cnt: i64,
    pub new_contact_cnt: i64,
    pub imported_at_ms: i64,
}

/// Where the import is: the last day imported per consultant and when it last ran.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ImportState {
    /// userid → the last day (`YYYY-MM-DD`) imported.
    #[serde(default)]
    pub last_day: std::collections::BTreeMap<String, String>,
    /// The Shanghai day of the last complete run.
    #[serde(default)]
    pub last_run_day: Option<String>,
    #[serde(default)]
    pub last_run_at_ms: Option<i64>,
}

pub(crate) use crate::keys::{
    PERFORMANCE_IMPORT_SK as META_SK, PERFORMANCE_META_PK as META_PK, performance_day_sk as day_sk,
    performance_pk as perf_pk,
};
