//! The AWS adapters of the ports: [`DynamoStore`] (item store on one DynamoDB table),
//! [`SqsQueue`] (job queue on one SQS queue), [`SqsDeadLetters`] (its dead-letter queue) and
//! [`EventBridgeScheduler`] (one-time schedules in one EventBridge Scheduler group).
//!
//! Endpoints, region and credentials come from the SDK's own configuration chain, so
//! `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_SQS` /
//! `AWS_ENDPOINT_URL_SCHEDULER`) points them at an emulator with no special code path. The conformance suites of `ports` run against moto's
//! server in this crate's tests (`./scripts/test` starts it).

mod dynamo;
mod scheduler;
mod sqs;
pub mod value;

#[cfg(feature = "testing")]
pub mod testing;

pub use dynamo::{
    ATTR_DOC, ATTR_PK, ATTR_SK, ATTR_TTL, ATTR_VERSION, DynamoStore, INDEXES, create_table,
};
pub use scheduler::{EventBridgeScheduler, SCHEDULE_TIMEZONE, at_expression, parse_at_expression};
pub use sqs::{SqsDeadLetters, SqsQueue, create_queue_with_dlq};

/// The SDK configuration from the environment (region, credentials, `AWS_ENDPOINT_URL`…).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
