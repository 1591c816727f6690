use std::sync::Arc;

use ports::{Condition, Item, ItemStore, StoreError};

use crate::CrmError;
use crate::config::CorpConfig;
use crate::keys::{CONFIG_CORP_SK, CONFIG_PK};

/// The stored corp configuration.
#[derive(Clone)]
pub struct ConfigRepo {
    store: Arc<dyn ItemStore>,
}

impl ConfigRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    pub async fn load(&self) -> Result<Option<CorpConfig>, CrmError> {
        match self.store.get(CONFIG_PK, CONFIG_CORP_SK).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// The stored configuration, or `seed` stored as the first one.
    pub async fn load_or_seed(&self, seed: &CorpConfig) -> Result<CorpConfig, CrmError> {
        if let Some(config) = self.load().await? {
            return Ok(config);
        }
        let item = Item::with_doc(CONFIG_PK, CONFIG_CORP_SK, seed)?;
        match self.store.put(item, Condition::NotExists).await {
            Ok(()) => Ok(seed.clone()),
            // Another process seeded it first: theirs wins.
            Err(StoreError::ConditionFailed) => self
                .load()
                .await?
                .ok_or_else(|| CrmError::Contention("config".into())),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn save(&self, config: &CorpConfig) -> Result<(), CrmError> {
        let item = Item::with_doc(CONFIG_PK, CONFIG_CORP_SK, config)?;
        self.store.put(item, Condition::Always).await?;
        Ok(())
    }
}
