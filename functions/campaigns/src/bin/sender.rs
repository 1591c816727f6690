//! Lambda entry point of the sender function (the send queue). Wiring only.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let campaigns = aws_wiring::campaigns_from_env().await?;
    let campaigns = &campaigns;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<SqsEvent>| async move {
        Ok::<SqsBatchResponse, Error>(
            campaigns::sender::handle_batch(campaigns, event.payload).await,
        )
    }))
    .await
}
