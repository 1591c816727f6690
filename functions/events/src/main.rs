//! Lambda entry point of the events function (SQS trigger with partial batch failures).
//! Wiring only.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_wiring::AwsRuntime;
use crm::process::{Processor, ProcessorSettings};
use crm::repo::CallbackLog;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws_wiring::init_logging();
    let aws = AwsRuntime::connect().await?;
    let processor = Processor::new(
        aws.store.clone(),
        CallbackLog::new(aws.store.clone(), aws.env.callback_log_retention_days),
        aws.seed.clone(),
        Arc::new(aws.wecom()?),
        aws.clock.clone(),
        ProcessorSettings {
            console_base: aws.env.console_url.clone(),
            ..ProcessorSettings::default()
        },
    );
    let processor = &processor;
    let queue = aws.events_queue.as_ref();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(events::handle_batch(processor, queue, event.payload).await)
    }))
    .await
}
