//! An appointment's lifecycle, history and notices, stored on the appointment item beside the
//! fields of [`crate::model::Appointment`] (which older code and the aggregates keep reading:
//! the counted fields — `created_at_ms`, `channel` — never change after the booking).

use serde::{Deserialize, Serialize};

use crate::model::Appointment;

/// Where an appointment stands. Stored appointments without a status read as `booked`.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// 已预约
    #[default]
    Booked,
    /// 已确认
    Confirmed,
    /// 已到店
    Arrived,
    /// 已完成
    Completed,
    /// 已取消
    Cancelled,
    /// 未到店 (爽约)
    NoShow,
}

impl AppointmentStatus {
    pub const ALL: [AppointmentStatus; 6] = [
        AppointmentStatus::Booked,
        AppointmentStatus::Confirmed,
        AppointmentStatus::Arrived,
        AppointmentStatus::Completed,
        AppointmentStatus::Cancelled,
        AppointmentStatus::NoShow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "booked",
            AppointmentStatus::Confirmed => "confirmed",
            AppointmentStatus::Arrived => "arrived",
            AppointmentStatus::Completed => "completed",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::NoShow => "no_show",
        }
    }

    /// The console's word for it.
    pub fn label(self) -> &'static str {
        match self {
            AppointmentStatus::Booked => "已预约",
            AppointmentStatus::Confirmed => "已确认",
            AppointmentStatus::Arrived => "已到店",
            AppointmentStatus::Completed => "已完成",
            AppointmentStatus::Cancelled => "已取消",
            AppointmentStatus::NoShow => "未到店",
        }
    }

    pub fn parse(s: &str) -> Result<Self, crate::FieldError> {
        Self::ALL
            .into_iter()
            .find(|v| v.as_str() == s.trim())
            .ok_or_else(|| {
                crate::FieldError::new(
                    "status",
                    "状态只能是 booked、confirmed、arrived、completed、cancelled 或 no_show",
                )
            })
    }

    /// Whether the appointment can move from `self` to `next`: booked → confirmed → arrived →
    /// completed, or (before arriving) cancelled / no_show.
    pub fn can_move_to(self, next: AppointmentStatus) -> bool {
        use AppointmentStatus::*;
        matches!(
            (self, next),
            (Booked, Confirmed | Arrived | Cancelled | NoShow)
                | (Confirmed, Arrived | Cancelled | NoShow)
                | (Arrived, Completed)
        )
    }

    /// Still ahead of the visit: it can be rescheduled and its notices still go.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Booked | AppointmentStatus::Confirmed
        )
    }
}

/// One change of an appointment, kept in its history.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentChange {
    pub at_ms: i64,
    /// The caller (admin API subject, `booking:<token>` for the booking system, `system` for
    /// the reminder job).
    pub by: String,
    /// `booked`, `status`, `reschedule`, `confirmation`, `reminder`.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Which notice.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    /// 预约确认: on booking and on reschedule.
    Confirmation,
    /// 预约提醒: `reminder_days_before` days before the visit.
    Reminder,
}

impl NoticeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Confirmation => "confirmation",
            NoticeKind::Reminder => "reminder",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Confirmation => "预约确认",
            NoticeKind::Reminder => "预约提醒",
        }
    }
}

/// Where a notice stands.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeState {
    /// Waiting for `due_at_ms` (deferred by quiet hours or a quota, or not yet time).
    Pending,
    /// Claimed: the group-send task is being created (exactly once: a run that finds a notice
    /// `creating` for long reconciles with WeCom's task list before creating again).
    Creating,
    /// The task exists (`msgid`); the consultant confirms it in WeCom.
    Created,
    /// Not sent, for `reason` (the appointment was cancelled, the visit passed…).
    Skipped,
    /// WeCom refused it (`reason`).
    Failed,
}

/// A confirmation or reminder: a single-customer group-send task for the consultant, plus an
/// app message telling them.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub state: NoticeState,
    /// When it goes (or went) out.
    pub due_at_ms: i64,
    /// The visit time it speaks of (a reschedule makes new notices).
    pub for_scheduled_at_ms: i64,
    #[serde(default)]
    pub attempts: u32,
    /// Why it waits (`quiet_hours`, `wecom_quota`, `clinic_cap`, `retry`) or why it was
    /// skipped / failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Set while `creating`: when the claim was made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_at_ms: Option<i64>,
    /// The group-send task's id, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at_ms: Option<i64>,
    /// The text the customer receives once the consultant confirms it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
    /// The consultant was told by app message.
    #[serde(default)]
    pub consultant_notified: bool,
}

impl Notice {
    pub fn pending(due_at_ms: i64, for_scheduled_at_ms: i64) -> Self {
        Notice {
            state: NoticeState::Pending,
            due_at_ms,
            for_scheduled_at_ms,
            attempts: 0,
            reason: None,
            claimed_at_ms: None,
            msgid: None,
            created_at_ms: None,
            text: String::new(),
            consultant_notified: false,
        }
    }

    pub fn skipped(for_scheduled_at_ms: i64, at_ms: i64, reason: &str) -> Self {
        Notice {
            state: NoticeState::Skipped,
            reason: Some(reason.to_owned()),
            ..Notice::pending(at_ms, for_scheduled_at_ms)
        }
    }

    /// When the notice job has something to do with it, if ever: a pending notice at its due
    /// time; a claim left `creating` once `reconcile_after_ms` have passed; a created task whose
    /// consultant was not told yet, now.
    pub fn work_at(&self, reconcile_after_ms: i64) -> Option<i64> {
        match self.state {
            NoticeState::Pending => Some(self.due_at_ms),
            NoticeState::Creating => Some(
                self.claimed_at_ms
                    .unwrap_or(self.due_at_ms)
                    .saturating_add(reconcile_after_ms),
            ),
            NoticeState::Created if !self.consultant_notified => {
                Some(self.created_at_ms.unwrap_or(self.due_at_ms))
            }
            _ => None,
        }
    }
}

/// An appointment as stored: the booking's fields and what happened to it since.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentRecord {
    #[serde(flatten)]
    pub base: Appointment,
    #[serde(default)]
    pub status: AppointmentStatus,
    /// The consultant (WeCom userid) who looks after the visit and sends its notices: the
    /// customer's own consultant by default. `None` for appointments stored before this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userid: Option<String>,
    /// The booking system's id of this appointment (idempotency of
    /// `POST /api/booking/appointments`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<AppointmentChange>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation: Option<Notice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder: Option<Notice>,
    #[serde(default)]
    pub updated_at_ms: i64,
}

impl AppointmentRecord {
    pub fn new(base: Appointment, userid: Option<String>) -> Self {
        let history = vec![AppointmentChange {
            at_ms: base.created_at_ms,
            by: base.created_by.clone(),
            kind: "booked".into(),
            from: None,
            to: Some(AppointmentStatus::Booked.as_str().into()),
            note: None,
        }];
        AppointmentRecord {
            updated_at_ms: base.created_at_ms,
            base,
            status: AppointmentStatus::Booked,
            userid,
            booking_ref: None,
            history,
            confirmation: None,
            reminder: None,
        }
    }

    pub fn id(&self) -> &str {
        &self.base.id
    }

    pub fn notice(&self, kind: NoticeKind) -> Option<&Notice> {
        match kind {
            NoticeKind::Confirmation => self.confirmation.as_ref(),
            NoticeKind::Reminder => self.reminder.as_ref(),
        }
    }

    pub fn notice_mut(&mut self, kind: NoticeKind) -> &mut Option<Notice> {
        match kind {
            NoticeKind::Confirmation => &mut self.confirmation,
            NoticeKind::Reminder => &mut self.reminder,
        }
    }

    /// The earliest time the notice job has work on this appointment.
    pub fn work_at(&self, reconcile_after_ms: i64) -> Option<i64> {
        [&self.confirmation, &self.reminder]
            .into_iter()
            .flatten()
            .filter_map(|n| n.work_at(reconcile_after_ms))
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transitions_follow_the_lifecycle() {
        use AppointmentStatus::*;
        assert!(Booked.can_move_to(Confirmed));
        assert!(Confirmed.can_move_to(Arrived));
        assert!(Arrived.can_move_to(Completed));
        assert!(Booked.can_move_to(Cancelled));
        assert!(Confirmed.can_move_to(NoShow));
        assert!(!Completed.can_move_to(Booked));
        assert!(!Cancelled.can_move_to(Arrived));
        assert!(!Arrived.can_move_to(Cancelled));
        assert!(!Booked.can_move_to(Completed));
        assert!(!Booked.can_move_to(Booked));
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn an_old_appointment_reads_as_booked() {
        let old = serde_json::json!({
            "id": "0190000000000000000000000000", "external_userid": "wm1",
            "scheduled_at_ms": 1_700_000_000_000_i64, "item": "水光针", "source": "staff",
            "created_at_ms": 1_699_000_000_000_i64, "created_by": "local-admin"
        });
        let record: AppointmentRecord = serde_json::from_value(old).unwrap();
        assert_eq!(record.status, AppointmentStatus::Booked);
        assert_eq!(record.userid, None);
        assert!(record.history.is_empty());
        // And the stored record still reads as the plain appointment the aggregates count.
        let json = serde_json::to_value(&record).unwrap();
        let base: Appointment = serde_json::from_value(json).unwrap();
        assert_eq!(base, record.base);
    }
}
