use std::collections::BTreeSet;
use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query};
use wecom_api::model::CorpTagGroup;

use super::query_all;
use crate::CrmError;
use crate::keys::{TAGS_PK, tag_group_sk};

/// The local copy of WeCom's corp tag catalogue (a clinic has tens of groups, so the whole
/// catalogue is one partition).
#[derive(Clone)]
pub struct TagCatalogue {
    store: Arc<dyn ItemStore>,
}

impl TagCatalogue {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    pub async fn groups(&self) -> Result<Vec<CorpTagGroup>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, TAGS_PK).limit(500),
        )
        .await
    }

    /// The id of a live tag by group and tag name.
    pub async fn find(&self, group_name: &str, tag_name: &str) -> Result<Option<String>, CrmError> {
        Ok(find_in(&self.groups().await?, group_name, tag_name))
    }

    pub async fn put_group(&self, group: &CorpTagGroup) -> Result<(), CrmError> {
        let item = Item::with_doc(TAGS_PK, tag_group_sk(&group.group_id), group)?;
        self.store.put(item, Condition::Always).await?;
        Ok(())
    }

    /// Merges tags WeCom just created into the stored group (or stores the group).
    pub async fn merge_group(&self, group: &CorpTagGroup) -> Result<(), CrmError> {
        let existing = self.groups().await?;
        let merged = match existing.into_iter().find(|g| g.group_id == group.group_id) {
            Some(mut stored) => {
                for tag in &group.tag {
                    match stored.tag.iter_mut().find(|t| t.id == tag.id) {
                        Some(t) => *t = tag.clone(),
                        None => stored.tag.push(tag.clone()),
                    }
                }
                stored.deleted = false;
                stored
            }
            None => group.clone(),
        };
        self.put_group(&merged).await
    }

    /// Replaces the catalogue with WeCom's full list; groups and tags WeCom no longer has are
    /// kept, marked deleted (customers' history still names them).
    pub async fn replace_all(&self, groups: &[CorpTagGroup]) -> Result<(), CrmError> {
        let live: BTreeSet<&str> = groups.iter().map(|g| g.group_id.as_str()).collect();
        for stored in self.groups().await? {
            if !live.contains(stored.group_id.as_str()) && !stored.deleted {
                let mut gone = stored.clone();
                gone.deleted = true;
                for tag in &mut gone.tag {
                    tag.deleted = true;
                }
                self.put_group(&gone).await?;
            }
        }
        for group in groups {
            self.put_group(group).await?;
        }
        Ok(())
    }
}

pub(crate) fn find_in(groups: &[CorpTagGroup], group_name: &str, tag_name: &str) -> Option<String> {
    groups
        .iter()
        .filter(|g| !g.deleted && g.group_name == group_name)
        .flat_map(|g| g.tag.iter())
        .find(|t| !t.deleted && t.name == tag_name)
        .map(|t| t.id.clone())
}
