//! [`DynamoStore`]: the item store port over one DynamoDB table.
//!
//! Table layout (see [`create_table`]):
//!
//! | attribute | type | meaning |
//! |---|---|---|
//! | `pk`, `sk` | S | table partition and sort key |
//! | `gsi1pk`/`gsi1sk`, `gsi2pk`/`gsi2sk`, `gsi3pk`/`gsi3sk` | S | keys of indexes `gsi1`..`gsi3`, present only when the item carries that index |
//! | `ttl` | N | `expires_at`, Unix seconds: the table's TTL attribute |
//! | `ver` | N | `version` |
//! | `doc` | M | the document, as a native map |
//!
//! The parts: [`codec`] turns items into attribute maps and back, [`condition`] writes condition
//! expressions, [`query`] runs queries and their cursors, [`transaction`] and [`batch`] the
//! multi-item writes, [`error`] maps the SDK's errors, and [`table`] creates the table.

mod batch;
mod codec;
mod condition;
mod error;
mod query;
mod table;
mod transaction;

pub use self::codec::{ATTR_DOC, ATTR_PK, ATTR_SK, ATTR_TTL, ATTR_VERSION, INDEXES};
pub use self::table::create_table;

use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use ports::{Clock, Condition, Item, ItemStore, Page, Query, StoreError, SystemClock, WriteOp};

use self::codec::{check_key, decode_item, encode_item, key};
use self::condition::ConditionExpr;
use self::error::sdk_error;

/// The [`ItemStore`] on DynamoDB. Reads of the table are strongly consistent; index queries are
/// eventually consistent (DynamoDB has no other kind).
#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for DynamoStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamoStore")
            .field("table", &self.table)
            .finish_non_exhaustive()
    }
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: table.into(),
            clock: Arc::new(SystemClock),
        }
    }

    /// Judges TTL expiry by `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    fn now(&self) -> i64 {
        self.clock.now_secs()
    }
}

#[async_trait]
impl ItemStore for DynamoStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError> {
        check_key(pk, sk)?;
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", &e))?;
        let now = self.now();
        match out.item() {
            None => Ok(None),
            Some(attrs) => {
                let item = decode_item(attrs)?;
                Ok((!item.is_expired(now)).then_some(item))
            }
        }
    }

    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError> {
        let attrs = encode_item(&item)?;
        let cond = ConditionExpr::for_write(condition, self.now());
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(attrs))
            .set_condition_expression(cond.as_ref().map(|c| c.expression.clone()))
            .set_expression_attribute_names(cond.as_ref().map(|c| c.names.clone()))
            .set_expression_attribute_values(cond.and_then(ConditionExpr::values))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", &e))?;
        Ok(())
    }

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError> {
        check_key(pk, sk)?;
        let cond = ConditionExpr::for_write(condition, self.now());
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(pk, sk)))
            .set_condition_expression(cond.as_ref().map(|c| c.expression.clone()))
            .set_expression_attribute_names(cond.as_ref().map(|c| c.names.clone()))
            .set_expression_attribute_values(cond.and_then(ConditionExpr::values))
            .send()
            .await
            .map_err(|e| sdk_error("DeleteItem", &e))?;
        Ok(())
    }

    async fn query(&self, query: Query) -> Result<Page, StoreError> {
        self.run_query(query).await
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        self.run_transaction(ops).await
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
        self.write_batch(items).await
    }
}
