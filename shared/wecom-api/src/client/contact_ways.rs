//! 「联系我」 contact ways: `add/get/update/del/list_contact_way`, and `close_temp_chat` for the
//! temporary sessions they open.

use serde_json::Value;

use super::WeComClient;
use super::transport::Verb;
use crate::WeComError;
use crate::model::{
    AddContactWayResponse, ContactWay, ContactWayDetail, ContactWayPage,
    MAX_CONTACT_WAY_LIST_LIMIT, UpdateContactWay,
};

impl WeComClient {
    /// `externalcontact/add_contact_way`. Store the returned `config_id`: API-created ways are
    /// invisible in the console.
    pub async fn add_contact_way(
        &self,
        way: &ContactWay,
    ) -> Result<AddContactWayResponse, WeComError> {
        way.validate().map_err(|rule| WeComError::InvalidRequest {
            api: "externalcontact/add_contact_way",
            rule,
        })?;
        self.call(
            "externalcontact/add_contact_way",
            Verb::Post,
            &[],
            Some(way),
        )
        .await
    }

    /// `externalcontact/get_contact_way`.
    pub async fn get_contact_way(&self, config_id: &str) -> Result<ContactWayDetail, WeComError> {
        require_config_id("get_contact_way", config_id)?;
        #[derive(serde::Deserialize)]
        struct Resp {
            contact_way: ContactWayDetail,
        }
        let body = serde_json::json!({ "config_id": config_id });
        let resp: Resp = self
            .call(
                "externalcontact/get_contact_way",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(resp.contact_way)
    }

    /// `externalcontact/update_contact_way` (`user` / `party` overwrite the old lists).
    pub async fn update_contact_way(&self, update: &UpdateContactWay) -> Result<(), WeComError> {
        update
            .validate()
            .map_err(|rule| WeComError::InvalidRequest {
                api: "externalcontact/update_contact_way",
                rule,
            })?;
        let _: Value = self
            .call(
                "externalcontact/update_contact_way",
                Verb::Post,
                &[],
                Some(update),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/del_contact_way`.
    pub async fn del_contact_way(&self, config_id: &str) -> Result<(), WeComError> {
        require_config_id("del_contact_way", config_id)?;
        let body = serde_json::json!({ "config_id": config_id });
        let _: Value = self
            .call(
                "externalcontact/del_contact_way",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/list_contact_way`: one page of config ids (temporary ways are never
    /// listed). `start_time` defaults to 90 days ago, `limit` to 100 (at most 1000).
    pub async fn list_contact_way(
        &self,
        start_time: Option<i64>,
        end_time: Option<i64>,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ContactWayPage, WeComError> {
        if limit.is_some_and(|l| l > MAX_CONTACT_WAY_LIST_LIMIT) {
            return Err(WeComError::invalid(
                "externalcontact/list_contact_way",
                "limit",
                format!("is over {MAX_CONTACT_WAY_LIST_LIMIT}"),
            ));
        }
        if let (Some(s), Some(e)) = (start_time, end_time)
            && s > e
        {
            return Err(WeComError::invalid(
                "externalcontact/list_contact_way",
                "start_time",
                "is after end_time",
            ));
        }
        #[derive(serde::Deserialize)]
        struct Item {
            config_id: String,
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            contact_way: Vec<Item>,
            #[serde(default)]
            next_cursor: String,
        }
        let mut body = serde_json::Map::new();
        if let Some(s) = start_time {
            body.insert("start_time".into(), Value::from(s));
        }
        if let Some(e) = end_time {
            body.insert("end_time".into(), Value::from(e));
        }
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            body.insert("cursor".into(), Value::from(c));
        }
        if let Some(l) = limit {
            body.insert("limit".into(), Value::from(l));
        }
        let resp: Resp = self
            .call(
                "externalcontact/list_contact_way",
                Verb::Post,
                &[],
                Some(&Value::Object(body)),
            )
            .await?;
        Ok(ContactWayPage {
            contact_way: resp.contact_way.into_iter().map(|w| w.config_id).collect(),
            next_cursor: resp.next_cursor,
        })
    }

    /// `externalcontact/close_temp_chat`: ends a temporary session (WeCom sends the conclusions).
    pub async fn close_temp_chat(
        &self,
        userid: &str,
        external_userid: &str,
    ) -> Result<(), WeComError> {
        if userid.is_empty() || external_userid.is_empty() {
            return Err(WeComError::invalid(
                "externalcontact/close_temp_chat",
                if userid.is_empty() {
                    "userid"
                } else {
                    "external_userid"
                },
                "is required",
            ));
        }
        let body = serde_json::json!({ "userid": userid, "external_userid": external_userid });
        let _: Value = self
            .call(
                "externalcontact/close_temp_chat",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }
}

fn require_config_id(api: &'static str, config_id: &str) -> Result<(), WeComError> {
    if config_id.is_empty() {
        return Err(WeComError::invalid(api, "config_id", "is required"));
    }
    Ok(())
}
