//! Queries of the table and its indexes, and the cursors that page through them.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use ports::{IndexName, Item, Page, Query, SkCondition, StoreError};

use super::DynamoStore;
use super::codec::{ATTR_PK, ATTR_SK, ATTR_TTL, decode_item, index_attrs, key};
use super::error::sdk_error;

/// Most DynamoDB round trips one `query` call makes to fill its page.
const MAX_QUERY_ROUNDS: usize = 5;

impl DynamoStore {
    /// [`ItemStore::query`](ports::ItemStore::query): one page, skipping expired items.
    pub(super) async fn run_query(&self, query: Query) -> Result<Page, StoreError> {
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
    let bytes = hex::decode(text).map_err(|_| StoreError::BadCursor)?;
    let cursor: Cursor = serde_json::from_slice(&bytes).map_err(|_| StoreError::BadCursor)?;
    let (_, ipk, isk) = index_attrs(query.index);
    let allowed = [ATTR_PK, ATTR_SK, ipk, isk];
    if cursor.index != index_tag(query.index)
        || cursor.key.get(ipk) != Some(&query.pk)
        || !cursor.key.contains_key(isk)
        || cursor.key.keys().any(|k| !allowed.contains(&k.as_str()))
    {
        return Err(StoreError::BadCursor);
    }
    Ok(cursor
        .key
        .into_iter()
        .map(|(k, v)| (k, AttributeValue::S(v)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

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
            Err(StoreError::BadCursor)
        ));
        let primary = Query::partition(IndexName::Primary, "p");
        assert!(matches!(
            decode_cursor(&cursor, &primary),
            Err(StoreError::BadCursor)
        ));
    }
}
