//! The daily import of WeCom's behaviour data: for every member with customer contact
//! (`get_follow_user_list`), the days since the last one imported (or the last
//! `backfill_days` on the first run) up to yesterday, in calls of at most 30 days, each day
//! stored as one [`BehaviorDay`] record keyed by (userid, day) — importing a day again
//! overwrites it, so re-runs never duplicate.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use ports::{Clock, Condition, Item, ItemStore};
use tracing::{info, warn};
use wecom_api::WeComClient;
use wecom_api::model::{MAX_BEHAVIOR_AGE_DAYS, MAX_BEHAVIOR_RANGE_DAYS, UserBehaviorQuery};

use super::{BehaviorDay, ImportState, META_PK, META_SK, day_sk, perf_pk};
use crate::CrmError;
use crate::calendar::{DAY_MS, date, day_string, start_of_day};

/// Days imported on the first run.
pub const DEFAULT_BACKFILL_DAYS: i64 = 30;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// Consultants asked about.
    pub consultants: usize,
    /// Day records written (new or overwritten).
    pub days_written: usize,
    /// WeCom calls made.
    pub calls: usize,
    /// Consultants whose import failed (retried on the next run).
    pub failed: Vec<String>,
    /// The run was not due (already ran today).
    pub skipped: bool,
}

#[derive(Clone)]
pub struct BehaviorImport {
    store: Arc<dyn ItemStore>,
    wecom: Arc<WeComClient>,
    clock: Arc<dyn Clock>,
    /// Days imported on the first run (at most 180, WeCom's limit).
    pub backfill_days: i64,
}

impl BehaviorImport {
    pub fn new(store: Arc<dyn ItemStore>, wecom: Arc<WeComClient>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            wecom,
            clock,
            backfill_days: DEFAULT_BACKFILL_DAYS,
        }
    }

    pub async fn state(&self) -> Result<ImportState, CrmError> {
        match self.store.get(META_PK, META_SK).await? {
            Some(item) => Ok(item.doc()?),
            None => Ok(ImportState::default()),
        }
    }

    /// The scheduled run: once a Shanghai day (an hourly trigger calls it; later calls that
    /// day do nothing).
    pub async fn run_if_due(&self) -> Result<ImportReport, CrmError> {
        let today = day_string(self.clock.now_ms());
        if self.state().await?.last_run_day.as_deref() == Some(today.as_str()) {
            return Ok(ImportReport {
                skipped: true,
                ..ImportReport::default()
            });
        }
        self.run(None).await
    }

    /// Imports, for every consultant, the days after the last one imported (the last
    /// `backfill_days` the first time) up to yesterday; with `redo_days`, the last `redo_days`
    /// days again whatever was imported before (and at least the backfill for a consultant
    /// never imported).
    pub async fn run(&self, redo_days: Option<i64>) -> Result<ImportReport, CrmError> {
        let now = self.clock.now_ms();
        let today = date(now);
        let yesterday = today - Duration::days(1);
        // WeCom keeps 180 days, today's included.
        let oldest = today - Duration::days(MAX_BEHAVIOR_AGE_DAYS - 1);
        let userids = self.wecom.get_follow_user_list().await?;
        let mut state = self.state().await?;
        let mut report = ImportReport {
            consultants: userids.len(),
            ..ImportReport::default()
        };
        for userid in &userids {
            let backfill = self.backfill_days.clamp(1, MAX_BEHAVIOR_AGE_DAYS);
            let from = match (redo_days, state.last_day.get(userid)) {
                (Some(n), Some(_)) => today - Duration::days(n.clamp(1, MAX_BEHAVIOR_AGE_DAYS)),
                // Never imported: at least the backfill.
                (Some(n), None) => {
                    today - Duration::days(n.clamp(1, MAX_BEHAVIOR_AGE_DAYS).max(backfill))
                }
                (None, Some(last)) => NaiveDate::parse_from_str(last, "%Y-%m-%d")
                    .map(|d| d + Duration::days(1))
                    .unwrap_or(oldest),
                (None, None) => today - Duration::days(backfill),
            }
            .max(oldest);
            if from > yesterday {
                continue;
            }
            match self
                .import_member(userid, from, yesterday, now, &mut report)
                .await
            {
                Ok(()) => {
                    let done = yesterday.format("%Y-%m-%d").to_string();
                    let keep = state.last_day.get(userid).is_some_and(|last| *last > done);
                    if !keep {
                        state.last_day.insert(userid.clone(), done);
                    }
                }
                Err(e) => {
                    warn!(error = %e.summary(), "behaviour import of one consultant failed; the next run retries");
                    report.failed.push(userid.clone());
                }
            }
        }
        state.last_run_day = Some(day_string(now));
        state.last_run_at_ms = Some(now);
        self.store
            .put(Item::with_doc(META_PK, META_SK, &state)?, Condition::Always)
            .await?;
        info!(
            consultants = report.consultants,
            days = report.days_written,
            failed = report.failed.len(),
            "behaviour data imported"
        );
        Ok(report)
    }

    async fn import_member(
        &self,
        userid: &str,
        from: NaiveDate,
        to: NaiveDate,
        now: i64,
        report: &mut ImportReport,
    ) -> Result<(), CrmError> {
        let mut start = from;
        while start <= to {
            let end = (start + Duration::days(MAX_BEHAVIOR_RANGE_DAYS - 1)).min(to);
            let query = UserBehaviorQuery {
                userid: vec![userid.to_owned()],
                start_time: start_of_day(start) / 1000,
                end_time: (start_of_day(end) + DAY_MS) / 1000 - 1,
                ..UserBehaviorQuery::default()
            };
            let data = self.wecom.get_user_behavior_data(&query).await?;
            report.calls += 1;
            let mut items = Vec::with_capacity(data.len());
            for d in data {
                let day = date(d.stat_time.saturating_mul(1000));
                if day < start || day > end {
                    continue;
                }
                let record = BehaviorDay {
                    userid: userid.to_owned(),
                    day: day.format("%Y-%m-%d").to_string(),
                    stat_time: d.stat_time,
                    chat_cnt: d.chat_cnt,
                    message_cnt: d.message_cnt,
                    reply_percentage: d.reply_percentage,
                    avg_reply_time: d.avg_reply_time,
                    negative_feedback_cnt: d.negative_feedback_cnt,
                    new_apply_cnt: d.new_apply_cnt,
                    new_contact_cnt: d.new_contact_cnt,
                    imported_at_ms: now,
                };
                items.push(Item::with_doc(
                    perf_pk(userid),
                    day_sk(&record.day),
                    &record,
                )?);
            }
            report.days_written += items.len();
            for chunk in items.chunks(25) {
                self.store.batch_put(chunk.to_vec()).await?;
            }
            start = end + Duration::days(1);
        }
        Ok(())
    }
}
