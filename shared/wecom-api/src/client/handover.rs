//! Customer handover (继承): `transfer_customer`, `transfer_result`, `get_unassigned_list`,
//! `resigned/transfer_customer`, `resigned/transfer_result` (wecom-api.md §9).
//!
//! The two transfer calls are not idempotent (a replay answers 40129 for customers the first
//! call started): a failure after the request may have reached WeCom is
//! [`WeComError::Ambiguous`] and is never replayed in-process; the caller reconciles through
//! `transfer_result`.

use serde_json::Value;

use super::WeComClient;
use super::outcome::Replay;
use super::transport::{Payload, Verb};
use crate::WeComError;
use crate::model::{
    MAX_UNASSIGNED_PAGE_SIZE, TransferCustomers, TransferCustomersResult, TransferResultPage,
    TransferStarted, UnassignedPage,
};

impl WeComClient {
    /// `externalcontact/transfer_customer` (在职继承): each customer's errcode (0 = started).
    pub async fn transfer_customer(
        &self,
        request: &TransferCustomers,
    ) -> Result<Vec<TransferStarted>, WeComError> {
        self.transfer("externalcontact/transfer_customer", request, true)
            .await
    }

    /// `externalcontact/resigned/transfer_customer` (离职继承; the handover member must have
    /// left). `transfer_success_msg` is not sent.
    pub async fn resigned_transfer_customer(
        &self,
        request: &TransferCustomers,
    ) -> Result<Vec<TransferStarted>, WeComError> {
        self.transfer("externalcontact/resigned/transfer_customer", request, false)
            .await
    }

    async fn transfer(
        &self,
        api: &'static str,
        request: &TransferCustomers,
        with_message: bool,
    ) -> Result<Vec<TransferStarted>, WeComError> {
        request
            .validate()
            .map_err(|rule| WeComError::InvalidRequest { api, rule })?;
        let mut body = serde_json::json!({
            "handover_userid": request.handover_userid,
            "takeover_userid": request.takeover_userid,
            "external_userid": request.external_userid,
        });
        if with_message
            && let Some(msg) = request
                .transfer_success_msg
                .as_deref()
                .filter(|m| !m.is_empty())
            && let Some(obj) = body.as_object_mut()
        {
            obj.insert("transfer_success_msg".into(), Value::from(msg));
        }
        let result: TransferCustomersResult = self
            .send(api, Verb::Post, &[], &Payload::Json(body), Replay::Unsafe)
            .await?;
        Ok(result.customer)
    }

    /// `externalcontact/transfer_result`: one page of the 在职继承 results between two members.
    pub async fn transfer_result(
        &self,
        handover_userid: &str,
        takeover_userid: &str,
        cursor: &str,
    ) -> Result<TransferResultPage, WeComError> {
        self.result_page(
            "externalcontact/transfer_result",
            handover_userid,
            takeover_userid,
            cursor,
        )
        .await
    }

    /// `externalcontact/resigned/transfer_result`: one page of the 离职继承 results.
    pub async fn resigned_transfer_result(
        &self,
        handover_userid: &str,
        takeover_userid: &str,
        cursor: &str,
    ) -> Result<TransferResultPage, WeComError> {
        self.result_page(
            "externalcontact/resigned/transfer_result",
            handover_userid,
            takeover_userid,
            cursor,
        )
        .await
    }

    async fn result_page(
        &self,
        api: &'static str,
        handover_userid: &str,
        takeover_userid: &str,
        cursor: &str,
    ) -> Result<TransferResultPage, WeComError> {
        if handover_userid.is_empty() || takeover_userid.is_empty() {
            return Err(WeComError::invalid(
                api,
                "handover_userid",
                "handover_userid and takeover_userid are required",
            ));
        }
        let mut body = serde_json::json!({
            "handover_userid": handover_userid,
            "takeover_userid": takeover_userid,
        });
        if !cursor.is_empty()
            && let Some(obj) = body.as_object_mut()
        {
            obj.insert("cursor".into(), Value::from(cursor));
        }
        self.call(api, Verb::Post, &[], Some(&body)).await
    }

    /// `externalcontact/get_unassigned_list`: one page (1 to 1000) of departed members'
    /// customers awaiting assignment. Start with `""`; follow `next_cursor` until `is_last`.
    pub async fn get_unassigned_list(
        &self,
        cursor: &str,
        page_size: u32,
    ) -> Result<UnassignedPage, WeComError> {
        const API: &str = "externalcontact/get_unassigned_list";
        if !(1..=MAX_UNASSIGNED_PAGE_SIZE).contains(&page_size) {
            return Err(WeComError::invalid(
                API,
                "page_size",
                format!("must be 1 to {MAX_UNASSIGNED_PAGE_SIZE}, not {page_size}"),
            ));
        }
        let mut body = serde_json::json!({ "page_size": page_size });
        if !cursor.is_empty()
            && let Some(obj) = body.as_object_mut()
        {
            obj.insert("cursor".into(), Value::from(cursor));
        }
        self.call(API, Verb::Post, &[], Some(&body)).await
    }
}
