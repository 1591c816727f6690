//! Lambda entry point of the automation function (cron 01:00 Asia/Shanghai). Wiring only.

use crm::automation::Automations;
use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let automations = Automations::new(aws_wiring::campaigns_from_env().await?);
    let automations = &automations;
    lambda_runtime::run(service_fn(move |_event: LambdaEvent<Value>| async move {
        let runs = campaigns::automation::handle(automations)
            .await
            .map_err(|e| aws_wiring::lambda_error(&e))?;
        serde_json::to_value(runs).map_err(|e| Diagnostic {
            error_type: "Permanent".to_owned(),
            error_message: e.to_string(),
        })
    }))
    .await
}
