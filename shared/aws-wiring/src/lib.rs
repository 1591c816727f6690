//! The wiring every Lambda's `main` shares, so each `main.rs` keeps to what is its own.

use std::sync::Arc;

pub mod env;
pub mod sqs_batch;

pub use env::{EnvError, LambdaEnv};

use crm::config::CorpConfig;
use crm::repo::{ConfigRepo, StoreTokenStore};
use ports::{Clock, ItemStore, RandomIds, SystemClock};
use store_aws::{DynamoStore, SqsQueue};
use wecom_api::{WeComClient, WeComSettings};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The ports and configuration of a Lambda in AWS.
pub struct AwsRuntime {
    /// The environment, read once at start.
    pub env: LambdaEnv,
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
        let env = LambdaEnv::from_process()?;
        let aws = store_aws::sdk_config().await;
        let store = dynamo_store(&aws, env.table.clone(), env.retention);
        let events_queue = Arc::new(SqsQueue::new(
            aws_sdk_sqs::Client::new(&aws),
            env.events_queue_url()?.to_owned(),
        ));
        let seed = env.corp_seed.clone();
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

    /// Another SQS queue of the deployment (e.g. `env.sync_queue_url()?`).
    pub fn sqs_queue(&self, queue_url: &str) -> SqsQueue {
        SqsQueue::new(self.events_queue.client().clone(), queue_url.to_owned())
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

/// The item store over the deployment's table, keeping the aggregates on every write and
/// stamping the configured retention (`RETENTION_*`) on the records that expire by TTL.
fn dynamo_store(
    sdk: &aws_config::SdkConfig,
    table: String,
    retention: crm::retention::Retention,
) -> Arc<dyn ItemStore> {
    crm::retention::RetentionStore::wrap(
        crm::aggregates::AggregatingStore::wrap(Arc::new(DynamoStore::new(
            aws_sdk_dynamodb::Client::new(sdk),
            table,
        ))),
        retention,
        Arc::new(SystemClock),
    )
}

impl AwsRuntime {
    /// The campaign engine: the campaign and send queues (`CAMPAIGN_QUEUE_URL`,
    /// `SEND_QUEUE_URL`), EventBridge Scheduler (`SCHEDULER_GROUP`, `CAMPAIGN_FUNCTION_ARN`,
    /// `SCHEDULER_ROLE_ARN`) and the public redirect's base URL (`LINK_BASE_URL`).
    pub async fn campaigns(
        &self,
        wecom: Arc<WeComClient>,
    ) -> Result<crm::campaign::Campaigns, BoxError> {
        let target = self.env.scheduler()?;
        let scheduler = store_aws::EventBridgeScheduler::new(
            aws_sdk_scheduler::Client::new(&self.sdk),
            target.group.clone(),
            target.target_arn.clone(),
            target.role_arn.clone(),
        );
        let settings = crm::campaign::CampaignSettings {
            link_base: self.env.link_base.clone(),
            ..crm::campaign::CampaignSettings::default()
        };
        Ok(crm::campaign::Campaigns {
            store: self.store.clone(),
            campaign_queue: Arc::new(self.sqs_queue(self.env.campaign_queue_url()?)),
            send_queue: Arc::new(self.sqs_queue(self.env.send_queue_url()?)),
            scheduler: Arc::new(scheduler),
            wecom,
            clock: self.clock.clone(),
            ids: Arc::new(ports::RandomIds),
            settings,
        })
    }

    /// The dead letters of every queue whose `<NAME>_QUEUE_URL` and `<NAME>_DLQ_URL` are set.
    pub fn dead_letters(&self) -> Vec<(String, Arc<dyn ports::DeadLetters>)> {
        self.env
            .dead_letters
            .iter()
            .map(|q| {
                let letters: Arc<dyn ports::DeadLetters> =
                    Arc::new(store_aws::SqsDeadLetters::new(
                        self.events_queue.client().clone(),
                        q.dlq_url.clone(),
                        q.queue_url.clone(),
                    ));
                (q.name.to_owned(), letters)
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
    let env = LambdaEnv::from_process()?;
    let store = dynamo_store(&store_aws::sdk_config().await, env.table, env.retention);
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
        let refused = crm::CrmError::not_found("campaign", "c1");
        assert_eq!(lambda_error(&throttled).error_type, "Retryable");
        assert_eq!(lambda_error(&refused).error_type, "Permanent");
        assert_eq!(lambda_error(&refused).error_message, refused.summary());
    }
}
