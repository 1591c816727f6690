//! The wiring every Lambda's `main` shares, so each `main.rs` keeps to what is its own.

use std::sync::Arc;

pub mod sqs_batch;

use crm::config::{CorpConfig, DeploymentEnv};
use crm::repo::{ConfigRepo, StoreTokenStore};
use ports::{Clock, ItemStore, RandomIds, SystemClock};
use store_aws::{DynamoStore, SqsQueue};
use wecom_api::{WeComClient, WeComSettings};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The ports and configuration of a Lambda in AWS.
pub struct AwsRuntime {
    pub env: DeploymentEnv,
    /// The AWS SDK configuration, loaded once for every client of this Lambda.
    pub sdk: aws_config::SdkConfig,
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
        let store = dynamo_store(&aws, env.table.clone());
        let events_queue = Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(&aws),
            env.events_queue_url.clone(),
        ));
        let seed = CorpConfig::from_env();
        let config = ConfigRepo::new(store.clone()).load_or_seed(&seed).await?;
        Ok(Self {
            env,
            sdk: aws,
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
            WeComSettings::via(
                &self.env.wecom,
                &self.config.corp_id,
                &self.config.corp_secret,
            ),
            Arc::new(StoreTokenStore::new(self.store.clone())),
            self.clock.clone(),
        )?)
    }
}

/// A domain error as Lambda reports it: `errorType` says whether a retry can help
/// (`Retryable`: throttling, a timeout, contention) or not (`Permanent`: invalid input, a
/// refusal by WeCom), so the failure destination and the alarms tell them apart; the message
/// is the error's non-personal summary.
pub fn lambda_error(e: &crm::CrmError) -> lambda_runtime::Diagnostic {
    lambda_runtime::Diagnostic {
        error_type: if e.is_retryable() {
            "Retryable"
        } else {
            "Permanent"
        }
        .to_owned(),
        error_message: e.summary(),
    }
}

/// The item store over the deployment's table.
fn dynamo_store(sdk: &aws_config::SdkConfig, table: String) -> Arc<dyn ItemStore> {
    Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(sdk), table))
}

/// An environment variable the deployment must set.
pub fn required_env(name: &str) -> Result<String, BoxError> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| format!("{name} is not set").into())
}

impl AwsRuntime {
    /// The campaign engine: the campaign and send queues (`CAMPAIGN_QUEUE_URL`,
    /// `SEND_QUEUE_URL`), EventBridge Scheduler (`SCHEDULER_GROUP`, `CAMPAIGN_FUNCTION_ARN`,
    /// `SCHEDULER_ROLE_ARN`) and the public redirect's base URL (`LINK_BASE_URL`).
    pub async fn campaigns(
        &self,
        wecom: Arc<WeComClient>,
    ) -> Result<crm::campaign::Campaigns, BoxError> {
        let scheduler = store_aws::EventBridgeScheduler::new(
            aws_sdk_scheduler::Client::new(&self.sdk),
            required_env("SCHEDULER_GROUP")?,
            required_env("CAMPAIGN_FUNCTION_ARN")?,
            required_env("SCHEDULER_ROLE_ARN")?,
        );
        let settings = crm::campaign::CampaignSettings {
            link_base: std::env::var("LINK_BASE_URL").unwrap_or_default(),
            ..crm::campaign::CampaignSettings::default()
        };
        Ok(crm::campaign::Campaigns {
            store: self.store.clone(),
            campaign_queue: Arc::new(self.sqs_queue(required_env("CAMPAIGN_QUEUE_URL")?)),
            send_queue: Arc::new(self.sqs_queue(required_env("SEND_QUEUE_URL")?)),
            scheduler: Arc::new(scheduler),
            wecom,
            clock: self.clock.clone(),
            ids: Arc::new(ports::RandomIds),
            settings,
        })
    }

    /// The dead letters of every queue whose `<NAME>_QUEUE_URL` and `<NAME>_DLQ_URL` are set.
    pub fn dead_letters(&self) -> Vec<(String, Arc<dyn ports::DeadLetters>)> {
        [
            ("events", "EVENTS"),
            ("sync", "SYNC"),
            ("campaigns", "CAMPAIGN"),
            ("sends", "SEND"),
        ]
        .into_iter()
        .filter_map(|(name, var)| {
            let source = required_env(&format!("{var}_QUEUE_URL")).ok()?;
            let dlq = required_env(&format!("{var}_DLQ_URL")).ok()?;
            let letters: Arc<dyn ports::DeadLetters> = Arc::new(store_aws::SqsDeadLetters::new(
                self.events_queue.client().clone(),
                dlq,
                source,
            ));
            Some((name.to_owned(), letters))
        })
        .collect()
    }
}

/// What every messaging Lambda starts with: logging, the runtime, and the campaign engine on
/// the stored WeCom credentials.
pub async fn campaigns_from_env() -> Result<crm::campaign::Campaigns, BoxError> {
    init_logging();
    let aws = AwsRuntime::connect().await?;
    let wecom = Arc::new(aws.wecom()?);
    aws.campaigns(wecom).await
}

/// The public redirect's wiring: the tracked links over the table (`TABLE_NAME`) and nothing
/// else — no stored configuration, no WeCom client, no queue or scheduler.
pub async fn links_from_env() -> Result<crm::campaign::links::Links, BoxError> {
    init_logging();
    let store = dynamo_store(&store_aws::sdk_config().await, required_env("TABLE_NAME")?);
    Ok(crm::campaign::links::Links::new(
        store,
        Arc::new(SystemClock),
        Arc::new(RandomIds),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ports::StoreError;

    #[test]
    fn lambda_errors_say_whether_a_retry_can_help() {
        let throttled = crm::CrmError::Store(StoreError::Unavailable("throttled".into()));
        let refused = crm::CrmError::Invalid("no such campaign".into());
        assert_eq!(lambda_error(&throttled).error_type, "Retryable");
        assert_eq!(lambda_error(&refused).error_type, "Permanent");
        assert_eq!(lambda_error(&refused).error_message, refused.summary());
    }
}
