//! The wiring every Lambda's `main` shares, so each `main.rs` keeps to what is its own.

use std::sync::Arc;

use crm::config::{CorpConfig, DeploymentEnv};
use crm::repo::{ConfigRepo, StoreTokenStore};
use ports::{Clock, ItemStore, SystemClock};
use store_aws::{DynamoStore, SqsQueue};
use wecom_api::{WeComClient, WeComSettings};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The ports and configuration of a Lambda in AWS.
pub struct AwsRuntime {
    pub env: DeploymentEnv,
    pub store: Arc<dyn ItemStore>,
    /// The events queue (`EVENTS_QUEUE_URL`).
    pub events_queue: Arc<SqsQueue>,
    pub clock: Arc<dyn Clock>,
    /// The configuration implied by the environment (seeds the store on first start).
    pub seed: CorpConfig,
    /// The stored configuration at start.
    pub config: CorpConfig,
}

/// JSON logs for CloudWatch, filtered by `RUST_LOG`; Lambda adds the timestamps.
pub fn init_logging() {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .without_time()
        .init();
}

impl AwsRuntime {
    /// Reads the environment, builds the DynamoDB and SQS adapters (the SDK honours
    /// `AWS_ENDPOINT_URL`) and loads the stored configuration, seeding it on first start.
    pub async fn connect() -> Result<Self, BoxError> {
        let env = DeploymentEnv::from_env()?;
        let aws = store_aws::sdk_config().await;
        let store: Arc<dyn ItemStore> = Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(&aws),
            env.table.clone(),
        ));
        let events_queue = Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(&aws),
            env.events_queue_url.clone(),
        ));
        let seed = CorpConfig::from_env();
        let config = ConfigRepo::new(store.clone()).load_or_seed(&seed).await?;
        Ok(Self {
            env,
            store,
            events_queue,
            clock: Arc::new(SystemClock),
            seed,
            config,
        })
    }

    /// Another SQS queue of the deployment (e.g. `SYNC_QUEUE_URL`).
    pub fn sqs_queue(&self, queue_url: String) -> SqsQueue {
        SqsQueue::new(self.events_queue.client().clone(), queue_url)
    }

    /// A WeCom client with the stored credentials and the token shared through the store.
    pub fn wecom(&self) -> Result<WeComClient, BoxError> {
        Ok(WeComClient::new(
            WeComSettings::new(
                &self.env.wecom_base_url,
                &self.config.corp_id,
                &self.config.corp_secret,
            ),
            Arc::new(StoreTokenStore::new(self.store.clone())),
            self.clock.clone(),
        )?)
    }
}
