//! The item store port: a small DynamoDB-shaped key-value store.
//!
//! Items live under a partition key (`pk`) and a sort key (`sk`). Up to three global secondary
//! indexes (`gsi1`..`gsi3`) give other access paths; an item appears in an index only when it
//! carries that index's key pair. `data` is the item's document (a JSON object). Items with an
//! `expires_at` in the past are treated as absent by every operation (DynamoDB's TTL deletes them
//! lazily; the adapters hide them until then).

use async_trait::async_trait;
use serde_json::{Map, Value};

/// Errors of the store layer. `is_retryable` tells transient failures from permanent ones.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A write's condition did not hold (the item existed, did not exist, or had another version).
    #[error("condition failed")]
    ConditionFailed,
    /// A transaction conflicted with a concurrent one; retrying may succeed.
    #[error("transaction conflict")]
    Conflict,
    /// The backend is throttling or temporarily unreachable.
    #[error("store unavailable: {0}")]
    Unavailable(String),
    /// The request itself is invalid (too many operations, oversized item…).
    #[error("invalid store request: {0}")]
    Invalid(String),
    /// A page cursor this store did not make, or made for another query (another partition or
    /// index): the caller should start again from the first page.
    #[error("bad cursor")]
    BadCursor,
    /// Stored data could not be read back.
    #[error("corrupt item: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Conflict | StoreError::Unavailable(_))
    }
}

/// Which key schema a query reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexName {
    Primary,
    Gsi1,
    Gsi2,
    Gsi3,
}

/// One stored item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub pk: String,
    pub sk: String,
    pub gsi1: Option<(String, String)>,
    pub gsi2: Option<(String, String)>,
    pub gsi3: Option<(String, String)>,
    /// Unix seconds after which the item is gone.
    pub expires_at: Option<i64>,
    /// Optimistic-concurrency version, chosen by the writer (see [`Condition::VersionIs`]).
    pub version: u64,
    pub data: Map<String, Value>,
}

impl Item {
    pub fn new(pk: impl Into<String>, sk: impl Into<String>) -> Self {
        Self {
            pk: pk.into(),
            sk: sk.into(),
            gsi1: None,
            gsi2: None,
            gsi3: None,
            expires_at: None,
            version: 0,
            data: Map::new(),
        }
    }

    /// Builds an item whose document is `doc` serialised (must serialise to a JSON object).
    pub fn with_doc<T: serde::Serialize>(
        pk: impl Into<String>,
        sk: impl Into<String>,
        doc: &T,
    ) -> Result<Self, StoreError> {
        let mut item = Self::new(pk, sk);
        item.data = to_object(doc)?;
        Ok(item)
    }

    /// Reads the document back into a typed value.
    pub fn doc<T: serde::de::DeserializeOwned>(&self) -> Result<T, StoreError> {
        serde_json::from_value(Value::Object(self.data.clone()))
            .map_err(|e| StoreError::Corrupt(format!("{}/{}: {e}", self.pk, self.sk)))
    }

    pub fn set_doc<T: serde::Serialize>(&mut self, doc: &T) -> Result<(), StoreError> {
        self.data = to_object(doc)?;
        Ok(())
    }

    pub fn index_key(&self, index: IndexName) -> Option<(&str, &str)> {
        match index {
            IndexName::Primary => Some((self.pk.as_str(), self.sk.as_str())),
            IndexName::Gsi1 => self.gsi1.as_ref().map(|(p, s)| (p.as_str(), s.as_str())),
            IndexName::Gsi2 => self.gsi2.as_ref().map(|(p, s)| (p.as_str(), s.as_str())),
            IndexName::Gsi3 => self.gsi3.as_ref().map(|(p, s)| (p.as_str(), s.as_str())),
        }
    }

    pub fn is_expired(&self, now_secs: i64) -> bool {
        self.expires_at.is_some_and(|t| t <= now_secs)
    }
}

fn to_object<T: serde::Serialize>(doc: &T) -> Result<Map<String, Value>, StoreError> {
    match serde_json::to_value(doc) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StoreError::Invalid("document is not an object".into())),
        Err(e) => Err(StoreError::Invalid(format!(
            "document does not serialise: {e}"
        ))),
    }
}

/// A write precondition, checked atomically with the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Condition {
    Always,
    /// The item must not exist (or must have expired).
    NotExists,
    /// The item must exist.
    Exists,
    /// The item must exist with exactly this version.
    VersionIs(u64),
}

/// Sort-key restriction of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkCondition {
    Any,
    BeginsWith(String),
    /// Inclusive on both ends.
    Between(String, String),
    Gte(String),
    Lte(String),
}

/// A key query against the primary key or one index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub index: IndexName,
    pub pk: String,
    pub sk: SkCondition,
    /// Ascending sort-key order when true.
    pub forward: bool,
    /// Upper bound of items per page (1..=1000).
    pub limit: usize,
    /// Opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
}

impl Query {
    pub fn partition(index: IndexName, pk: impl Into<String>) -> Self {
        Self {
            index,
            pk: pk.into(),
            sk: SkCondition::Any,
            forward: true,
            limit: 100,
            cursor: None,
        }
    }

    pub fn sk(mut self, sk: SkCondition) -> Self {
        self.sk = sk;
        self
    }

    pub fn newest_first(mut self) -> Self {
        self.forward = false;
        self
    }

    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    pub fn after(mut self, cursor: Option<String>) -> Self {
        self.cursor = cursor;
        self
    }
}

/// Most items one query page may ask for.
pub const MAX_QUERY_LIMIT: usize = 1000;

/// Largest partition key, in bytes (DynamoDB's limit).
pub const MAX_PK_BYTES: usize = 2048;
/// Largest sort key, in bytes (DynamoDB's limit).
pub const MAX_SK_BYTES: usize = 1024;
/// Largest item, keys and document together (DynamoDB's 400 KB).
pub const MAX_ITEM_BYTES: usize = 400 * 1024;

/// The key contract every adapter enforces, of the table and of each index: neither part
/// empty, each within DynamoDB's limits.
pub fn check_key(pk: &str, sk: &str) -> Result<(), StoreError> {
    if pk.is_empty() || sk.is_empty() {
        return Err(StoreError::Invalid("pk and sk must not be empty".into()));
    }
    if pk.len() > MAX_PK_BYTES || sk.len() > MAX_SK_BYTES {
        return Err(StoreError::Invalid(format!(
            "keys are limited to {MAX_PK_BYTES} bytes (pk) and {MAX_SK_BYTES} bytes (sk)"
        )));
    }
    Ok(())
}

impl Query {
    /// The contract every adapter enforces: a limit of 1..=[`MAX_QUERY_LIMIT`], a partition
    /// key, and a `Between` whose bounds are in order.
    pub fn validate(&self) -> Result<(), StoreError> {
        if self.limit == 0 || self.limit > MAX_QUERY_LIMIT {
            return Err(StoreError::Invalid(format!(
                "limit must be 1..={MAX_QUERY_LIMIT}, got {}",
                self.limit
            )));
        }
        if self.pk.is_empty() {
            return Err(StoreError::Invalid("query pk must not be empty".into()));
        }
        if let SkCondition::Between(low, high) = &self.sk
            && low > high
        {
            return Err(StoreError::Invalid(format!(
                "between: lower bound {low:?} is above upper bound {high:?}"
            )));
        }
        Ok(())
    }
}

/// One page of query results. A page may hold fewer than `limit` items even when more follow:
/// keep reading while `next_cursor` is `Some`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    pub items: Vec<Item>,
    pub next_cursor: Option<String>,
}

/// One operation of an atomic transaction.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    Put {
        item: Item,
        condition: Condition,
    },
    Delete {
        pk: String,
        sk: String,
        condition: Condition,
    },
    Check {
        pk: String,
        sk: String,
        condition: Condition,
    },
}

/// Most operations one transaction may carry (DynamoDB's TransactWriteItems limit).
pub const MAX_TRANSACTION_OPS: usize = 100;

impl WriteOp {
    /// The (pk, sk) the operation names.
    pub fn key(&self) -> (&str, &str) {
        match self {
            WriteOp::Put { item, .. } => (item.pk.as_str(), item.sk.as_str()),
            WriteOp::Delete { pk, sk, .. } | WriteOp::Check { pk, sk, .. } => {
                (pk.as_str(), sk.as_str())
            }
        }
    }
}

/// The contract every adapter enforces on a transaction: at most [`MAX_TRANSACTION_OPS`]
/// operations, each key named once.
pub fn validate_transaction(ops: &[WriteOp]) -> Result<(), StoreError> {
    if ops.len() > MAX_TRANSACTION_OPS {
        return Err(StoreError::Invalid(format!(
            "a transaction holds at most {MAX_TRANSACTION_OPS} operations, got {}",
            ops.len()
        )));
    }
    let mut seen = std::collections::HashSet::new();
    for op in ops {
        let (pk, sk) = op.key();
        if !seen.insert((pk, sk)) {
            return Err(StoreError::Invalid(format!(
                "a transaction names {pk}/{sk} more than once"
            )));
        }
    }
    Ok(())
}

#[async_trait]
pub trait ItemStore: Send + Sync {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>, StoreError>;

    /// Writes the whole item if `condition` holds, else `StoreError::ConditionFailed`.
    async fn put(&self, item: Item, condition: Condition) -> Result<(), StoreError>;

    async fn delete(&self, pk: &str, sk: &str, condition: Condition) -> Result<(), StoreError>;

    async fn query(&self, query: Query) -> Result<Page, StoreError>;

    /// All operations or none (at most [`MAX_TRANSACTION_OPS`], each key at most once). Any
    /// failed condition fails the whole transaction with `ConditionFailed`.
    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError>;

    /// Unconditional puts of many items, not atomic as a whole (each item is written whole).
    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError>;
}
