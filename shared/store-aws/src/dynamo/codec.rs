//! Items as DynamoDB attribute maps: the attribute names, the key map, DynamoDB's size limits,
//! and the encoding and decoding of a whole item.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use ports::{IndexName, Item, StoreError};

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

use ports::store::MAX_ITEM_BYTES;
pub(super) use ports::store::check_key;

pub(super) fn key(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        (ATTR_PK.to_owned(), AttributeValue::S(pk.to_owned())),
        (ATTR_SK.to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

pub(super) fn index_attrs(index: IndexName) -> (Option<&'static str>, &'static str, &'static str) {
    match index {
        IndexName::Primary => (None, ATTR_PK, ATTR_SK),
        IndexName::Gsi1 => (Some(INDEXES[0].0), INDEXES[0].1, INDEXES[0].2),
        IndexName::Gsi2 => (Some(INDEXES[1].0), INDEXES[1].1, INDEXES[1].2),
        IndexName::Gsi3 => (Some(INDEXES[2].0), INDEXES[2].1, INDEXES[2].2),
    }
}

/// The attribute map of an item, validated against DynamoDB's limits.
pub(super) fn encode_item(item: &Item) -> Result<HashMap<String, AttributeValue>, StoreError> {
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

pub(super) fn decode_item(attrs: &HashMap<String, AttributeValue>) -> Result<Item, StoreError> {
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
}
