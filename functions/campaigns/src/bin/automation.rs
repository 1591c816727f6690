//! Lambda entry point of the automation function (cron 01:00 Asia/Shanghai). Wiring only.

use std::sync::Arc;

use aws_wiring::AwsRuntime;
use crm::automation::Automations;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    aws_wiring::init_logging();
    let aws = AwsRuntime::connect().await?;
    let automations = Automations::new(aws.campaigns(Arc::new(aws.wecom()?)).await?);
    let automations = &automations;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let runs = campaigns::automation::handle(automations)
            .await
            .map_err(|e| Error::from(e.summary()))?;
        serde_json::to_value(runs).map_err(Error::from)
    }))
    .await
}
