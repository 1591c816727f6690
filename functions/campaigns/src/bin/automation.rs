//! Lambda entry point of the automation function: the rules (cron 01:00 Asia/Shanghai) and,
//! when the schedule's payload names the `consultant-digest` job (08:00), the consultants'
//! daily digest. Wiring only.

use crm::automation::Automations;
use lambda_runtime::{Diagnostic, Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let campaigns = aws_wiring::campaigns_from_env().await?;
    let console_url = aws_wiring::LambdaEnv::from_process()?.console_url;
    let alerts = campaigns::digest::alerts(&campaigns, &console_url);
    let automations = Automations::new(campaigns);
    let (automations, alerts) = (&automations, &alerts);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let serialized = if campaigns::digest::is_digest(&event.payload) {
            let summary = campaigns::digest::handle(alerts)
                .await
                .map_err(|e| aws_wiring::lambda_error(&e))?;
            serde_json::to_value(summary)
        } else {
            let runs = campaigns::automation::handle(automations)
                .await
                .map_err(|e| aws_wiring::lambda_error(&e))?;
            serde_json::to_value(runs)
        };
        serialized.map_err(|e| Diagnostic {
            error_type: "Permanent".to_owned(),
            error_message: e.to_string(),
        })
    }))
    .await
}
