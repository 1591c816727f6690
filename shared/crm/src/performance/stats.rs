//! A period's figures per consultant.
//!
//! Reads, per request: one query per consultant for their imported days (`PERF#<userid>`,
//! the period's keys only) and one for their relationships (GSI1 `STAFF#<userid>`: new
//! customers by add time, lost ones by end time, and which customers are theirs); one index
//! query per day of the period for its appointments and purchases; the campaigns whose send
//! time falls in the period and their recipients. An appointment counts for its own consultant
//! when it names one; purchases (and older appointments) count for every consultant who
//! follows (or followed) the customer.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use chrono::NaiveDate;
use futures::stream::{self, StreamExt, TryStreamExt};
use ports::{IndexName, ItemStore, Query, SkCondition};
use serde::Serialize;

use super::{BehaviorDay, day_sk, perf_pk};
use crate::CrmError;
use crate::calendar::{DAY_MS, start_of_day};
use crate::campaign::model::RecipientStatus;
use crate::campaign::repo::CampaignRepo;
use crate::keys::{APPOINTMENT_PREFIX, PURCHASE_PREFIX, bookings_gsi_pk, staff_gsi_pk};
use crate::model::{Purchase, Relationship, RelationshipStatus};
use crate::repo::{query_all, query_all_items};

/// A period of whole Shanghai days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsPeriod {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl StatsPeriod {
    pub fn start_ms(&self) -> i64 {
        start_of_day(self.from)
    }

    /// The last millisecond of `to`.
    pub fn end_ms(&self) -> i64 {
        start_of_day(self.to) + DAY_MS - 1
    }

    fn contains_ms(&self, ms: i64) -> bool {
        (self.start_ms()..=self.end_ms()).contains(&ms)
    }
}

/// One consultant's figures over a period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ConsultantFigures {
    pub userid: String,
    /// Relationships added in the period (the CRM's record).
    pub new_customers: u64,
    /// Relationships that ended in the period.
    pub lost_customers: u64,
    /// From WeCom's behaviour data: chats, messages sent, customers who deleted or blocked
    /// the consultant, friend requests sent.
    pub chats: i64,
    pub messages: i64,
    pub negative_feedback: i64,
    pub new_applies: i64,
    /// WeCom's new-contact count over the period.
    pub wecom_new_contacts: i64,
    /// Percent of chats replied to, weighted by each day's chats; `None` without chats.
    pub reply_rate: Option<f64>,
    /// Average first reply time (minutes), weighted by chats; `None` without chats.
    pub avg_reply_minutes: Option<f64>,
    /// Days of behaviour data imported in the period.
    pub days_imported: u64,
    /// Appointments recorded and purchases made in the period by the consultant's customers.
    pub appointments: u64,
    pub purchases: u64,
    pub revenue_fen: i64,
    /// Group-send recipients assigned to the consultant in campaigns sent in the period, and
    /// how many the consultant sent.
    pub groupsend_assigned: u64,
    pub groupsend_sent: u64,
    /// The imported days, oldest first.
    pub daily: Vec<DayActivity>,
}

/// One imported day of a consultant.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DayActivity {
    /// `YYYY-MM-DD`, Asia/Shanghai.
    pub day: String,
    pub chats: i64,
    pub messages: i64,
    pub new_contacts: i64,
}

impl ConsultantFigures {
    /// Sent ÷ assigned (0–1); `None` when nothing was assigned.
    pub fn groupsend_completion(&self) -> Option<f64> {
        (self.groupsend_assigned > 0)
            .then(|| self.groupsend_sent as f64 / self.groupsend_assigned as f64)
    }
}

#[derive(Clone)]
pub struct PerformanceStats {
    store: Arc<dyn ItemStore>,
}

/// An appointment or purchase of the period.
struct Activity {
    external_userid: String,
    /// The appointment's own consultant, when it names one.
    consultant: Option<String>,
    /// The amount, when it is a purchase.
    purchase_fen: Option<i64>,
}

/// What the statistics read of a stored appointment (its consultant is recorded with it since
/// appointments have a lifecycle; older ones have none).
#[derive(serde::Deserialize)]
struct BookedAppointment {
    external_userid: String,
    created_at_ms: i64,
    #[serde(default)]
    userid: Option<String>,
}

/// At most this many consultants are read at once.
const PARALLEL: usize = 8;

impl PerformanceStats {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// The imported days of one consultant in the period.
    pub async fn days(
        &self,
        userid: &str,
        period: StatsPeriod,
    ) -> Result<Vec<BehaviorDay>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, perf_pk(userid))
                .sk(SkCondition::Between(
                    day_sk(&period.from.format("%Y-%m-%d").to_string()),
                    day_sk(&period.to.format("%Y-%m-%d").to_string()),
                ))
                .limit(200),
        )
        .await
    }

    /// The figures of each consultant named, in the order given.
    pub async fn figures(
        &self,
        userids: &[String],
        period: StatsPeriod,
    ) -> Result<Vec<ConsultantFigures>, CrmError> {
        let per_consultant: Vec<(ConsultantFigures, BTreeSet<String>)> =
            stream::iter(userids.iter().cloned())
                .map(|userid| self.own_figures(userid, period))
                .buffered(PARALLEL)
                .try_collect()
                .await?;
        // Appointments and purchases of the period, once for everyone.
        let activity = self.activity(period).await?;
        let sends = self.group_sends(period).await?;
        let mut out = Vec::with_capacity(per_consultant.len());
        for (mut f, customers) in per_consultant {
            for a in &activity {
                let theirs = match &a.consultant {
                    Some(userid) => *userid == f.userid,
                    None => customers.contains(&a.external_userid),
                };
                if !theirs {
                    continue;
                }
                match a.purchase_fen {
                    Some(fen) => {
                        f.purchases += 1;
                        f.revenue_fen += fen;
                    }
                    None => f.appointments += 1,
                }
            }
            if let Some((assigned, sent)) = sends.get(&f.userid) {
                f.groupsend_assigned = *assigned;
                f.groupsend_sent = *sent;
            }
            out.push(f);
        }
        Ok(out)
    }

    /// Behaviour and relationships of one consultant; the customers they follow or followed.
    async fn own_figures(
        &self,
        userid: String,
        period: StatsPeriod,
    ) -> Result<(ConsultantFigures, BTreeSet<String>), CrmError> {
        let mut f = ConsultantFigures {
            userid: userid.clone(),
            ..ConsultantFigures::default()
        };
        let days = self.days(&userid, period).await?;
        let (mut replied, mut reply_minutes) = (0.0_f64, 0.0_f64);
        for d in &days {
            f.days_imported += 1;
            f.chats += d.chat_cnt;
            f.messages += d.message_cnt;
            f.negative_feedback += d.negative_feedback_cnt;
            f.new_applies += d.new_apply_cnt;
            f.wecom_new_contacts += d.new_contact_cnt;
            replied += d.reply_percentage * d.chat_cnt as f64;
            reply_minutes += d.avg_reply_time as f64 * d.chat_cnt as f64;
            f.daily.push(DayActivity {
                day: d.day.clone(),
                chats: d.chat_cnt,
                messages: d.message_cnt,
                new_contacts: d.new_contact_cnt,
            });
        }
        if f.chats > 0 {
            let chats = f.chats as f64;
            f.reply_rate = Some((replied / chats * 10.0).round() / 10.0);
            f.avg_reply_minutes = Some((reply_minutes / chats * 10.0).round() / 10.0);
        }
        let relationships: Vec<Relationship> = query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, staff_gsi_pk(&userid)).limit(1000),
        )
        .await?;
        let mut customers = BTreeSet::new();
        for r in &relationships {
            if period.contains_ms(r.createtime.saturating_mul(1000)) {
                f.new_customers += 1;
            }
            if r.status == RelationshipStatus::Ended
                && r.ended_at
                    .is_some_and(|at| period.contains_ms(at.saturating_mul(1000)))
            {
                f.lost_customers += 1;
            }
            customers.insert(r.external_userid.clone());
        }
        Ok((f, customers))
    }

    /// The appointments recorded and purchases made in the period: one query of the bookings
    /// index per day. An appointment names its consultant when one was recorded with it.
    async fn activity(&self, period: StatsPeriod) -> Result<Vec<Activity>, CrmError> {
        let mut out = Vec::new();
        let mut day = period.from;
        while day <= period.to {
            let items = query_all_items(
                self.store.as_ref(),
                Query::partition(
                    IndexName::Gsi3,
                    bookings_gsi_pk(&day.format("%Y-%m-%d").to_string()),
                )
                .limit(1000),
            )
            .await?;
            for item in &items {
                if item.sk.starts_with(PURCHASE_PREFIX) {
                    let p: Purchase = item.doc()?;
                    if period.contains_ms(p.purchased_at_ms) {
                        out.push(Activity {
                            external_userid: p.external_userid,
                            consultant: None,
                            purchase_fen: Some(p.amount_fen),
                        });
                    }
                } else if item.sk.starts_with(APPOINTMENT_PREFIX) {
                    let a: BookedAppointment = item.doc()?;
                    if period.contains_ms(a.created_at_ms) {
                        out.push(Activity {
                            external_userid: a.external_userid,
                            consultant: a.userid.filter(|u| !u.is_empty()),
                            purchase_fen: None,
                        });
                    }
                }
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => break,
            }
        }
        Ok(out)
    }

    /// userid → (assigned, sent) over the campaigns whose send time is in the period.
    async fn group_sends(
        &self,
        period: StatsPeriod,
    ) -> Result<BTreeMap<String, (u64, u64)>, CrmError> {
        let repo = CampaignRepo::new(self.store.clone());
        let mut out: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        let mut cursor = None;
        loop {
            let (page, next) = repo.list(100, cursor).await?;
            for c in page.iter().filter(|c| period.contains_ms(c.send_at_ms)) {
                for r in repo.all_recipients(&c.id).await? {
                    if r.userid.is_empty()
                        || matches!(
                            r.status,
                            RecipientStatus::Skipped | RecipientStatus::Cancelled
                        )
                    {
                        continue;
                    }
                    let entry = out.entry(r.userid.clone()).or_default();
                    entry.0 += 1;
                    if r.status == RecipientStatus::Sent {
                        entry.1 += 1;
                    }
                }
            }
            // Newest first: once a whole page was created before the period, stop.
            let older = page
                .last()
                .is_some_and(|c| c.created_at_ms < period.start_ms() - 30 * DAY_MS);
            match next {
                Some(n) if !older => cursor = Some(n),
                _ => return Ok(out),
            }
        }
    }
}
