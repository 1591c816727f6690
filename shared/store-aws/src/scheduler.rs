//! [`EventBridgeScheduler`]: the scheduler port over EventBridge Scheduler one-time schedules.

use async_trait::async_trait;
use aws_sdk_scheduler::Client;
use aws_sdk_scheduler::config::http::HttpResponse;
use aws_sdk_scheduler::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_scheduler::types::{
    ActionAfterCompletion, FlexibleTimeWindow, FlexibleTimeWindowMode, ScheduleState, Target,
};
use chrono::{DateTime, NaiveDateTime};
use ports::scheduler::validate_schedule_name;
use ports::{OneTimeSchedule, Scheduler, SchedulerError};

/// The time zone of every `at()` expression this adapter writes.
pub const SCHEDULE_TIMEZONE: &str = "Asia/Shanghai";
/// Asia/Shanghai's offset from UTC: fixed at +8 hours (China has had no daylight saving time
/// since 1991).
const SHANGHAI_OFFSET_SECS: i64 = 8 * 3600;
/// Create/update rounds before giving up on a schedule that keeps appearing and vanishing.
const WRITE_ATTEMPTS: usize = 3;
const AT_FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

/// One-time schedules in one EventBridge Scheduler schedule group, all invoking the same
/// target (a Lambda function) with the schedule's payload as input.
///
/// Each schedule is `at(yyyy-mm-ddThh:mm:ss)` in Asia/Shanghai local time (whole seconds: the
/// milliseconds of `at_ms` are dropped), with no flexible time window, and is deleted by
/// EventBridge once it has run (`ActionAfterCompletion=DELETE`).
#[derive(Debug, Clone)]
pub struct EventBridgeScheduler {
    client: Client,
    group: String,
    target_arn: String,
    role_arn: String,
}

impl EventBridgeScheduler {
    /// `group` must exist; `target_arn` is what every schedule invokes, as `role_arn`.
    pub fn new(client: Client, group: String, target_arn: String, role_arn: String) -> Self {
        Self {
            client,
            group,
            target_arn,
            role_arn,
        }
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn group(&self) -> &str {
        &self.group
    }

    pub fn target_arn(&self) -> &str {
        &self.target_arn
    }

    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }

    fn target(&self, payload: &str) -> Result<Target, SchedulerError> {
        Target::builder()
            .arn(&self.target_arn)
            .role_arn(&self.role_arn)
            .input(payload)
            .build()
            .map_err(|e| SchedulerError::Invalid(format!("schedule target: {e}")))
    }

    /// CreateSchedule; `Ok(false)` when a schedule of that name exists already.
    async fn create(&self, schedule: &OneTimeSchedule) -> Result<bool, SchedulerError> {
        let result = self
            .client
            .create_schedule()
            .name(&schedule.name)
            .group_name(&self.group)
            .schedule_expression(at_expression(schedule.at_ms)?)
            .schedule_expression_timezone(SCHEDULE_TIMEZONE)
            .flexible_time_window(off()?)
            .target(self.target(&schedule.payload)?)
            .action_after_completion(ActionAfterCompletion::Delete)
            .state(ScheduleState::Enabled)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if e.code() == Some("ConflictException") => Ok(false),
            Err(e) => Err(sdk_error("CreateSchedule", &e)),
        }
    }

    /// UpdateSchedule (the whole definition); `Ok(false)` when there is no such schedule.
    async fn update(&self, schedule: &OneTimeSchedule) -> Result<bool, SchedulerError> {
        let result = self
            .client
            .update_schedule()
            .name(&schedule.name)
            .group_name(&self.group)
            .schedule_expression(at_expression(schedule.at_ms)?)
            .schedule_expression_timezone(SCHEDULE_TIMEZONE)
            .flexible_time_window(off()?)
            .target(self.target(&schedule.payload)?)
            .action_after_completion(ActionAfterCompletion::Delete)
            .state(ScheduleState::Enabled)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(sdk_error("UpdateSchedule", &e)),
        }
    }
}

#[async_trait]
impl Scheduler for EventBridgeScheduler {
    /// CreateSchedule, or UpdateSchedule when the name is taken (ConflictException).
    async fn schedule_once(&self, schedule: OneTimeSchedule) -> Result<(), SchedulerError> {
        schedule.validate()?;
        for _ in 0..WRITE_ATTEMPTS {
            if self.create(&schedule).await? || self.update(&schedule).await? {
                return Ok(());
            }
            // Deleted between the conflict and the update (it ran, or was cancelled): again.
        }
        Err(SchedulerError::Unavailable(format!(
            "schedule {} kept appearing and vanishing during {WRITE_ATTEMPTS} attempts",
            schedule.name
        )))
    }

    async fn cancel(&self, name: &str) -> Result<bool, SchedulerError> {
        validate_schedule_name(name)?;
        let result = self
            .client
            .delete_schedule()
            .name(name)
            .group_name(&self.group)
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(sdk_error("DeleteSchedule", &e)),
        }
    }

    async fn get(&self, name: &str) -> Result<Option<OneTimeSchedule>, SchedulerError> {
        validate_schedule_name(name)?;
        let result = self
            .client
            .get_schedule()
            .name(name)
            .group_name(&self.group)
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e) if is_not_found(&e) => return Ok(None),
            Err(e) => return Err(sdk_error("GetSchedule", &e)),
        };
        let expression = out.schedule_expression().ok_or_else(|| {
            SchedulerError::Unavailable(format!("GetSchedule {name}: no ScheduleExpression"))
        })?;
        let at_ms = parse_at_expression(expression, out.schedule_expression_timezone())?;
        let payload = out
            .target()
            .and_then(Target::input)
            .unwrap_or_default()
            .to_owned();
        Ok(Some(OneTimeSchedule {
            name: name.to_owned(),
            at_ms,
            payload,
        }))
    }
}

/// `at(yyyy-mm-ddThh:mm:ss)` naming `at_ms` (whole seconds, milliseconds dropped) in
/// Asia/Shanghai local time.
pub fn at_expression(at_ms: i64) -> Result<String, SchedulerError> {
    let local_secs = at_ms.div_euclid(1000) + SHANGHAI_OFFSET_SECS;
    let local = DateTime::from_timestamp(local_secs, 0)
        .ok_or_else(|| SchedulerError::Invalid(format!("time {at_ms} ms is out of range")))?;
    Ok(format!("at({})", local.naive_utc().format(AT_FORMAT)))
}

/// The Unix milliseconds an `at(yyyy-mm-ddThh:mm:ss)` expression names in `timezone`
/// (Asia/Shanghai, or UTC when absent, like EventBridge).
pub fn parse_at_expression(
    expression: &str,
    timezone: Option<&str>,
) -> Result<i64, SchedulerError> {
    let invalid = |why: &str| SchedulerError::Invalid(format!("{expression:?}: {why}"));
    let inner = expression
        .trim()
        .strip_prefix("at(")
        .and_then(|rest| rest.strip_suffix(')'))
        .ok_or_else(|| invalid("not a one-time at() schedule"))?;
    let local = NaiveDateTime::parse_from_str(inner, AT_FORMAT)
        .map_err(|e| invalid(&format!("not yyyy-mm-ddThh:mm:ss ({e})")))?;
    let offset = match timezone {
        None | Some("" | "UTC" | "Etc/UTC" | "GMT" | "Etc/GMT") => 0,
        Some("Asia/Shanghai" | "Asia/Chongqing" | "Asia/Harbin" | "PRC") => SHANGHAI_OFFSET_SECS,
        Some(other) => return Err(invalid(&format!("time zone {other} is not supported"))),
    };
    Ok((local.and_utc().timestamp() - offset) * 1000)
}

fn off() -> Result<FlexibleTimeWindow, SchedulerError> {
    FlexibleTimeWindow::builder()
        .mode(FlexibleTimeWindowMode::Off)
        .build()
        .map_err(|e| SchedulerError::Invalid(format!("flexible time window: {e}")))
}

fn is_not_found<E: ProvideErrorMetadata>(err: &SdkError<E, HttpResponse>) -> bool {
    err.code() == Some("ResourceNotFoundException")
}

fn sdk_error<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> SchedulerError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = format!("{operation}: {}", DisplayErrorContext(err));
    match err {
        SdkError::ConstructionFailure(_) => SchedulerError::Invalid(detail),
        SdkError::ServiceError(service) => match service.err().code().unwrap_or_default() {
            "ValidationException" => SchedulerError::Invalid(detail),
            // Throttling, 5xx, quotas, a missing group, denied access: may work later.
            _ => SchedulerError::Unavailable(detail),
        },
        // Dispatch and timeout failures, unreadable responses.
        _ => SchedulerError::Unavailable(detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_expressions_are_shanghai_local_time() {
        // 2030-01-01T00:00:00Z is 08:00 in Shanghai.
        assert_eq!(
            at_expression(1_893_456_000_000).ok(),
            Some("at(2030-01-01T08:00:00)".into())
        );
        // 16:30:05.999Z is already the next day there; milliseconds are dropped.
        assert_eq!(
            at_expression(1_893_456_000_000 + 59_405_999).ok(),
            Some("at(2030-01-02T00:30:05)".into())
        );
        assert_eq!(
            at_expression(ports::scheduler::MAX_SCHEDULE_AT_MS).ok(),
            Some("at(9999-12-31T23:59:59)".into())
        );
        for at_ms in [1_000, 1_893_456_000_000, 1_709_164_800_000, 951_782_400_000] {
            let expression = at_expression(at_ms).expect("format");
            assert_eq!(
                parse_at_expression(&expression, Some(SCHEDULE_TIMEZONE)).ok(),
                Some(at_ms),
                "{expression}"
            );
        }
    }

    #[test]
    fn at_expressions_of_other_tools_are_read() {
        assert_eq!(
            parse_at_expression("at(2030-01-01T00:00:00)", None).ok(),
            Some(1_893_456_000_000)
        );
        assert_eq!(
            parse_at_expression("at(2030-01-01T00:00:00)", Some("UTC")).ok(),
            Some(1_893_456_000_000)
        );
        for (expression, timezone) in [
            ("rate(5 minutes)", None),
            ("cron(0 8 * * ? *)", Some("Asia/Shanghai")),
            ("at(2030-01-01 00:00:00)", None),
            ("at(2030-13-01T00:00:00)", None),
            ("at(2030-01-01T00:00:00)", Some("America/New_York")),
        ] {
            assert!(
                matches!(
                    parse_at_expression(expression, timezone),
                    Err(SchedulerError::Invalid(_))
                ),
                "{expression} in {timezone:?}"
            );
        }
    }
}
