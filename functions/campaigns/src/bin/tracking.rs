//! Lambda entry point of the result-tracking function (a rate(15 minutes) schedule). Wiring
//! only.

use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let campaigns = aws_wiring::campaigns_from_env().await?;
    let campaigns = &campaigns;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let summary = campaigns::tracking::handle(campaigns)
            .await
            .map_err(|e| aws_wiring::lambda_error(&e))?;
        serde_json::to_value(summary).map_err(|e| Diagnostic {
            error_type: "Permanent".to_owned(),
            error_message: e.to_string(),
        })
    }))
    .await
}
