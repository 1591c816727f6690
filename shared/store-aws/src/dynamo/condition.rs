//! Condition expressions of conditional writes and transaction checks.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use ports::Condition;

use super::codec::{ATTR_PK, ATTR_TTL, ATTR_VERSION};

/// A condition expression with exactly the names and values it uses (DynamoDB refuses unused
/// ones).
pub(super) struct ConditionExpr {
    pub(super) expression: String,
    pub(super) names: HashMap<String, String>,
    pub(super) values: HashMap<String, AttributeValue>,
}

impl ConditionExpr {
    /// The expression of a put or delete; `None` for an unconditional write.
    pub(super) fn for_write(condition: Condition, now: i64) -> Option<Self> {
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
    pub(super) fn for_check(condition: Condition, now: i64) -> Self {
        Self::for_write(condition, now).unwrap_or_else(|| Self {
            expression: "attribute_exists(#pk) OR attribute_not_exists(#pk)".to_owned(),
            names: HashMap::from([("#pk".to_owned(), ATTR_PK.to_owned())]),
            values: HashMap::new(),
        })
    }

    pub(super) fn values(self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then_some(self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
