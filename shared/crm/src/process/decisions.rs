//! The processor's decisions, free of I/O: the queue action for each outcome, the welcome
//! window and WeCom's welcome answers, the channel of an add event, and how events change a
//! relationship.

use std::time::Duration;

use wecom_api::{WeComError, errcode};
use wecom_callback::event::ExternalContactEvent;

use super::{JobResult, ProcessorSettings};
use crate::CrmError;
use crate::config::{CorpConfig, ResolvedChannel, WelcomeTemplate};
use crate::model::{CallbackStatus, EndCause, Relationship, RelationshipStatus, WelcomeStatus};

impl ProcessorSettings {
    /// The delay before the next attempt after the `receive_count`-th delivery failed
    /// transiently: `retry_base · 2^(receive_count-1)`, capped at `retry_max`.
    pub(super) fn backoff(&self, receive_count: u32) -> Duration {
        let factor = 2u32.saturating_pow(receive_count.saturating_sub(1).min(16));
        self.retry_base.saturating_mul(factor).min(self.retry_max)
    }

    /// What a failed attempt leads to: a transient failure is retried (after WeCom's 45009
    /// window when rate-limited, else after the backoff), a permanent one is recorded and the
    /// message deleted.
    pub(super) fn on_failure(
        &self,
        error: &CrmError,
        receive_count: u32,
    ) -> (CallbackStatus, JobResult) {
        if !error.is_retryable() {
            return (CallbackStatus::Failed, JobResult::Done);
        }
        let delay = error
            .retry_after()
            .map_or_else(|| self.backoff(receive_count), |_| self.rate_limit_backoff);
        (CallbackStatus::Retrying, JobResult::RetryAfter(delay))
    }

    /// Whether WeCom still accepts a welcome message at `now_ms` for an add event that
    /// happened at `create_time` (Unix seconds).
    pub(super) fn welcome_window_open(&self, now_ms: i64, create_time: i64) -> bool {
        now_ms.div_euclid(1000) - create_time <= self.welcome_window_secs
    }

    /// What to do with a claimed welcome code before WeCom is called: send this template, or
    /// settle the claim at once (no template, or the window has closed).
    pub(super) fn plan_welcome<'a>(
        &self,
        template: Option<&'a WelcomeTemplate>,
        now_ms: i64,
        create_time: i64,
    ) -> WelcomePlan<'a> {
        match template {
            None => WelcomePlan::Settle(WelcomeStatus::NotConfigured),
            Some(_) if !self.welcome_window_open(now_ms, create_time) => {
                WelcomePlan::Settle(WelcomeStatus::WindowMissed)
            }
            Some(template) => WelcomePlan::Send(template),
        }
    }
}

/// What [`ProcessorSettings::plan_welcome`] decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum WelcomePlan<'a> {
    Send(&'a WelcomeTemplate),
    Settle(WelcomeStatus),
}

/// How WeCom's answer to `send_welcome_msg` is recorded on the claim (status and error) and
/// whether the job retries (the error to retry with).
pub(super) struct WelcomeAnswer {
    pub(super) status: WelcomeStatus,
    pub(super) error: Option<String>,
    pub(super) retry: Option<CrmError>,
}

impl WelcomeAnswer {
    pub(super) fn of(result: Result<(), WeComError>) -> Self {
        let (status, error, retry) = match result {
            Ok(()) => (WelcomeStatus::Sent, None, None),
            Err(e) => match e.errcode() {
                Some(errcode::WELCOME_ALREADY_SENT) => (WelcomeStatus::AlreadySent, None, None),
                Some(errcode::WELCOME_CODE_INVALID) => {
                    (WelcomeStatus::CodeExpired, Some(summary(&e)), None)
                }
                Some(errcode::WELCOME_BEING_SENT) => (
                    WelcomeStatus::Failed,
                    Some(summary(&e)),
                    Some(CrmError::WeCom(WeComError::Busy {
                        api: "externalcontact/send_welcome_msg",
                        errcode: errcode::WELCOME_BEING_SENT,
                        errmsg: e.errmsg().unwrap_or_default().to_owned(),
                    })),
                ),
                _ if e.is_retryable() => (WelcomeStatus::Failed, Some(summary(&e)), Some(e.into())),
                _ => (WelcomeStatus::Failed, Some(summary(&e)), None),
            },
        };
        Self {
            status,
            error,
            retry,
        }
    }
}

/// What an add event's `state` decides: its channel, the welcome message, and whether the
/// channel tag is applied (not to a half-added customer, who is not a friend yet).
pub(super) struct AddPlan {
    pub(super) state: String,
    pub(super) channel: Option<ResolvedChannel>,
    pub(super) welcome: Option<WelcomeTemplate>,
    pub(super) half: bool,
}

impl AddPlan {
    pub(super) fn new(config: &CorpConfig, state: Option<&str>, half: bool) -> Self {
        let state = state.unwrap_or_default().to_owned();
        Self {
            channel: config.channel(&state),
            welcome: config.welcome_for(&state),
            state,
            half,
        }
    }

    /// The channel whose tag the relationship gets.
    pub(super) fn channel_to_tag(&self) -> Option<&ResolvedChannel> {
        self.channel.as_ref().filter(|_| !self.half)
    }
}

/// The relationship after an end event at `create_time`, or `None` when a newer event already
/// decided it (the event is stale).
pub(super) fn end_relationship(
    current: Option<Relationship>,
    ev: &ExternalContactEvent,
    create_time: i64,
    cause: EndCause,
    source: Option<&str>,
    now: i64,
) -> Option<Relationship> {
    let mut r = current.unwrap_or_else(|| Relationship {
        external_userid: ev.external_user_id.clone(),
        userid: ev.user_id.clone(),
        createtime: 0,
        ..Relationship::default()
    });
    if r.last_event_time > create_time {
        return None; // a newer event already decided this relationship
    }
    r.status = RelationshipStatus::Ended;
    r.ended_at = Some(create_time);
    r.end_cause = Some(cause);
    r.end_source = source.map(str::to_owned);
    r.last_event_time = create_time;
    r.updated_at_ms = now;
    Some(r)
}

/// The timeline kind of an ended relationship.
pub(super) fn end_kind(cause: EndCause) -> &'static str {
    match cause {
        EndCause::StaffDeletedCustomer => "deleted_by_staff",
        EndCause::CustomerDeletedStaff => "deleted_staff",
        EndCause::MissingInSync => "missing_in_sync",
    }
}

/// A logged event in one of these states needs no more work.
pub(super) fn is_settled(status: CallbackStatus) -> bool {
    matches!(
        status,
        CallbackStatus::Processed | CallbackStatus::Ignored | CallbackStatus::Unrecognized
    )
}

pub(super) fn welcome_label(status: Option<WelcomeStatus>) -> &'static str {
    match status {
        None => "no code",
        Some(WelcomeStatus::Sending) => "in progress elsewhere",
        Some(WelcomeStatus::Sent) => "sent",
        Some(WelcomeStatus::AlreadySent) => "already sent (41051)",
        Some(WelcomeStatus::CodeExpired) => "code expired (41050)",
        Some(WelcomeStatus::WindowMissed) => "window missed",
        Some(WelcomeStatus::NotConfigured) => "not configured",
        Some(WelcomeStatus::Failed) => "failed",
    }
}

fn summary(e: &WeComError) -> String {
    CrmError::summary(&CrmError::WeCom(WeComError::Api {
        api: "externalcontact/send_welcome_msg",
        errcode: e.errcode().unwrap_or_default(),
        errmsg: e.errmsg().unwrap_or_default().to_owned(),
    }))
}

/// The relationship or customer is not (or no longer) visible to the app.
pub(super) fn is_gone(e: &WeComError) -> bool {
    matches!(
        e.errcode(),
        Some(errcode::NOT_A_FRIEND | errcode::INVALID_EXTERNAL_USERID)
    )
}
