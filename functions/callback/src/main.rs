//! Lambda entry point of the callback function (public Function URL). Wiring only.

use std::sync::Arc;

use callback::{CallbackHandler, CallbackSettings};
use crm::config::CorpConfig;
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
    let table = std::env::var("TABLE_NAME").map_err(|_| "TABLE_NAME is not set")?;
    let queue_url = std::env::var("EVENTS_QUEUE_URL").map_err(|_| "EVENTS_QUEUE_URL is not set")?;
    let retention_days = std::env::var("CALLBACK_LOG_RETENTION_DAYS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(90);

    let aws = store_aws::sdk_config().await;
    let store: Arc<dyn ItemStore> =
        Arc::new(DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table));
    let queue: Arc<dyn JobQueue> =
        Arc::new(SqsQueue::new(aws_sdk_sqs::Client::new(&aws), queue_url));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);

    let config = ConfigRepo::new(store.clone())
        .load_or_seed(&CorpConfig::from_env())
        .await?;
    let settings = CallbackSettings::from_config(&config)?;
    let log = CallbackLog::new(store, retention_days);
    let handler = Arc::new(CallbackHandler::new(
        settings,
        Ingestor::new(log, queue, clock.clone()),
        clock,
    ));

    lambda_http::run(service_fn(move |request: Request| {
        let handler = handler.clone();
        async move {
            let answer = handler.handle(callback::from_lambda(request)).await;
            callback::to_lambda(answer).map_err(Error::from)
        }
    }))
    .await
}
