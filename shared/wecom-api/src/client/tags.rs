//! Corp tags: `get_corp_tag_list`, `add_corp_tag`, `edit_corp_tag`, `del_corp_tag`, and
//! `mark_tag` on a customer.

use serde_json::Value;

use super::WeComClient;
use super::transport::Verb;
use crate::WeComError;
use crate::model::{AddCorpTag, CorpTagGroup, MarkTag};

impl WeComClient {
    /// `externalcontact/get_corp_tag_list` for the given tag ids only. Unlike the full listing,
    /// tags (and groups) deleted since come back too, with `deleted: true` — how a sync learns
    /// that a tag it holds is gone. Each tag is returned inside its group.
    pub async fn get_corp_tags_by_id(
        &self,
        tag_ids: &[String],
    ) -> Result<Vec<CorpTagGroup>, WeComError> {
        if tag_ids.is_empty() {
            return Err(WeComError::invalid(
                "externalcontact/get_corp_tag_list",
                "tag_id",
                "at least one tag id is required (none lists every live tag)",
            ));
        }
        self.get_corp_tag_list(tag_ids, &[]).await
    }

    /// `externalcontact/get_corp_tag_list`; both lists empty means every live tag; `group_ids`
    /// given means `tag_ids` is ignored (WeCom's rule). Entries asked for by id come back even
    /// when deleted, with `deleted: true` (see [`WeComClient::get_corp_tags_by_id`]).
    pub async fn get_corp_tag_list(
        &self,
        tag_ids: &[String],
        group_ids: &[String],
    ) -> Result<Vec<CorpTagGroup>, WeComError> {
        #[derive(serde::Deserialize)]
        struct Resp {
            #[serde(default)]
            tag_group: Vec<CorpTagGroup>,
        }
        let body = serde_json::json!({ "tag_id": tag_ids, "group_id": group_ids });
        let resp: Resp = self
            .call(
                "externalcontact/get_corp_tag_list",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(resp.tag_group)
    }

    /// `externalcontact/add_corp_tag`; returns the group with the created (or existing) tags.
    pub async fn add_corp_tag(&self, request: &AddCorpTag) -> Result<CorpTagGroup, WeComError> {
        if request.tag.is_empty() {
            return Err(WeComError::invalid(
                "externalcontact/add_corp_tag",
                "tag",
                "needs at least one tag",
            ));
        }
        #[derive(serde::Deserialize)]
        struct Resp {
            tag_group: CorpTagGroup,
        }
        let resp: Resp = self
            .call(
                "externalcontact/add_corp_tag",
                Verb::Post,
                &[],
                Some(request),
            )
            .await?;
        Ok(resp.tag_group)
    }

    /// `externalcontact/edit_corp_tag`: renames and/or reorders a tag or a group (`id` is
    /// either). Only tags this app created can be edited.
    pub async fn edit_corp_tag(
        &self,
        id: &str,
        name: Option<&str>,
        order: Option<u32>,
    ) -> Result<(), WeComError> {
        if id.is_empty() {
            return Err(WeComError::invalid(
                "externalcontact/edit_corp_tag",
                "id",
                "is required",
            ));
        }
        if let Some(n) = name
            && (n.trim().is_empty() || n.chars().count() > 30)
        {
            return Err(WeComError::invalid(
                "externalcontact/edit_corp_tag",
                "name",
                "must be 1 to 30 characters",
            ));
        }
        let mut body = serde_json::json!({ "id": id });
        if let Some(obj) = body.as_object_mut() {
            if let Some(n) = name {
                obj.insert("name".into(), Value::from(n));
            }
            if let Some(o) = order {
                obj.insert("order".into(), Value::from(o));
            }
        }
        let _: Value = self
            .call(
                "externalcontact/edit_corp_tag",
                Verb::Post,
                &[],
                Some(&body),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/del_corp_tag`: deletes tags and/or whole groups.
    pub async fn del_corp_tag(
        &self,
        tag_ids: &[String],
        group_ids: &[String],
    ) -> Result<(), WeComError> {
        if tag_ids.is_empty() && group_ids.is_empty() {
            return Err(WeComError::invalid(
                "externalcontact/del_corp_tag",
                "tag_id",
                "tag_id or group_id is required",
            ));
        }
        let body = serde_json::json!({ "tag_id": tag_ids, "group_id": group_ids });
        let _: Value = self
            .call("externalcontact/del_corp_tag", Verb::Post, &[], Some(&body))
            .await?;
        Ok(())
    }

    /// `externalcontact/mark_tag`. Fires no callback: the caller updates its own record.
    pub async fn mark_tag(&self, request: &MarkTag) -> Result<(), WeComError> {
        if request.add_tag.is_empty() && request.remove_tag.is_empty() {
            return Err(WeComError::invalid(
                "externalcontact/mark_tag",
                "add_tag",
                "needs a tag to add or remove",
            ));
        }
        let _: Value = self
            .call("externalcontact/mark_tag", Verb::Post, &[], Some(request))
            .await?;
        Ok(())
    }
}
