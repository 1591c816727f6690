//! Messages: the welcome message to a new customer (`send_welcome_msg`) and application
//! messages to members (`message/send`).

use serde_json::Value;

use super::WeComClient;
use super::transport::Verb;
use crate::WeComError;
use crate::model::{MAX_APP_MESSAGE_USERS, MAX_APP_TEXT_BYTES, WelcomeMessage};

impl WeComClient {
    /// `externalcontact/send_welcome_msg` (within 20 s of the add event, once).
    pub async fn send_welcome_msg(&self, message: &WelcomeMessage) -> Result<(), WeComError> {
        message
            .validate()
            .map_err(|rule| WeComError::InvalidRequest {
                api: "externalcontact/send_welcome_msg",
                rule,
            })?;
        let _: Value = self
            .call(
                "externalcontact/send_welcome_msg",
                Verb::Post,
                &[],
                Some(message),
            )
            .await?;
        Ok(())
    }

    /// `message/send` with a text to internal members (not to customers: wecom-api.md, note 1).
    /// Returns `invaliduser` (the userids WeCom could not reach); all invalid → errcode 81013.
    pub async fn send_app_text(
        &self,
        agent_id: &str,
        touser: &[String],
        content: &str,
    ) -> Result<Vec<String>, WeComError> {
        if agent_id.is_empty() {
            return Err(WeComError::invalid(
                "message/send",
                "agentid",
                "is required",
            ));
        }
        if touser.is_empty() || touser.len() > MAX_APP_MESSAGE_USERS {
            return Err(WeComError::invalid(
                "message/send",
                "touser",
                format!("must hold 1 to {MAX_APP_MESSAGE_USERS} userids"),
            ));
        }
        if content.is_empty() {
            return Err(WeComError::invalid(
                "message/send",
                "text.content",
                "is empty",
            ));
        }
        if content.len() > MAX_APP_TEXT_BYTES {
            return Err(WeComError::invalid(
                "message/send",
                "text.content",
                format!("is over {MAX_APP_TEXT_BYTES} bytes"),
            ));
        }
        // WeCom's agentid is an integer; keep a non-numeric one as given.
        let agentid = agent_id
            .parse::<i64>()
            .map(Value::from)
            .unwrap_or_else(|_| Value::from(agent_id));
        let body = serde_json::json!({
            "touser": touser.join("|"),
            "msgtype": "text",
            "agentid": agentid,
            "text": { "content": content },
        });
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            invaliduser: String,
        }
        let resp: Resp = self
            .call("message/send", Verb::Post, &[], Some(&body))
            .await?;
        Ok(resp
            .invaliduser
            .split('|')
            .filter(|u| !u.is_empty())
            .map(str::to_owned)
            .collect())
    }
}
