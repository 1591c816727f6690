//! Lambda entry point of the sender function (the send queue). Wiring only.

use std::sync::Arc;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use aws_wiring::AwsRuntime;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws_wiring::init_logging();
    let aws = AwsRuntime::connect().await?;
    let campaigns = aws.campaigns(Arc::new(aws.wecom()?)).await?;
    let campaigns = &campaigns;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(
            campaigns::sender::handle_batch(campaigns, event.payload).await,
        )
    }))
    .await
}
