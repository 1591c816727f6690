//! The rules WeCom documents for a request, checked before the call is spent.

/// A request that breaks one of WeCom's documented rules (wecom-api.md): the field, named as
/// in WeCom's documentation (a path such as `attachments[1].link.title`), and the rule, in
/// English for logs and developers (the admin API words its own messages for staff).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RuleError {
    pub field: String,
    pub message: String,
}

/// The rule on `field` that a request breaks.
pub fn rule(field: impl Into<String>, message: impl Into<String>) -> RuleError {
    RuleError {
        field: field.into(),
        message: message.into(),
    }
}
