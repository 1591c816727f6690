//! Test support: clients for the moto server that `./scripts/test` starts, fresh tables, queues
//! and schedule groups with unique names, and the queue fixture of the conformance suites.
//!
//! Enabled by the `testing` feature; meant for dev-dependencies only.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use ports::conformance::dead_letters::DeadLetterFixture;
use ports::conformance::queue::QueueFixture;
use ports::{DeadLetters, JobQueue, QueueConsumer};

use crate::{
    DynamoStore, EventBridgeScheduler, SqsDeadLetters, SqsQueue, create_queue_with_dlq,
    create_table,
};

/// The target every test schedule names (moto does not invoke it).
pub const TEST_TARGET_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:campaign";
/// The role every test schedule names.
pub const TEST_ROLE_ARN: &str = "arn:aws:iam::123456789012:role/scheduler";

/// The emulator's endpoint: `AWS_ENDPOINT_URL`.
///
/// # Panics
/// When the variable is not set, with a message saying how to run the tests.
#[allow(clippy::panic)]
pub fn moto_endpoint() -> String {
    match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!("AWS_ENDPOINT_URL is not set: run ./scripts/test, which starts moto"),
    }
}

/// SDK configuration for moto: the environment's, with test credentials and `us-east-1` when
/// the environment has none. The endpoint is read by the SDK itself from `AWS_ENDPOINT_URL`.
pub async fn moto_config() -> aws_config::SdkConfig {
    moto_endpoint();
    let credentials = CredentialsProviderChain::first_try(
        "Environment",
        aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
    )
    .or_else(
        "moto",
        aws_sdk_dynamodb::config::Credentials::new("testing", "testing", None, None, "moto"),
    );
    aws_config::defaults(BehaviorVersion::latest())
        .region(RegionProviderChain::default_provider().or_else("us-east-1"))
        .credentials_provider(credentials)
        .load()
        .await
}

pub async fn dynamo_client() -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&moto_config().await)
}

pub async fn sqs_client() -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(&moto_config().await)
}

pub async fn scheduler_client() -> aws_sdk_scheduler::Client {
    aws_sdk_scheduler::Client::new(&moto_config().await)
}

/// A name unique to this call, valid for DynamoDB tables, SQS queues and schedule groups.
pub fn unique_name(prefix: &str) -> String {
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    let random: u64 = rand::random();
    format!("{clean}-{random:016x}")
}

/// A store on a freshly created table.
///
/// # Panics
/// When the table cannot be created (moto not running).
#[allow(clippy::panic)]
pub async fn fresh_store() -> DynamoStore {
    let client = dynamo_client().await;
    let table = unique_name("crm-test");
    if let Err(e) = create_table(&client, &table).await {
        panic!("cannot create table {table} on {}: {e}", moto_endpoint());
    }
    DynamoStore::new(client, table)
}

/// A scheduler on a freshly created schedule group, targeting [`TEST_TARGET_ARN`] with
/// [`TEST_ROLE_ARN`].
///
/// # Panics
/// When the group cannot be created (moto not running).
#[allow(clippy::panic)]
pub async fn fresh_scheduler() -> EventBridgeScheduler {
    let client = scheduler_client().await;
    let group = unique_name("crm-test");
    if let Err(e) = client.create_schedule_group().name(&group).send().await {
        panic!(
            "cannot create schedule group {group} on {}: {}",
            moto_endpoint(),
            aws_sdk_scheduler::error::DisplayErrorContext(&e)
        );
    }
    EventBridgeScheduler::new(
        client,
        group,
        TEST_TARGET_ARN.to_owned(),
        TEST_ROLE_ARN.to_owned(),
    )
}

/// A fresh queue with its dead-letter queue, for the queue and dead-letter conformance suites.
#[derive(Debug, Clone)]
pub struct SqsFixture {
    pub queue: SqsQueue,
    /// The dead-letter queue, as a plain queue (receiving from it consumes dead letters).
    pub dead_letters: SqsQueue,
    /// The dead-letter port over the same dead-letter queue, replaying onto `queue`.
    pub dead_letter_port: SqsDeadLetters,
    pub max_receives: u32,
}

/// Creates a queue and its dead-letter queue with unique names.
///
/// # Panics
/// When the queues cannot be created (moto not running).
#[allow(clippy::panic)]
pub async fn fresh_queue(max_receives: u32) -> SqsFixture {
    let client = sqs_client().await;
    let name = unique_name("crm-test");
    let (queue_url, dlq_url) = match create_queue_with_dlq(&client, &name, max_receives).await {
        Ok(urls) => urls,
        Err(e) => panic!("cannot create queue {name} on {}: {e}", moto_endpoint()),
    };
    SqsFixture {
        queue: SqsQueue::new(client.clone(), queue_url.clone()),
        dead_letters: SqsQueue::new(client.clone(), dlq_url.clone()),
        dead_letter_port: SqsDeadLetters::new(client, dlq_url, queue_url),
        max_receives,
    }
}

#[async_trait]
impl QueueFixture for SqsFixture {
    fn producer(&self) -> &dyn JobQueue {
        &self.queue
    }

    fn consumer(&self) -> &dyn QueueConsumer {
        &self.queue
    }

    fn max_receives(&self) -> u32 {
        self.max_receives
    }

    #[allow(clippy::panic)]
    async fn take_dead_letter_bodies(&self) -> Vec<String> {
        let got = match self.dead_letters.receive(10, 30, 1_000).await {
            Ok(got) => got,
            Err(e) => panic!("cannot read the dead-letter queue: {e}"),
        };
        let mut bodies = Vec::with_capacity(got.len());
        for d in got {
            if let Err(e) = self.dead_letters.ack(&d.receipt).await {
                panic!("cannot delete from the dead-letter queue: {e}");
            }
            bodies.push(d.body);
        }
        bodies
    }
}

impl DeadLetterFixture for SqsFixture {
    fn dead_letters(&self) -> &dyn DeadLetters {
        &self.dead_letter_port
    }
}

/// A shareable store, for tests that hand the store to spawned tasks.
pub async fn fresh_shared_store() -> Arc<DynamoStore> {
    Arc::new(fresh_store().await)
}
