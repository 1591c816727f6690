//! Messages on the product's queues, written and read one way: small JSON, free of personal
//! data (they name a logged event, a campaign, a chunk or a sync run, which the worker reads
//! back from the store).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::CrmError;

/// A message of one of the queues.
pub trait QueueJob: Serialize + DeserializeOwned {
    /// What the message is, in errors (`job`, `campaign job`, `sync job`…).
    const WHAT: &'static str;

    fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The message a body holds; a body that is not one is [`CrmError::Unreadable`] (left to
    /// the dead-letter queue).
    fn from_body(body: &str) -> Result<Self, CrmError> {
        serde_json::from_str(body).map_err(|e| CrmError::unreadable(Self::WHAT, e))
    }
}

/// The events queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Process the logged WeCom callback with this idempotency key.
    Callback { key: String },
}

impl QueueJob for Job {
    const WHAT: &'static str = "job";
}
