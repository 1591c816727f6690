//! Lambda entry point of the result-tracking function (a rate(15 minutes) schedule). Wiring
//! only.

use std::sync::Arc;

use crm::ingest::Ingestor;
use crm::repo::CallbackLog;
use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws_wiring::init_logging();
    let aws = aws_wiring::AwsRuntime::connect().await?;
    let ingestor = Ingestor::new(
        CallbackLog::new(aws.store.clone(), aws.env.callback_log_retention_days),
        aws.events_queue.clone(),
        aws.clock.clone(),
    );
    let campaigns = aws.campaigns(Arc::new(aws.wecom()?)).await?;
    let (campaigns, ingestor) = (&campaigns, &ingestor);
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        campaigns::tracking::requeue_unqueued_events(ingestor).await;
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
