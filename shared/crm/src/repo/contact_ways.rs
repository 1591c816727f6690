use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query};
use serde::{Deserialize, Serialize};
use wecom_api::model::ContactWayDetail;

use super::{query_page, update_item};
use crate::CrmError;
use crate::keys::{
    CONTACT_WAY_SK, CONTACT_WAYS_GSI_PK, contact_way_pk, contact_ways_of_state_gsi_pk, ts,
};

#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactWayStatus {
    Active,
    /// Deleted in WeCom; the record and its statistics stay.
    Deleted,
}

/// A 「联系我」 created through the product. WeCom does not show API-created ways in its
/// console, so this record is the only handle on it: it is written before anything else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContactWayRecord {
    pub config_id: String,
    pub way: ContactWayDetail,
    pub status: ContactWayStatus,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at_ms: Option<i64>,
    pub created_by: String,
}

#[derive(Clone)]
pub struct ContactWayRepo {
    store: Arc<dyn ItemStore>,
}

fn item(record: &ContactWayRecord) -> Result<Item, CrmError> {
    let mut item = Item::with_doc(contact_way_pk(&record.config_id), CONTACT_WAY_SK, record)?;
    let order = format!("{}#{}", ts(record.created_at_ms), record.config_id);
    item.gsi1 = Some((CONTACT_WAYS_GSI_PK.to_owned(), order.clone()));
    item.gsi2 = (!record.way.state.is_empty())
        .then(|| (contact_ways_of_state_gsi_pk(&record.way.state), order));
    Ok(item)
}

impl ContactWayRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// Stores a newly created way (its config_id is new, so this never overwrites).
    pub async fn insert(&self, record: &ContactWayRecord) -> Result<(), CrmError> {
        let mut item = item(record)?;
        item.version = 1;
        self.store.put(item, Condition::NotExists).await?;
        Ok(())
    }

    pub async fn get(&self, config_id: &str) -> Result<Option<ContactWayRecord>, CrmError> {
        match self
            .store
            .get(&contact_way_pk(config_id), CONTACT_WAY_SK)
            .await?
        {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Read-modify-write; `None` from `change` leaves the record alone.
    pub async fn update<F>(
        &self,
        config_id: &str,
        mut change: F,
    ) -> Result<Option<ContactWayRecord>, CrmError>
    where
        F: FnMut(ContactWayRecord) -> Option<ContactWayRecord>,
    {
        let written = update_item::<ContactWayRecord, _>(
            self.store.as_ref(),
            &contact_way_pk(config_id),
            CONTACT_WAY_SK,
            |current| match current.and_then(&mut change) {
                Some(next) => Ok(Some(item(&next)?)),
                None => Ok(None),
            },
        )
        .await?;
        written.map(|i| i.doc().map_err(Into::into)).transpose()
    }

    /// Newest first, optionally one channel's.
    pub async fn list(
        &self,
        state: Option<&str>,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<ContactWayRecord>, Option<String>), CrmError> {
        let query = match state {
            Some(state) => Query::partition(IndexName::Gsi2, contact_ways_of_state_gsi_pk(state)),
            None => Query::partition(IndexName::Gsi1, CONTACT_WAYS_GSI_PK),
        };
        query_page(
            self.store.as_ref(),
            query.newest_first().limit(limit).after(cursor),
        )
        .await
    }

    /// The 「联系我」 a new relationship through `state`, added by `userid`, is credited to:
    /// WeCom's add event names only the `state`, so this is the one active code with that
    /// state that lists the consultant, or else the only active code with that state. `None`
    /// when no code, or several equally, own the state (the add still counts for the channel).
    pub async fn attribute(&self, state: &str, userid: &str) -> Result<Option<String>, CrmError> {
        if state.is_empty() {
            return Ok(None);
        }
        let (ways, _) = self.list(Some(state), 100, None).await?;
        let active: Vec<&ContactWayRecord> = ways
            .iter()
            .filter(|w| w.status == ContactWayStatus::Active)
            .collect();
        let listing: Vec<&&ContactWayRecord> = active
            .iter()
            .filter(|w| w.way.user.iter().any(|u| u == userid))
            .collect();
        Ok(match (listing.as_slice(), active.as_slice()) {
            ([one], _) => Some(one.config_id.clone()),
            ([], [one]) => Some(one.config_id.clone()),
            _ => None,
        })
    }
}
