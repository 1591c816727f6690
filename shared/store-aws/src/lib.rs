//! The AWS adapters of the ports: [`DynamoStore`] (item store on one DynamoDB table) and
//! [`SqsQueue`] (job queue on one SQS queue).
//!
//! Endpoints, region and credentials come from the SDK's own configuration chain, so
//! `AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_DYNAMODB` / `AWS_ENDPOINT_URL_SQS`) points them at an
//! emulator with no special code path. The conformance suites of `ports` run against moto's
//! server in this crate's tests (`./scripts/test` starts it).

mod dynamo;
mod sqs;
pub mod value;

#[cfg(feature = "testing")]
pub mod testing;

pub use dynamo::{
    ATTR_DOC, ATTR_PK, ATTR_SK, ATTR_TTL, ATTR_VERSION, DynamoStore, INDEXES, create_table,
};
pub use sqs::{SqsQueue, create_queue_with_dlq};

/// The SDK configuration from the environment (region, credentials, `AWS_ENDPOINT_URL`…).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}
