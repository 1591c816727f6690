//! Lambda entry point of the result-tracking function (a rate(15 minutes) schedule). Wiring
//! only.

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
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let summary = campaigns::tracking::handle(campaigns)
            .await
            .map_err(|e| Error::from(e.summary()))?;
        serde_json::to_value(summary).map_err(Error::from)
    }))
    .await
}
