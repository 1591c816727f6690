//! The corp tag catalogue as a service: the local copy ([`TagCatalogue`]) kept in step with
//! WeCom's. Creating, renaming and deleting a tag go to WeCom first, then to the copy; a tag
//! the copy does not know is looked for in WeCom once before it is called unknown. Used by the
//! event processor (channel tags, tag-change events), the admin API (the tag pages, tagging a
//! customer) and the sync (which refreshes the copy only when WeCom's differs).

use std::sync::Arc;

use wecom_api::WeComClient;
use wecom_api::model::{AddCorpTag, CorpTagGroup, NewTag};

use crate::repo::{TagCatalogue, find_tag};
use crate::{CrmError, FieldError};

/// Longest tag or group name (WeCom: 30 characters).
pub const MAX_TAG_NAME_CHARS: usize = 30;

/// A tag or group name: trimmed, 1 to 30 characters. `field` names it in the error.
pub fn tag_name(field: &str, name: &str) -> Result<String, FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_TAG_NAME_CHARS {
        return Err(FieldError::new(
            field,
            if field == "group_name" {
                "标签组名称不能为空，且不能超过 30 个字"
            } else {
                "标签名称不能为空，且不能超过 30 个字"
            },
        ));
    }
    Ok(name.to_owned())
}

/// A live tag of the catalogue: its group's name and its own.
pub fn live_tag(groups: &[CorpTagGroup], id: &str) -> Option<(String, String)> {
    groups
        .iter()
        .filter(|g| !g.deleted)
        .flat_map(|g| g.tag.iter().map(move |t| (g, t)))
        .find(|(_, t)| !t.deleted && t.id == id)
        .map(|(g, t)| (g.group_name.clone(), t.name.clone()))
}

#[derive(Clone)]
pub struct TagService {
    pub catalogue: TagCatalogue,
    wecom: Arc<WeComClient>,
}

impl TagService {
    pub fn new(catalogue: TagCatalogue, wecom: Arc<WeComClient>) -> Self {
        Self { catalogue, wecom }
    }

    /// Replaces the local copy with WeCom's catalogue (groups WeCom no longer has stay,
    /// marked deleted); returns WeCom's groups.
    pub async fn refresh(&self) -> Result<Vec<CorpTagGroup>, CrmError> {
        let groups = self.wecom.get_corp_tag_list(&[], &[]).await?;
        self.catalogue.replace_all(&groups).await?;
        Ok(groups)
    }

    /// The catalogue in which every id of `tag_ids` is a live tag, refreshed from WeCom once
    /// if one is unknown locally; `Ok(Err(id))` names the first id WeCom does not have either.
    pub async fn with_live_tags(
        &self,
        tag_ids: &[String],
    ) -> Result<Result<Vec<CorpTagGroup>, String>, CrmError> {
        let mut groups = self.catalogue.groups().await?;
        if tag_ids.iter().any(|id| live_tag(&groups, id).is_none()) {
            self.refresh().await?;
            groups = self.catalogue.groups().await?;
        }
        Ok(
            match tag_ids.iter().find(|id| live_tag(&groups, id).is_none()) {
                Some(unknown) => Err(unknown.clone()),
                None => Ok(groups),
            },
        )
    }

    /// The id of the tag `tag_name` in group `group_name`, created in WeCom when neither side
    /// has it (a channel's tag).
    pub async fn ensure(&self, group_name: &str, tag_name: &str) -> Result<String, CrmError> {
        if let Some(id) = self.catalogue.find(group_name, tag_name).await? {
            return Ok(id);
        }
        let groups = self.refresh().await?;
        if let Some(id) = find_tag(&groups, group_name, tag_name) {
            return Ok(id);
        }
        let group_id = groups
            .iter()
            .find(|g| !g.deleted && g.group_name == group_name)
            .map(|g| g.group_id.clone());
        let created = self
            .create(AddCorpTag {
                group_name: group_id.is_none().then(|| group_name.to_owned()),
                group_id,
                order: None,
                tag: vec![NewTag {
                    name: tag_name.to_owned(),
                    order: None,
                }],
            })
            .await?;
        find_tag(std::slice::from_ref(&created), group_name, tag_name).ok_or_else(|| {
            CrmError::Inconsistent(format!("WeCom created no tag {tag_name} in {group_name}"))
        })
    }

    /// Creates tags in WeCom (`add_corp_tag`) and merges them into the local copy; returns the
    /// group as stored.
    pub async fn create(&self, request: AddCorpTag) -> Result<CorpTagGroup, CrmError> {
        let created = self.wecom.add_corp_tag(&request).await?;
        self.catalogue.merge_group(&created).await?;
        Ok(self
            .catalogue
            .groups()
            .await?
            .into_iter()
            .find(|g| g.group_id == created.group_id)
            .unwrap_or(created))
    }

    /// The live group that holds `id` (a group id or one of its live tags' ids).
    async fn holder(&self, id: &str) -> Result<Option<CorpTagGroup>, CrmError> {
        Ok(self.catalogue.groups().await?.into_iter().find(|g| {
            !g.deleted && (g.group_id == id || g.tag.iter().any(|t| t.id == id && !t.deleted))
        }))
    }

    /// Renames and/or reorders a tag or a group in WeCom (`edit_corp_tag`), then locally.
    /// `Ok(false)` when the catalogue has no live tag or group `id`.
    pub async fn edit(
        &self,
        id: &str,
        name: Option<&str>,
        order: Option<u32>,
    ) -> Result<bool, CrmError> {
        let Some(mut group) = self.holder(id).await? else {
            return Ok(false);
        };
        self.wecom.edit_corp_tag(id, name, order).await?;
        if group.group_id == id {
            if let Some(n) = name {
                n.clone_into(&mut group.group_name);
            }
            if let Some(o) = order {
                group.order = o;
            }
        } else if let Some(tag) = group.tag.iter_mut().find(|t| t.id == id) {
            if let Some(n) = name {
                n.clone_into(&mut tag.name);
            }
            if let Some(o) = order {
                tag.order = o;
            }
        }
        self.catalogue.put_group(&group).await?;
        Ok(true)
    }

    /// Deletes a tag or a whole group in WeCom (`del_corp_tag`); the local copy keeps it,
    /// marked deleted (customers' history still names it). WeCom deletes a group whose last
    /// tag goes, and so does the copy. `Ok(false)` when there is no live tag or group `id`.
    pub async fn delete(&self, id: &str) -> Result<bool, CrmError> {
        let Some(mut group) = self.holder(id).await? else {
            return Ok(false);
        };
        if group.group_id == id {
            self.wecom.del_corp_tag(&[], &[id.to_owned()]).await?;
            group.deleted = true;
            for t in &mut group.tag {
                t.deleted = true;
            }
        } else {
            self.wecom.del_corp_tag(&[id.to_owned()], &[]).await?;
            if let Some(t) = group.tag.iter_mut().find(|t| t.id == id) {
                t.deleted = true;
            }
        }
        if group.tag.iter().all(|t| t.deleted) {
            group.deleted = true;
        }
        self.catalogue.put_group(&group).await?;
        Ok(true)
    }
}
