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

    /// The stored configuration, or `seed` stored as the first one — when `seed` is complete
    /// (corp id, Secret, Token and EncodingAESKey). A function deployed with only some of the
    /// credentials (the public callback has no Secret, the redirect none) works from its seed
    /// in memory and never stores it: a partial first configuration would hide the Secret the
    /// other functions were deployed with.
    pub async fn load_or_seed(&self, seed: &CorpConfig) -> Result<CorpConfig, CrmError> {
        if let Some(config) = self.load().await? {
            return Ok(config);
        }
        if !seed.has_credentials() {
            return Ok(seed.clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> Arc<dyn ItemStore> {
        Arc::new(store_embedded::SqliteStore::new(
            store_embedded::EmbeddedDb::open_in_memory().expect("in-memory store"),
        ))
    }

    fn complete() -> CorpConfig {
        CorpConfig {
            corp_id: "ww1".into(),
            corp_secret: "secret".into(),
            agent_id: "1000002".into(),
            token: "token".into(),
            encoding_aes_key: "k".repeat(43),
            ..CorpConfig::default()
        }
    }

    #[tokio::test]
    async fn a_partial_seed_is_used_but_never_stored_so_a_complete_one_still_wins() {
        let repo = ConfigRepo::new(store());
        // The public callback starts first, deployed without the Secret.
        let callback_seed = CorpConfig {
            corp_secret: String::new(),
            ..complete()
        };
        let got = repo.load_or_seed(&callback_seed).await.expect("load");
        assert_eq!(got.token, "token");
        assert_eq!(repo.load().await.expect("load"), None);
        // Then a function deployed with every credential: its seed is stored.
        let got = repo.load_or_seed(&complete()).await.expect("load");
        assert_eq!(got.corp_secret, "secret");
        assert_eq!(
            repo.load().await.expect("load").map(|c| c.corp_secret),
            Some("secret".to_owned())
        );
        // And from then on the stored one is everyone's.
        let got = repo.load_or_seed(&callback_seed).await.expect("load");
        assert_eq!(got.corp_secret, "secret");
    }
}
