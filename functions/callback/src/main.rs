//! Lambda entry point of the callback function (public Function URL). Wiring only.

use std::sync::Arc;

use callback::{CallbackHandler, CallbackSettings};
use crm::config::{CorpConfig, DeploymentEnv};
use crm::ingest::Ingestor;
use crm::repo::{CallbackLog, ConfigRepo};
use lambda_http::{Error, Request, service_fn};
use ports::{Clock, ItemStore, JobQueue, SystemClock};
use store_aws::{DynamoStore, SqsQueue};

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

    let config = ConfigRepo::new(store.clone())
        .load_or_seed(&CorpConfig::from_env())
        .await?;
    let settings = CallbackSettings::from_config(&config)?;
    let configs = ConfigRepo::new(store.clone());
    let log = CallbackLog::new(store, env.callback_log_retention_days);
    let handler = Arc::new(
        CallbackHandler::new(settings, Ingestor::new(log, queue, clock.clone()), clock)
            .reloading(configs, std::time::Duration::from_secs(30)),
    );

    lambda_http::run(service_fn(move |request: Request| {
        let handler = handler.clone();
        async move {
            let answer = handler.handle(callback::from_lambda(request)).await;
            callback::to_lambda(answer).map_err(Error::from)
        }
    }))
    .await
}
