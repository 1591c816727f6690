//! Appointments (预约): booking, the lifecycle (booked → confirmed → arrived → completed, or
//! cancelled / no-show), reschedules with their history, the calendar, and the confirmation
//! and reminder notices ([`notify`]).
//!
//! What others build on:
//! - [`Appointments::book`], [`Appointments::change_status`], [`Appointments::reschedule`] return
//!   the record and a [`PipelineSignal`] when the change moves the customer's lead stage
//!   (booked → 已预约, arrived → 已到店): the lead pipeline reacts to
//!   [`pipeline_signal`]'s answer.
//! - Each appointment keeps its consultant (`userid`), for the per-consultant statistics.
//! - The counted fields (`created_at_ms`, `channel`) never change after booking: an
//!   appointment's aggregate contribution stays a pure function of the record.

pub mod model;
pub mod notify;
pub mod repo;

use std::sync::Arc;

use ports::{Clock, IdGen, ItemStore, Query, SkCondition};

pub use model::{
    AppointmentChange, AppointmentRecord, AppointmentStatus, Notice, NoticeKind, NoticeState,
};
pub use notify::AppointmentNotices;
pub use repo::{AppointmentRepo, Booked, Updated};

use crate::CrmError;
use crate::keys::{RELATIONSHIP_PREFIX, customer_pk};
use crate::model::{Appointment, AppointmentSource, Relationship, RelationshipStatus};
use crate::repo::{ConfigRepo, query_all};

/// What a booking asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBooking {
    pub external_userid: String,
    pub scheduled_at_ms: i64,
    pub item: String,
    pub source: AppointmentSource,
    pub notes: Option<String>,
    /// The consultant; `None`: the customer's own (earliest active relationship).
    pub userid: Option<String>,
    /// The booking system's id (idempotency).
    pub booking_ref: Option<String>,
    /// Who books (the audit subject).
    pub by: String,
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The lifecycle does not allow this move.
    Transition {
        from: AppointmentStatus,
        to: AppointmentStatus,
    },
    /// Only a booked or confirmed appointment can be rescheduled.
    NotOpen(AppointmentStatus),
    /// A notice's task is being created in WeCom right now (it names the current time).
    NoticeInFlight,
}

impl Refusal {
    /// The Chinese message staff see.
    pub fn message(&self) -> String {
        match self {
            Refusal::Transition { from, to } => {
                format!("预约当前为「{}」，不能改为「{}」", from.label(), to.label())
            }
            Refusal::NotOpen(status) => {
                format!("预约当前为「{}」，不能改期", status.label())
            }
            Refusal::NoticeInFlight => {
                "正在为这条预约创建预约确认或提醒任务，请稍后再改期".to_owned()
            }
        }
    }
}

/// What a change means for the customer's lead stage (新线索 → … → 已预约 → 已到店 …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineSignal {
    /// An appointment was booked (→ 已预约).
    Booked,
    /// The customer arrived (→ 已到店).
    Arrived,
}

/// The stage signal of a change of status (`None` before: a new booking).
pub fn pipeline_signal(
    before: Option<AppointmentStatus>,
    after: AppointmentStatus,
) -> Option<PipelineSignal> {
    match (before, after) {
        (None, AppointmentStatus::Booked) => Some(PipelineSignal::Booked),
        (Some(b), AppointmentStatus::Arrived) if b != AppointmentStatus::Arrived => {
            Some(PipelineSignal::Arrived)
        }
        _ => None,
    }
}

/// The appointment service over the store.
#[derive(Clone)]
pub struct Appointments {
    pub store: Arc<dyn ItemStore>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn IdGen>,
}

impl Appointments {
    pub fn new(store: Arc<dyn ItemStore>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>) -> Self {
        Self { store, clock, ids }
    }

    pub fn repo(&self) -> AppointmentRepo {
        AppointmentRepo::new(self.store.clone())
    }

    /// The customer's own consultant: the member of their earliest active relationship.
    pub async fn default_consultant(
        &self,
        external_userid: &str,
    ) -> Result<Option<String>, CrmError> {
        let rels: Vec<Relationship> = query_all(
            self.store.as_ref(),
            Query::partition(ports::IndexName::Primary, customer_pk(external_userid))
                .sk(SkCondition::BeginsWith(RELATIONSHIP_PREFIX.into()))
                .limit(100),
        )
        .await?;
        Ok(rels
            .iter()
            .filter(|r| r.status == RelationshipStatus::Active)
            .min_by(|a, b| (a.createtime, &a.userid).cmp(&(b.createtime, &b.userid)))
            .map(|r| r.userid.clone()))
    }

    /// Books an appointment with its notices planned. `None`: unknown customer.
    pub async fn book(&self, booking: NewBooking) -> Result<Option<Booked>, CrmError> {
        let now = self.clock.now_ms();
        let userid = match booking.userid.filter(|u| !u.is_empty()) {
            Some(u) => Some(u),
            None => self.default_consultant(&booking.external_userid).await?,
        };
        let base = Appointment {
            id: self.ids.new_id(now),
            external_userid: booking.external_userid,
            scheduled_at_ms: booking.scheduled_at_ms,
            item: booking.item,
            source: booking.source,
            notes: booking.notes,
            created_at_ms: now,
            created_by: booking.by,
            channel: None,
        };
        let mut record = AppointmentRecord::new(base, userid);
        record.booking_ref = booking.booking_ref;
        let config = ConfigRepo::new(self.store.clone())
            .load()
            .await?
            .unwrap_or_default();
        notify::plan_notices(&mut record, &config.appointments, now);
        let booked = self.repo().create(&record).await?;
        // The lead pipeline: 已预约 (forward only; a repeat booking changes nothing).
        if booked.is_some() {
            crate::pipeline::advance_on(
                &self.store,
                &record.base.external_userid,
                crate::pipeline::PipelineEvent::AppointmentBooked,
                now,
            )
            .await?;
        }
        Ok(booked)
    }

    /// Moves the status (checked against the lifecycle; the same status again changes nothing).
    pub async fn change_status(
        &self,
        id: &str,
        to: AppointmentStatus,
        by: &str,
        note: Option<String>,
    ) -> Result<Updated<Refusal>, CrmError> {
        let now = self.clock.now_ms();
        let updated = self
            .repo()
            .update(id, |record| {
                let from = record.status;
                if from == to {
                    return Ok(false);
                }
                if !from.can_move_to(to) {
                    return Err(Refusal::Transition { from, to });
                }
                record.status = to;
                record.updated_at_ms = now;
                record.history.push(AppointmentChange {
                    at_ms: now,
                    by: by.to_owned(),
                    kind: "status".into(),
                    from: Some(from.as_str().into()),
                    to: Some(to.as_str().into()),
                    note: note.clone(),
                });
                // Notices still waiting are dropped with the visit.
                if !to.is_open() {
                    for kind in [NoticeKind::Confirmation, NoticeKind::Reminder] {
                        if let Some(n) = record.notice_mut(kind)
                            && n.state == NoticeState::Pending
                        {
                            n.state = NoticeState::Skipped;
                            n.reason = Some(notify::reason::APPOINTMENT_CLOSED.into());
                        }
                    }
                }
                Ok(true)
            })
            .await?;
        // The lead pipeline: 已到店 when the customer arrived (forward only).
        if let Updated::Done(record) = &updated
            && record.status == AppointmentStatus::Arrived
        {
            crate::pipeline::advance_on(
                &self.store,
                &record.base.external_userid,
                crate::pipeline::PipelineEvent::Arrived,
                now,
            )
            .await?;
        }
        Ok(updated)
    }

    /// Moves the visit to `scheduled_at_ms` (and the consultant, when given): back to booked,
    /// with new notices; the change is kept in the history.
    pub async fn reschedule(
        &self,
        id: &str,
        scheduled_at_ms: i64,
        userid: Option<String>,
        by: &str,
        note: Option<String>,
    ) -> Result<Updated<Refusal>, CrmError> {
        let now = self.clock.now_ms();
        let config = ConfigRepo::new(self.store.clone())
            .load()
            .await?
            .unwrap_or_default();
        self.repo()
            .update(id, |record| {
                if !record.status.is_open() {
                    return Err(Refusal::NotOpen(record.status));
                }
                // Replanning now would lose the task being created (exactly once).
                if [&record.confirmation, &record.reminder]
                    .into_iter()
                    .flatten()
                    .any(|n| n.state == NoticeState::Creating)
                {
                    return Err(Refusal::NoticeInFlight);
                }
                let new_user = userid.clone().filter(|u| !u.is_empty());
                if record.base.scheduled_at_ms == scheduled_at_ms
                    && (new_user.is_none() || new_user == record.userid)
                {
                    return Ok(false);
                }
                let from = record.base.scheduled_at_ms;
                record.history.push(AppointmentChange {
                    at_ms: now,
                    by: by.to_owned(),
                    kind: "reschedule".into(),
                    from: Some(notify::visit_time(from)),
                    to: Some(notify::visit_time(scheduled_at_ms)),
                    note: note.clone(),
                });
                if let Some(u) = &new_user {
                    record.userid = Some(u.clone());
                }
                if record.status != AppointmentStatus::Booked {
                    record.history.push(AppointmentChange {
                        at_ms: now,
                        by: by.to_owned(),
                        kind: "status".into(),
                        from: Some(record.status.as_str().into()),
                        to: Some(AppointmentStatus::Booked.as_str().into()),
                        note: Some("改期后待重新确认".into()),
                    });
                    record.status = AppointmentStatus::Booked;
                }
                record.base.scheduled_at_ms = scheduled_at_ms;
                record.updated_at_ms = now;
                // A notice already handed to WeCom stays as it was (its task exists); the
                // new time gets its own.
                notify::plan_notices(record, &config.appointments, now);
                Ok(true)
            })
            .await
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// An in-memory store holding one customer; the service at `now`.
    async fn service(now: i64) -> Appointments {
        let store: Arc<dyn ItemStore> = Arc::new(store_embedded::SqliteStore::new(
            store_embedded::EmbeddedDb::open_in_memory().unwrap(),
        ));
        let customer = crate::model::Customer {
            external_userid: "wm1".into(),
            first_channel: "xiaohongshu".into(),
            ..crate::model::Customer::default()
        };
        store
            .put(
                ports::Item::with_doc(customer_pk("wm1"), crate::keys::PROFILE_SK, &customer)
                    .unwrap(),
                ports::Condition::Always,
            )
            .await
            .unwrap();
        Appointments::new(
            store,
            Arc::new(ports::FixedClock::at_ms(now)),
            Arc::new(ports::RandomIds),
        )
    }

    #[tokio::test]
    async fn a_reschedule_waits_while_a_notice_is_being_created() {
        let now = 1_803_866_400_000;
        let s = service(now).await;
        let booked = s
            .book(NewBooking {
                external_userid: "wm1".into(),
                scheduled_at_ms: now + 3 * crate::calendar::DAY_MS,
                item: "水光针".into(),
                source: AppointmentSource::Staff,
                notes: None,
                userid: Some("zhangsan".into()),
                booking_ref: None,
                by: "test".into(),
            })
            .await
            .unwrap();
        let Some(Booked::Created(record)) = booked else {
            panic!("not booked: {booked:?}");
        };
        assert_eq!(record.base.channel.as_deref(), Some("xiaohongshu"));
        // The notice job has claimed the confirmation.
        let id = record.id().to_owned();
        let claimed = s
            .repo()
            .update::<(), _>(&id, |r| {
                let n = r.confirmation.as_mut().unwrap();
                n.state = NoticeState::Creating;
                n.claimed_at_ms = Some(now);
                Ok(true)
            })
            .await
            .unwrap();
        assert!(matches!(claimed, Updated::Done(_)));
        let refused = s
            .reschedule(&id, now + 4 * crate::calendar::DAY_MS, None, "test", None)
            .await
            .unwrap();
        assert_eq!(refused, Updated::Refused(Refusal::NoticeInFlight));
        // Once it is created, the reschedule goes, with a new confirmation for the new time.
        s.repo()
            .update::<(), _>(&id, |r| {
                let n = r.confirmation.as_mut().unwrap();
                n.state = NoticeState::Created;
                n.msgid = Some("msg1".into());
                Ok(true)
            })
            .await
            .unwrap();
        let moved = s
            .reschedule(&id, now + 4 * crate::calendar::DAY_MS, None, "test", None)
            .await
            .unwrap();
        let Updated::Done(moved) = moved else {
            panic!("not moved: {moved:?}");
        };
        let c = moved.confirmation.unwrap();
        assert_eq!(c.state, NoticeState::Pending);
        assert_eq!(c.for_scheduled_at_ms, now + 4 * crate::calendar::DAY_MS);
        // The item is found by id and by its (new) visit day.
        let day = s
            .repo()
            .between(
                now + 4 * crate::calendar::DAY_MS - 1,
                now + 4 * crate::calendar::DAY_MS + 1,
            )
            .await
            .unwrap();
        assert_eq!(day.len(), 1);
    }

    #[test]
    fn signals_for_the_pipeline() {
        use AppointmentStatus::*;
        assert_eq!(pipeline_signal(None, Booked), Some(PipelineSignal::Booked));
        assert_eq!(
            pipeline_signal(Some(Confirmed), Arrived),
            Some(PipelineSignal::Arrived)
        );
        assert_eq!(pipeline_signal(Some(Booked), Confirmed), None);
    }
}
