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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, Delete, GlobalSecondaryIndex,
    KeySchemaElement, KeyType, Projection, ProjectionType, Put, PutRequest, ScalarAttributeType,
    TableStatus, TimeToLiveSpecification, TransactWriteItem, WriteRequest,
};
use ports::store::validate_transaction;
use ports::{
    Clock, Condition, IndexName, Item, ItemStore, Page, Query, SkCondition, StoreError,
    SystemClock, WriteOp,
};

use crate::value::{from_attribute_map, to_attribute_map};

pub const ATTR_PK: &str = "pk";
pub const ATTR_SK: &str = "sk";
pub const ATTR_TTL: &str = "ttl";
pub const ATTR_VERSION: &str = "ver";
pub const ATTR_DOC: &str = "doc";
/// Index names and their key attributes, in `gsi1`..`gsi3` order.
pub const INDEXES: [(&str, &str, &str); 3] = [
    ("gsi1", "gsi1pk", "gsi1sk"),
    ("gsi2", "gsi2pk", "gsi2sk"),
    ("gsi3", "gsi3pk", "gsi3sk"),
];

/// Largest partition key value, in bytes.
const MAX_PK_BYTES: usize = 2048;
/// Largest sort key value, in bytes.
const MAX_SK_BYTES: usize = 1024;
/// Largest item DynamoDB stores.
const MAX_ITEM_BYTES: usize = 400 * 1024;
/// Most DynamoDB round trips one `query` call makes to fill its page.
const MAX_QUERY_ROUNDS: usize = 5;
/// Items per BatchWriteItem call.
const BATCH_CHUNK: usize = 25;
/// Attempts at writing a batch chunk's unprocessed items.
const BATCH_ATTEMPTS: u32 = 8;

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
        query.validate()?;
        let (index_name, ipk, isk) = index_attrs(query.index);
        let mut start = match &query.cursor {
            None => None,
            Some(cursor) => Some(decode_cursor(cursor, &query)?),
        };

        let mut names = HashMap::from([
            ("#kp".to_owned(), ipk.to_owned()),
            ("#ttl".to_owned(), ATTR_TTL.to_owned()),
        ]);
        let mut values = HashMap::from([
            (":kp".to_owned(), AttributeValue::S(query.pk.clone())),
            (":now".to_owned(), AttributeValue::N(self.now().to_string())),
        ]);
        let mut key_condition = "#kp = :kp".to_owned();
        let mut bind_sk = |clause: &str, bound: &[(&str, &str)]| {
            names.insert("#ks".to_owned(), isk.to_owned());
            for (name, value) in bound {
                values.insert((*name).to_owned(), AttributeValue::S((*value).to_owned()));
            }
            key_condition.push_str(" AND ");
            key_condition.push_str(clause);
        };
        match &query.sk {
            SkCondition::Any => {}
            SkCondition::BeginsWith(prefix) if prefix.is_empty() => {}
            SkCondition::BeginsWith(prefix) => bind_sk("begins_with(#ks, :a)", &[(":a", prefix)]),
            SkCondition::Between(low, high) => {
                bind_sk("#ks BETWEEN :a AND :b", &[(":a", low), (":b", high)]);
            }
            SkCondition::Gte(low) => bind_sk("#ks >= :a", &[(":a", low)]),
            SkCondition::Lte(high) => bind_sk("#ks <= :a", &[(":a", high)]),
        }
        let now = self.now();

        let mut items: Vec<Item> = Vec::new();
        for _ in 0..MAX_QUERY_ROUNDS {
            // One more than the page holds tells whether another page follows.
            let want = query.limit + 1 - items.len();
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .set_index_name(index_name.map(str::to_owned))
                .consistent_read(index_name.is_none())
                .key_condition_expression(&key_condition)
                .filter_expression("attribute_not_exists(#ttl) OR #ttl > :now")
                .set_expression_attribute_names(Some(names.clone()))
                .set_expression_attribute_values(Some(values.clone()))
                .scan_index_forward(query.forward)
                .limit(i32::try_from(want).unwrap_or(i32::MAX))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(|e| sdk_error("Query", &e))?;
            for attrs in out.items() {
                let item = decode_item(attrs)?;
                if !item.is_expired(now) {
                    items.push(item);
                }
            }
            if items.len() > query.limit {
                items.truncate(query.limit);
                let next = match items.last() {
                    Some(last) => Some(encode_cursor(&query, &item_key(last, query.index))?),
                    None => None,
                };
                return Ok(Page {
                    items,
                    next_cursor: next,
                });
            }
            match out.last_evaluated_key() {
                Some(lek) => start = Some(lek.clone()),
                None => {
                    return Ok(Page {
                        items,
                        next_cursor: None,
                    });
                }
            }
        }
        // Many filtered-out (expired) items: hand back what we have and where to go on.
        let next_cursor = match start {
            Some(lek) => Some(encode_cursor(&query, &lek)?),
            None => None,
        };
        Ok(Page { items, next_cursor })
    }

    async fn transact(&self, ops: Vec<WriteOp>) -> Result<(), StoreError> {
        validate_transaction(&ops)?;
        if ops.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let mut items = Vec::with_capacity(ops.len());
        for op in &ops {
            let (pk, sk) = op.key();
            check_key(pk, sk)?;
            items.push(self.transact_item(op, now)?);
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(|e| transact_error(&e))?;
        Ok(())
    }

    async fn batch_put(&self, items: Vec<Item>) -> Result<(), StoreError> {
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
}

impl DynamoStore {
    fn transact_item(&self, op: &WriteOp, now: i64) -> Result<TransactWriteItem, StoreError> {
        let build_err = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Invalid(e.to_string());
        Ok(match op {
            WriteOp::Put { item, condition } => {
                let cond = ConditionExpr::for_write(*condition, now);
                let put = Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(encode_item(item)?))
                    .set_condition_expression(cond.as_ref().map(|c| c.expression.clone()))
                    .set_expression_attribute_names(cond.as_ref().map(|c| c.names.clone()))
                    .set_expression_attribute_values(cond.and_then(ConditionExpr::values))
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().put(put).build()
            }
            WriteOp::Delete { pk, sk, condition } => {
                let cond = ConditionExpr::for_write(*condition, now);
                let delete = Delete::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(pk, sk)))
                    .set_condition_expression(cond.as_ref().map(|c| c.expression.clone()))
                    .set_expression_attribute_names(cond.as_ref().map(|c| c.names.clone()))
                    .set_expression_attribute_values(cond.and_then(ConditionExpr::values))
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().delete(delete).build()
            }
            WriteOp::Check { pk, sk, condition } => {
                let cond = ConditionExpr::for_check(*condition, now);
                let check = ConditionCheck::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(pk, sk)))
                    .condition_expression(cond.expression.clone())
                    .set_expression_attribute_names(Some(cond.names.clone()))
                    .set_expression_attribute_values(cond.values())
                    .build()
                    .map_err(build_err)?;
                TransactWriteItem::builder().condition_check(check).build()
            }
        })
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

/// A condition expression with exactly the names and values it uses (DynamoDB refuses unused
/// ones).
struct ConditionExpr {
    expression: String,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl ConditionExpr {
    /// The expression of a put or delete; `None` for an unconditional write.
    fn for_write(condition: Condition, now: i64) -> Option<Self> {
        let live = "(attribute_not_exists(#ttl) OR #ttl > :now)";
        let (expression, version) = match condition {
            Condition::Always => return None,
            // An expired item not yet removed by DynamoDB's TTL counts as absent.
            Condition::NotExists => ("attribute_not_exists(#pk) OR #ttl <= :now".to_owned(), None),
            Condition::Exists => (format!("attribute_exists(#pk) AND {live}"), None),
            Condition::VersionIs(v) => (format!("#ver = :ver AND {live}"), Some(v)),
        };
        let mut names = HashMap::from([("#ttl".to_owned(), ATTR_TTL.to_owned())]);
        let mut values = HashMap::from([(":now".to_owned(), AttributeValue::N(now.to_string()))]);
        match version {
            Some(v) => {
                names.insert("#ver".to_owned(), ATTR_VERSION.to_owned());
                values.insert(":ver".to_owned(), AttributeValue::N(v.to_string()));
            }
            None => {
                names.insert("#pk".to_owned(), ATTR_PK.to_owned());
            }
        }
        Some(Self {
            expression,
            names,
            values,
        })
    }

    /// The expression of a transaction's check, which always needs one.
    fn for_check(condition: Condition, now: i64) -> Self {
        Self::for_write(condition, now).unwrap_or_else(|| Self {
            expression: "attribute_exists(#pk) OR attribute_not_exists(#pk)".to_owned(),
            names: HashMap::from([("#pk".to_owned(), ATTR_PK.to_owned())]),
            values: HashMap::new(),
        })
    }

    fn values(self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then_some(self.values)
    }
}

fn key(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (ATTR_PK.to_owned(), AttributeValue::S(pk.to_owned())),
        (ATTR_SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

fn index_attrs(index: IndexName) -> (Option<&'static str>, &'static str, &'static str) {
    match index {
        IndexName::Primary => (None, ATTR_PK, ATTR_SK),
        IndexName::Gsi1 => (Some(INDEXES[0].0), INDEXES[0].1, INDEXES[0].2),
        IndexName::Gsi2 => (Some(INDEXES[1].0), INDEXES[1].1, INDEXES[1].2),
        IndexName::Gsi3 => (Some(INDEXES[2].0), INDEXES[2].1, INDEXES[2].2),
    }
}

fn check_key(pk: &str, sk: &str) -> Result<(), StoreError> {
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

/// The attribute map of an item, validated against DynamoDB's limits.
fn encode_item(item: &Item) -> Result<HashMap<String, AttributeValue>, StoreError> {
    check_key(&item.pk, &item.sk)?;
    let mut attrs = key(&item.pk, &item.sk);
    let mut size = item.pk.len() + item.sk.len() + 4;
    for ((_, pk_attr, sk_attr), pair) in INDEXES.iter().zip([&item.gsi1, &item.gsi2, &item.gsi3]) {
        if let Some((pk, sk)) = pair {
            check_key(pk, sk).map_err(|e| StoreError::Invalid(format!("{pk_attr}: {e}")))?;
            attrs.insert((*pk_attr).to_owned(), AttributeValue::S(pk.clone()));
            attrs.insert((*sk_attr).to_owned(), AttributeValue::S(sk.clone()));
            size += pk_attr.len() + sk_attr.len() + pk.len() + sk.len();
        }
    }
    if let Some(at) = item.expires_at {
        attrs.insert(ATTR_TTL.to_owned(), AttributeValue::N(at.to_string()));
        size += 3 + 21;
    }
    attrs.insert(
        ATTR_VERSION.to_owned(),
        AttributeValue::N(item.version.to_string()),
    );
    // The document's JSON text is a close estimate of its DynamoDB size.
    size += serde_json::to_string(&item.data).map_or(0, |s| s.len()) + 3 + 21;
    if size > MAX_ITEM_BYTES {
        return Err(StoreError::Invalid(format!(
            "item {}/{} is about {size} bytes, above the {MAX_ITEM_BYTES}-byte limit",
            item.pk, item.sk
        )));
    }
    attrs.insert(
        ATTR_DOC.to_owned(),
        AttributeValue::M(to_attribute_map(&item.data)),
    );
    Ok(attrs)
}

fn decode_item(attrs: &HashMap<String, AttributeValue>) -> Result<Item, StoreError> {
    let string = |name: &str| -> Result<Option<String>, StoreError> {
        match attrs.get(name) {
            None => Ok(None),
            Some(AttributeValue::S(s)) => Ok(Some(s.clone())),
            Some(other) => Err(StoreError::Corrupt(format!(
                "{name} is not a string: {other:?}"
            ))),
        }
    };
    let number = |name: &str| -> Result<Option<&str>, StoreError> {
        match attrs.get(name) {
            None => Ok(None),
            Some(AttributeValue::N(n)) => Ok(Some(n.as_str())),
            Some(other) => Err(StoreError::Corrupt(format!(
                "{name} is not a number: {other:?}"
            ))),
        }
    };
    let pk = string(ATTR_PK)?.ok_or_else(|| StoreError::Corrupt("item without pk".into()))?;
    let sk =
        string(ATTR_SK)?.ok_or_else(|| StoreError::Corrupt(format!("{pk}: item without sk")))?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("{pk}/{sk}: {what}"));
    let mut pairs = Vec::with_capacity(3);
    for (_, pk_attr, sk_attr) in INDEXES {
        pairs.push(string(pk_attr)?.zip(string(sk_attr)?));
    }
    let expires_at = number(ATTR_TTL)?
        .map(|n| {
            n.parse::<i64>()
                .map_err(|_| corrupt("ttl is not an integer"))
        })
        .transpose()?;
    let version = number(ATTR_VERSION)?
        .map(|n| {
            n.parse::<u64>()
                .map_err(|_| corrupt("ver is not an unsigned integer"))
        })
        .transpose()?
        .unwrap_or(0);
    let data = match attrs.get(ATTR_DOC) {
        None => serde_json::Map::new(),
        Some(AttributeValue::M(map)) => from_attribute_map(map).map_err(|e| corrupt(&e))?,
        Some(_) => return Err(corrupt("doc is not a map")),
    };
    let mut pairs = pairs.into_iter();
    Ok(Item {
        gsi1: pairs.next().flatten(),
        gsi2: pairs.next().flatten(),
        gsi3: pairs.next().flatten(),
        pk,
        sk,
        expires_at,
        version,
        data,
    })
}

/// The key attributes DynamoDB would put in a LastEvaluatedKey after `item`.
fn item_key(item: &Item, index: IndexName) -> HashMap<String, AttributeValue> {
    let mut k = key(&item.pk, &item.sk);
    let (_, ipk, isk) = index_attrs(index);
    if let Some((p, s)) = item.index_key(index) {
        k.insert(ipk.to_owned(), AttributeValue::S(p.to_owned()));
        k.insert(isk.to_owned(), AttributeValue::S(s.to_owned()));
    }
    k
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Cursor {
    index: String,
    key: HashMap<String, String>,
}

fn index_tag(index: IndexName) -> &'static str {
    index_attrs(index).0.unwrap_or("primary")
}

/// Hex of a JSON object naming the index and the key to start after.
fn encode_cursor(
    query: &Query,
    key: &HashMap<String, AttributeValue>,
) -> Result<String, StoreError> {
    let mut strings = HashMap::with_capacity(key.len());
    for (name, value) in key {
        match value {
            AttributeValue::S(s) => {
                strings.insert(name.clone(), s.clone());
            }
            other => {
                return Err(StoreError::Corrupt(format!(
                    "key attribute {name} is not a string: {other:?}"
                )));
            }
        }
    }
    let cursor = Cursor {
        index: index_tag(query.index).to_owned(),
        key: strings,
    };
    serde_json::to_vec(&cursor)
        .map(hex::encode)
        .map_err(|e| StoreError::Corrupt(format!("cursor: {e}")))
}

fn decode_cursor(text: &str, query: &Query) -> Result<HashMap<String, AttributeValue>, StoreError> {
    let bad = || StoreError::Invalid("malformed cursor".into());
    let bytes = hex::decode(text).map_err(|_| bad())?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let (_, ipk, isk) = index_attrs(query.index);
    let allowed = [ATTR_PK, ATTR_SK, ipk, isk];
    if cursor.index != index_tag(query.index)
        || cursor.key.get(ipk) != Some(&query.pk)
        || !cursor.key.contains_key(isk)
        || cursor.key.keys().any(|k| !allowed.contains(&k.as_str()))
    {
        return Err(StoreError::Invalid(
            "cursor belongs to another query".into(),
        ));
    }
    Ok(cursor
        .key
        .into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect())
}

/// Maps an SDK error of `operation` onto the store's errors.
fn sdk_error<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let detail = || format!("{operation}: {}", DisplayErrorContext(err));
    match err {
        SdkError::ConstructionFailure(_) => StoreError::Invalid(detail()),
        SdkError::ServiceError(service) => {
            classify(service.err().code().unwrap_or_default(), detail())
        }
        // Timeouts, connection failures, unreadable responses.
        _ => StoreError::Unavailable(detail()),
    }
}

fn classify(code: &str, detail: String) -> StoreError {
    match code {
        "ConditionalCheckFailedException" => StoreError::ConditionFailed,
        "TransactionConflictException" | "TransactionInProgressException" => StoreError::Conflict,
        "ValidationException"
        | "SerializationException"
        | "ItemCollectionSizeLimitExceededException"
        | "IdempotentParameterMismatchException" => StoreError::Invalid(detail),
        // Throttling, 5xx, and anything else that says the backend cannot serve us now
        // (missing table, denied access): the request may succeed later, so it is retried
        // rather than dropped.
        _ => StoreError::Unavailable(detail),
    }
}

fn transact_error(err: &SdkError<TransactWriteItemsError, HttpResponse>) -> StoreError {
    if let Some(TransactWriteItemsError::TransactionCanceledException(canceled)) =
        err.as_service_error()
    {
        let codes: Vec<&str> = canceled
            .cancellation_reasons()
            .iter()
            .filter_map(|r| r.code())
            .collect();
        let message = canceled.message().unwrap_or_default();
        let has = |code: &str| codes.contains(&code) || message.contains(code);
        let detail = format!("TransactWriteItems: {}", DisplayErrorContext(err));
        return if has("ConditionalCheckFailed") {
            StoreError::ConditionFailed
        } else if has("TransactionConflict") {
            StoreError::Conflict
        } else if has("ValidationError") || has("ItemCollectionSizeLimitExceeded") {
            StoreError::Invalid(detail)
        } else {
            StoreError::Unavailable(detail)
        };
    }
    sdk_error("TransactWriteItems", err)
}

/// Creates the table the store expects: `pk`/`sk` keys, indexes `gsi1`..`gsi3` (keys
/// `gsiNpk`/`gsiNsk`, all attributes projected), on-demand billing and TTL on `ttl`. Waits until
/// the table is active. This is the layout `template.yaml` declares.
pub async fn create_table(client: &Client, name: &str) -> Result<(), StoreError> {
    let build_err = |e: aws_sdk_dynamodb::error::BuildError| StoreError::Invalid(e.to_string());
    let key_element = |attr: &str, key_type: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(attr)
            .key_type(key_type)
            .build()
            .map_err(build_err)
    };
    let string_attr = |attr: &str| {
        AttributeDefinition::builder()
            .attribute_name(attr)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(build_err)
    };
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key_element(ATTR_PK, KeyType::Hash)?)
        .key_schema(key_element(ATTR_SK, KeyType::Range)?)
        .attribute_definitions(string_attr(ATTR_PK)?)
        .attribute_definitions(string_attr(ATTR_SK)?);
    for (index, pk_attr, sk_attr) in INDEXES {
        request = request
            .attribute_definitions(string_attr(pk_attr)?)
            .attribute_definitions(string_attr(sk_attr)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(index)
                    .key_schema(key_element(pk_attr, KeyType::Hash)?)
                    .key_schema(key_element(sk_attr, KeyType::Range)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::All)
                            .build(),
                    )
                    .build()
                    .map_err(build_err)?,
            );
    }
    request
        .send()
        .await
        .map_err(|e| sdk_error("CreateTable", &e))?;

    let mut active = false;
    for _ in 0..120 {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeTable", &e))?;
        if described.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            active = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    if !active {
        return Err(StoreError::Unavailable(format!(
            "table {name} did not become active within 60 s"
        )));
    }

    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .enabled(true)
                .attribute_name(ATTR_TTL)
                .build()
                .map_err(build_err)?,
        )
        .send()
        .await
        .map_err(|e| sdk_error("UpdateTimeToLive", &e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn items_encode_and_decode() {
        let mut item = Item::new("p", "s");
        item.gsi2 = Some(("g".into(), "h".into()));
        item.expires_at = Some(1_700_000_000);
        item.version = u64::MAX;
        item.data = json!({"a": [1, {"b": null}], "c": ""})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let attrs = encode_item(&item).expect("encodes");
        assert_eq!(attrs.get("gsi2pk"), Some(&AttributeValue::S("g".into())));
        assert!(
            !attrs.contains_key("gsi1pk"),
            "absent index keys are not written"
        );
        assert_eq!(
            attrs.get("ttl"),
            Some(&AttributeValue::N("1700000000".into()))
        );
        assert_eq!(decode_item(&attrs).expect("decodes"), item);
    }

    #[test]
    fn conditions_name_only_what_they_use() {
        assert!(ConditionExpr::for_write(Condition::Always, 5).is_none());
        let c = ConditionExpr::for_write(Condition::VersionIs(3), 5).expect("expression");
        assert!(!c.names.contains_key("#pk"));
        assert_eq!(c.values.get(":ver"), Some(&AttributeValue::N("3".into())));
        let c = ConditionExpr::for_write(Condition::NotExists, 5).expect("expression");
        assert_eq!(c.expression, "attribute_not_exists(#pk) OR #ttl <= :now");
        let c = ConditionExpr::for_check(Condition::Always, 5);
        assert!(c.values().is_none());
    }

    #[test]
    fn cursors_round_trip_and_are_bound_to_their_query() {
        let query = Query::partition(IndexName::Gsi1, "g");
        let mut item = Item::new("p", "s");
        item.gsi1 = Some(("g".into(), "x".into()));
        let cursor = encode_cursor(&query, &item_key(&item, IndexName::Gsi1)).expect("cursor");
        assert!(cursor.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            decode_cursor(&cursor, &query).expect("decodes"),
            item_key(&item, IndexName::Gsi1)
        );
        let other = Query::partition(IndexName::Gsi1, "h");
        assert!(matches!(
            decode_cursor(&cursor, &other),
            Err(StoreError::Invalid(_))
        ));
        let primary = Query::partition(IndexName::Primary, "p");
        assert!(matches!(
            decode_cursor(&cursor, &primary),
            Err(StoreError::Invalid(_))
        ));
    }
}
