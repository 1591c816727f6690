//! The scheduler port: one-time schedules that deliver a payload to a target at a given time
//! (EventBridge Scheduler's `at()` schedules, deleted after they ran).

use async_trait::async_trait;

/// A one-time schedule: at `at_ms` (Unix ms, UTC) deliver `payload` (a JSON string) to the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeSchedule {
    /// 1..=[`MAX_SCHEDULE_NAME_LEN`] characters of `[0-9A-Za-z-_.]` (EventBridge's rule).
    pub name: String,
    /// When it fires, in milliseconds since the Unix epoch (UTC). Adapters with second
    /// granularity (EventBridge) keep whole seconds only.
    pub at_ms: i64,
    /// What the target receives (non-empty, at most [`MAX_SCHEDULE_PAYLOAD_BYTES`]).
    pub payload: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SchedulerError {
    /// The backend is throttling, failing or unreachable; retrying may succeed.
    #[error("scheduler unavailable: {0}")]
    Unavailable(String),
    /// The request itself is invalid (bad name, payload or time).
    #[error("invalid schedule: {0}")]
    Invalid(String),
}

impl SchedulerError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, SchedulerError::Unavailable(_))
    }
}

/// Longest schedule name (EventBridge Scheduler's limit).
pub const MAX_SCHEDULE_NAME_LEN: usize = 64;
/// Largest payload (EventBridge Scheduler's limit on a target's input).
pub const MAX_SCHEDULE_PAYLOAD_BYTES: usize = 8192;
/// Latest time a schedule may name: 9999-12-31T23:59:59.999 in Asia/Shanghai (UTC+8), the last
/// instant an `at(yyyy-mm-ddThh:mm:ss)` expression can write with a four-digit year.
pub const MAX_SCHEDULE_AT_MS: i64 = 253_402_271_999_999;

/// Checks a schedule name against EventBridge's rule: 1..=64 characters of `[0-9A-Za-z-_.]`.
pub fn validate_schedule_name(name: &str) -> Result<(), SchedulerError> {
    if name.is_empty() || name.len() > MAX_SCHEDULE_NAME_LEN {
        return Err(SchedulerError::Invalid(format!(
            "a schedule name has 1..={MAX_SCHEDULE_NAME_LEN} characters, got {}",
            name.len()
        )));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(SchedulerError::Invalid(format!(
            "a schedule name holds only [0-9A-Za-z-_.], got {c:?} in {name:?}"
        )));
    }
    Ok(())
}

impl OneTimeSchedule {
    pub fn new(name: impl Into<String>, at_ms: i64, payload: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            at_ms,
            payload: payload.into(),
        }
    }

    /// Refuses what EventBridge Scheduler would refuse, so every adapter fails alike: a name
    /// outside 1..=64 characters of `[0-9A-Za-z-_.]`, an empty payload or one above 8192
    /// bytes, a time not in `1..=`[`MAX_SCHEDULE_AT_MS`].
    pub fn validate(&self) -> Result<(), SchedulerError> {
        validate_schedule_name(&self.name)?;
        if self.payload.is_empty() {
            return Err(SchedulerError::Invalid("schedule payload is empty".into()));
        }
        if self.payload.len() > MAX_SCHEDULE_PAYLOAD_BYTES {
            return Err(SchedulerError::Invalid(format!(
                "schedule payload is {} bytes, above {MAX_SCHEDULE_PAYLOAD_BYTES}",
                self.payload.len()
            )));
        }
        if self.at_ms <= 0 || self.at_ms > MAX_SCHEDULE_AT_MS {
            return Err(SchedulerError::Invalid(format!(
                "schedule time must be in 1..={MAX_SCHEDULE_AT_MS} ms, got {}",
                self.at_ms
            )));
        }
        Ok(())
    }
}

/// Creates, reads and cancels one-time schedules. In AWS, EventBridge Scheduler invokes the
/// target; in local mode the embedded adapter's loop does.
#[async_trait]
pub trait Scheduler: Send + Sync {
    /// Creates the schedule, or replaces the one with the same name (idempotent: calling twice
    /// with the same schedule is fine).
    async fn schedule_once(&self, schedule: OneTimeSchedule) -> Result<(), SchedulerError>;

    /// Deletes it; `Ok(false)` when there was none (cancel is idempotent).
    async fn cancel(&self, name: &str) -> Result<bool, SchedulerError>;

    /// The schedule named `name`, if it exists (has not fired and been deleted, nor been
    /// cancelled).
    async fn get(&self, name: &str) -> Result<Option<OneTimeSchedule>, SchedulerError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_are_checked_like_eventbridge_does() {
        let ok = OneTimeSchedule::new("campaign-42_v1.0", 1_700_000_000_000, "{}");
        assert!(ok.validate().is_ok());
        let max_name = OneTimeSchedule::new("a".repeat(64), 1, "x");
        assert!(max_name.validate().is_ok());
        for bad_name in ["", "has space", "slash/", "冬", "#"] {
            let s = OneTimeSchedule::new(bad_name, 1, "x");
            assert!(
                matches!(s.validate(), Err(SchedulerError::Invalid(_))),
                "{bad_name:?}"
            );
        }
        assert!(
            OneTimeSchedule::new("a".repeat(65), 1, "x")
                .validate()
                .is_err()
        );
        assert!(OneTimeSchedule::new("n", 1, "").validate().is_err());
        assert!(
            OneTimeSchedule::new("n", 1, "x".repeat(8192))
                .validate()
                .is_ok()
        );
        assert!(
            OneTimeSchedule::new("n", 1, "x".repeat(8193))
                .validate()
                .is_err()
        );
        assert!(OneTimeSchedule::new("n", 0, "x").validate().is_err());
        assert!(OneTimeSchedule::new("n", -5, "x").validate().is_err());
        assert!(
            OneTimeSchedule::new("n", MAX_SCHEDULE_AT_MS, "x")
                .validate()
                .is_ok()
        );
        assert!(
            OneTimeSchedule::new("n", MAX_SCHEDULE_AT_MS + 1, "x")
                .validate()
                .is_err()
        );
        assert!(!SchedulerError::Invalid("x".into()).is_retryable());
        assert!(SchedulerError::Unavailable("x".into()).is_retryable());
    }
}
