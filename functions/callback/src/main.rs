//! Lambda entry point of the callback function (public Function URL). Wiring only.

use std::sync::Arc;
use std::time::Duration;

use aws_wiring::AwsRuntime;
use callback::{CallbackHandler, CallbackSettings};
use crm::ingest::Ingestor;
use crm::repo::{CallbackLog, ConfigRepo};
use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws_wiring::init_logging();
    let aws = AwsRuntime::connect().await?;
    let settings = CallbackSettings::from_config(&aws.config)?;
    let log = CallbackLog::new(aws.store.clone(), aws.env.callback_log_retention_days);
    let handler = Arc::new(
        CallbackHandler::new(
            settings,
            Ingestor::new(log, aws.events_queue.clone(), aws.clock.clone()),
            aws.clock.clone(),
        )
        // A Token or EncodingAESKey changed in the admin API is picked up within 30 s.
        .reloading(ConfigRepo::new(aws.store.clone()), Duration::from_secs(30)),
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
