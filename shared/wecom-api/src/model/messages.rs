//! Messages: `send_welcome_msg` and `message/send`.

use serde::Serialize;

use super::attachments::{Attachment, MAX_ATTACHMENTS, MAX_TEXT_BYTES, Text, validate_attachment};
use super::rules::{RuleError, rule};

/// `send_welcome_msg` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct WelcomeMessage {
    pub welcome_code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

impl WelcomeMessage {
    /// Checks WeCom's documented limits before the call is spent.
    pub fn validate(&self) -> Result<(), RuleError> {
        if self.text.is_none() && self.attachments.is_empty() {
            return Err(rule(
                "text",
                "a welcome message needs text or an attachment",
            ));
        }
        if let Some(text) = &self.text
            && text.content.len() > MAX_TEXT_BYTES
        {
            return Err(rule(
                "text.content",
                format!("is over {MAX_TEXT_BYTES} bytes"),
            ));
        }
        if self.attachments.len() > MAX_ATTACHMENTS {
            return Err(rule(
                "attachments",
                format!("more than {MAX_ATTACHMENTS} attachments"),
            ));
        }
        for (at, a) in self.attachments.iter().enumerate() {
            validate_attachment(a, at)?;
        }
        Ok(())
    }
}

/// `message/send` text content: at most 2048 bytes (WeCom: 45002 beyond).
pub const MAX_APP_TEXT_BYTES: usize = 2048;
/// `message/send` `touser`: at most 1000 members.
pub const MAX_APP_MESSAGE_USERS: usize = 1000;
