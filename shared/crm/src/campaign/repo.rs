//! Campaign records, chunks, recipients and the per-customer send ledger in the item store.

use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition, StoreError};

use super::model::{
    Campaign, CampaignStatus, Chunk, ChunkStatus, LedgerEntry, Recipient, RecipientStatus,
};
use crate::CrmError;
use crate::keys::{
    CAMPAIGN_SK, CAMPAIGNS_GSI_PK, CHUNK_PREFIX, OPEN_CAMPAIGNS_GSI_PK, RECIPIENT_PREFIX,
    campaign_pk, chunk_gsi_pk, ledger_pk, ledger_sk, message_log_gsi_pk, open_chunks_gsi_pk,
    pending_chunks_gsi_pk, recipient_sk, ts,
};
use crate::repo::{query_all, query_all_items, query_page, update_item};

/// Ledger entries outlive every quota window (a month) and then expire.
const LEDGER_TTL_SECS: i64 = 40 * 86_400;

#[derive(Clone)]
pub struct CampaignRepo {
    store: Arc<dyn ItemStore>,
}

fn is_open(status: CampaignStatus) -> bool {
    matches!(status, CampaignStatus::Sending | CampaignStatus::Tracking)
}

pub fn campaign_item(c: &Campaign) -> Result<Item, StoreError> {
    let mut item = Item::with_doc(campaign_pk(&c.id), CAMPAIGN_SK, c)?;
    item.gsi1 = Some((
        CAMPAIGNS_GSI_PK.to_owned(),
        format!("{}#{}", ts(c.created_at_ms), c.id),
    ));
    if is_open(c.status) {
        item.gsi2 = Some((OPEN_CAMPAIGNS_GSI_PK.to_owned(), c.id.clone()));
    }
    Ok(item)
}

pub fn recipient_item(r: &Recipient) -> Result<Item, StoreError> {
    let mut item = Item::with_doc(
        campaign_pk(&r.campaign_id),
        recipient_sk(&r.external_userid),
        r,
    )?;
    if let Some(chunk) = &r.chunk {
        item.gsi1 = Some((
            chunk_gsi_pk(&r.campaign_id, chunk),
            r.external_userid.clone(),
        ));
    }
    if r.status != RecipientStatus::Skipped {
        item.gsi3 = Some((
            message_log_gsi_pk(&r.external_userid),
            format!("{}#{}", ts(r.created_at_ms), r.campaign_id),
        ));
    }
    Ok(item)
}

pub fn chunk_item(c: &Chunk) -> Result<Item, StoreError> {
    let mut item = Item::with_doc(campaign_pk(&c.campaign_id), c.key.clone(), c)?;
    match c.status {
        ChunkStatus::Pending | ChunkStatus::Creating => {
            item.gsi2 = Some((pending_chunks_gsi_pk(&c.campaign_id), c.key.clone()));
        }
        ChunkStatus::Created => {
            item.gsi3 = Some((open_chunks_gsi_pk(&c.campaign_id), c.key.clone()));
        }
        ChunkStatus::Done | ChunkStatus::Failed | ChunkStatus::Cancelled => {}
    }
    Ok(item)
}

/// Chunks read with their versions (for conditional writes).
async fn versioned_chunks(
    store: &dyn ItemStore,
    query: Query,
) -> Result<Vec<(Chunk, u64)>, CrmError> {
    query_all_items(store, query)
        .await?
        .iter()
        .map(|item| Ok((item.doc()?, item.version)))
        .collect()
}

impl CampaignRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    pub async fn insert(&self, c: &Campaign) -> Result<(), CrmError> {
        self.store
            .put(campaign_item(c)?, Condition::NotExists)
            .await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<Campaign>, CrmError> {
        match self.store.get(&campaign_pk(id), CAMPAIGN_SK).await? {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Read-modify-write of the campaign; `change` returns false to leave it alone.
    pub async fn update<F>(&self, id: &str, mut change: F) -> Result<Option<Campaign>, CrmError>
    where
        F: FnMut(&mut Campaign) -> bool,
    {
        let written = update_item::<Campaign, _>(
            self.store.as_ref(),
            &campaign_pk(id),
            CAMPAIGN_SK,
            |current| {
                let Some(mut c) = current else {
                    return Ok(None);
                };
                if !change(&mut c) {
                    return Ok(None);
                }
                Ok(Some(campaign_item(&c)?))
            },
        )
        .await?;
        match written {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// Writes the campaign only if it is still at `version` (a checkpoint). `false`: another
    /// run moved it on.
    ///
    /// A refused condition may also be this very write, applied and then reported refused (a
    /// store client retrying a request whose first attempt landed, e.g. after a timeout):
    /// the stored campaign is then exactly this one at `version + 1`, and that is a success —
    /// taken for another run's, the run would stop and leave the campaign unfinished.
    pub async fn checkpoint(&self, c: &Campaign, version: u64) -> Result<bool, CrmError> {
        let mut item = campaign_item(c)?;
        item.version = version + 1;
        match self.store.put(item, Condition::VersionIs(version)).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => {
                Ok(self
                    .get_versioned(&c.id)
                    .await?
                    .is_some_and(|(stored, stored_version)| {
                        stored_version == version + 1 && stored == *c
                    }))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The campaign with its version.
    pub async fn get_versioned(&self, id: &str) -> Result<Option<(Campaign, u64)>, CrmError> {
        match self.store.get(&campaign_pk(id), CAMPAIGN_SK).await? {
            Some(item) => Ok(Some((item.doc()?, item.version))),
            None => Ok(None),
        }
    }

    /// Campaigns newest first.
    pub async fn list(
        &self,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<Campaign>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, CAMPAIGNS_GSI_PK)
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// Campaigns whose tasks are being created or tracked.
    pub async fn open_ids(&self) -> Result<Vec<String>, CrmError> {
        let page = query_all::<Campaign>(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi2, OPEN_CAMPAIGNS_GSI_PK).limit(100),
        )
        .await?;
        Ok(page.into_iter().map(|c| c.id).collect())
    }

    pub async fn put_recipients(&self, recipients: &[Recipient]) -> Result<(), CrmError> {
        if recipients.is_empty() {
            return Ok(());
        }
        let items = recipients
            .iter()
            .map(recipient_item)
            .collect::<Result<Vec<_>, _>>()?;
        self.store.batch_put(items).await?;
        Ok(())
    }

    pub async fn recipient(
        &self,
        campaign_id: &str,
        external_userid: &str,
    ) -> Result<Option<Recipient>, CrmError> {
        match self
            .store
            .get(&campaign_pk(campaign_id), &recipient_sk(external_userid))
            .await?
        {
            Some(item) => Ok(Some(item.doc()?)),
            None => Ok(None),
        }
    }

    /// One page of a campaign's recipients, by external_userid.
    pub async fn recipients(
        &self,
        campaign_id: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<Recipient>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, campaign_pk(campaign_id))
                .sk(SkCondition::BeginsWith(RECIPIENT_PREFIX.into()))
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// Every recipient of a campaign (the funnel; at most one page read at a time).
    pub async fn all_recipients(&self, campaign_id: &str) -> Result<Vec<Recipient>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, campaign_pk(campaign_id))
                .sk(SkCondition::BeginsWith(RECIPIENT_PREFIX.into()))
                .limit(1000),
        )
        .await
    }

    pub async fn chunk_recipients(
        &self,
        campaign_id: &str,
        chunk: &str,
    ) -> Result<Vec<Recipient>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, chunk_gsi_pk(campaign_id, chunk)).limit(1000),
        )
        .await
    }

    pub async fn chunks(&self, campaign_id: &str) -> Result<Vec<Chunk>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, campaign_pk(campaign_id))
                .sk(SkCondition::BeginsWith(CHUNK_PREFIX.into()))
                .limit(500),
        )
        .await
    }

    /// Chunks whose task is not created yet, with their versions.
    pub async fn pending_chunks(&self, campaign_id: &str) -> Result<Vec<(Chunk, u64)>, CrmError> {
        versioned_chunks(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi2, pending_chunks_gsi_pk(campaign_id)).limit(500),
        )
        .await
    }

    /// Chunks whose task exists and still waits for results, with their versions.
    pub async fn open_chunks(&self, campaign_id: &str) -> Result<Vec<(Chunk, u64)>, CrmError> {
        versioned_chunks(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi3, open_chunks_gsi_pk(campaign_id)).limit(500),
        )
        .await
    }

    /// Whether any chunk's task is still to be created (one small query).
    pub async fn has_pending_chunk(&self, campaign_id: &str) -> Result<bool, CrmError> {
        self.any(Query::partition(
            IndexName::Gsi2,
            pending_chunks_gsi_pk(campaign_id),
        ))
        .await
    }

    /// Whether any chunk's task still waits for results (one small query).
    pub async fn has_open_chunk(&self, campaign_id: &str) -> Result<bool, CrmError> {
        self.any(Query::partition(
            IndexName::Gsi3,
            open_chunks_gsi_pk(campaign_id),
        ))
        .await
    }

    /// Whether the query finds an item (a page may be empty while more follow).
    async fn any(&self, query: Query) -> Result<bool, CrmError> {
        let mut cursor = None;
        loop {
            let page = self
                .store
                .query(query.clone().limit(1).after(cursor))
                .await?;
            if !page.items.is_empty() {
                return Ok(true);
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return Ok(false),
            }
        }
    }

    pub async fn chunk(
        &self,
        campaign_id: &str,
        key: &str,
    ) -> Result<Option<(Chunk, u64)>, CrmError> {
        match self.store.get(&campaign_pk(campaign_id), key).await? {
            Some(item) => Ok(Some((item.doc()?, item.version))),
            None => Ok(None),
        }
    }

    /// Creates the chunk unless it exists.
    pub async fn insert_chunk(&self, chunk: &Chunk) -> Result<(), CrmError> {
        match self
            .store
            .put(chunk_item(chunk)?, Condition::NotExists)
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Writes the chunk if it is still at `version`; false when someone else changed it.
    pub async fn save_chunk(&self, chunk: &Chunk, version: u64) -> Result<bool, CrmError> {
        let mut item = chunk_item(chunk)?;
        item.version = version + 1;
        match self.store.put(item, Condition::VersionIs(version)).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The customer's ledger entries at or after `since_ms`.
    pub async fn ledger(
        &self,
        external_userid: &str,
        since_ms: i64,
    ) -> Result<Vec<LedgerEntry>, CrmError> {
        query_all(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, ledger_pk(external_userid))
                .sk(SkCondition::Gte(format!("SEND#{}", ts(since_ms))))
                .limit(200),
        )
        .await
    }

    pub fn ledger_item(entry: &LedgerEntry) -> Result<Item, StoreError> {
        let mut item = Item::with_doc(
            ledger_pk(&entry.external_userid),
            ledger_sk(entry.at_ms, &entry.campaign_id),
            entry,
        )?;
        item.expires_at = Some(entry.at_ms / 1000 + LEDGER_TTL_SECS);
        Ok(item)
    }

    pub async fn add_ledger(&self, entries: &[LedgerEntry]) -> Result<(), CrmError> {
        if entries.is_empty() {
            return Ok(());
        }
        let items = entries
            .iter()
            .map(Self::ledger_item)
            .collect::<Result<Vec<_>, _>>()?;
        self.store.batch_put(items).await?;
        Ok(())
    }

    /// Releases a ledger entry (the message was never sent).
    pub async fn release_ledger(&self, entry: &LedgerEntry) -> Result<(), CrmError> {
        self.store
            .delete(
                &ledger_pk(&entry.external_userid),
                &ledger_sk(entry.at_ms, &entry.campaign_id),
                Condition::Always,
            )
            .await?;
        Ok(())
    }

    /// One customer's messages (recipient records), newest first.
    pub async fn messages_of(
        &self,
        external_userid: &str,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<Recipient>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi3, message_log_gsi_pk(external_userid))
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }
}
