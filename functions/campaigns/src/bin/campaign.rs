//! Lambda entry point of the campaign function (EventBridge Scheduler one-time schedules and
//! the campaign queue). Wiring only.

use std::sync::Arc;

use aws_wiring::AwsRuntime;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws_wiring::init_logging();
    let aws = AwsRuntime::connect().await?;
    let campaigns = aws.campaigns(Arc::new(aws.wecom()?)).await?;
    let campaigns = &campaigns;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        campaigns::campaign::handle_event(campaigns, event.payload)
            .await
            .map_err(|e| Error::from(e.summary()))
    }))
    .await
}
