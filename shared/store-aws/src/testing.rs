//! Test support: clients for the moto server that `./scripts/test` starts, fresh tables and
//! queues with unique names, and the queue fixture of the conformance suite.
//!
//! Enabled by the `testing` feature; meant for dev-dependencies only.

use std::sync::Arc;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::RegionProviderChain;
use ports::conformance::queue::QueueFixture;
use ports::{JobQueue, QueueConsumer};

use crate::{DynamoStore, SqsQueue, create_queue_with_dlq, create_table};

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

/// A name unique to this call, valid for DynamoDB tables and SQS queues.
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

/// A fresh queue with its dead-letter queue, for the queue conformance suite.
#[derive(Debug, Clone)]
pub struct SqsFixture {
    pub queue: SqsQueue,
    pub dead_letters: SqsQueue,
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
        queue: SqsQueue::new(client.clone(), queue_url),
        dead_letters: SqsQueue::new(client, dlq_url),
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

/// A shareable store, for tests that hand the store to spawned tasks.
pub async fn fresh_shared_store() -> Arc<DynamoStore> {
    Arc::new(fresh_store().await)
}
