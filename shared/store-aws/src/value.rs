//! JSON documents <-> DynamoDB attribute values.
//!
//! Objects become `M`, arrays `L`, strings `S` (empty strings kept), numbers `N`, booleans
//! `BOOL` and null `NULL`. Numbers come back as integers when their text has no fraction or
//! exponent (DynamoDB normalises `2.0` to `2`, so a float with an integral value reads back as
//! an integer), else as floats.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

/// Converts a JSON value into an attribute value.
pub fn to_attribute(value: &Value) -> AttributeValue {
    match value {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(items) => AttributeValue::L(items.iter().map(to_attribute).collect()),
        Value::Object(map) => AttributeValue::M(to_attribute_map(map)),
    }
}

/// Converts a JSON object into an attribute map.
pub fn to_attribute_map(map: &Map<String, Value>) -> HashMap<String, AttributeValue> {
    map.iter()
        .map(|(k, v)| (k.clone(), to_attribute(v)))
        .collect()
}

/// Converts an attribute value back into JSON. String and number sets become arrays; binary
/// values have no JSON form and are refused.
pub fn from_attribute(value: &AttributeValue) -> Result<Value, String> {
    Ok(match value {
        AttributeValue::Null(_) => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::N(n) => Value::Number(parse_number(n)?),
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::L(items) => Value::Array(
            items
                .iter()
                .map(from_attribute)
                .collect::<Result<Vec<_>, _>>()?,
        ),
        AttributeValue::M(map) => Value::Object(from_attribute_map(map)?),
        AttributeValue::Ss(items) => {
            Value::Array(items.iter().cloned().map(Value::String).collect())
        }
        AttributeValue::Ns(items) => Value::Array(
            items
                .iter()
                .map(|n| parse_number(n).map(Value::Number))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        other => return Err(format!("unsupported attribute type {other:?}")),
    })
}

/// Converts an attribute map back into a JSON object.
pub fn from_attribute_map(
    map: &HashMap<String, AttributeValue>,
) -> Result<Map<String, Value>, String> {
    map.iter()
        .map(|(k, v)| from_attribute(v).map(|v| (k.clone(), v)))
        .collect()
}

fn parse_number(text: &str) -> Result<Number, String> {
    let bad = || format!("not a number: {text:?}");
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Number::from(i));
        }
        if let Ok(u) = text.parse::<u64>() {
            return Ok(Number::from(u));
        }
    }
    let f: f64 = text.parse().map_err(|_| bad())?;
    Number::from_f64(f).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn documents_round_trip() {
        let doc = json!({
            "s": "王", "empty": "", "i": -3, "big": u64::MAX, "f": 3.25, "t": true, "n": null,
            "l": [1, "x", [], {}], "m": {"nested": {"deep": [false]}}
        });
        let attr = to_attribute(&doc);
        assert_eq!(from_attribute(&attr), Ok(doc));
    }

    #[test]
    fn normalised_numbers_parse() {
        assert_eq!(parse_number("2"), Ok(Number::from(2)));
        assert_eq!(parse_number("1E+3").map(|n| n.as_f64()), Ok(Some(1000.0)));
        assert_eq!(parse_number("-0.5").map(|n| n.as_f64()), Ok(Some(-0.5)));
        assert!(parse_number("abc").is_err());
    }

    #[test]
    fn sets_become_arrays_and_binary_is_refused() {
        let ss = AttributeValue::Ss(vec!["a".into(), "b".into()]);
        assert_eq!(from_attribute(&ss), Ok(json!(["a", "b"])));
        let b = AttributeValue::B(aws_sdk_dynamodb::primitives::Blob::new(vec![1u8]));
        assert!(from_attribute(&b).is_err());
    }
}
