//! Storage of handover jobs and batches (docs/data-model.md: `HANDOVER#<id>`).

use std::sync::Arc;

use ports::{Condition, IndexName, Item, ItemStore, Query, SkCondition};

use super::model::{HandoverBatch, HandoverJob, HandoverStatus};
use crate::CrmError;
use crate::keys::ts;
use crate::repo::{query_all_items, query_page};

const JOB_SK: &str = "JOB";
const BATCH_PREFIX: &str = "BATCH#";
/// GSI1 partition of every job (newest first).
const JOBS_GSI_PK: &str = "HANDOVERS";
/// GSI2 partition of the running jobs (the scheduled check reads it).
const RUNNING_GSI_PK: &str = "HANDOVERS#RUNNING";

pub fn handover_pk(id: &str) -> String {
    format!("HANDOVER#{id}")
}

fn batch_sk(index: u32) -> String {
    format!("{BATCH_PREFIX}{index:05}")
}

fn job_item(job: &HandoverJob) -> Result<Item, CrmError> {
    let mut item = Item::with_doc(handover_pk(&job.id), JOB_SK, job)?;
    let order = format!("{}#{}", ts(job.created_at_ms), job.id);
    item.gsi1 = Some((JOBS_GSI_PK.to_owned(), order.clone()));
    item.gsi2 = (job.status == HandoverStatus::Running).then(|| (RUNNING_GSI_PK.to_owned(), order));
    Ok(item)
}

fn batch_item(batch: &HandoverBatch) -> Result<Item, CrmError> {
    Ok(Item::with_doc(
        handover_pk(&batch.job_id),
        batch_sk(batch.index),
        batch,
    )?)
}

#[derive(Clone)]
pub struct HandoverRepo {
    store: Arc<dyn ItemStore>,
}

impl HandoverRepo {
    pub fn new(store: Arc<dyn ItemStore>) -> Self {
        Self { store }
    }

    /// Stores a new job and its batches (batches first: a job is never seen without them).
    pub async fn insert(
        &self,
        job: &HandoverJob,
        batches: &[HandoverBatch],
    ) -> Result<(), CrmError> {
        for b in batches {
            let mut item = batch_item(b)?;
            item.version = 1;
            self.store.put(item, Condition::NotExists).await?;
        }
        let mut item = job_item(job)?;
        item.version = 1;
        self.store.put(item, Condition::NotExists).await?;
        Ok(())
    }

    pub async fn get(&self, id: &str) -> Result<Option<(HandoverJob, u64)>, CrmError> {
        match self.store.get(&handover_pk(id), JOB_SK).await? {
            Some(item) => Ok(Some((item.doc()?, item.version))),
            None => Ok(None),
        }
    }

    /// Writes the job if it is still at `version`; false when someone else wrote first.
    pub async fn save(&self, job: &HandoverJob, version: u64) -> Result<bool, CrmError> {
        let mut item = job_item(job)?;
        item.version = version + 1;
        match self.store.put(item, Condition::VersionIs(version)).await {
            Ok(()) => Ok(true),
            Err(ports::StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// The job's batches in order, with their versions.
    pub async fn batches(&self, id: &str) -> Result<Vec<(HandoverBatch, u64)>, CrmError> {
        let items = query_all_items(
            self.store.as_ref(),
            Query::partition(IndexName::Primary, handover_pk(id))
                .sk(SkCondition::BeginsWith(BATCH_PREFIX.into()))
                .limit(100),
        )
        .await?;
        items
            .iter()
            .map(|i| Ok((i.doc::<HandoverBatch>()?, i.version)))
            .collect()
    }

    /// Writes the batch if it is still at `version`; false when someone else wrote first.
    pub async fn save_batch(&self, batch: &HandoverBatch, version: u64) -> Result<bool, CrmError> {
        let mut item = batch_item(batch)?;
        item.version = version + 1;
        match self.store.put(item, Condition::VersionIs(version)).await {
            Ok(()) => Ok(true),
            Err(ports::StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Jobs, newest first (one page).
    pub async fn list(
        &self,
        limit: usize,
        cursor: Option<String>,
    ) -> Result<(Vec<HandoverJob>, Option<String>), CrmError> {
        query_page(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi1, JOBS_GSI_PK)
                .newest_first()
                .limit(limit)
                .after(cursor),
        )
        .await
    }

    /// Ids of the running jobs.
    pub async fn running_ids(&self) -> Result<Vec<String>, CrmError> {
        let items = query_all_items(
            self.store.as_ref(),
            Query::partition(IndexName::Gsi2, RUNNING_GSI_PK).limit(100),
        )
        .await?;
        items
            .iter()
            .map(|i| Ok(i.doc::<HandoverJob>()?.id))
            .collect()
    }
}
