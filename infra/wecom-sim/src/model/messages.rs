//! Welcome codes and welcome messages, application messages sent to members and texts members
//! sent to the app.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// A welcome code handed out with an add event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WelcomeCodeInfo {
    pub welcome_code: String,
    pub userid: String,
    pub external_userid: String,
    /// Unix milliseconds (simulated clock).
    pub issued_at_ms: i64,
    /// Unix milliseconds after which `send_welcome_msg` answers 41050.
    pub expires_at_ms: i64,
    pub used: bool,
}

/// A welcome message delivered through `send_welcome_msg`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WelcomeMessage {
    pub welcome_code: String,
    pub userid: String,
    pub external_userid: String,
    pub text: Option<String>,
    pub attachments: Vec<Value>,
    /// Unix seconds.
    pub at: i64,
}

/// An application message sent to members through `message/send`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AppMessage {
    pub msgid: String,
    pub agentid: String,
    /// Valid recipients.
    pub touser: Vec<String>,
    pub invaliduser: Vec<String>,
    pub msgtype: String,
    /// `text.content` / `markdown.content` when present.
    pub content: Option<String>,
    /// The request body as received.
    pub body: Value,
    /// Unix seconds.
    pub at: i64,
}

/// A text a member sent to the app (simulated through `/sim/control/app-message`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboundAppMessage {
    pub msg_id: String,
    pub from_userid: String,
    pub content: String,
    /// Unix seconds.
    pub at: i64,
}
