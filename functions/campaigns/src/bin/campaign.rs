//! Lambda entry point of the campaign function (EventBridge Scheduler one-time schedules and
//! the campaign queue). Wiring only.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let campaigns = aws_wiring::campaigns_from_env().await?;
    let campaigns = &campaigns;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        campaigns::campaign::handle_event(campaigns, event.payload)
            .await
            .map_err(|e| aws_wiring::lambda_error(&e))
    }))
    .await
}
