//! SDK errors mapped onto the store's errors.

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use ports::StoreError;

/// Maps an SDK error of `operation` onto the store's errors.
pub(super) fn sdk_error<E>(operation: &str, err: &SdkError<E, HttpResponse>) -> StoreError
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

pub(super) fn transact_error(err: &SdkError<TransactWriteItemsError, HttpResponse>) -> StoreError {
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
