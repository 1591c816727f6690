//! 企业群发 (wecom-api.md §5): `add_msg_template`, the result APIs (`get_groupmsg_list_v2`,
//! `get_groupmsg_task`, `get_groupmsg_send_result`), `remind_groupmsg_send` and
//! `cancel_groupmsg_send`.

use serde_json::Value;

use super::outcome::Replay;
use super::transport::{Payload, Verb};
use super::{WeComClient, require};
use crate::WeComError;
use crate::model::{
    GroupMsgListPage, GroupMsgSendResultPage, GroupMsgTaskPage, MAX_GROUPMSG_LIST_LIMIT,
    MAX_GROUPMSG_LIST_SPAN_SECS, MAX_GROUPMSG_TASK_LIMIT, MsgTemplate, MsgTemplateCreated,
};

impl WeComClient {
    /// `externalcontact/add_msg_template` (chat_type `single`): creates a task for
    /// `t.sender`, who must confirm it in the WeCom client; nothing is sent before that.
    /// Validated first ([`MsgTemplate::validate`] → [`WeComError::InvalidRequest`], no request).
    ///
    /// NOT idempotent at WeCom: a transport failure, timeout or HTTP 5xx after the request may
    /// have been sent is ambiguous (the task may exist). Those are not retried in-process and
    /// come back as [`WeComError::Ambiguous`]: reconcile (for example with
    /// [`WeComClient::get_groupmsg_list_v2`]) before sending again. WeCom's refusals that
    /// create nothing (-1 / 45033 / 6000) are still retried in-process, and the token is
    /// refreshed once on 40014 / 42001.
    pub async fn add_msg_template(
        &self,
        t: &MsgTemplate,
    ) -> Result<MsgTemplateCreated, WeComError> {
        const API: &str = "externalcontact/add_msg_template";
        t.validate()
            .map_err(|rule| WeComError::InvalidRequest { api: API, rule })?;
        let mut body =
            serde_json::to_value(t).map_err(|e| WeComError::invalid(API, "body", e.to_string()))?;
        if let Some(obj) = body.as_object_mut() {
            obj.insert("chat_type".into(), Value::from("single"));
        }
        self.send(
            "externalcontact/add_msg_template",
            Verb::Post,
            &[],
            &Payload::Json(body),
            Replay::Unsafe,
        )
        .await
    }

    /// `externalcontact/get_groupmsg_list_v2`: one page (up to 100) of the corp-created
    /// (`filter_type` 0) single-chat 群发 created between `start_time` and `end_time` (unix
    /// seconds, at most 31 days apart), optionally only `creator`'s.
    pub async fn get_groupmsg_list_v2(
        &self,
        creator: Option<&str>,
        start_time: i64,
        end_time: i64,
        cursor: Option<&str>,
    ) -> Result<GroupMsgListPage, WeComError> {
        if end_time < start_time {
            return Err(WeComError::invalid(
                "externalcontact/get_groupmsg_list_v2",
                "end_time",
                "is before start_time",
            ));
        }
        if end_time - start_time > MAX_GROUPMSG_LIST_SPAN_SECS {
            return Err(WeComError::invalid(
                "externalcontact/get_groupmsg_list_v2",
                "end_time",
                "start_time to end_time spans more than 31 days",
            ));
        }
        let mut body = serde_json::json!({
            "chat_type": "single",
            "start_time": start_time,
            "end_time": end_time,
            "filter_type": 0,
            "limit": MAX_GROUPMSG_LIST_LIMIT,
        });
        if let Some(obj) = body.as_object_mut() {
            if let Some(c) = creator.filter(|c| !c.is_empty()) {
                obj.insert("creator".into(), Value::from(c));
            }
            if let Some(c) = cursor.filter(|c| !c.is_empty()) {
                obj.insert("cursor".into(), Value::from(c));
            }
        }
        self.call(
            "externalcontact/get_groupmsg_list_v2",
            Verb::Post,
            &[],
            Some(&body),
        )
        .await
    }

    /// `externalcontact/get_groupmsg_task`: one page (up to 1000) of the members' tasks of a
    /// 群发 (status 0 not sent, 2 sent). Right after creation WeCom answers 41063
    /// ([`errcode::GROUPMSG_DISPATCHING`](crate::errcode::GROUPMSG_DISPATCHING), a plain
    /// [`WeComError::Api`]): ask again later.
    pub async fn get_groupmsg_task(
        &self,
        msgid: &str,
        cursor: Option<&str>,
    ) -> Result<GroupMsgTaskPage, WeComError> {
        require("get_groupmsg_task", "msgid", msgid)?;
        let mut body = serde_json::json!({ "msgid": msgid, "limit": MAX_GROUPMSG_TASK_LIMIT });
        if let (Some(c), Some(obj)) = (cursor.filter(|c| !c.is_empty()), body.as_object_mut()) {
            obj.insert("cursor".into(), Value::from(c));
        }
        self.call(
            "externalcontact/get_groupmsg_task",
            Verb::Post,
            &[],
            Some(&body),
        )
        .await
    }

    /// `externalcontact/get_groupmsg_send_result`: one page (up to 1000) of one member's
    /// recipients with their status (0 not sent, 1 sent, 2 not a friend, 3 over quota).
    /// 41063 right after creation, as [`WeComClient::get_groupmsg_task`].
    pub async fn get_groupmsg_send_result(
        &self,
        msgid: &str,
        userid: &str,
        cursor: Option<&str>,
    ) -> Result<GroupMsgSendResultPage, WeComError> {
        require("get_groupmsg_send_result", "msgid", msgid)?;
        require("get_groupmsg_send_result", "userid", userid)?;
        let mut body = serde_json::json!({
            "msgid": msgid,
            "userid": userid,
            "limit": MAX_GROUPMSG_TASK_LIMIT,
        });
        if let (Some(c), Some(obj)) = (cursor.filter(|c| !c.is_empty()), body.as_object_mut()) {
            obj.insert("cursor".into(), Value::from(c));
        }
        self.call(
            "externalcontact/get_groupmsg_send_result",
            Verb::Post,
            &[],
            Some(&body),
        )
        .await
    }

    /// `externalcontact/remind_groupmsg_send`: reminds the members who have not sent yet.
    /// At most 3 reminders per 群发 within 24 hours (beyond: 45009 →
    /// [`WeComError::RateLimited`]).
    pub async fn remind_groupmsg_send(&self, msgid: &str) -> Result<(), WeComError> {
        require("remind_groupmsg_send", "msgid", msgid)?;
        let body = serde_json::json!({ "msgid": msgid });
        let _: Value = self
            .call(
                "externalcontact/remind_groupmsg_send",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/cancel_groupmsg_send`: members who have not sent yet can no longer
    /// send this 群发.
    pub async fn cancel_groupmsg_send(&self, msgid: &str) -> Result<(), WeComError> {
        require("cancel_groupmsg_send", "msgid", msgid)?;
        let body = serde_json::json!({ "msgid": msgid });
        let _: Value = self
            .call(
                "externalcontact/cancel_groupmsg_send",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }
}
