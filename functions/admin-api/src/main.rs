//! Lambda entry point of the admin API (API Gateway HTTP API with a JWT authorizer). Wiring only.

use std::sync::Arc;

use admin_api::{AdminState, AuthMode};
use crm::config::{CorpConfig, DeploymentEnv};
use crm::repo::{ConfigRepo, StoreTokenStore};
use lambda_http::Error;
use ports::{Clock, ItemStore, JobQueue, RandomIds, SystemClock};
use store_aws::{DynamoStore, SqsQueue};
use wecom_api::{WeComClient, WeComSettings};

#[tokio::main]
async fn main() -> Result<(), Error> {
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .without_time()
        .init();
    let env = DeploymentEnv::from_env()?;
    let aws = store_aws::sdk_config().await;
    let store: Arc<dyn ItemStore> = Arc::new(DynamoStore::new(
        aws_sdk_dynamodb::Client::new(&aws),
        env.table,
    ));
    let queue: Arc<dyn JobQueue> = Arc::new(SqsQueue::new(
        aws_sdk_sqs::Client::new(&aws),
        env.events_queue_url,
    ));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let seed = CorpConfig::from_env();
    let config = ConfigRepo::new(store.clone()).load_or_seed(&seed).await?;
    let wecom = WeComClient::new(
        WeComSettings::new(&env.wecom_base_url, &config.corp_id, &config.corp_secret),
        Arc::new(StoreTokenStore::new(store.clone())),
        clock.clone(),
    )?;
    let state = AdminState {
        store,
        queue,
        clock,
        ids: Arc::new(RandomIds),
        wecom: Arc::new(wecom),
        wecom_base_url: env.wecom_base_url,
        config_seed: seed,
        callback_log_retention_days: env.callback_log_retention_days,
        http: reqwest::Client::new(),
    };
    lambda_http::run(admin_api::router(state, AuthMode::ApiGatewayJwt)).await
}
