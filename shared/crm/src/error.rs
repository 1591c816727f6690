use std::time::Duration;

use ports::{QueueError, StoreError};
use wecom_api::WeComError;

/// One field of the input refused by a domain rule: which field (a JSON path such as
/// `content.attachments.title`) and why, in Chinese for the clinic's staff.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}")]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Errors of the domain layer; `is_retryable` decides between a queue retry and a recorded
/// permanent failure.
#[derive(Debug, thiserror::Error)]
pub enum CrmError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error(transparent)]
    WeCom(#[from] WeComError),
    #[error(transparent)]
    Scheduler(#[from] ports::scheduler::SchedulerError),
    /// A queued message or a stored event that cannot be read, now or later (the queue
    /// dead-letters it; the callback log records it).
    #[error("unreadable {what}: {why}")]
    Unreadable { what: &'static str, why: String },
    /// What the input names does not exist (a campaign, a chunk, a media item, a sync run).
    #[error("no {what} {id}")]
    NotFound { what: &'static str, id: String },
    /// A stored record or a WeCom answer that breaks an invariant the code relies on.
    #[error("inconsistent: {0}")]
    Inconsistent(String),
    /// A rule of the domain refuses one field of the input (the admin API answers 400 naming it).
    #[error(transparent)]
    Field(#[from] FieldError),
    /// Optimistic writes kept colliding; retrying later should succeed.
    #[error("contention on {0}")]
    Contention(String),
}

impl CrmError {
    pub fn unreadable(what: &'static str, why: impl std::fmt::Display) -> Self {
        CrmError::Unreadable {
            what,
            why: why.to_string(),
        }
    }

    pub fn not_found(what: &'static str, id: impl Into<String>) -> Self {
        CrmError::NotFound {
            what,
            id: id.into(),
        }
    }

    pub fn is_retryable(&self) -> bool {
        match self {
            CrmError::Store(e) => e.is_retryable(),
            CrmError::Queue(e) => e.is_retryable(),
            CrmError::WeCom(e) => e.is_retryable(),
            CrmError::Scheduler(e) => e.is_retryable(),
            CrmError::Unreadable { .. }
            | CrmError::NotFound { .. }
            | CrmError::Inconsistent(_)
            | CrmError::Field(_) => false,
            CrmError::Contention(_) => true,
        }
    }

    /// A delay imposed by WeCom (45009), if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CrmError::WeCom(e) => e.retry_after(),
            _ => None,
        }
    }

    /// A short, stable, non-personal description for logs and the callback log.
    pub fn summary(&self) -> String {
        match self {
            CrmError::WeCom(e) => match (e.errcode(), e.errmsg()) {
                (Some(code), Some(msg)) => format!("wecom errcode {code}: {msg}"),
                _ => e.to_string(),
            },
            other => other.to_string(),
        }
    }
}
