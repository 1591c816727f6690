//! Customers: `externalcontact/get`, `get_follow_user_list`, `user/get`, `externalcontact/list`,
//! `batch/get_by_user`, `remark`.

use serde_json::Value;

use super::WeComClient;
use super::transport::Verb;
use crate::WeComError;
use crate::model::{BatchPage, ExternalContactDetail, MAX_BATCH_LIMIT, MAX_BATCH_USERIDS, Remark};

impl WeComClient {
    /// `externalcontact/get`, following `next_cursor` until every follow_user page is merged.
    pub async fn get_external_contact(
        &self,
        external_userid: &str,
    ) -> Result<ExternalContactDetail, WeComError> {
        let mut cursor = String::new();
        let mut merged: Option<ExternalContactDetail> = None;
        // A customer has at most a few thousand follow-users; 100 pages is a safe bound.
        for _ in 0..100 {
            let page: ExternalContactDetail = self
                .call(
                    "externalcontact/get",
                    Verb::Get,
                    &[("external_userid", external_userid), ("cursor", &cursor)],
                    None::<&()>,
                )
                .await?;
            let next = page.next_cursor.clone();
            match merged.as_mut() {
                None => merged = Some(page),
                Some(all) => all.follow_user.extend(page.follow_user),
            }
            if next.is_empty() {
                break;
            }
            cursor = next;
        }
        let mut detail = merged.unwrap_or_default();
        detail.next_cursor.clear();
        Ok(detail)
    }

    /// `externalcontact/get_follow_user_list`: staff with customer contact enabled.
    pub async fn get_follow_user_list(&self) -> Result<Vec<String>, WeComError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            follow_user: Vec<String>,
        }
        let resp: Resp = self
            .call(
                "externalcontact/get_follow_user_list",
                Verb::Get,
                &[],
                None::<&()>,
            )
            .await?;
        Ok(resp.follow_user)
    }

    /// `user/get`: a member's name (apps created since 2022-06-20 get the name only for members
    /// in their visible range, and none of the other personal fields).
    pub async fn get_user_name(&self, userid: &str) -> Result<Option<String>, WeComError> {
        if userid.is_empty() {
            return Err(WeComError::invalid("user/get", "userid", "is required"));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            name: String,
        }
        let resp: Resp = self
            .call("user/get", Verb::Get, &[("userid", userid)], None::<&()>)
            .await?;
        Ok(Some(resp.name).filter(|n| !n.trim().is_empty()))
    }

    /// `externalcontact/list`: the external_userids of one member's customers.
    pub async fn list_external_contacts(&self, userid: &str) -> Result<Vec<String>, WeComError> {
        if userid.is_empty() {
            return Err(WeComError::invalid(
                "externalcontact/list",
                "userid",
                "is required",
            ));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            external_userid: Vec<String>,
        }
        let resp: Resp = self
            .call(
                "externalcontact/list",
                Verb::Get,
                &[("userid", userid)],
                None::<&()>,
            )
            .await?;
        Ok(resp.external_userid)
    }

    /// `externalcontact/batch/get_by_user`: one page of the listed members' customers with
    /// their relationships. Pass `""` as the first cursor and the returned `next_cursor` after
    /// it, with the same `userid_list`, until it comes back `""`. At most 100 userids;
    /// `limit` 1 to 100.
    pub async fn batch_get_by_user(
        &self,
        userid_list: &[String],
        cursor: &str,
        limit: u32,
    ) -> Result<BatchPage, WeComError> {
        if userid_list.is_empty() || userid_list.len() > MAX_BATCH_USERIDS {
            return Err(WeComError::invalid(
                "externalcontact/batch/get_by_user",
                "userid_list",
                format!(
                    "must hold 1 to {MAX_BATCH_USERIDS} userids, not {}",
                    userid_list.len()
                ),
            ));
        }
        if !(1..=MAX_BATCH_LIMIT).contains(&limit) {
            return Err(WeComError::invalid(
                "externalcontact/batch/get_by_user",
                "limit",
                format!("must be 1 to {MAX_BATCH_LIMIT}, not {limit}"),
            ));
        }
        let mut body = serde_json::json!({ "userid_list": userid_list, "limit": limit });
        if !cursor.is_empty()
            && let Some(obj) = body.as_object_mut()
        {
            obj.insert("cursor".into(), Value::from(cursor));
        }
        self.call(
            "externalcontact/batch/get_by_user",
            Verb::Post,
            &[],
            Some(&body),
        )
        .await
    }

    /// `externalcontact/remark`. Fires no callback: the caller updates its own record.
    pub async fn remark(&self, request: &Remark) -> Result<(), WeComError> {
        request
            .validate()
            .map_err(|rule| WeComError::InvalidRequest {
                api: "externalcontact/remark",
                rule,
            })?;
        let _: Value = self
            .call("externalcontact/remark", Verb::Post, &[], Some(request))
            .await?;
        Ok(())
    }
}
