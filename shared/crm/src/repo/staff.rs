//! The staff directory: what the clinic knows of its consultants beyond their userids — the name
//! WeCom gave (`user/get`, fetched once) and a display name the clinic chose. One item: a clinic
//! has tens of consultants, not thousands.

use std::collections::BTreeMap;
use std::sync::Arc;

use ports::{Item, ItemStore};
use serde::{Deserialize, Serialize};

use super::update_item;
use crate::CrmError;
use crate::keys::CONFIG_PK;

const STAFF_SK: &str = "STAFF";

/// Longest display name (characters).
pub const DISPLAY_NAME_MAX_CHARS: usize = 32;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffEntry {
    /// The name from `user/get`, when WeCom gave one.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether `user/get` has been asked (a `None` name then means WeCom gives none).
    #[serde(default)]
    pub name_fetched: bool,
    /// The clinic's own name for the consultant.
    #[serde(default)]
    pub display_name: Option<String>,
}

impl StaffEntry {
    /// What the console shows: the display name, else WeCom's name, else the userid.
    pub fn label(&self, userid: &str) -> String {
        self.display_name
            .clone()
            .or_else(|| self.name.clone())
            .unwrap_or_else(|| userid.to_owned())
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StaffDirectory {
    #[serde(default)]
    pub members: BTreeMap<String, StaffEntry>,
}

#[derive(Clone)]
pub struct StaffRepo {
    store: Arc<dyn ItemStore>,
}

impl StaffRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    pub async fn load(&self) -> Result<StaffDirectory, CrmError> {
        match self.store.get(CONFIG_PK, STAFF_SK).await? {
            Some(item) => Ok(item.doc()?),
            None => Ok(StaffDirectory::default()),
        }
    }

    /// Applies `change` to the stored directory (optimistically; concurrent edits re-read).
    pub async fn update<F>(&self, mut change: F) -> Result<StaffDirectory, CrmError>
    where
        F: FnMut(&mut StaffDirectory),
    {
        let mut result = StaffDirectory::default();
        update_item::<StaffDirectory, _>(&*self.store, CONFIG_PK, STAFF_SK, |current| {
            let mut directory = current.unwrap_or_default();
            change(&mut directory);
            result = directory.clone();
            Ok(Some(Item::with_doc(CONFIG_PK, STAFF_SK, &directory)?))
        })
        .await?;
        Ok(result)
    }
}
