//! Messages on the processing queue. Small and free of personal data: they name a logged
//! event, which the worker reads back from the store.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Process the logged WeCom callback with this idempotency key.
    Callback { key: String },
}

impl Job {
    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_body(body: &str) -> Result<Self, crate::CrmError> {
        serde_json::from_str(body).map_err(|e| crate::CrmError::unreadable("job", e))
    }
}
