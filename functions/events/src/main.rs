//! Lambda entry point of the events function (SQS trigger with partial batch failures).
//! Wiring only.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use crm::config::{CorpConfig, DeploymentEnv};
use crm::process::{Processor, ProcessorSettings};
use crm::repo::{CallbackLog, ConfigRepo, StoreTokenStore};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use ports::{Clock, ItemStore, SystemClock};
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
    let queue = SqsQueue::new(aws_sdk_sqs::Client::new(&aws), env.events_queue_url);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    let seed = CorpConfig::from_env();
    let config = ConfigRepo::new(store.clone()).load_or_seed(&seed).await?;
    let wecom = WeComClient::new(
        WeComSettings::new(&env.wecom_base_url, &config.corp_id, &config.corp_secret),
        Arc::new(StoreTokenStore::new(store.clone())),
        clock.clone(),
    )?;
    let processor = Processor::new(
        store.clone(),
        CallbackLog::new(store, env.callback_log_retention_days),
        seed,
        Arc::new(wecom),
        clock,
        ProcessorSettings::default(),
    );

    let processor = &processor;
    let queue = &queue;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(events::handle_batch(processor, queue, event.payload).await)
    }))
    .await
}
