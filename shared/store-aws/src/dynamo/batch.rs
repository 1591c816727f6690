//! Batch writes: BatchWriteItem in chunks, retrying what DynamoDB left unprocessed.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use ports::{Item, StoreError};

use super::DynamoStore;
use super::codec::encode_item;
use super::error::sdk_error;

/// Items per BatchWriteItem call.
const BATCH_CHUNK: usize = 25;
/// Attempts at writing a batch chunk's unprocessed items.
const BATCH_ATTEMPTS: u32 = 8;

impl DynamoStore {
    /// [`ItemStore::batch_put`](ports::ItemStore::batch_put): BatchWriteItem calls of
    /// [`BATCH_CHUNK`] items.
    pub(super) async fn write_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        // BatchWriteItem refuses a key twice in one call: the later item wins, as it would if
        // the items were written one by one.
        let mut last_index: HashMap<(&str, &str), usize> = HashMap::new();
        for (i, item) in items.iter().enumerate() {
            last_index.insert((item.pk.as_str(), item.sk.as_str()), i);
        }
        let mut requests = Vec::with_capacity(last_index.len());
        for (i, item) in items.iter().enumerate() {
            let attrs = encode_item(item)?;
            if last_index.get(&(item.pk.as_str(), item.sk.as_str())) == Some(&i) {
                let put = PutRequest::builder()
                    .set_item(Some(attrs))
                    .build()
                    .map_err(|e| StoreError::Invalid(e.to_string()))?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
        }
        for chunk in requests.chunks(BATCH_CHUNK) {
            self.write_chunk(chunk.to_vec()).await?;
        }
        Ok(())
    }

    /// Writes one BatchWriteItem chunk, retrying unprocessed items with backoff.
    async fn write_chunk(&self, mut pending: Vec<WriteRequest>) -> Result<(), StoreError> {
        for attempt in 0..BATCH_ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            let out = self
                .client
                .batch_write_item()
                .request_items(self.table.clone(), pending)
                .send()
                .await
                .map_err(|e| sdk_error("BatchWriteItem", &e))?;
            pending = out
                .unprocessed_items()
                .and_then(|m| m.get(&self.table))
                .cloned()
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
            tracing::debug!(
                unprocessed = pending.len(),
                attempt,
                "BatchWriteItem left items unprocessed"
            );
        }
        Err(StoreError::Unavailable(format!(
            "BatchWriteItem left {} items unprocessed after {BATCH_ATTEMPTS} attempts",
            pending.len()
        )))
    }
}

/// Exponential backoff with full jitter: up to 50 ms × 2^attempt, capped at 2 s.
fn backoff(attempt: u32) -> Duration {
    let ceiling = 50u64.saturating_mul(1 << attempt.min(6)).min(2_000);
    let jitter: u64 = rand::random_range(0..=ceiling);
    Duration::from_millis(jitter.max(10))
}
